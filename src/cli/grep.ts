/**
 * `sipclf grep`: the records of SIP CLF logs that meet every criterion, by whole-field comparison (the
 * rules: docs/guides/grep.md; the predicate: grep-match.ts). Output is the matching records as raw CLF,
 * byte for byte, in large writes — or JSON Lines, or a count. Damaged records are reported on standard
 * error as `FILE:OFFSET: CODE message` and skipped. Exit 0 when a record matched, 1 when none did, 2 for
 * a usage error or an unreadable input.
 */
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { fromBinary } from '../clf/record.js';
import { ClfDecodeError, SipclfError } from '../errors.js';
import { readRecords, type ReadError } from '../logfile/reader.js';
import { grepCriteria, grepOutput, type GrepCriteria, type GrepOutput } from './grep-criteria.js';
import { grepPlan, needsSessions } from './grep-match.js';
import type { Io } from './io.js';
import { formatProblem, sources } from './records.js';

const FLUSH_BYTES = 1 << 20;

/**
 * Buffered standard output: many records per write. Raw CLF is a binary string (one char per octet): a
 * real stream gets its exact bytes; an in-process Io (tests) gets the text decoded as UTF-8.
 */
class Out {
  private parts: string[] = [];
  private size = 0;
  private readonly stream: Writable | undefined;

  constructor(
    private readonly io: Io,
    private readonly binary: boolean,
  ) {
    this.stream = io.stdout instanceof Writable ? io.stdout : undefined;
  }

  /** Queues `s`; true when a flush is due. */
  push(s: string): boolean {
    this.parts.push(s);
    this.size += s.length;
    return this.size >= FLUSH_BYTES;
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const s = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (this.stream !== undefined) {
      if (!this.stream.write(this.binary ? Buffer.from(s, 'latin1') : s)) await once(this.stream, 'drain');
    } else this.io.stdout.write(this.binary ? fromBinary(s) : s);
  }
}

export async function grep(files: string[], criteria: GrepCriteria, output: GrepOutput, io: Io): Promise<number> {
  // The SIP parser and the JSON mapping are loaded only when the search needs them (start-up time counts
  // against `grep -F` on every run).
  const logged = needsSessions(criteria) ? (await import('./grep-session.js')).loggedSessionIds : undefined;
  const toJson = output.json ? (await import('../clf/json.js')).recordToJsonLine : undefined;
  const plan = grepPlan(criteria, logged);
  const reader = readRecords(sources(files, io), { ...plan, name: '-', syncReads: true });
  const out = new Out(io, !output.json);
  let matched = 0;
  let ioFailure = false;
  for await (const ev of reader) {
    if (ev.type === 'error') {
      const e: ReadError = ev;
      if (e.code === 'IO_READ') ioFailure = true;
      io.stderr.write(`${formatProblem(e)}\n`);
      continue;
    }
    if (output.count) {
      matched++;
      continue;
    }
    let text = ev.text;
    if (toJson !== undefined) {
      try {
        text = toJson(ev.decode({ lenientLength: true }));
      } catch (err) {
        if (!(err instanceof ClfDecodeError)) throw err;
        io.stderr.write(`${ev.file ?? '-'}:${ev.offset + err.offset}: ${err.code} ${err.message}\n`);
        continue;
      }
    }
    matched++;
    if (out.push(text)) await out.flush();
  }
  if (output.count) io.stdout.write(`${matched}\n`);
  await out.flush();
  if (ioFailure) return 2;
  return matched > 0 ? 0 : 1;
}

export async function run(args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  let criteria: GrepCriteria;
  let output: GrepOutput;
  try {
    criteria = grepCriteria(opts);
    output = grepOutput(opts);
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf grep: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return grep(args, criteria, output, io);
}
