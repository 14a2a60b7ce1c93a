/**
 * PcapParser: the push parser that turns the bytes of a capture file — classic pcap or pcapng, in any
 * chunking — into Packet and CaptureError events. It owns the framing shared by both formats: a carry
 * buffer for the one record or block that spans chunks (bounded by maxPacketBytes), unbuffered skipping of
 * blocks it does not read, byte offsets, packet numbering, and the end-of-input truncation report. The
 * per-format record layouts are in pcap-classic.ts (the libpcap savefile format, draft-ietf-opsawg-pcap
 * §4-§5) and pcapng.ts (draft-ietf-opsawg-pcapng §3-§4).
 *
 * Memory: a record inside one chunk is handed out as a view of that chunk (no copy); only a record that
 * spans chunks is copied, into a carry buffer that holds at most that record. A block too large to be a
 * packet is skipped by counting, never buffered.
 */
import { ClassicFormat } from './pcap-classic.js';
import { NgFormat } from './pcapng.js';
import { DEFAULT_MAX_PACKET_BYTES, captureError, type PacketEvent, type ReadPacketsOptions } from './pcap-types.js';

/** What a format's step did with the bytes at `pos`. */
export type StepResult =
  /** Consumed this many bytes (events, if any, were pushed). */
  | { readonly kind: 'used'; readonly n: number }
  /** Needs at least this many bytes at `pos` before it can decide. */
  | { readonly kind: 'need'; readonly n: number }
  /** Discard this many bytes, unbuffered (they may extend beyond the buffer). */
  | { readonly kind: 'skip'; readonly n: number }
  /** Fatal: an error event was pushed, nothing more is read. */
  | { readonly kind: 'stop' };

/** A file format's record reader: one step = one header, record or block. */
export interface CaptureFormat {
  step(buf: Buffer, pos: number, end: number, offset: number, out: PacketEvent[]): StepResult;
  /** Message for input that ends while `need` bytes were wanted at `offset` and `have` were there. */
  truncated(have: number, need: number): string;
  /** The packet number the next packet would get. */
  readonly nextIndex: number;
}

export class PcapParser {
  readonly #maxPacket: number;
  #format: CaptureFormat | undefined;
  /** Bytes of an unfinished step, copied out of earlier chunks, or undefined. */
  #carry: Buffer | undefined;
  /** Bytes the pending step needs at its start (meaningful while #carry is set). */
  #need = 0;
  /** Bytes still to discard (a skipped block). */
  #skip = 0;
  /** Absolute offset of the next unconsumed byte. */
  #offset = 0;
  #stopped = false;
  #ended = false;

  constructor(opts?: ReadPacketsOptions) {
    const max = opts?.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
    if (!Number.isInteger(max) || max < 64 || max > 64 * 1024 * 1024) throw new RangeError(`maxPacketBytes ${max} is not 64-67108864`);
    this.#maxPacket = max;
  }

  /** True once a fatal error stopped the read (further input is ignored). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The packet number the next packet will get. */
  get nextIndex(): number {
    return this.#format?.nextIndex ?? 1;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Feeds the next chunk; events go to `out` in file order. The chunk is not copied unless a record spans chunks. */
  push(chunk: Buffer, out: PacketEvent[]): void {
    if (this.#stopped || this.#ended) return;
    let pos = 0;
    const n = chunk.length;
    while (pos < n && !this.#stopped) {
      if (this.#skip > 0) {
        const k = Math.min(this.#skip, n - pos);
        this.#skip -= k;
        this.#offset += k;
        pos += k;
      } else if (this.#carry !== undefined) {
        // Complete the pending step from this chunk, copying only the bytes it asked for.
        const add = Math.min(this.#need - this.#carry.length, n - pos);
        const grown = Buffer.concat([this.#carry, chunk.subarray(pos, pos + add)]);
        pos += add;
        this.#carry = undefined;
        if (grown.length < this.#need) {
          this.#carry = grown;
          return;
        }
        this.#run(grown, 0, out);
      } else {
        pos = this.#run(chunk, pos, out);
      }
    }
  }

  /**
   * Steps through `buf` from `pos`; returns where it stopped: the end of `buf`, having carried an unfinished
   * step's bytes or set a skip that reaches beyond it, or anywhere after a fatal error.
   */
  #run(buf: Buffer, pos: number, out: PacketEvent[]): number {
    const n = buf.length;
    while (pos < n) {
      const r = this.#step(buf, pos, n, out);
      if (r.kind === 'used') {
        pos += r.n;
        this.#offset += r.n;
      } else if (r.kind === 'skip') {
        const k = Math.min(r.n, n - pos);
        pos += k;
        this.#offset += k;
        this.#skip = r.n - k;
      } else if (r.kind === 'need') {
        this.#carry = Buffer.from(buf.subarray(pos, n));
        this.#need = r.n;
        return n;
      } else {
        return n;
      }
    }
    return pos;
  }

  /** End of input: reports a capture that ends inside a header, record or block. */
  end(out: PacketEvent[]): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#stopped) return;
    const index = this.#format?.nextIndex ?? 1;
    if (this.#format === undefined) {
      const have = this.#carry?.length ?? 0;
      out.push(captureError('CAPTURE_TRUNCATED', index, this.#offset, have === 0 ? 'empty input: no capture file header' : `input ends after ${have} bytes, inside the file header`, true));
    } else if (this.#carry !== undefined) {
      out.push(captureError('CAPTURE_TRUNCATED', index, this.#offset, this.#format.truncated(this.#carry.length, this.#need), true));
    } else if (this.#skip > 0) {
      out.push(captureError('CAPTURE_TRUNCATED', index, this.#offset, `input ends ${this.#skip} bytes before the end of a skipped block`, true));
    }
    this.#carry = undefined;
  }

  #step(buf: Buffer, pos: number, end: number, out: PacketEvent[]): StepResult {
    let r: StepResult;
    if (this.#format === undefined) {
      r = this.#detect(buf, pos, end, out);
      if (r.kind !== 'used') return this.#settle(r);
      // The SHB of a pcapng file is read by the format itself: nothing consumed yet.
      if (r.n === 0) return this.#settle((this.#format as CaptureFormat | undefined)?.step(buf, pos, end, this.#offset, out) ?? r);
      return r;
    }
    return this.#settle(this.#format.step(buf, pos, end, this.#offset, out));
  }

  #settle(r: StepResult): StepResult {
    if (r.kind === 'stop') this.#stopped = true;
    return r;
  }

  /** The first 4 bytes tell the format: a classic pcap magic in either byte order, or the pcapng SHB type. */
  #detect(buf: Buffer, pos: number, end: number, out: PacketEvent[]): StepResult {
    if (end - pos < 4) return { kind: 'need', n: 4 };
    const m = buf.readUInt32BE(pos);
    if (m === 0x0a0d0d0a) {
      this.#format = new NgFormat(this.#maxPacket);
      return { kind: 'used', n: 0 };
    }
    const classic = ClassicFormat.detect(m, this.#maxPacket);
    if (classic !== undefined) {
      this.#format = classic;
      return classic.step(buf, pos, end, this.#offset, out);
    }
    out.push(captureError('CAPTURE_NOT_A_CAPTURE', 1, this.#offset, `not a pcap or pcapng file (first bytes ${buf.toString('hex', pos, pos + 4)})`, true));
    return { kind: 'stop' };
  }
}
