/**
 * IP headers: decodes an IPv4 (RFC 791 §3.1) or IPv6 (RFC 8200 §3, §4) datagram down to its upper-layer
 * protocol and payload, and formats addresses (RFC 5952 for IPv6, through the sip layer's formatter).
 *
 * - IPv4: the header checksum is not verified (captures of locally sent packets carry unfinished
 *   checksums under checksum offload); options are skipped by IHL. A Total Length of 0 (TSO captures) means
 *   "the captured bytes"; bytes after Total Length (Ethernet padding) are dropped.
 * - IPv6: extension headers Hop-by-Hop (0), Routing (43), Destination Options (60) and AH (51) are
 *   skipped (RFC 8200 §4.1 order is not enforced), at most 16; No Next Header (59) ends the walk; ESP (50)
 *   is returned as the protocol (its payload is encrypted). A Payload Length of 0 (jumbogram, RFC 2675)
 *   means "the captured bytes".
 * - Fragments (IPv4 MF/offset, IPv6 Fragment header 44) come back with `frag` set and the fragment's bytes as
 *   payload; ip-frag.ts reassembles them. An IPv6 atomic fragment (offset 0, M 0; RFC 6946) is no fragment.
 * - `missing` counts the datagram bytes the capture's snapshot length cut off.
 * Addresses are views of the frame (`src`, `dst`) so that non-SIP traffic costs no string building.
 */
import { formatIPv6 } from '../sip/grammar/host.js';
import { u16be } from './bytes.js';

export interface IpFragment {
  /** Identification (IPv4 16 bits, IPv6 32 bits). */
  readonly id: number;
  /** Byte offset of this fragment's data in the original payload. */
  readonly offset: number;
  /** More fragments follow. */
  readonly more: boolean;
}

export interface IpDatagram {
  readonly family: 4 | 6;
  readonly src: Buffer;
  readonly dst: Buffer;
  /** Upper-layer protocol (6 TCP, 17 UDP…); for a fragment, the protocol of the fragmented payload. */
  readonly proto: number;
  readonly payload: Buffer;
  readonly frag: IpFragment | undefined;
  /** Bytes of the datagram the capture does not hold (the snapshot length cut them); 0 normally. */
  readonly missing: number;
}

const MAX_EXT_HEADERS = 16;

/** Decodes the datagram at `at` in `d`; a string is the reason it is malformed. */
export function decodeIp(d: Buffer, at: number): IpDatagram | string {
  if (at >= d.length) return 'no IP header';
  const v = (d[at] as number) >> 4;
  if (v === 4) return decodeV4(d, at);
  if (v === 6) return decodeV6(d, at);
  return `IP version ${v}`;
}

function decodeV4(d: Buffer, at: number): IpDatagram | string {
  if (d.length - at < 20) return `IPv4 header truncated (${d.length - at} bytes)`;
  const ihl = ((d[at] as number) & 0x0f) * 4;
  const total = u16be(d, at + 2); // 20 bytes are there, checked above
  if (ihl < 20) return `IPv4 IHL ${ihl / 4} is below 5`;
  if (d.length - at < ihl) return 'IPv4 options truncated';
  if (total !== 0 && total < ihl) return `IPv4 Total Length ${total} is shorter than its header (${ihl})`;
  const avail = d.length - at;
  const len = total === 0 ? avail : Math.min(total, avail);
  const ff = u16be(d, at + 6);
  const offset = (ff & 0x1fff) * 8;
  const more = (ff & 0x2000) !== 0;
  return {
    family: 4,
    src: d.subarray(at + 12, at + 16),
    dst: d.subarray(at + 16, at + 20),
    proto: d[at + 9] as number,
    payload: d.subarray(at + ihl, at + len),
    frag: more || offset > 0 ? { id: d.readUInt16BE(at + 4), offset, more } : undefined,
    missing: Math.max(0, total - avail),
  };
}

function decodeV6(d: Buffer, at: number): IpDatagram | string {
  if (d.length - at < 40) return `IPv6 header truncated (${d.length - at} bytes)`;
  const plen = d.readUInt16BE(at + 4);
  const avail = d.length - at - 40;
  const end = at + 40 + (plen === 0 ? avail : Math.min(plen, avail));
  const src = d.subarray(at + 8, at + 24);
  const dst = d.subarray(at + 24, at + 40);
  let next = d[at + 6] as number;
  let p = at + 40;
  for (let n = 0; n <= MAX_EXT_HEADERS; n++) {
    if (next === 44) {
      if (end - p < 8) return 'IPv6 Fragment header truncated';
      const off = d.readUInt16BE(p + 2);
      const offset = off & 0xfff8;
      const more = (off & 1) !== 0;
      const proto = d[p] as number;
      if (offset === 0 && !more) {
        next = proto; // atomic fragment (RFC 6946): an ordinary datagram
        p += 8;
        continue;
      }
      return { family: 6, src, dst, proto, payload: d.subarray(p + 8, end), frag: { id: d.readUInt32BE(p + 4), offset, more }, missing: Math.max(0, plen - avail) };
    }
    const w = walkOne(next, d, p, end);
    if (typeof w === 'string') return w;
    if (w < 0) return { family: 6, src, dst, proto: next, payload: d.subarray(p, end), frag: undefined, missing: Math.max(0, plen - avail) };
    next = d[p] as number;
    p = w;
  }
  return `more than ${MAX_EXT_HEADERS} IPv6 extension headers`;
}

/** Skips one extension header at `p`: the offset after it, -1 if `next` is not one, or why it is malformed. */
function walkOne(next: number, d: Buffer, p: number, end: number): number | string {
  if (next !== 0 && next !== 43 && next !== 60 && next !== 51) return -1;
  if (end - p < 8) return `IPv6 extension header ${next} truncated`;
  const len = next === 51 ? ((d[p + 1] as number) + 2) * 4 : ((d[p + 1] as number) + 1) * 8;
  if (end - p < len) return `IPv6 extension header ${next} truncated`;
  return p + len;
}

/**
 * After IPv6 reassembly: walks the extension headers that begin the reassembled fragmentable part
 * (RFC 8200 §4.5); returns the upper-layer protocol and the offset of its header, or why it is malformed.
 */
export function walkV6(next: number, d: Buffer): { proto: number; at: number } | string {
  let p = 0;
  let proto = next;
  for (let n = 0; n <= MAX_EXT_HEADERS; n++) {
    const w = walkOne(proto, d, p, d.length);
    if (typeof w === 'string') return w;
    if (w < 0) return { proto, at: p };
    proto = d[p] as number;
    p = w;
  }
  return `more than ${MAX_EXT_HEADERS} IPv6 extension headers`;
}

/** Text of a 4- or 16-byte address: dotted quad, or RFC 5952 canonical IPv6. */
export function ipText(a: Buffer): string {
  if (a.length === 4) return `${a[0] as number}.${a[1] as number}.${a[2] as number}.${a[3] as number}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(a.readUInt16BE(i));
  return formatIPv6(g);
}
