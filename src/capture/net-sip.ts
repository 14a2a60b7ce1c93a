/**
 * From packets to SIP messages: SipExtractor walks each captured frame down the stack — link layer
 * (net-link.ts), IPv4/IPv6 (ip.ts) with fragment reassembly (ip-frag.ts), then UDP (RFC 768: one datagram,
 * one SIP message, RFC 3261 §18.1.1/§18.2.1) or TCP (tcp-stream.ts: stream reassembly and framing) — and
 * `sipMessages()` runs it over a capture file. Payloads without a SIP start line (DNS, RTP, HEP, HTTP…)
 * are skipped and counted; an optional port list narrows what is looked at. UDP checksums are not
 * verified (offloaded checksums are wrong in captures of locally sent packets). Leading CRLFs of a UDP
 * payload are dropped (RFC 3261 §7.5); a payload of CRLFs only is a keep-alive (RFC 5626 §4.4.1).
 */
import { FragmentReassembler } from './ip-frag.js';
import { decodeIp, ipText, walkV6, type IpDatagram } from './ip.js';
import { LINK_TRUNCATED, LINK_UNSUPPORTED, linkPayload } from './net-link.js';
import { isSipStart, newCaptureStats, type CaptureStats, type SipEndpoint, type SipEvent, type SipExtractOptions } from './net-types.js';
import { packetBatches } from './pcap-read.js';
import { captureError, type CaptureError, type CaptureSource, type Packet } from './pcap-types.js';
import { TcpReassembler, type SegmentContext } from './tcp-stream.js';
import { u16be } from './bytes.js';

const UDP = 17;
const TCP = 6;

export class SipExtractor {
  readonly stats: CaptureStats = newCaptureStats();
  readonly #frag: FragmentReassembler;
  readonly #tcp: TcpReassembler;
  readonly #ports: ReadonlySet<number> | undefined;
  readonly #unsupported = new Set<number>();
  readonly #errs: CaptureError[] = [];
  readonly #endpoints = new EndpointCache();
  #last: SegmentContext = { index: 0, ts: 0, tsNs: 0n, family: 4 };

  constructor(opts?: SipExtractOptions) {
    this.#frag = new FragmentReassembler(opts?.fragments);
    this.#tcp = new TcpReassembler(this.stats, opts?.tcp, opts?.limits);
    this.#ports = opts?.ports === undefined ? undefined : new Set(opts.ports);
  }

  /** Bytes held for reassembly now (IP fragments and out-of-order TCP segments). */
  get buffered(): number {
    return this.#frag.buffered + this.#tcp.buffered;
  }

  /** Decodes one packet; SIP messages and problems go to `out`. */
  packet(p: Packet, out: SipEvent[]): void {
    this.stats.packets++;
    const at = linkPayload(p.linkType, p.data);
    if (at < 0) {
      if (at === LINK_TRUNCATED) this.#error(out, captureError('CAPTURE_BAD_PACKET', p.index, p.offset, `packet ${p.index}: frame of ${p.data.length} bytes is shorter than its link-layer header`));
      else {
        this.stats.nonIp++;
        if (at === LINK_UNSUPPORTED && !this.#unsupported.has(p.linkType)) {
          this.#unsupported.add(p.linkType);
          this.#error(out, captureError('CAPTURE_UNSUPPORTED_LINK', p.index, p.offset, `packet ${p.index}: link type ${p.linkType} is not decoded; its packets are skipped`));
        }
      }
      return;
    }
    const ip = decodeIp(p.data, at);
    if (typeof ip === 'string') {
      this.#error(out, captureError('CAPTURE_BAD_PACKET', p.index, p.offset, `packet ${p.index}: ${ip}`));
      return;
    }
    const cx: SegmentContext = { index: p.index, ts: p.ts, tsNs: p.tsNs, family: ip.family };
    this.#last = cx;
    let proto = ip.proto;
    let payload = ip.payload;
    if (ip.frag !== undefined) {
      if (proto !== UDP && proto !== TCP && ip.family === 4) {
        this.stats.otherProtocol++;
        return;
      }
      if (ip.missing > 0) {
        this.#error(out, captureError('CAPTURE_PACKET_CUT', p.index, p.offset, `packet ${p.index}: IP fragment cut by the snapshot length; not reassembled`));
        return;
      }
      const key = `${ip.family}${ip.src.latin1Slice()}${ip.dst.latin1Slice()}${proto}/${ip.frag.id}`;
      const whole = this.#frag.add(key, ip.frag.offset, ip.frag.more, ip.payload, p.ts, p.index, this.#errs);
      this.#flushErrors(out);
      if (whole === undefined) return;
      payload = whole;
      if (ip.family === 6) {
        const w = walkV6(proto, whole);
        if (typeof w === 'string') {
          this.#error(out, captureError('CAPTURE_BAD_PACKET', p.index, p.offset, `packet ${p.index}: reassembled datagram: ${w}`));
          return;
        }
        proto = w.proto;
        payload = whole.subarray(w.at);
      }
    } else {
      this.#frag.expire(p.ts, this.#errs);
      this.#flushErrors(out);
    }
    if (proto === UDP) this.#udp(p, ip, payload, cx, out);
    else if (proto === TCP) this.#tcpSegment(p, ip, payload, cx, out);
    else this.stats.otherProtocol++;
  }

  /** End of capture: unfinished reassemblies are reported, TCP streams end. */
  end(out: SipEvent[]): void {
    this.#frag.end(this.#errs);
    this.#flushErrors(out);
    const before = out.length;
    this.#tcp.end(this.#last, out);
    this.#count(out, before);
    this.#syncFrag();
  }

  #udp(p: Packet, ip: IpDatagram, b: Buffer, cx: SegmentContext, out: SipEvent[]): void {
    if (b.length < 8) {
      this.#error(out, captureError(ip.missing > 0 ? 'CAPTURE_PACKET_CUT' : 'CAPTURE_BAD_PACKET', p.index, p.offset, `packet ${p.index}: UDP header truncated`));
      return;
    }
    const sport = u16be(b, 0);
    const dport = u16be(b, 2);
    const ulen = u16be(b, 4);
    if (this.#ports !== undefined && !this.#ports.has(sport) && !this.#ports.has(dport)) {
      this.stats.nonSip++;
      return;
    }
    // A length of 0 occurs with jumbograms (RFC 2675); beyond the datagram, the captured bytes are what there is.
    const end = ulen >= 8 && ulen <= b.length ? ulen : b.length;
    let start = 8;
    while (start < end && (b[start] === 0x0d || b[start] === 0x0a)) start++;
    if (start === end) {
      if (end > 8) this.stats.keepalives++;
      else this.stats.nonSip++;
      return;
    }
    if (!isSipStart(b, start, end)) {
      this.stats.nonSip++;
      return;
    }
    if (ulen > b.length || ip.missing > 0) {
      this.#error(out, captureError('CAPTURE_PACKET_CUT', p.index, p.offset, `packet ${p.index}: SIP over UDP cut by the snapshot length (${ulen - 8} bytes sent, ${b.length - 8} captured); skipped`));
      return;
    }
    this.stats.sip++;
    this.stats.udp++;
    out.push({ type: 'sip', index: p.index, ts: p.ts, tsNs: p.tsNs, transport: 'udp', family: ip.family, src: this.#endpoints.get(ip.src, sport), dst: this.#endpoints.get(ip.dst, dport), bytes: b.subarray(start, end) });
  }

  #tcpSegment(p: Packet, ip: IpDatagram, b: Buffer, cx: SegmentContext, out: SipEvent[]): void {
    if (b.length < 20) {
      this.#error(out, captureError(ip.missing > 0 ? 'CAPTURE_PACKET_CUT' : 'CAPTURE_BAD_PACKET', p.index, p.offset, `packet ${p.index}: TCP header truncated`));
      return;
    }
    const hlen = ((b[12] as number) >> 4) * 4;
    if (hlen < 20 || hlen > b.length) {
      this.#error(out, captureError('CAPTURE_BAD_PACKET', p.index, p.offset, `packet ${p.index}: TCP data offset ${hlen} is outside the segment`));
      return;
    }
    const sport = u16be(b, 0);
    const dport = u16be(b, 2);
    if (this.#ports !== undefined && !this.#ports.has(sport) && !this.#ports.has(dport)) {
      this.stats.nonSip++;
      return;
    }
    const seq = b.readInt32BE(4);
    const flags = b[13] as number;
    const key = `${ip.src.latin1Slice()}${ip.dst.latin1Slice()}${String.fromCharCode(sport, dport)}`;
    const data = b.subarray(hlen);
    const before = out.length;
    this.#tcp.segment(key, () => this.#endpoints.get(ip.src, sport), () => this.#endpoints.get(ip.dst, dport), seq, flags, data, cx, out);
    if (ip.missing > 0 && data.length > 0) {
      out.push(captureError('CAPTURE_PACKET_CUT', p.index, p.offset, `packet ${p.index}: TCP segment cut by the snapshot length (${ip.missing} bytes missing)`));
      const start = (flags & 0x02) !== 0 ? seq + 1 : seq;
      this.#tcp.skipTo(key, (start + data.length + ip.missing) | 0, cx, out);
    }
    this.#count(out, before);
  }

  #error(out: SipEvent[], e: CaptureError): void {
    this.stats.errors++;
    this.stats.byCode[e.code] = (this.stats.byCode[e.code] ?? 0) + 1;
    out.push(e);
  }

  #flushErrors(out: SipEvent[]): void {
    for (const e of this.#errs) this.#error(out, e);
    this.#errs.length = 0;
    this.#syncFrag();
  }

  /** Counts the error events the TCP reassembler appended after `from`. */
  #count(out: SipEvent[], from: number): void {
    for (let i = from; i < out.length; i++) {
      const e = out[i] as SipEvent;
      if (e.type === 'error') {
        this.stats.errors++;
        this.stats.byCode[e.code] = (this.stats.byCode[e.code] ?? 0) + 1;
      }
    }
  }

  #syncFrag(): void {
    const s = this.#frag.stats;
    this.stats.fragments.reassembled = s.reassembled;
    this.stats.fragments.dropped = s.dropped;
    this.stats.fragments.overlaps = s.overlaps;
  }
}

const ENDPOINT_SLOTS = 1024;

/**
 * IPv4 endpoints are few in a capture and recur in every packet: a direct-mapped cache (fixed size, so
 * bounded; a colliding endpoint replaces the slot) hands out one frozen SipEndpoint per address and port,
 * so the address text is built once and consumers may cache what they derive from it by identity.
 * IPv6 endpoints are built each time.
 */
class EndpointCache {
  readonly #keys = new Float64Array(ENDPOINT_SLOTS).fill(-1);
  readonly #slots: (SipEndpoint | undefined)[] = new Array<SipEndpoint | undefined>(ENDPOINT_SLOTS).fill(undefined);

  get(a: Buffer, port: number): SipEndpoint {
    if (a.length !== 4) return { ip: ipText(a), port };
    const ip = (((a[0] as number) << 24) | ((a[1] as number) << 16) | ((a[2] as number) << 8) | (a[3] as number)) >>> 0;
    const key = ip * 65536 + port;
    const slot = Math.imul(ip ^ Math.imul(port, 0x9e3779b1), 0x85ebca6b) >>> 22; // top 10 bits: 0-1023
    if (this.#keys[slot] === key) return this.#slots[slot] as SipEndpoint;
    const e = Object.freeze({ ip: ipText(a), port });
    this.#keys[slot] = key;
    this.#slots[slot] = e;
    return e;
  }
}

/** The generator of sipMessages(); `stats` is live, and is also the generator's return value. */
export type SipMessageReader = AsyncGenerator<SipEvent, CaptureStats, undefined> & { readonly stats: CaptureStats };

/**
 * The SIP messages of a capture (pcap or pcapng, plain or gzipped), in capture order, with every problem as
 * a CaptureError event (file-level ones from readPackets, packet-level ones from the decoder). Bounded memory
 * whatever the file size: one chunk, one carried record, and the reassembly limits.
 */
export function sipMessages(source: CaptureSource, opts?: SipExtractOptions): SipMessageReader {
  const x = new SipExtractor(opts);
  return Object.assign(run(source, x, opts), { stats: x.stats });
}

async function* run(source: CaptureSource, x: SipExtractor, opts: SipExtractOptions | undefined): AsyncGenerator<SipEvent, CaptureStats, undefined> {
  const out: SipEvent[] = [];
  for await (const batch of packetBatches(source, opts)) {
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i] as Packet | CaptureError;
      if (e.type === 'packet') x.packet(e, out);
      else {
        x.stats.errors++;
        x.stats.byCode[e.code] = (x.stats.byCode[e.code] ?? 0) + 1;
        out.push(e);
      }
    }
    for (let i = 0; i < out.length; i++) yield out[i] as SipEvent;
    out.length = 0;
  }
  x.end(out);
  for (let i = 0; i < out.length; i++) yield out[i] as SipEvent;
  return x.stats;
}
