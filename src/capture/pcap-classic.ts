/**
 * The classic libpcap savefile format (draft-ietf-opsawg-pcap §4 file header, §5 packet record; the
 * tcpdump.org "pcap-savefile" page): a 24-byte file header whose magic number gives the byte order and the
 * timestamp resolution — a1b2c3d4 microseconds, a1b23c4d nanoseconds, written in the byte order of the
 * machine that wrote it, so read in either order — then 16-byte record headers (ts seconds, ts fraction,
 * captured length, original length) each followed by the captured bytes. Also reads Alexey Kuznetzov's
 * "modified" format (magic a1b2cd34), whose record headers carry 8 more bytes (ifindex, protocol, type).
 *
 * The LinkType field's upper bits carry FCS information (§4); only the low 16 bits are the link type. A
 * record's captured length beyond maxPacketBytes is a corrupt header — the file has no resynchronisation
 * marker, so the read stops there with CAPTURE_BAD_RECORD, every packet before it delivered.
 */
import type { CaptureFormat, StepResult } from './pcap-parse.js';
import { captureError, type PacketEvent } from './pcap-types.js';
import { u32 } from './bytes.js';

const FILE_HEADER = 24;
const USED_HEADER: StepResult = { kind: 'used', n: FILE_HEADER };
const NEED_HEADER: StepResult = { kind: 'need', n: FILE_HEADER };
const STOP: StepResult = { kind: 'stop' };

export class ClassicFormat implements CaptureFormat {
  readonly #le: boolean;
  readonly #ns: boolean;
  readonly #recordHeader: number;
  readonly #maxPacket: number;
  #headerRead = false;
  #linkType = 0;
  #index = 0;

  private constructor(le: boolean, ns: boolean, modified: boolean, maxPacket: number) {
    this.#le = le;
    this.#ns = ns;
    this.#recordHeader = modified ? 24 : 16;
    this.#maxPacket = maxPacket;
  }

  /** The format for a file starting with `magicBE` (its first 4 bytes read big-endian), if it is classic pcap. */
  static detect(magicBE: number, maxPacket: number): ClassicFormat | undefined {
    switch (magicBE) {
      case 0xa1b2c3d4:
        return new ClassicFormat(false, false, false, maxPacket);
      case 0xd4c3b2a1:
        return new ClassicFormat(true, false, false, maxPacket);
      case 0xa1b23c4d:
        return new ClassicFormat(false, true, false, maxPacket);
      case 0x4d3cb2a1:
        return new ClassicFormat(true, true, false, maxPacket);
      case 0xa1b2cd34:
        return new ClassicFormat(false, false, true, maxPacket);
      case 0x34cdb2a1:
        return new ClassicFormat(true, false, true, maxPacket);
      default:
        return undefined;
    }
  }

  get nextIndex(): number {
    return this.#index + 1;
  }

  truncated(have: number, need: number): string {
    if (!this.#headerRead) return `input ends after ${have} of the ${FILE_HEADER} bytes of the pcap file header`;
    if (need === this.#recordHeader) return `packet ${this.#index + 1}: input ends after ${have} of the ${need} bytes of its record header`;
    return `packet ${this.#index + 1}: input ends after ${have - this.#recordHeader} of its ${need - this.#recordHeader} captured bytes`;
  }

  step(buf: Buffer, pos: number, end: number, offset: number, out: PacketEvent[]): StepResult {
    if (!this.#headerRead) return this.#fileHeader(buf, pos, end, offset, out);
    const h = this.#recordHeader;
    if (end - pos < h) return { kind: 'need', n: h };
    const le = this.#le;
    const sec = u32(buf, pos, le);
    const frac = u32(buf, pos + 4, le);
    const incl = u32(buf, pos + 8, le);
    const orig = u32(buf, pos + 12, le);
    if (incl > this.#maxPacket) {
      const msg = `packet ${this.#index + 1}: captured length ${incl} exceeds the ${this.#maxPacket}-byte limit (corrupt record header); reading stops`;
      out.push(captureError('CAPTURE_BAD_RECORD', this.#index + 1, offset, msg, true));
      return STOP;
    }
    const size = h + incl;
    if (end - pos < size) return { kind: 'need', n: size };
    const ns = this.#ns ? frac : frac * 1000;
    this.#index++;
    out.push({
      type: 'packet',
      index: this.#index,
      ts: sec * 1000 + ns / 1e6,
      tsNs: BigInt(sec) * 1_000_000_000n + BigInt(ns),
      linkType: this.#linkType,
      data: buf.subarray(pos + h, pos + size),
      origLen: orig,
      offset,
    });
    return { kind: 'used', n: size };
  }

  #fileHeader(buf: Buffer, pos: number, end: number, offset: number, out: PacketEvent[]): StepResult {
    if (end - pos < FILE_HEADER) return NEED_HEADER;
    const le = this.#le;
    const major = le ? buf.readUInt16LE(pos + 4) : buf.readUInt16BE(pos + 4);
    if (major !== 2) {
      out.push(captureError('CAPTURE_BAD_HEADER', 1, offset, `pcap file header: major version ${major}, expected 2`, true));
      return STOP;
    }
    const link = le ? buf.readUInt32LE(pos + 20) : buf.readUInt32BE(pos + 20);
    this.#linkType = link & 0xffff;
    this.#headerRead = true;
    return USED_HEADER;
  }
}
