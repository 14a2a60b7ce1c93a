/**
 * What the network decoder hands out: one SIP message found in a capture (`SipPacket`, over UDP or
 * reassembled from TCP), the decoder's options and its live counters (`CaptureStats`), and the
 * cheap start-line test that tells SIP payloads from other traffic (RFC 3261 §7.1 Request-Line, §7.2
 * Status-Line). The full parse is the caller's (`parseMessage` from the sip layer).
 */
import type { ErrorCode } from '../errors.js';
import type { ParseLimits } from '../sip/limits.js';
import type { FragmentLimits } from './ip-frag.js';
import type { CaptureError, ReadPacketsOptions } from './pcap-types.js';

export interface SipEndpoint {
  /** Dotted IPv4, or RFC 5952 IPv6 without brackets. */
  readonly ip: string;
  readonly port: number;
}

export interface SipPacket {
  readonly type: 'sip';
  /** Number of the packet that carried (UDP) or completed (TCP) the message: tshark's frame.number. */
  readonly index: number;
  /** Capture time of that packet, ms since the epoch (float), and exactly in ns. */
  readonly ts: number;
  readonly tsNs: bigint;
  readonly transport: 'udp' | 'tcp';
  readonly family: 4 | 6;
  readonly src: SipEndpoint;
  readonly dst: SipEndpoint;
  /** One SIP message (UDP: the datagram without leading CRLFs; TCP: one frame of the stream framer). */
  readonly bytes: Buffer;
}

export type SipEvent = SipPacket | CaptureError;

export interface TcpLimits {
  /** Out-of-order bytes buffered per direction of a connection (default 1 MiB). */
  readonly maxFlowBytes?: number;
  /** Out-of-order bytes buffered, and unfinished messages held for framing, over all connections (default 64 MiB). */
  readonly maxTotalBytes?: number;
  /** Directions tracked at once; beyond it the one idle longest is ended (default 65536). */
  readonly maxFlows?: number;
  /** A direction idle this long in capture time is forgotten (default 300000 ms). */
  readonly idleMs?: number;
  /** A direction that showed no SIP start line in this many bytes is ignored from then on (default 65536). */
  readonly huntBytes?: number;
}

export interface SipExtractOptions extends ReadPacketsOptions {
  /** Only UDP/TCP packets from or to one of these ports are considered (default: any port). */
  readonly ports?: readonly number[];
  readonly fragments?: FragmentLimits;
  readonly tcp?: TcpLimits;
  /** Limits of the TCP stream framer (sip layer defaults). */
  readonly limits?: Partial<ParseLimits>;
}

/** Live counters of a decode; also the return value of sipMessages(). */
export interface CaptureStats {
  /** Packet records read. */
  packets: number;
  /** SIP messages handed out, and by transport. */
  sip: number;
  udp: number;
  tcp: number;
  /** Frames that carry no IPv4/IPv6 (ARP, LLC…), or whose link type is not decoded. */
  nonIp: number;
  /** IP datagrams neither UDP nor TCP (ICMP, SCTP, ESP…). */
  otherProtocol: number;
  /** UDP datagrams that are not SIP (no SIP start line) or outside `ports`. */
  nonSip: number;
  /** CRLF keep-alives (UDP datagrams of CRLFs only, RFC 5626 §3.5.1 pings/pongs on TCP). */
  keepalives: number;
  fragments: { reassembled: number; dropped: number; overlaps: number };
  tcpStreams: {
    /** Directions (one per 4-tuple and direction) seen. */
    flows: number;
    /** Segments carrying only bytes already delivered. */
    retransmitted: number;
    /** Segments that arrived ahead of a missing one and were buffered. */
    outOfOrder: number;
    /** Holes in streams (lost bytes or buffering limits), each a CAPTURE_TCP_GAP. */
    gaps: number;
    /** Stream bytes skipped: while looking for a SIP start line, after a gap, or in non-SIP streams. */
    bytesSkipped: number;
  };
  /** Error events, in total and by code. */
  errors: number;
  byCode: Partial<Record<ErrorCode, number>>;
}

export function newCaptureStats(): CaptureStats {
  return {
    packets: 0,
    sip: 0,
    udp: 0,
    tcp: 0,
    nonIp: 0,
    otherProtocol: 0,
    nonSip: 0,
    keepalives: 0,
    fragments: { reassembled: 0, dropped: 0, overlaps: 0 },
    tcpStreams: { flows: 0, retransmitted: 0, outOfOrder: 0, gaps: 0, bytesSkipped: 0 },
    errors: 0,
    byCode: {},
  };
}

/** Longest start line the test looks at. */
const MAX_START_LINE = 8192;

function isTokenByte(c: number): boolean {
  // RFC 3261 §25.1 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
  return (
    (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x21 || c === 0x25 || c === 0x2a || c === 0x5f || c === 0x2b || c === 0x60 || c === 0x27 || c === 0x7e
  );
}

/** "SIP/2.0" at `p`, case-insensitive as ABNF literals are. */
function sip20(b: Buffer, p: number): boolean {
  return (
    ((b[p] as number) | 0x20) === 0x73 &&
    ((b[p + 1] as number) | 0x20) === 0x69 &&
    ((b[p + 2] as number) | 0x20) === 0x70 &&
    b[p + 3] === 0x2f &&
    b[p + 4] === 0x32 &&
    b[p + 5] === 0x2e &&
    b[p + 6] === 0x30
  );
}

/**
 * Does a SIP start line begin at `p` (and end, with its line end, before `end`)? A Status-Line
 * `SIP/2.0 DDD` (only its start is needed), or a Request-Line `token SP … SP SIP/2.0` ending in LF.
 */
export function isSipStart(b: Buffer, p: number, end: number): boolean {
  if (end - p >= 12 && sip20(b, p) && b[p + 7] === 0x20) {
    for (let i = p + 8; i < p + 11; i++) if ((b[i] as number) < 0x30 || (b[i] as number) > 0x39) return false;
    return true;
  }
  let i = p;
  while (i < end && isTokenByte(b[i] as number)) i++;
  if (i === p || i >= end || b[i] !== 0x20) return false;
  const lf = b.indexOf(0x0a, i);
  if (lf < 0 || lf >= end || lf - p > MAX_START_LINE) return false;
  const e = b[lf - 1] === 0x0d ? lf - 1 : lf;
  return e - i >= 9 && b[e - 8] === 0x20 && sip20(b, e - 7);
}
