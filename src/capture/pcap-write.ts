/**
 * CLF → pcap: PcapEncoder turns SIP CLF records that carry the whole message (Tag 02, RFC 6873 §4.4) —
 * or any message with addresses and a time (`WireMessage`, e.g. from HEP) — into a classic pcap file
 * (draft-ietf-opsawg-pcap §4-§5; little-endian, magic a1b2c3d4 for µs or a1b23c4d for ns, LINKTYPE_ETHERNET)
 * with synthetic Ethernet/IP/UDP or TCP headers built by net-build.ts; writePcap() streams it to a file.
 *
 * - Time: the record's timestamp (ms). Addresses: Source and Destination `ip:port` or `[ipv6]:port`
 *   (RFC 6873 §4.2); an IPv4 peer of an IPv6 one is written as ::ffff:a.b.c.d. A record whose addresses are
 *   not IP literals with ports is skipped (CAPTURE_BAD_ADDRESS in the summary's notes).
 * - Transport (option `transport`, default 'auto'): the record's flag — T (TCP, also TLS: the logged text is
 *   written in clear) → TCP; U → UDP; S (SCTP) and W (WebSocket) → UDP, noted, since neither can be
 *   represented faithfully without their own framing.
 * - TCP: one stream per direction of each 4-tuple, without handshake (Wireshark and tshark pick up
 *   mid-stream connections): the sequence number starts at a value derived from the 4-tuple (FNV-1a, so
 *   the same input gives the same file) and advances by the bytes written; the ACK carries the reverse
 *   direction's next sequence number. Messages longer than the MSS (MTU − 40/60) span several segments.
 * - UDP: one datagram per message; beyond the MTU (default 1500) the datagram is IP-fragmented (IPv4 and
 *   IPv6), unless `fragment: false` asks for one jumbo frame.
 * - A record without Tag 02 is skipped and counted. A truncated Tag 02 (marker 11@32473 `02@00000000 N`,
 *   RFC 6872 §8 4096-byte cap) is written as logged and counted in `truncated`; over TCP its missing body
 *   would swallow the stream's next messages, so such a message is written as UDP instead (noted).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { decodeOptionalValue, parseTruncationMarker } from '../clf/optional.js';
import { SIPCLF_PEN, TAG_MESSAGE, VTAG_TRUNCATED, type ClfRecord } from '../clf/record.js';
import { parseIPv4, parseIPv6 } from '../sip/grammar/host.js';
import { TCP_ACK, TCP_PSH, tcpFrame, tcpMss, udpFrames, type FrameAddress } from './net-build.js';

export interface PcapWriteOptions {
  /** Timestamp resolution of the file (default 'us'). */
  readonly resolution?: 'us' | 'ns';
  /** Largest IP packet, 576-65535 (default 1500). */
  readonly mtu?: number;
  /** UDP datagrams beyond the MTU as IP fragments (default true) or as one jumbo frame (false). */
  readonly fragment?: boolean;
  /** 'auto' (default): by the record's transport flag; or force every message to UDP or TCP. */
  readonly transport?: 'auto' | 'udp' | 'tcp';
}

/** One message to write: what a SipPacket or a HEP packet carries. */
export interface WireMessage {
  /** Nanoseconds since the epoch. */
  readonly tsNs: bigint;
  readonly transport: 'udp' | 'tcp';
  /** IP literal (IPv6 with or without brackets) and port. */
  readonly src: { readonly ip: string; readonly port: number };
  readonly dst: { readonly ip: string; readonly port: number };
  readonly bytes: Uint8Array;
}

export interface PcapWriteSummary {
  /** Records offered. */
  records: number;
  /** SIP messages written, and pcap packet records (frames) for them. */
  messages: number;
  frames: number;
  /** Records skipped: no Tag 02 / addresses not ip:port. */
  noMessage: number;
  badAddress: number;
  /** Messages written from a truncated Tag 02. */
  truncated: number;
  /** SCTP / WebSocket / truncated-TCP messages written as UDP. */
  asUdp: number;
  /** Messages pcap cannot hold (a time outside 1970-2106, a UDP message over 65,487 bytes): skipped. */
  unwritable: number;
  /** Bytes of the file, header included. */
  bytes: number;
  /** The first 100 notes (which record, why), for a summary. */
  notes: string[];
}

const MAX_NOTES = 100;
/** TCP directions whose sequence numbers the encoder remembers. */
const MAX_TCP_FLOWS = 65_536;

/** `ip:port` or `[v6]:port` → address bytes and port, or undefined. */
export function parseEndpoint(s: string): { ip: Uint8Array; port: number } | undefined {
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') return undefined;
    host = s.slice(1, close);
    portText = s.slice(close + 2);
  } else {
    const c = s.lastIndexOf(':');
    if (c < 0) return undefined;
    host = s.slice(0, c);
    portText = s.slice(c + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return undefined;
  const ip = ipBytes(host);
  return ip === undefined ? undefined : { ip, port: Number(portText) };
}

function ipBytes(host: string): Uint8Array | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (!bare.includes(':')) {
    const v4 = parseIPv4(bare);
    return v4 === null ? undefined : Uint8Array.from(v4);
  }
  const g = parseIPv6(bare);
  if (g === null) return undefined;
  const b = Buffer.alloc(16);
  g.forEach((x, i) => b.writeUInt16BE(x, 2 * i));
  return b;
}

function mapped(v4: Uint8Array): Uint8Array {
  const b = new Uint8Array(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b.set(v4, 12);
  return b;
}

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class PcapEncoder {
  readonly summary: PcapWriteSummary = { records: 0, messages: 0, frames: 0, noMessage: 0, badAddress: 0, truncated: 0, asUdp: 0, unwritable: 0, bytes: 0, notes: [] };
  /** Why the last record or message offered was skipped as unwritable (see `unwritable`), else undefined. */
  lastSkip: string | undefined;
  readonly #ns: boolean;
  readonly #mtu: number;
  readonly #fragment: boolean;
  readonly #transport: 'auto' | 'udp' | 'tcp';
  /** Next sequence number per TCP direction. */
  /** Next sequence number per TCP direction, least recently written first (at most MAX_TCP_FLOWS). */
  readonly #seq = new Map<string, number>();
  #ipId = 0;

  constructor(opts?: PcapWriteOptions) {
    this.#ns = opts?.resolution === 'ns';
    const mtu = opts?.mtu ?? 1500;
    if (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535) throw new RangeError(`mtu ${mtu} is not 576-65535`);
    this.#mtu = mtu;
    this.#fragment = opts?.fragment ?? true;
    this.#transport = opts?.transport ?? 'auto';
  }

  /** The 24-byte file header: version 2.4, snaplen 262144, LINKTYPE_ETHERNET. */
  fileHeader(): Buffer {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(this.#ns ? 0xa1b23c4d : 0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(1, 20);
    this.summary.bytes += 24;
    return h;
  }

  /** The pcap records of one CLF record (empty when it is skipped; see `summary`). */
  record(r: ClfRecord): Buffer {
    const s = this.summary;
    s.records++;
    this.lastSkip = undefined;
    const f = r.optional.find((o) => o.tag === TAG_MESSAGE && o.vendor === 0);
    if (f === undefined) {
      s.noMessage++;
      return Buffer.alloc(0);
    }
    const src = typeof r.source === 'string' ? parseEndpoint(r.source) : undefined;
    const dst = typeof r.destination === 'string' ? parseEndpoint(r.destination) : undefined;
    if (src === undefined || dst === undefined) {
      s.badAddress++;
      this.#note(`record ${s.records}: CAPTURE_BAD_ADDRESS: Source/Destination ${String(r.source)} -> ${String(r.destination)} is not ip:port; skipped`);
      return Buffer.alloc(0);
    }
    const cut = r.optional.some((o) => o.tag === VTAG_TRUNCATED && o.vendor === SIPCLF_PEN && parseTruncationMarker(o.value)?.tag === TAG_MESSAGE);
    let transport: 'udp' | 'tcp' = this.#transport === 'auto' ? (r.transport === 'T' ? 'tcp' : 'udp') : this.#transport;
    if (this.#transport === 'auto' && (r.transport === 'S' || r.transport === 'W')) {
      s.asUdp++;
      this.#note(`record ${s.records}: transport ${r.transport === 'S' ? 'SCTP' : 'WebSocket'} written as UDP`);
    }
    if (cut) {
      s.truncated++;
      this.#note(`record ${s.records}: Tag 02 was truncated when logged (RFC 6872 §8); written as logged${transport === 'tcp' ? ', as UDP' : ''}`);
      if (transport === 'tcp') {
        s.asUdp++;
        transport = 'udp';
      }
    }
    const bytes = Buffer.from(decodeOptionalValue(f), 'latin1');
    return this.#frames(BigInt(r.timestamp) * 1_000_000n, transport, src, dst, bytes);
  }

  /** The pcap records of one message. Throws RangeError for addresses that are not IP literals. */
  message(m: WireMessage): Buffer {
    const src = ipBytes(m.src.ip);
    const dst = ipBytes(m.dst.ip);
    if (src === undefined || dst === undefined) throw new RangeError(`not IP literals: ${m.src.ip} -> ${m.dst.ip}`);
    this.summary.records++;
    this.lastSkip = undefined;
    return this.#frames(m.tsNs, m.transport, { ip: src, port: m.src.port }, { ip: dst, port: m.dst.port }, m.bytes);
  }

  #frames(tsNs: bigint, transport: 'udp' | 'tcp', s0: FrameAddress, d0: FrameAddress, bytes: Uint8Array): Buffer {
    let src = s0;
    let dst = d0;
    if (src.ip.length !== dst.ip.length) {
      src = src.ip.length === 4 ? { ip: mapped(src.ip), port: src.port } : src;
      dst = dst.ip.length === 4 ? { ip: mapped(dst.ip), port: dst.port } : dst;
    }
    // A classic pcap record holds unsigned 32-bit seconds: 1970 to 2106. A capture's clock outside it (a
    // pcapng if_tsoffset far in the past, a hostile timestamp) cannot be written; the message is skipped.
    if (tsNs < 0n || tsNs >= 0x1_0000_0000n * 1_000_000_000n) return this.#unwritable(`timestamp ${tsNs} ns is outside what pcap can hold (1970-2106)`);
    let frames: Buffer[];
    if (transport === 'udp') {
      if (bytes.length > 65535 - 48) return this.#unwritable(`message of ${bytes.length} bytes does not fit a UDP datagram`);
      frames = udpFrames(src, dst, bytes, ++this.#ipId, { mtu: this.#mtu, fragment: this.#fragment });
    } else {
      frames = this.#tcp(src, dst, bytes);
    }
    this.summary.messages++;
    const sec = tsNs / 1_000_000_000n;
    const frac = Number(tsNs - sec * 1_000_000_000n);
    const out = Buffer.alloc(frames.reduce((n, f) => n + 16 + f.length, 0));
    let p = 0;
    for (const f of frames) {
      out.writeUInt32LE(Number(sec) >>> 0, p);
      out.writeUInt32LE(this.#ns ? frac : Math.floor(frac / 1000), p + 4);
      out.writeUInt32LE(f.length, p + 8);
      out.writeUInt32LE(f.length, p + 12);
      f.copy(out, p + 16);
      p += 16 + f.length;
    }
    this.summary.frames += frames.length;
    this.summary.bytes += out.length;
    return out;
  }

  #tcp(src: FrameAddress, dst: FrameAddress, bytes: Uint8Array): Buffer[] {
    const key = (a: FrameAddress, b: FrameAddress): string => `${Buffer.from(a.ip).toString('hex')}.${a.port}>${Buffer.from(b.ip).toString('hex')}.${b.port}`;
    const k = key(src, dst);
    let seq = this.#seq.get(k) ?? fnv(k);
    const ack = this.#seq.get(key(dst, src)) ?? 0;
    const mss = this.#fragment ? tcpMss(src.ip.length === 4 ? 4 : 6, this.#mtu) : 65535 - 60;
    const frames: Buffer[] = [];
    for (let off = 0; off < bytes.length || off === 0; off += mss) {
      const chunk = bytes.subarray(off, Math.min(off + mss, bytes.length));
      frames.push(tcpFrame(src, dst, seq, ack, TCP_PSH | TCP_ACK, chunk, ++this.#ipId));
      seq = (seq + chunk.length) >>> 0;
      if (bytes.length === 0) break;
    }
    // Bounded: a flow forgotten (the oldest first) restarts at its hash-derived sequence number, which only
    // makes Wireshark see a new stream; a capture with this many TCP flows at once is a flood.
    this.#seq.delete(k);
    if (this.#seq.size >= MAX_TCP_FLOWS) this.#seq.delete(this.#seq.keys().next().value as string);
    this.#seq.set(k, seq);
    return frames;
  }

  #unwritable(why: string): Buffer {
    this.summary.unwritable++;
    this.lastSkip = `${why}; skipped`;
    this.#note(`record ${this.summary.records}: ${this.lastSkip}`);
    return Buffer.alloc(0);
  }

  #note(n: string): void {
    if (this.summary.notes.length < MAX_NOTES) this.summary.notes.push(n);
  }
}

/**
 * Writes a pcap of `items` (CLF records, or WireMessages) to `dest` (a path, created or truncated, or a
 * writable stream, left open), with backpressure. Resolves to the summary.
 */
export async function writePcap(items: AsyncIterable<ClfRecord | WireMessage> | Iterable<ClfRecord | WireMessage>, dest: string | NodeJS.WritableStream, opts?: PcapWriteOptions): Promise<PcapWriteSummary> {
  const enc = new PcapEncoder(opts);
  const ws = typeof dest === 'string' ? createWriteStream(dest) : dest;
  const write = async (b: Buffer): Promise<void> => {
    if (b.length > 0 && !ws.write(b)) await once(ws as NodeJS.EventEmitter, 'drain');
  };
  await write(enc.fileHeader());
  for await (const it of items) await write('bytes' in it ? enc.message(it) : enc.record(it));
  if (typeof dest === 'string') {
    const done = once(ws as NodeJS.EventEmitter, 'finish');
    ws.end();
    await done;
  }
  return enc.summary;
}
