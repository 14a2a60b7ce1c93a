/**
 * ClfWriter options and public types (writer.ts): `WriterOptions`, their defaults, and validation into the
 * resolved form the writer runs on; `WriterStats` and `WriterEvents`. Invalid values are rejected by `ClfWriter.open()` with CONFIG_INVALID
 * naming the option. docs/guides/log-files.md has the same table for users.
 *
 * Defaults favour safety over throughput where the two conflict: private permissions always, refusing a
 * group/world-writable directory (RFC 6872 §10, RFC 8497 §7.4), fsync at rotation and close, and a bounded
 * queue (64 MiB) so that a stalled disk costs dropped-and-counted records, never unbounded memory.
 */
import { SipclfError } from '../errors.js';
import type { RotateEvent } from './writer-files.js';
import type { InsecureDirPolicy } from './writer-fs.js';
import { parseInterval, parsePattern } from './rotate.js';
import type { NamePattern } from './rotate.js';

/**
 * When the writer calls fsync: never by itself (`'none'`, the OS writes back when it likes; close() still
 * fsyncs), when a file is rotated and closed (`'rotate'`), after every batch (`'every'`: a record is on
 * disk when flush() resolves), or every N milliseconds when something was written since the last one.
 */
export type FsyncPolicy = 'none' | 'rotate' | 'every' | number;

export interface WriterOptions {
  /** Directory of the log files; created with mode 0700 when missing. */
  readonly dir: string;
  /** File-name pattern (rotate.ts tokens). Default `sipclf-%Y%m%d-%H%M%S-%n.clf`. */
  readonly pattern?: string;
  /** Rotate before a record would make the file larger than this many bytes. Default: no size rotation. */
  readonly maxBytes?: number;
  /** Rotate at wall-clock boundaries: `'30s'`, `'15m'`, `'1h'`, `'1d'`, or milliseconds. Default: none. */
  readonly interval?: string | number;
  /** Times in names and interval alignment in UTC (default) or local time. */
  readonly utc?: boolean;
  /** gzip rotated files in the background. Default false. */
  readonly gzip?: boolean;
  /** Keep at most this many rotated files (the active file not counted). Default: unlimited. */
  readonly maxFiles?: number;
  /** Delete rotated files whose newest record is older than this. Default: unlimited. */
  readonly maxAgeMs?: number;
  /** Default `'rotate'`. */
  readonly fsync?: FsyncPolicy;
  /** write() returns false while more than this many bytes wait in memory. Default 1 MiB. */
  readonly highWaterMark?: number;
  /** Records that would take the queue beyond this many bytes are dropped and counted. Default 64 MiB. */
  readonly maxQueueBytes?: number;
  /** Largest single write() system call, in bytes (a larger record is written alone). Default 1 MiB. */
  readonly batchBytes?: number;
  /**
   * Gather records for this many milliseconds before writing them in one system call (a logging proxy writes
   * a dozen records per call: one write per batch instead of one per message). 0 (default): write as soon as
   * the current task ends. flush() and close() write at once. A crash loses at most this window more.
   */
  readonly coalesceMs?: number;
  /** Existing directory writable by group/others: `'refuse'` (default) or `'warn'`. */
  readonly insecureDir?: InsecureDirPolicy;
  /** Name of a symlink in `dir` kept pointing at the active file (e.g. `current.clf`). Default: none. */
  readonly currentLink?: string;
  /** Milliseconds since the epoch; injectable for tests. Default `Date.now`. */
  readonly clock?: () => number;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  readonly dir: string;
  readonly pattern: NamePattern;
  readonly maxBytes: number | undefined;
  readonly interval: number | undefined;
  readonly utc: boolean;
  readonly gzip: boolean;
  readonly maxFiles: number | undefined;
  readonly maxAgeMs: number | undefined;
  readonly fsync: FsyncPolicy;
  readonly highWaterMark: number;
  readonly maxQueueBytes: number;
  readonly batchBytes: number;
  readonly coalesceMs: number;
  readonly insecureDir: InsecureDirPolicy;
  readonly currentLink: string | undefined;
  readonly clock: () => number;
}

export const DEFAULT_PATTERN = 'sipclf-%Y%m%d-%H%M%S-%n.clf';
const MiB = 1024 * 1024;

function bad(name: string, why: string): never {
  throw new SipclfError('CONFIG_INVALID', `${name}: ${why}`);
}

function positive(name: string, v: number | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < min) bad(name, `${String(v)} is not an integer ≥ ${min}`);
  return v;
}

export function resolveOptions(o: WriterOptions): ResolvedOptions {
  if (typeof o.dir !== 'string' || o.dir === '') bad('dir', 'a directory path is required');
  const fsync = o.fsync ?? 'rotate';
  if (typeof fsync === 'number') positive('fsync', fsync);
  else if (!['none', 'rotate', 'every'].includes(fsync)) bad('fsync', `'${String(fsync)}' is not none, rotate, every or milliseconds`);
  const highWaterMark = positive('highWaterMark', o.highWaterMark) ?? MiB;
  const maxQueueBytes = positive('maxQueueBytes', o.maxQueueBytes) ?? 64 * MiB;
  if (maxQueueBytes < highWaterMark) bad('maxQueueBytes', `${maxQueueBytes} is smaller than highWaterMark ${highWaterMark}`);
  const insecureDir = o.insecureDir ?? 'refuse';
  if (insecureDir !== 'refuse' && insecureDir !== 'warn') bad('insecureDir', `'${String(insecureDir)}' is not refuse or warn`);
  const link = o.currentLink;
  if (link !== undefined && (link === '' || link.includes('/') || link.startsWith('.'))) bad('currentLink', `'${link}' must be a plain, non-hidden file name`);
  const pattern = parsePattern(o.pattern ?? DEFAULT_PATTERN);
  if (link !== undefined && pattern.regex.test(link)) bad('currentLink', `'${link}' matches the file-name pattern`);
  return {
    dir: o.dir,
    pattern,
    maxBytes: positive('maxBytes', o.maxBytes, 64),
    interval: o.interval === undefined ? undefined : parseInterval(o.interval),
    utc: o.utc ?? true,
    gzip: o.gzip ?? false,
    maxFiles: positive('maxFiles', o.maxFiles, 0),
    maxAgeMs: positive('maxAgeMs', o.maxAgeMs),
    fsync,
    highWaterMark,
    maxQueueBytes,
    batchBytes: positive('batchBytes', o.batchBytes, 4096) ?? MiB,
    coalesceMs: positive('coalesceMs', o.coalesceMs, 0) ?? 0,
    insecureDir,
    currentLink: link,
    clock: o.clock ?? Date.now,
  };
}

export interface WriterStats {
  /** Records and bytes written to files. */
  readonly records: number;
  readonly bytes: number;
  /** Files created, rotations done. */
  readonly files: number;
  readonly rotations: number;
  /** Records refused by write(): queue beyond maxQueueBytes, or written after close(). */
  readonly dropped: number;
  /** Records accepted but lost to a failed write. */
  readonly lost: number;
  /** Records and bytes accepted and not yet written. */
  readonly queueRecords: number;
  readonly queueBytes: number;
  /** The active file, or null (closed, or the last open failed). */
  readonly currentFile: string | null;
  readonly lastError: SipclfError | null;
}

export interface WriterEvents {
  drain: [];
  error: [SipclfError];
  warning: [SipclfError];
  rotate: [RotateEvent];
}
