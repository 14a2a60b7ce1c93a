/**
 * The HepCollector's log writers: one ClfWriter (src/logfile/writer.ts, rotated SIP CLF files, RFC 6873)
 * for the shared stream in OUT, or — per agent — one per agent label in OUT/<agent>/, opened on the agent's
 * first record. Tells the ingest path when to resume (a writer's 'drain', or the last pending open settled),
 * turns a write's `false` into "accepted over the high-water mark" or "dropped" from the writer's drop count,
 * and remembers streams that could not be opened (their records fail with IO_WRITE from then on).
 */
import { join } from 'node:path';
import type { ClfRecord } from '../clf/record.js';
import type { ErrorCode } from '../errors.js';
import { ClfWriter, type WriterOptions } from '../logfile/writer.js';
import { UNKNOWN } from './hep-tally.js';

export interface HepWriterEvents {
  /** Processing may continue: a writer drained, or no stream is being opened any more. */
  resume(): void;
  /** A writer failed (`agent` is the stream, or "unknown" for the shared one), or a stream did not open. */
  error(agent: string, err: unknown): void;
  /** A writer's warning (reported as is, not counted). */
  warning(code: ErrorCode, stream: string, message: string): void;
}

/** What became of a record: written; written over the high-water mark or dropped (both: wait for 'drain'). */
export type HepWriteResult = 'written' | 'busy' | 'dropped';

export class HepWriters {
  readonly #opts: Omit<WriterOptions, 'dir'>;
  readonly #out: string;
  readonly #events: HepWriterEvents;
  readonly #writers = new Map<string, ClfWriter>();
  readonly #opening = new Map<string, Promise<ClfWriter | undefined>>();
  readonly #failed = new Set<string>();
  readonly #drops = new Map<ClfWriter, number>();

  constructor(opts: Omit<WriterOptions, 'dir'>, out: string, events: HepWriterEvents) {
    this.#opts = opts;
    this.#out = out;
    this.#events = events;
  }

  /** Opens the shared stream (stream "") in OUT. Throws what ClfWriter.open throws. */
  async openShared(): Promise<void> {
    const w = await ClfWriter.open({ coalesceMs: 10, ...this.#opts, dir: this.#out });
    this.#attach(w, '');
    this.#writers.set('', w);
  }

  get(stream: string): ClfWriter | undefined {
    return this.#writers.get(stream);
  }

  /** True when `stream` could not be opened. */
  failed(stream: string): boolean {
    return this.#failed.has(stream);
  }

  /** Starts opening OUT/<stream> unless under way; a failure is reported for `agent`. Resumes when none is left. */
  open(stream: string, agent: string): void {
    if (this.#opening.has(stream)) return;
    const p = ClfWriter.open({ coalesceMs: 10, ...this.#opts, dir: join(this.#out, stream) }).then(
      (w) => {
        this.#attach(w, stream);
        this.#writers.set(stream, w);
        return w;
      },
      (err: unknown) => {
        this.#failed.add(stream);
        this.#events.error(agent, err);
        return undefined;
      },
    );
    this.#opening.set(stream, p);
    void p.then(() => {
      this.#opening.delete(stream);
      if (this.#opening.size === 0) this.#events.resume();
    });
  }

  /** Encodes `record` into `w` (writeRecord: no record string). Throws the CLF_* error of a record the format cannot hold. */
  write(w: ClfWriter, record: ClfRecord): HepWriteResult {
    if (w.writeRecord(record)) return 'written';
    // false: over the high-water mark (accepted) or dropped; the writer's drop count tells which.
    const dropped = w.stats().dropped;
    const before = this.#drops.get(w) ?? 0;
    this.#drops.set(w, dropped);
    return dropped > before ? 'dropped' : 'busy';
  }

  /** Bytes waiting in all writers. */
  queueBytes(): number {
    let n = 0;
    for (const w of this.#writers.values()) n += w.stats().queueBytes;
    return n;
  }

  /** Waits for pending opens, then flushes and closes every writer (failures are not thrown). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#opening.values()]);
    await Promise.allSettled([...this.#writers.values()].map((w) => w.close()));
  }

  #attach(w: ClfWriter, stream: string): void {
    w.on('drain', () => {
      if (this.#opening.size > 0) return;
      this.#events.resume();
    });
    w.on('error', (e) => this.#events.error(stream === '' ? UNKNOWN : stream, e));
    w.on('warning', (e) => this.#events.warning(e.code, stream, e.message));
  }
}
