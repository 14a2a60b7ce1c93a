/**
 * Shared plumbing of the CLF commands (validate, cat, stats, …): damaged-record reports in the
 * `FILE:OFFSET: CODE message` form, buffered output, and file argument handling.
 */
import type { ReadError, ReaderSource, ReaderSummary } from '../logfile/reader.js';
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
