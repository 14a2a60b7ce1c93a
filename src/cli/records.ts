/**
 * Shared plumbing of the CLF commands (validate, cat, stats, …): damaged-record reports in the
 * `FILE:OFFSET: CODE message` form, buffered output, and file argument handling.
 */
import type { ClfRecord } from '../clf/record.js';
import { ClfDecodeError } from '../errors.js';
import type { ReadError, ReaderSource, ReaderSummary, RecordHit } from '../logfile/reader.js';
import { stdinSource, type Io } from './io.js';

/** `FILE:OFFSET: CODE message` (OFFSET: byte offset of the defect in the decompressed input). */
export function formatProblem(e: ReadError): string {
  return `${e.file ?? '-'}:${e.at}: ${e.code} ${e.message}`;
}

export function summaryLine(cmd: string, s: ReaderSummary): string {
  const codes = Object.entries(s.byCode)
    .map(([c, n]) => `${c}×${n}`)
    .join(', ');
  return `sipclf ${cmd}: ${s.files} file(s), ${s.scanned} record(s), ${s.errors} problem(s)${s.errors > 0 ? ` (${codes}), ${s.bytesSkipped} byte(s) skipped` : ''}\n`;
}

/** Collects output into large writes (a write per record would dominate the run time). */
export class OutBuffer {
  #parts: string[] = [];
  #size = 0;

  constructor(
    private readonly io: Io,
    private readonly limit = 1 << 20,
  ) {}

  push(s: string): void {
    this.#parts.push(s);
    this.#size += s.length;
    if (this.#size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.#parts.length === 0) return;
    this.io.stdout.write(this.#parts.join(''));
    this.#parts = [];
    this.#size = 0;
  }
}

/** File arguments as reader sources; none, or `-`, means standard input (read through the Io). */
export function sources(args: string[], io: Io): ReaderSource[] {
  const list = args.length === 0 ? ['-'] : args;
  return list.map((a) => (a === '-' ? stdinSource(io) : a));
}

/**
 * Decodes a record the reader framed (validate 'frame'), so each record is decoded once: a decode error
 * becomes a ReadError-shaped problem, counted in the summary like the reader's own.
 */
export function decodeHit(ev: RecordHit, summary: ReaderSummary): ClfRecord | ReadError {
  try {
    return ev.decode();
  } catch (err) {
    if (!(err instanceof ClfDecodeError)) throw err;
    summary.errors++;
    summary.byCode[err.code] = (summary.byCode[err.code] ?? 0) + 1;
    summary.bytesSkipped += ev.text.length;
    return { type: 'error', offset: ev.offset, at: ev.offset + err.offset, code: err.code, message: err.message, skipped: ev.text.length, file: ev.file };
  }
}
