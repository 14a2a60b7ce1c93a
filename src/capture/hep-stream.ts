/**
 * HEP over a byte stream (TCP): HepStreamFramer cuts packets out of the stream by the total length of each
 * HEP3 header (HEP3 spec: "the length value specifies the total packet length"). Memory is bounded by one
 * packet (≤ 65535 bytes) plus the chunk being pushed. A stream that does not show "HEP3"/"EEP3" where a
 * packet must start cannot be resynchronised safely (a payload may contain "HEP3"), so the framer reports
 * the error and stops; the collector closes that connection and the agent reconnects.
 */
import { HepError, hepTotalLength, HEP_HEADER_BYTES } from './hep.js';

export class HepStreamFramer {
  /** The header of the next packet while fewer than 6 bytes of it have arrived. */
  readonly #head = Buffer.alloc(HEP_HEADER_BYTES);
  #headLen = 0;
  /** The packet being filled, allocated at its total length once its header is known; `#fill` bytes are in. */
  #pkt: Buffer | undefined;
  #fill = 0;
  #failed: HepError | undefined;

  /** Bytes held for an incomplete packet. */
  get buffered(): number {
    return this.#pkt === undefined ? this.#headLen : this.#fill;
  }

  /** The error that stopped the framer, if any. */
  get failed(): HepError | undefined {
    return this.#failed;
  }

  /**
   * Returns the whole packets `chunk` completes (each its own Buffer, safe to keep). Each byte is copied once:
   * into the packet it belongs to (a packet sent a byte at a time costs its length, not its length squared).
   * After an error every further push returns nothing; see `failed`.
   */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let p = 0;
    while (p < chunk.length && this.#failed === undefined) {
      const pkt = this.#pkt;
      if (pkt !== undefined) {
        const n = Math.min(pkt.length - this.#fill, chunk.length - p);
        chunk.copy(pkt, this.#fill, p, p + n);
        this.#fill += n;
        p += n;
        if (this.#fill === pkt.length) this.#done(out);
        continue;
      }
      if (this.#headLen === 0 && chunk.length - p >= HEP_HEADER_BYTES) {
        // The usual case: the header in this chunk, and often the whole packet.
        const total = this.#total(chunk.subarray(p, p + HEP_HEADER_BYTES));
        if (total < 0) break;
        if (chunk.length - p >= total) {
          out.push(Buffer.from(chunk.subarray(p, p + total)));
          p += total;
        } else {
          this.#start(total, chunk.subarray(p));
          p = chunk.length;
        }
        continue;
      }
      // A header split across chunks: collected, its magic checked on every byte that arrives.
      const n = Math.min(HEP_HEADER_BYTES - this.#headLen, chunk.length - p);
      chunk.copy(this.#head, this.#headLen, p, p + n);
      this.#headLen += n;
      p += n;
      const total = this.#total(this.#head.subarray(0, this.#headLen));
      if (total < 0 || this.#headLen < HEP_HEADER_BYTES) continue;
      this.#headLen = 0;
      this.#start(total, this.#head);
      if (this.#fill === total) this.#done(out);
    }
    return out;
  }

  /** The total length in a header (whole or partial: -1 while incomplete), or -1 after failing the framer. */
  #total(header: Buffer): number {
    try {
      return hepTotalLength(header);
    } catch (err) {
      if (!(err instanceof HepError)) throw err;
      if (err.code === 'HEP_TRUNCATED') return -1;
      this.#failed = err;
      this.#pkt = undefined;
      this.#headLen = 0;
      return -1;
    }
  }

  #start(total: number, first: Buffer): void {
    // total ≤ 65535 (16 bits), so this allocation is bounded whatever the stream says.
    this.#pkt = Buffer.allocUnsafe(total);
    this.#fill = first.copy(this.#pkt, 0, 0, Math.min(first.length, total));
  }

  #done(out: Buffer[]): void {
    out.push(this.#pkt as Buffer);
    this.#pkt = undefined;
    this.#fill = 0;
  }
}
