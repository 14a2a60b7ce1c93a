/**
 * HEP v3 codec (HEP3 Network Protocol Specification rev. 37; written from the spec, no code taken from
 * GPL implementations).
 *
 *   packet  = "HEP3" | "EEP3"  total-length(uint16)  *chunk         total-length counts the whole packet
 *   chunk   = vendor-id(uint16) type-id(uint16) chunk-length(uint16) payload   chunk-length counts the whole chunk
 *
 * decodeHep() never reads a byte it has not bounds-checked and never loops without progress: the total
 * length is checked against the buffer (shorter → HEP_TRUNCATED, longer datagram → HEP_BAD_LENGTH), and
 * every chunk header and length against the end of the packet — fewer than 6 bytes left → HEP_CHUNK_TRUNCATED,
 * chunk length < 6 (zero-length chunks, which stall naive loops, included) → HEP_CHUNK_TOO_SHORT, past the
 * end → HEP_CHUNK_OVERLONG, a generic chunk of the wrong size for its type → HEP_BAD_CHUNK. Each error is a
 * HepError with the byte offset of the offending header or chunk.
 *
 * Chunks that are not generic (vendor ≠ 0), generic type IDs the spec does not assign, and a second
 * occurrence of a generic chunk are kept raw in `extra`, in packet order, so nothing is lost.
 * The compressed payload (0x0010) stays compressed in the packet; hepPayload() inflates it with a size cap.
 *
 * HEP v1/v2 (first byte 1 or 2, a binary header without chunks) is recognised and refused with
 * HEP_UNSUPPORTED_VERSION: every sender that matters speaks v3 when told to (Kamailio `hep_version 3`,
 * OpenSIPS `hep_version 3`, heplify and FreeSWITCH/Asterisk always), and v1/v2 carry no auth key or
 * agent name, which the collector relies on.
 */
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { SipclfError, type ErrorCode } from '../errors.js';
import { formatIPv6, parseIPv4, parseIPv6 } from '../sip/grammar/host.js';
import { DECODE_BY_TYPE, GENERIC_CHUNKS, type ChunkKind, type DecodeSpec, type HepFields } from './hep-chunks.js';
import { u16be, u32 } from './bytes.js';

export type { HepFields, HepFieldName, ChunkKind, ChunkSpec } from './hep-chunks.js';
export { GENERIC_CHUNKS, HEP_VENDORS, HEP_PROTO_SIP, HEP_AF_INET, HEP_AF_INET6 } from './hep-chunks.js';

/** A chunk kept as is: a vendor chunk, an unassigned generic type, or a repeated generic chunk. */
export interface HepRawChunk {
  readonly vendor: number;
  readonly type: number;
  readonly value: Buffer;
}

/** A decoded HEP v3 packet: the generic chunks by name, everything else raw. */
export interface HepPacket extends HepFields {
  /** The 4-byte identifier: "HEP3" (default when encoding) or "EEP3". */
  magic?: 'HEP3' | 'EEP3';
  /** Raw chunks in packet order (encoded after the generic ones). */
  extra?: HepRawChunk[];
}

/** A HEP packet could not be decoded or encoded; `offset` is the byte offset in the packet. */
export class HepError extends SipclfError {
  readonly offset: number;

  constructor(code: ErrorCode, message: string, offset: number) {
    super(code, message);
    this.name = 'HepError';
    this.offset = offset;
  }
}

export const HEP_HEADER_BYTES = 6;
export const CHUNK_HEADER_BYTES = 6;
export const HEP_MAX_BYTES = 0xffff;
/** "HEP3" and "EEP3" as big-endian uint32. */
const MAGIC_HEP3 = 0x48455033;
const MAGIC_EEP3 = 0x45455033;

/** Whether `b` at `at` starts with "HEP3" or "EEP3" (at least 4 bytes needed). */
export function isHepMagic(b: Uint8Array, at = 0): boolean {
  if (b.length - at < 4) return false;
  const m = ((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number);
  return m >>> 0 === MAGIC_HEP3 || m >>> 0 === MAGIC_EEP3;
}

/**
 * Checks the header at `at`: returns the total length, or throws HEP_NOT_HEP / HEP_UNSUPPORTED_VERSION /
 * HEP_TRUNCATED / HEP_BAD_LENGTH. Used by decodeHep() and by stream framing (hep-stream.ts).
 */
export function hepTotalLength(b: Uint8Array, at = 0): number {
  const avail = b.length - at;
  if (avail >= 1 && (b[at] === 1 || b[at] === 2)) {
    throw new HepError('HEP_UNSUPPORTED_VERSION', `HEP v${b[at] as number} packet: only HEP v3 is supported (configure the sender for version 3)`, at);
  }
  // Compare what is there of the magic, so a 3-byte "HEP" is truncated rather than not-HEP.
  const want = b[at] === 0x45 ? 'EEP3' : 'HEP3';
  for (let i = 0; i < 4 && i < avail; i++) {
    if (b[at + i] !== want.charCodeAt(i)) throw new HepError('HEP_NOT_HEP', `not a HEP packet: byte ${at + i} is 0x${(b[at + i] as number).toString(16).padStart(2, '0')}, expected "HEP3" or "EEP3"`, at + i);
  }
  if (avail < HEP_HEADER_BYTES) throw new HepError('HEP_TRUNCATED', `HEP packet of ${avail} bytes is shorter than its 6-byte header`, at + avail);
  const total = ((b[at + 4] as number) << 8) | (b[at + 5] as number);
  if (total < HEP_HEADER_BYTES) throw new HepError('HEP_BAD_LENGTH', `HEP total length ${total} is below 6`, at + 4);
  return total;
}

function ipv4Text(b: Buffer, p: number): string {
  return `${b[p] as number}.${b[p + 1] as number}.${b[p + 2] as number}.${b[p + 3] as number}`;
}

function ipv6Text(b: Buffer, p: number): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(p + i));
  return formatIPv6(g);
}

function readValue(b: Buffer, p: number, len: number, kind: ChunkKind, copy: boolean): number | bigint | string | Buffer {
  switch (kind) {
    case 'u8':
      return b[p] as number;
    case 'u16':
      return u16be(b, p);
    case 'u32':
      return u32(b, p, false);
    case 'u64':
      return b.readBigUInt64BE(p);
    case 'ipv4':
      return ipv4Text(b, p);
    case 'ipv6':
      return ipv6Text(b, p);
    case 'bytes':
      return copy ? Buffer.from(b.subarray(p, p + len)) : b.subarray(p, p + len);
  }
}

export interface DecodeHepOptions {
  /**
   * Copy octet-string values out of `buf` (default true). With false they are views of `buf`: faster, for
   * a caller that never reuses the buffer (a UDP datagram, a frame of HepStreamFramer).
   */
  readonly copy?: boolean;
}

/**
 * Decodes one HEP v3 packet that fills `buf` exactly (a UDP datagram, or one frame cut from a stream by its
 * total length). Throws HepError (codes HEP_*) with the byte offset; never anything else.
 */
export function decodeHep(buf: Buffer, opts?: DecodeHepOptions): HepPacket {
  const copy = opts?.copy !== false;
  const total = hepTotalLength(buf, 0);
  if (buf.length < total) throw new HepError('HEP_TRUNCATED', `HEP total length ${total} but only ${buf.length} bytes received`, buf.length);
  if (buf.length > total) throw new HepError('HEP_BAD_LENGTH', `HEP total length ${total} but the datagram holds ${buf.length} bytes`, total);
  const out: HepPacket = { magic: buf[0] === 0x45 ? 'EEP3' : 'HEP3' };
  // Generic chunks already read, by type ID: bits of types 0-31 in seenLo, 32-63 in seenHi.
  let seenLo = 0;
  let seenHi = 0;
  let p = HEP_HEADER_BYTES;
  while (p < total) {
    if (total - p < CHUNK_HEADER_BYTES) throw new HepError('HEP_CHUNK_TRUNCATED', `${total - p} bytes at offset ${p} cannot hold a chunk header (6 bytes)`, p);
    const vendor = u16be(buf, p);
    const type = u16be(buf, p + 2);
    const len = u16be(buf, p + 4);
    if (len < CHUNK_HEADER_BYTES) throw new HepError('HEP_CHUNK_TOO_SHORT', `chunk ${hex(vendor)}:${hex(type)} at offset ${p} has length ${len}, below its 6-byte header`, p);
    if (len > total - p) throw new HepError('HEP_CHUNK_OVERLONG', `chunk ${hex(vendor)}:${hex(type)} at offset ${p} has length ${len}, past the packet end at ${total}`, p);
    const vlen = len - CHUNK_HEADER_BYTES;
    const v = p + CHUNK_HEADER_BYTES;
    const spec = vendor === 0 ? DECODE_BY_TYPE[type] : undefined;
    const seen = spec === undefined ? true : type < 32 ? (seenLo & spec.bit) !== 0 : (seenHi & spec.bit) !== 0;
    if (!seen) {
      const s = spec as DecodeSpec;
      if (s.size >= 0 && vlen !== s.size) {
        throw new HepError('HEP_BAD_CHUNK', `chunk 0x${hex(type)} (${s.name}) at offset ${p} holds ${vlen} bytes, ${s.kind} needs ${s.size}`, p);
      }
      if (type < 32) seenLo |= s.bit;
      else seenHi |= s.bit;
      assign(out, type, readValue(buf, v, vlen, s.kind, copy));
    } else {
      (out.extra ??= []).push({ vendor, type, value: copy ? Buffer.from(buf.subarray(v, v + vlen)) : buf.subarray(v, v + vlen) });
    }
    p += len;
  }
  return out;
}

/**
 * Stores a decoded generic chunk under its name. A switch of named stores: a computed-key store
 * (`o[name] = v`) on a growing object was the costliest step of decoding (megamorphic keyed stores).
 */
function assign(o: HepFields, type: number, v: number | bigint | string | Buffer): void {
  switch (type) {
    case 0x0001:
      o.ipFamily = v as number;
      return;
    case 0x0002:
      o.ipProtocol = v as number;
      return;
    case 0x0003:
      o.srcIPv4 = v as string;
      return;
    case 0x0004:
      o.dstIPv4 = v as string;
      return;
    case 0x0005:
      o.srcIPv6 = v as string;
      return;
    case 0x0006:
      o.dstIPv6 = v as string;
      return;
    case 0x0007:
      o.srcPort = v as number;
      return;
    case 0x0008:
      o.dstPort = v as number;
      return;
    case 0x0009:
      o.timeSec = v as number;
      return;
    case 0x000a:
      o.timeUsec = v as number;
      return;
    case 0x000b:
      o.protocolType = v as number;
      return;
    case 0x000c:
      o.captureId = v as number;
      return;
    case 0x000d:
      o.keepAlive = v as number;
      return;
    case 0x000e:
      o.authKey = v as Buffer;
      return;
    case 0x000f:
      o.payload = v as Buffer;
      return;
    case 0x0010:
      o.compressedPayload = v as Buffer;
      return;
    case 0x0011:
      o.correlationId = v as Buffer;
      return;
    case 0x0012:
      o.vlanId = v as number;
      return;
    case 0x0013:
      o.nodeName = v as Buffer;
      return;
    case 0x0014:
      o.srcMac = v as bigint;
      return;
    case 0x0015:
      o.dstMac = v as bigint;
      return;
    case 0x0016:
      o.ethernetType = v as number;
      return;
    case 0x0017:
      o.tcpFlags = v as number;
      return;
    case 0x0018:
      o.ipTos = v as number;
      return;
    case 0x0020:
      o.mos = v as number;
      return;
    case 0x0021:
      o.rFactor = v as number;
      return;
    case 0x0022:
      o.geoLocation = v as Buffer;
      return;
    case 0x0023:
      o.jitter = v as number;
      return;
    case 0x0024:
      o.transactionType = v as Buffer;
      return;
    case 0x0025:
      o.payloadJsonKeys = v as Buffer;
      return;
    case 0x0026:
      o.tagsValues = v as Buffer;
      return;
    case 0x0027:
      o.tagType = v as number;
      return;
    case 0x0028:
      o.eventType = v as number;
      return;
    case 0x0029:
      o.groupId = v as Buffer;
      return;
  }
}

// The switch must name every generic chunk (it is written out from GENERIC_CHUNKS): checked once at load.
for (const c of GENERIC_CHUNKS) {
  const o: HepFields = {};
  assign(o, c.type, 0);
  if (!(c.name in o)) throw new Error(`hep.ts assign() misses chunk 0x${hex(c.type)} (${c.name})`);
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function encodeValue(name: string, kind: ChunkKind, v: unknown): Buffer {
  const fail = (why: string): never => {
    throw new HepError('HEP_ENCODE', `${name}: ${why}`, 0);
  };
  const intIn = (max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) fail(`${String(v)} is not an integer 0-${max}`);
    return v as number;
  };
  switch (kind) {
    case 'u8':
      return Buffer.from([intIn(0xff)]);
    case 'u16': {
      const b = Buffer.allocUnsafe(2);
      b.writeUInt16BE(intIn(0xffff));
      return b;
    }
    case 'u32': {
      const b = Buffer.allocUnsafe(4);
      b.writeUInt32BE(intIn(0xffffffff));
      return b;
    }
    case 'u64': {
      if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) fail(`${String(v)} is not a uint64 bigint`);
      const b = Buffer.allocUnsafe(8);
      b.writeBigUInt64BE(v as bigint);
      return b;
    }
    case 'ipv4': {
      const a = typeof v === 'string' ? parseIPv4(v) : null;
      if (a === null) fail(`${String(v)} is not an IPv4 address`);
      return Buffer.from(a as number[]);
    }
    case 'ipv6': {
      const s = typeof v === 'string' && v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v;
      const g = typeof s === 'string' ? parseIPv6(s) : null;
      if (g === null) fail(`${String(v)} is not an IPv6 address`);
      const b = Buffer.allocUnsafe(16);
      (g as number[]).forEach((x, i) => b.writeUInt16BE(x, i * 2));
      return b;
    }
    case 'bytes':
      if (!(v instanceof Uint8Array)) fail('not a Buffer');
      return Buffer.from(v as Uint8Array);
  }
}

/**
 * Encodes a packet: the generic chunks present, in type-ID order, then `extra` in its order. Throws
 * HepError HEP_ENCODE for a value out of range or a packet beyond 65535 bytes.
 */
export function encodeHep(p: HepPacket): Buffer {
  const parts: Buffer[] = [];
  let total = HEP_HEADER_BYTES;
  const add = (vendor: number, type: number, value: Buffer): void => {
    const len = CHUNK_HEADER_BYTES + value.length;
    if (len > HEP_MAX_BYTES) throw new HepError('HEP_ENCODE', `chunk ${hex(vendor)}:${hex(type)} of ${len} bytes exceeds 65535`, total);
    const h = Buffer.allocUnsafe(CHUNK_HEADER_BYTES);
    h.writeUInt16BE(vendor, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt16BE(len, 4);
    parts.push(h, value);
    total += len;
  };
  const fields = p as Record<string, unknown>;
  for (const c of GENERIC_CHUNKS) {
    const v = fields[c.name];
    if (v !== undefined) add(0, c.type, encodeValue(c.name, c.kind, v));
  }
  for (const x of p.extra ?? []) {
    if (!Number.isInteger(x.vendor) || x.vendor < 0 || x.vendor > 0xffff || !Number.isInteger(x.type) || x.type < 0 || x.type > 0xffff) {
      throw new HepError('HEP_ENCODE', `extra chunk ${String(x.vendor)}:${String(x.type)}: vendor and type must be 0-65535`, total);
    }
    add(x.vendor, x.type, Buffer.from(x.value));
  }
  if (total > HEP_MAX_BYTES) throw new HepError('HEP_ENCODE', `packet of ${total} bytes exceeds the 65535 a HEP3 length can say`, 0);
  const head = Buffer.allocUnsafe(HEP_HEADER_BYTES);
  head.write(p.magic ?? 'HEP3', 0, 'latin1');
  head.writeUInt16BE(total, 4);
  return Buffer.concat([head, ...parts], total);
}

/** Default cap of an inflated payload: far above any SIP message, low enough to stop a zip bomb. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

/**
 * The captured payload: chunk 0x000f as is, else chunk 0x0010 inflated (gzip, zlib or raw deflate, told
 * apart by their headers) up to `maxBytes`; undefined when the packet has neither. Throws HepError
 * HEP_BAD_PAYLOAD when the compressed payload does not inflate or inflates beyond `maxBytes`.
 */
export function hepPayload(p: HepPacket, maxBytes: number = DEFAULT_MAX_PAYLOAD_BYTES): Buffer | undefined {
  if (p.payload !== undefined) return p.payload;
  const z = p.compressedPayload;
  if (z === undefined) return undefined;
  const opts = { maxOutputLength: maxBytes };
  try {
    if (z.length >= 2 && z[0] === 0x1f && z[1] === 0x8b) return gunzipSync(z, opts);
    if (z.length >= 2 && ((z[0] as number) & 0x0f) === 8 && (((z[0] as number) << 8) | (z[1] as number)) % 31 === 0) return inflateSync(z, opts);
    return inflateRawSync(z, opts);
  } catch (err) {
    throw new HepError('HEP_BAD_PAYLOAD', `compressed payload (${z.length} bytes) does not inflate within ${maxBytes} bytes: ${(err as Error).message}`, 0);
  }
}

/** Source and destination of the captured packet as text (IPv4 preferred when both are present). */
export function hepAddresses(p: HepPacket): { src?: string; dst?: string } {
  const src = p.srcIPv4 ?? p.srcIPv6;
  const dst = p.dstIPv4 ?? p.dstIPv6;
  return { ...(src !== undefined ? { src } : {}), ...(dst !== undefined ? { dst } : {}) };
}
