/**
 * The state of one direction of a TCP connection for tcp-stream.ts, and the helpers that need no
 * reassembler state: sequence-number comparison modulo 2^32 (RFC 9293 §3.4, RFC 1982 serial arithmetic)
 * and the search for a SIP start line at a line start (RFC 3261 §7.1, §7.2) that framing restarts from.
 */
import type { StreamFramer } from '../sip/framer.js';
import { isSipStart, type SipEndpoint } from './net-types.js';

export interface Held {
  readonly seq: number;
  readonly data: Buffer;
}

export interface Flow {
  readonly src: SipEndpoint;
  readonly dst: SipEndpoint;
  isn: number;
  /** Next expected sequence number. */
  next: number;
  /** Sequence number of the FIN (any int32, -1 included: 0xffffffff), or undefined before one. */
  fin: number | undefined;
  closed: boolean;
  /** Out-of-order segments, sorted by sequence number (modulo 2^32). */
  held: Held[];
  /** Their bytes plus HELD_OVERHEAD each (what they cost in memory, tiny segments included). */
  heldBytes: number;
  /** undefined: hunting for a start line. */
  framer: StreamFramer | undefined;
  /** Bytes given to `framer` so far (its stream offsets). */
  framed: number;
  /** What `framer` holds of an unfinished message, counted against the reassembler's total bound. */
  framing: number;
  /** Hunting after a framing error: the bytes up to the next line end are the failed message's, skipped. */
  skipLine: boolean;
  /** While hunting: the unfinished last line seen so far. */
  partial: Buffer | undefined;
  hunted: number;
  everSip: boolean;
  notSip: boolean;
  lastTs: number;
}

/** Longest unfinished line kept while hunting (a start line longer than this is not recognised). */
export const HUNT_LINE = 8192;

/** a - b as a signed 32-bit difference of sequence numbers. */
export function diff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Offset of the first line start in `b` where a SIP start line begins; if none, -1 - (offset of the
 * unfinished last line, or b.length when the bytes end with a line end).
 */
export function huntStart(b: Buffer): number {
  let p = 0;
  while (p < b.length) {
    if (isSipStart(b, p, b.length)) return p;
    const lf = b.indexOf(0x0a, p);
    if (lf < 0) return -1 - p;
    p = lf + 1;
  }
  return -1 - b.length;
}

/** `src -> dst` for messages, IPv6 in brackets. */
export function flowName(f: Flow): string {
  const a = (e: SipEndpoint): string => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);
  return `${a(f.src)} -> ${a(f.dst)}`;
}
