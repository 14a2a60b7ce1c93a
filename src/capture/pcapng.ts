/**
 * The pcapng format (draft-ietf-opsawg-pcapng, "PCAP Next Generation Dump File Format"): a sequence of
 * blocks `type(4) length(4) body length(4)`, lengths a multiple of 4, in sections. Implements:
 * - §4.1 Section Header Block (0x0A0D0D0A): the byte-order magic 0x1A2B3C4D sets the byte order of its
 *   section; major version 1; a new SHB starts a new section and forgets the interfaces (§3.1), so a file of
 *   concatenated sections in different byte orders reads.
 * - §4.2 Interface Description Block (1): link type, snaplen, options `if_tsresol` (9: 10^-n, or 2^-n when
 *   the top bit is set; default 10^-6) and `if_tsoffset` (14: seconds added to every timestamp).
 * - §4.3 Enhanced Packet Block (6), §4.4 Simple Packet Block (3: interface 0, no timestamp → 0, captured
 *   length min(original length, snaplen, block room)), Appendix A obsolete Packet Block (2).
 * - Every other block (Name Resolution 4, Interface Statistics 5, Decryption Secrets, custom…) is skipped
 *   by its length without being buffered.
 * Packets are numbered across sections as tshark numbers frames. A bad block length or trailer ends the
 * read (nothing after it can be framed); a packet block naming an unknown interface is skipped.
 */
import type { CaptureFormat, StepResult } from './pcap-parse.js';
import { captureError, type PacketEvent } from './pcap-types.js';

/** Interface Description Blocks kept per section. */
const MAX_INTERFACES = 65_536;
import { u16, u32 } from './bytes.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const PB = 2;
const SPB = 3;
const EPB = 6;
const BOM = 0x1a2b3c4d;
/** Largest non-packet block we buffer (SHB, IDB): their options are small. */
const MAX_META_BLOCK = 1 << 20;
const STOP: StepResult = { kind: 'stop' };

interface Iface {
  readonly linkType: number;
  readonly snaplen: number;
  /** Timestamp units per second, when a power of ten up to 10^9 (the common case); else undefined. */
  readonly unitsPerSec: number | undefined;
  /** Exact units per second as a BigInt (for any if_tsresol). */
  readonly unitsBig: bigint;
  readonly offsetSec: bigint;
}

export class NgFormat implements CaptureFormat {
  readonly #maxPacket: number;
  #le = true;
  #inSection = false;
  #ifaces: Iface[] = [];
  #index = 0;

  constructor(maxPacket: number) {
    this.#maxPacket = maxPacket;
  }

  get nextIndex(): number {
    return this.#index + 1;
  }

  truncated(have: number, need: number): string {
    return `input ends after ${have} of the ${need} bytes of a pcapng block (before packet ${this.#index + 1})`;
  }

  #u32(b: Buffer, p: number): number {
    return u32(b, p, this.#le);
  }

  #u16(b: Buffer, p: number): number {
    return u16(b, p, this.#le);
  }

  step(buf: Buffer, pos: number, end: number, offset: number, out: PacketEvent[]): StepResult {
    if (end - pos < 8) return { kind: 'need', n: 8 };
    const next = this.#index + 1;
    if (buf.readUInt32BE(pos) === SHB) {
      if (end - pos < 16) return { kind: 'need', n: 16 };
      const bom = buf.readUInt32LE(pos + 8);
      if (bom !== BOM && bom !== 0x4d3c2b1a) {
        out.push(captureError('CAPTURE_BAD_HEADER', next, offset, `pcapng Section Header Block: byte-order magic ${buf.toString('hex', pos + 8, pos + 12)} is not 1a2b3c4d`, true));
        return STOP;
      }
      this.#le = bom === BOM;
      const major = this.#u16(buf, pos + 12);
      if (major !== 1) {
        out.push(captureError('CAPTURE_BAD_HEADER', next, offset, `pcapng Section Header Block: major version ${major}, expected 1`, true));
        return STOP;
      }
    } else if (!this.#inSection) {
      out.push(captureError('CAPTURE_BAD_HEADER', next, offset, 'pcapng: a block before the first Section Header Block', true));
      return STOP;
    }
    const type = this.#u32(buf, pos);
    const len = this.#u32(buf, pos + 4);
    if (len < 12 || len % 4 !== 0) {
      out.push(captureError('CAPTURE_BAD_RECORD', next, offset, `pcapng block of type ${type}: total length ${len} is not a multiple of 4 of at least 12; reading stops`, true));
      return STOP;
    }
    const isPacket = type === EPB || type === SPB || type === PB;
    const limit = isPacket ? this.#maxPacket + 64 : MAX_META_BLOCK;
    if (len > limit) {
      if (type === SHB || type === IDB) {
        out.push(captureError('CAPTURE_BAD_RECORD', next, offset, `pcapng block of type ${type}: length ${len} is larger than ${limit}; reading stops`, true));
        return STOP;
      }
      if (isPacket) {
        this.#index++;
        out.push(captureError('CAPTURE_BAD_RECORD', this.#index, offset, `packet ${this.#index}: pcapng block of ${len} bytes exceeds the packet limit; skipped`));
      }
      return { kind: 'skip', n: len };
    }
    if (!isPacket && type !== SHB && type !== IDB) return { kind: 'skip', n: len };
    if (end - pos < len) return { kind: 'need', n: len };
    if (this.#u32(buf, pos + len - 4) !== len) {
      out.push(captureError('CAPTURE_BAD_RECORD', next, offset, `pcapng block of type ${type}: trailing length ${this.#u32(buf, pos + len - 4)} differs from ${len}; reading stops`, true));
      return STOP;
    }
    const used: StepResult = { kind: 'used', n: len };
    if (type === SHB) {
      this.#inSection = true;
      this.#ifaces = [];
    } else if (type === IDB) {
      // Interface ids are 32-bit, but a section with more interfaces than this is a flood of tiny blocks
      // (12 bytes each, next to nothing gzipped) that would grow the table without bound.
      if (this.#ifaces.length >= MAX_INTERFACES) {
        out.push(captureError('CAPTURE_BAD_RECORD', next, offset, `pcapng section describes more than ${MAX_INTERFACES} interfaces; reading stops`, true));
        return STOP;
      }
      this.#ifaces.push(this.#idb(buf, pos, len));
    } else {
      this.#index++;
      const e = this.#packet(type, buf, pos, len, offset);
      if (e !== undefined) out.push(e);
    }
    return used;
  }

  #idb(buf: Buffer, pos: number, len: number): Iface {
    const linkType = len >= 20 ? this.#u16(buf, pos + 8) : -1;
    const snaplen = len >= 20 ? this.#u32(buf, pos + 12) : 0;
    let unitsPerSec: number | undefined = 1e6;
    let unitsBig = 1_000_000n;
    let offsetSec = 0n;
    // Options (§3.5): code(2) length(2) value padded to 4; opt_endofopt (0) ends them.
    let p = pos + 16;
    const stop = pos + len - 4;
    while (p + 4 <= stop) {
      const code = this.#u16(buf, p);
      const olen = this.#u16(buf, p + 2);
      if (code === 0 || p + 4 + olen > stop) break;
      if (code === 9 && olen >= 1) {
        const r = buf[p + 4] as number;
        const exp = BigInt(r & 0x7f);
        unitsBig = (r & 0x80) !== 0 ? 2n ** exp : 10n ** exp;
        unitsPerSec = (r & 0x80) === 0 && (r & 0x7f) <= 9 ? 10 ** (r & 0x7f) : undefined;
      } else if (code === 14 && olen >= 8) {
        offsetSec = this.#le ? buf.readBigInt64LE(p + 4) : buf.readBigInt64BE(p + 4);
      }
      p += 4 + ((olen + 3) & ~3);
    }
    return { linkType, snaplen, unitsPerSec, unitsBig, offsetSec };
  }

  #packet(type: number, buf: Buffer, pos: number, len: number, offset: number): PacketEvent {
    const index = this.#index;
    let ifId: number;
    let hi = 0;
    let lo = 0;
    let incl: number;
    let orig: number;
    let dataAt: number;
    if (type === SPB) {
      if (len < 16) return captureError('CAPTURE_BAD_RECORD', index, offset, `packet ${index}: Simple Packet Block of ${len} bytes has no length field; skipped`);
      ifId = 0;
      orig = this.#u32(buf, pos + 8);
      dataAt = pos + 12;
      const iface = this.#ifaces[0];
      incl = Math.min(orig, len - 16, iface !== undefined && iface.snaplen > 0 ? iface.snaplen : orig);
    } else {
      if (len < 32) return captureError('CAPTURE_BAD_RECORD', index, offset, `packet ${index}: packet block of ${len} bytes is shorter than its fixed fields; skipped`);
      ifId = type === EPB ? this.#u32(buf, pos + 8) : this.#u16(buf, pos + 8);
      hi = this.#u32(buf, pos + 12);
      lo = this.#u32(buf, pos + 16);
      incl = this.#u32(buf, pos + 20);
      orig = this.#u32(buf, pos + 24);
      dataAt = pos + 28;
      if (incl > len - 32) {
        return captureError('CAPTURE_BAD_RECORD', index, offset, `packet ${index}: captured length ${incl} exceeds its block (${len} bytes); skipped`);
      }
    }
    const iface = this.#ifaces[ifId];
    if (iface === undefined) return captureError('CAPTURE_BAD_RECORD', index, offset, `packet ${index}: interface ${ifId} was not described in this section; skipped`);
    let ts: number;
    let tsNs: bigint;
    if (iface.unitsPerSec !== undefined && iface.unitsPerSec <= 1e6) {
      // Exact as a double: µs since 1970 stay far below 2^53.
      const units = hi * 4294967296 + lo;
      const nsPerUnit = 1e9 / iface.unitsPerSec;
      tsNs = BigInt(units) * BigInt(nsPerUnit) + iface.offsetSec * 1_000_000_000n;
      ts = units * (1000 / iface.unitsPerSec) + Number(iface.offsetSec) * 1000;
    } else {
      const units = (BigInt(hi) << 32n) | BigInt(lo);
      tsNs = (units * 1_000_000_000n) / iface.unitsBig + iface.offsetSec * 1_000_000_000n;
      ts = Number(tsNs) / 1e6;
    }
    return {
      type: 'packet',
      index,
      ts,
      tsNs,
      linkType: iface.linkType,
      data: buf.subarray(dataAt, dataAt + incl),
      origLen: orig,
      interfaceId: ifId,
      offset,
    };
  }
}
