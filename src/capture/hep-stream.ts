/**
 * HEP over a byte stream (TCP): HepStreamFramer cuts packets out of the stream by the total length of each
 * HEP3 header (HEP3 spec: "the length value specifies the total packet length"). Memory is bounded by one
 * packet (≤ 65535 bytes) plus the chunk being pushed. A stream that does not show "HEP3"/"EEP3" where a
 * packet must start cannot be resynchronised safely (a payload may contain "HEP3"), so the framer reports
 * the error and stops; the collector closes that connection and the agent reconnects.
 */
import { HepError, hepTotalLength, HEP_HEADER_BYTES } from './hep.js';

export class HepStreamFramer {
  #buf: Buffer = Buffer.alloc(0);
  #failed: HepError | undefined;

  /** Bytes held for an incomplete packet. */
  get buffered(): number {
    return this.#buf.length;
  }

  /** The error that stopped the framer, if any. */
  get failed(): HepError | undefined {
    return this.#failed;
  }

  /**
   * Appends `chunk` and returns the whole packets now available (each its own Buffer, safe to keep).
   * After an error every further push returns the packets cut before it, then nothing; see `failed`.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.#failed !== undefined) return [];
    const b = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Buffer[] = [];
    let p = 0;
    while (b.length - p >= HEP_HEADER_BYTES) {
      let total: number;
      try {
        total = hepTotalLength(b.subarray(p, p + HEP_HEADER_BYTES));
      } catch (err) {
        if (!(err instanceof HepError)) throw err;
        this.#failed = err;
        this.#buf = Buffer.alloc(0);
        return out;
      }
      if (b.length - p < total) break;
      out.push(Buffer.from(b.subarray(p, p + total)));
      p += total;
    }
    // Also reject a bad magic early, before 6 bytes have arrived.
    if (p < b.length && b.length - p < HEP_HEADER_BYTES) {
      try {
        hepTotalLength(b.subarray(p));
      } catch (err) {
        if (err instanceof HepError && err.code !== 'HEP_TRUNCATED') {
          this.#failed = err;
          this.#buf = Buffer.alloc(0);
          return out;
        }
        if (!(err instanceof HepError)) throw err;
      }
    }
    this.#buf = p === b.length ? Buffer.alloc(0) : Buffer.from(b.subarray(p));
    return out;
  }
}
