/**
 * The set of log files behind one ClfWriter (writer.ts): the active file (handle, name, size), the `%n`
 * sequence, creating files, appending batches, fsync, rotation, and the background chain that gzips and
 * prunes rotated files (rotate-maintenance.ts). writer.ts decides *when* (queue, batches, policies); this
 * file does the *how*, and is only ever driven by the writer's single run loop, so no two operations on
 * the active file overlap.
 *
 * Appends are positional writes at the file's known size: a short write continues at the next position,
 * and a failed one (ENOSPC, EIO) is undone with ftruncate back to the last whole record, so the file only
 * ever holds whole records plus, after a crash, one torn tail (RFC 6873 §4 framing stays checkable).
 * Files are created O_EXCL with mode 0600 (writer-fs.ts, RFC 6872 §10); a name that exists is skipped.
 */
import type { FileHandle } from 'node:fs/promises';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { SipclfError } from '../errors.js';
import { applyRetention, gzipFile, removeStaleTemps } from './rotate-maintenance.js';
import { formatName, seqOf } from './rotate.js';
import { createPrivateFile, describe, errnoOf, replaceLink, syncDir } from './writer-fs.js';
import type { ResolvedOptions } from './writer-options.js';

export interface RotateEvent {
  /** The file just closed (it may be gzipped next), or null. */
  readonly previous: string | null;
  /** The new active file, or null when it could not be opened (retried on the next batch). */
  readonly current: string | null;
}

export interface FileSetHooks {
  /** Report a failure that does not stop the writer (IO_WRITE, IO_ROTATE). */
  fail(err: SipclfError): void;
  rotated(ev: RotateEvent): void;
}

export class FileSet {
  private fh: FileHandle | null = null;
  private name: string | null = null;
  /** The newest file this writer created; retention never touches it, even between close and open. */
  private newest: string | null = null;
  private seq = 0;
  private unsynced = false;
  private bg: Promise<void> = Promise.resolve();
  /** Bytes in the active file. */
  size = 0;
  files = 0;
  rotations = 0;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly hooks: FileSetHooks,
  ) {}

  /** Pick up `%n` after the directory's highest, remove stale gzip temps, create the first file, prune. */
  async init(now: number): Promise<void> {
    const { dir, pattern } = this.o;
    try {
      for (const n of await readdir(dir)) this.seq = Math.max(this.seq, seqOf(pattern, n) + 1);
      await removeStaleTemps(dir, pattern);
    } catch (e) {
      throw new SipclfError('IO_WRITE', `cannot read log directory ${dir}: ${describe(e)}`, { cause: e });
    }
    await this.open(now);
    this.background(() => this.prune());
  }

  /** Full path of the active file, or null. */
  get current(): string | null {
    return this.name === null ? null : join(this.o.dir, this.name);
  }

  get dirty(): boolean {
    return this.unsynced;
  }

  /** Append `buf` whole (re-opening a file if the last open failed). Throws IO_WRITE; the file is then unchanged. */
  async append(buf: Buffer, now: number): Promise<void> {
    if (this.fh === null) await this.open(now);
    const fh = this.fh;
    if (fh === null) throw new SipclfError('IO_WRITE', `no log file open in ${this.o.dir}`);
    let written = 0;
    try {
      while (written < buf.length) {
        const { bytesWritten } = await fh.write(buf, written, buf.length - written, this.size + written);
        written += bytesWritten;
      }
    } catch (e) {
      if (written > 0) await fh.truncate(this.size).catch(() => undefined);
      throw new SipclfError('IO_WRITE', `writing ${this.current ?? this.o.dir}: ${describe(e)}`, { cause: e });
    }
    this.size += buf.length;
    this.unsynced = true;
  }

  /** fsync (`data`: fdatasync) the active file if written since the last one. Reports, never throws. */
  async sync(data: boolean): Promise<void> {
    if (this.fh === null || !this.unsynced) return;
    this.unsynced = false;
    try {
      await (data ? this.fh.datasync() : this.fh.sync());
    } catch (e) {
      this.hooks.fail(new SipclfError('IO_WRITE', `fsync ${this.current ?? ''}: ${describe(e)}`, { cause: e }));
    }
  }

  /** Close the active file (fsync unless policy 'none') and open the next; gzip + retention in the background. */
  async rotate(at: number): Promise<void> {
    const previous = this.name;
    await this.closeActive(this.o.fsync !== 'none');
    this.rotations++;
    try {
      await this.open(at);
    } catch (e) {
      this.hooks.fail(e instanceof SipclfError ? e : new SipclfError('IO_WRITE', describe(e), { cause: e }));
    }
    if (previous !== null) {
      const { dir, gzip, fsync } = this.o;
      if (gzip) this.background(() => gzipFile(dir, previous, fsync !== 'none').then(() => undefined));
      this.background(() => this.prune());
    }
    this.hooks.rotated({ previous: previous === null ? null : join(this.o.dir, previous), current: this.current });
  }

  /** fsync and close the active file, then wait for background maintenance. */
  async close(): Promise<void> {
    await this.closeActive(true);
    await this.bg;
  }

  /** Create the next file (O_EXCL, 0600), skipping names that exist. Throws IO_WRITE. */
  private async open(at: number): Promise<void> {
    const { dir, pattern, utc } = this.o;
    let chosen = '';
    for (let k = 0; ; k++) {
      const name = formatName(pattern, at, this.seq, pattern.hasSeq ? 0 : k, utc);
      if (pattern.hasSeq) this.seq++;
      try {
        this.fh = await createPrivateFile(join(dir, name));
      } catch (e) {
        if (errnoOf(e) === 'EEXIST' && k < 10_000) continue;
        throw new SipclfError('IO_WRITE', `cannot create log file ${join(dir, name)}: ${describe(e)}`, { cause: e });
      }
      chosen = name;
      this.name = name;
      this.newest = name;
      this.size = 0;
      this.unsynced = false;
      this.files++;
      break;
    }
    if (this.o.fsync !== 'none') {
      await syncDir(dir).catch((e: unknown) => this.hooks.fail(new SipclfError('IO_WRITE', `fsync ${dir}: ${describe(e)}`, { cause: e })));
    }
    const link = this.o.currentLink;
    if (link !== undefined) {
      await replaceLink(dir, link, chosen).catch((e: unknown) =>
        this.hooks.fail(new SipclfError('IO_ROTATE', `current link ${link}: ${describe(e)}`, { cause: e })),
      );
    }
  }

  private async closeActive(fsync: boolean): Promise<void> {
    const fh = this.fh;
    if (fh === null) return;
    const where = this.current ?? '';
    this.fh = null;
    this.name = null;
    try {
      if (fsync) await fh.sync();
      await fh.close();
    } catch (e) {
      this.hooks.fail(new SipclfError('IO_WRITE', `closing ${where}: ${describe(e)}`, { cause: e }));
      await fh.close().catch(() => undefined);
    }
  }

  private async prune(): Promise<void> {
    const { dir, pattern, maxFiles, maxAgeMs, clock } = this.o;
    await applyRetention(dir, pattern, (n) => n === this.newest, { maxFiles, maxAgeMs }, clock());
  }

  /** Chain a maintenance job after the previous one; a failure becomes an IO_ROTATE error. */
  private background(job: () => Promise<void>): void {
    this.bg = this.bg.then(job).catch((e: unknown) => {
      this.hooks.fail(new SipclfError('IO_ROTATE', `log maintenance in ${this.o.dir}: ${describe(e)}`, { cause: e }));
    });
  }
}
