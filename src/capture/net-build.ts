/**
 * Synthetic frames for the pcap writer (and for tests that craft captures): Ethernet II (EtherType 0x0800
 * or 0x86DD) around IPv4 (RFC 791 §3.1, header checksum RFC 1071) or IPv6 (RFC 8200 §3), around UDP
 * (RFC 768; checksum over the RFC 768 / RFC 8200 §8.1 pseudo-header, 0 sent as 0xFFFF) or TCP (RFC 9293
 * §3.1, checksum likewise). Every checksum is computed, so tshark and sngrep see clean packets.
 *
 * Fragmentation: a UDP datagram whose IP packet exceeds the MTU is cut into IP fragments — IPv4 with MF
 * and offsets in 8-byte units (RFC 791 §3.2), IPv6 with a Fragment header (RFC 8200 §4.5) — the UDP
 * checksum covering the whole datagram, as a sending host does; tshark reassembles both by default. TCP is
 * never IP-fragmented: the caller segments by MSS. `fragment: false` writes one oversized (jumbo) frame.
 * MAC addresses are locally administered and derived from the IP address (02:00 + its last 4 bytes), so
 * each host keeps one MAC across the capture.
 */

export interface FrameAddress {
  /** 4 or 16 bytes. */
  readonly ip: Uint8Array;
  readonly port: number;
}

const ETH = 14;

/** RFC 1071 ones' complement sum of `b[from, to)` added to `sum` (not folded). */
function sum16(b: Uint8Array, from: number, to: number, sum: number): number {
  let s = sum;
  let i = from;
  for (; i + 1 < to; i += 2) s += ((b[i] as number) << 8) | (b[i + 1] as number);
  if (i < to) s += (b[i] as number) << 8;
  return s;
}

function fold(s: number): number {
  let x = s;
  while (x > 0xffff) x = (x & 0xffff) + Math.floor(x / 0x10000);
  return ~x & 0xffff;
}

/** Checksum of an upper-layer segment `seg` (header with a zero checksum field + data) with its pseudo-header. */
function l4Checksum(src: Uint8Array, dst: Uint8Array, proto: number, seg: Uint8Array): number {
  let s = sum16(src, 0, src.length, 0);
  s = sum16(dst, 0, dst.length, s);
  s += proto + seg.length; // IPv4: zero, proto, length; IPv6: length (32 bits), zeros, next header
  s = sum16(seg, 0, seg.length, s);
  const c = fold(s);
  return c === 0 && proto === 17 ? 0xffff : c;
}

function ethernet(frame: Buffer, src: Uint8Array, dst: Uint8Array, v6: boolean): void {
  frame[0] = 0x02;
  frame[1] = 0x00;
  frame.set(dst.subarray(dst.length - 4), 2);
  frame[6] = 0x02;
  frame[7] = 0x00;
  frame.set(src.subarray(src.length - 4), 8);
  frame.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
}

function ipv4(frame: Buffer, src: Uint8Array, dst: Uint8Array, proto: number, id: number, fragOff: number, more: boolean, payloadLen: number): void {
  const h = ETH;
  frame[h] = 0x45;
  frame[h + 1] = 0;
  frame.writeUInt16BE(20 + payloadLen, h + 2);
  frame.writeUInt16BE(id & 0xffff, h + 4);
  frame.writeUInt16BE((more ? 0x2000 : 0) | (fragOff >> 3), h + 6);
  frame[h + 8] = 64;
  frame[h + 9] = proto;
  frame.writeUInt16BE(0, h + 10);
  frame.set(src, h + 12);
  frame.set(dst, h + 16);
  frame.writeUInt16BE(fold(sum16(frame, h, h + 20, 0)), h + 10);
}

function ipv6(frame: Buffer, src: Uint8Array, dst: Uint8Array, next: number, payloadLen: number): void {
  const h = ETH;
  frame.writeUInt32BE(0x60000000, h);
  frame.writeUInt16BE(payloadLen, h + 4);
  frame[h + 6] = next;
  frame[h + 7] = 64;
  frame.set(src, h + 8);
  frame.set(dst, h + 24);
}

/** A whole IP payload `seg` (UDP or TCP segment) in one or more Ethernet frames. */
function ipFrames(src: Uint8Array, dst: Uint8Array, proto: number, seg: Buffer, id: number, mtu: number, fragment: boolean): Buffer[] {
  const v6 = src.length === 16;
  const ipHdr = v6 ? 40 : 20;
  if (!fragment || ipHdr + seg.length <= mtu) {
    const f = Buffer.alloc(ETH + ipHdr + seg.length);
    ethernet(f, src, dst, v6);
    if (v6) ipv6(f, src, dst, proto, seg.length);
    else ipv4(f, src, dst, proto, id, 0, false, seg.length);
    seg.copy(f, ETH + ipHdr);
    return [f];
  }
  const frames: Buffer[] = [];
  const room = Math.floor((mtu - ipHdr - (v6 ? 8 : 0)) / 8) * 8;
  for (let off = 0; off < seg.length; off += room) {
    const n = Math.min(room, seg.length - off);
    const more = off + n < seg.length;
    if (v6) {
      const f = Buffer.alloc(ETH + 48 + n);
      ethernet(f, src, dst, true);
      ipv6(f, src, dst, 44, 8 + n);
      const p = ETH + 40;
      f[p] = proto;
      f[p + 1] = 0;
      f.writeUInt16BE(off | (more ? 1 : 0), p + 2);
      f.writeUInt32BE(id >>> 0, p + 4);
      seg.copy(f, p + 8, off, off + n);
      frames.push(f);
    } else {
      const f = Buffer.alloc(ETH + 20 + n);
      ethernet(f, src, dst, false);
      ipv4(f, src, dst, proto, id, off, more, n);
      seg.copy(f, ETH + 20, off, off + n);
      frames.push(f);
    }
  }
  return frames;
}

export interface BuildOptions {
  /** Largest IP packet (default 1500). */
  readonly mtu?: number;
  /** Fragment datagrams larger than the MTU (default true); false writes one oversized frame. */
  readonly fragment?: boolean;
}

/** Ethernet frames carrying one UDP datagram; `id` is the IP Identification used if it is fragmented. */
export function udpFrames(src: FrameAddress, dst: FrameAddress, payload: Uint8Array, id: number, opts?: BuildOptions): Buffer[] {
  if (payload.length > 65535 - 8 - (src.ip.length === 4 ? 20 : 0)) throw new RangeError(`UDP payload of ${payload.length} bytes exceeds a datagram`);
  const seg = Buffer.alloc(8 + payload.length);
  seg.writeUInt16BE(src.port, 0);
  seg.writeUInt16BE(dst.port, 2);
  seg.writeUInt16BE(seg.length, 4);
  seg.set(payload, 8);
  seg.writeUInt16BE(l4Checksum(src.ip, dst.ip, 17, seg), 6);
  return ipFrames(src.ip, dst.ip, 17, seg, id, opts?.mtu ?? 1500, opts?.fragment ?? true);
}

/** TCP flags for tcpFrame. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** One Ethernet frame carrying one TCP segment (no options, window 65535). */
export function tcpFrame(src: FrameAddress, dst: FrameAddress, seq: number, ack: number, flags: number, payload: Uint8Array, id = 0): Buffer {
  const seg = Buffer.alloc(20 + payload.length);
  seg.writeUInt16BE(src.port, 0);
  seg.writeUInt16BE(dst.port, 2);
  seg.writeUInt32BE(seq >>> 0, 4);
  seg.writeUInt32BE(ack >>> 0, 8);
  seg[12] = 5 << 4;
  seg[13] = flags;
  seg.writeUInt16BE(65535, 14);
  seg.set(payload, 20);
  seg.writeUInt16BE(l4Checksum(src.ip, dst.ip, 6, seg), 16);
  return (ipFrames(src.ip, dst.ip, 6, seg, id, 65535 + 60, false)[0]) as Buffer;
}

/** The largest TCP payload per segment for an MTU (IPv4 40, IPv6 60 bytes of headers). */
export function tcpMss(family: 4 | 6, mtu: number): number {
  return mtu - (family === 4 ? 40 : 60);
}

/** IPv4 fragments of an arbitrary payload, for tests: the frames exactly as udpFrames would cut them. */
export function ipv4Fragment(src: Uint8Array, dst: Uint8Array, proto: number, id: number, off: number, more: boolean, data: Uint8Array): Buffer {
  const f = Buffer.alloc(ETH + 20 + data.length);
  ethernet(f, src, dst, false);
  ipv4(f, src, dst, proto, id, off, more, data.length);
  f.set(data, ETH + 20);
  return f;
}
