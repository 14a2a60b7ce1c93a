/**
 * OutBuffer: the output side of `sipclf convert` — strings and byte chunks gathered into ~1 MiB writes.
 *
 * Each string is copied into the current buffer as soon as it arrives, not kept in
 * an array and joined at flush time: a record string held until the flush survived young-generation
 * collections (and kept the message text it was built from alive), which cost more per record than
 * encoding it. Every flush hands the sink a fresh buffer, so a sink may keep what it was given.
 */

import { encodeRecordInto } from '../clf/encode-into.js';
import type { ClfRecord } from '../clf/record.js';

/** Where converted output goes: bytes in order. */
export interface ByteSink {
  write(b: Buffer): void | Promise<void>;
}

const OUT_BUFFER_BYTES = 1 << 20;

/**
 * One promise for two sink writes (either maybe asynchronous), or none when both were synchronous. The
 * writes themselves were already called, in byte order: a sink gets its writes in the order of its calls.
 */
export function joined(a: void | Promise<void>, b: void | Promise<void>): void | Promise<void> {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Promise.all([a, b]).then(() => undefined);
}

export class OutBuffer {
  readonly #sink: ByteSink;
  readonly #latin1: boolean;
  readonly #cap: number;
  #buf: Buffer;
  #len = 0;

  constructor(sink: ByteSink, enc: 'latin1' | 'utf8', cap: number = OUT_BUFFER_BYTES) {
    this.#sink = sink;
    this.#latin1 = enc === 'latin1';
    this.#cap = cap;
    this.#buf = Buffer.allocUnsafe(cap);
  }

  /** Bytes waiting for the next flush. */
  get pending(): number {
    return this.#len;
  }

  /** Appends a string (latin1: one byte per char; utf8: UTF-8). Returns the sink's promise when it flushed. */
  str(s: string): void | Promise<void> {
    const room = this.#cap - this.#len;
    if (this.#latin1) {
      if (s.length <= room) {
        this.#len += this.#buf.write(s, this.#len, s.length, 'latin1');
        return;
      }
    } else {
      // A UTF-16 unit is at most 3 UTF-8 bytes: measure only when that bound does not fit.
      if (s.length * 3 <= room || Buffer.byteLength(s, 'utf8') <= room) {
        this.#len += this.#buf.write(s, this.#len, room, 'utf8');
        return;
      }
    }
    return this.#overflow(Buffer.from(s, this.#latin1 ? 'latin1' : 'utf8'));
  }

  /**
   * Appends a record encoded as SIP CLF straight into the buffer (encodeRecordInto: the bytes of
   * encodeRecord, without the record string). Throws what encodeRecord throws, having written nothing.
   */
  record(rec: ClfRecord): void | Promise<void> {
    const n = encodeRecordInto(rec, this.#buf, this.#len);
    if (n > 0) {
      this.#len += n;
      return;
    }
    // -n bytes do not fit: flush, then encode into the fresh buffer, or alone when larger than a buffer.
    if (-n > this.#cap) {
      const b = Buffer.allocUnsafe(-n);
      encodeRecordInto(rec, b, 0);
      return this.#flushThen(b);
    }
    const r = this.flush();
    this.#len = encodeRecordInto(rec, this.#buf, 0);
    return r;
  }

  /** Appends bytes (copied: the caller may reuse `b`). */
  buf(b: Buffer): void | Promise<void> {
    if (b.length <= this.#cap - this.#len) {
      b.copy(this.#buf, this.#len);
      this.#len += b.length;
      return;
    }
    return this.#overflow(Buffer.from(b));
  }

  /** Hands the pending bytes to the sink. */
  flush(): void | Promise<void> {
    if (this.#len === 0) return;
    const out = this.#buf.subarray(0, this.#len);
    this.#buf = Buffer.allocUnsafe(this.#cap);
    this.#len = 0;
    return this.#sink.write(out);
  }

  /**
   * The pending bytes, then `b` (owned), both handed to the sink now: call order is byte order, so a later
   * write (of another record) cannot overtake `b` while the flush is still settling.
   */
  #flushThen(b: Buffer): void | Promise<void> {
    const r = this.flush();
    return joined(r, this.#sink.write(b));
  }

  /** `b` (owned) does not fit: flush, then keep it, or write it on its own when it is larger than a buffer. */
  #overflow(b: Buffer): void | Promise<void> {
    if (b.length > this.#cap) return this.#flushThen(b);
    const r = this.flush();
    b.copy(this.#buf, 0);
    this.#len = b.length;
    return r;
  }
}
