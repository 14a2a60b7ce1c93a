/**
 * The server transport's edit of a received request's top Via (RFC 3261 §18.2.1 `received`, RFC 3581 §4
 * `rport`), applied as splices on the received bytes: every other byte stays as received, so what the proxy
 * forwards differs from what it logged only by these parameters. src/sip's MessageEditor has no "set top
 * Via params" edit; this file works on the message's eager offsets instead.
 */
import { isIP } from 'node:net';
import { E } from '../sip/layout.js';
import type { SipMessage } from '../sip/message.js';
import { normalizeIp } from './address.js';

export interface ViaStamp {
  /** The edited message bytes (start line to end of body). */
  readonly bytes: Buffer;
  /** A `received` parameter was added or its value replaced. */
  readonly received: boolean;
  /** A valueless `rport` was given the source port. */
  readonly rport: boolean;
}

const SEMI = 0x3b;
const EQUAL = 0x3d;
const DQUOTE = 0x22;
const BSLASH = 0x5c;

/** Offset just after the name of a valueless `rport` parameter of the top via-parm, or -1. */
function valuelessRport(t: string, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c === DQUOTE) {
      // quoted-string gen-value (§25.1): skip it whole, quoted-pairs included.
      i++;
      while (i < end && t.charCodeAt(i) !== DQUOTE) i += t.charCodeAt(i) === BSLASH ? 2 : 1;
      i++;
      continue;
    }
    if (c !== SEMI) {
      i++;
      continue;
    }
    let n = i + 1;
    while (n < end && (t.charCodeAt(n) === 0x20 || t.charCodeAt(n) === 0x09)) n++;
    const ns = n;
    while (n < end && /[A-Za-z0-9.!%*_+`'~-]/.test(t.charAt(n))) n++;
    const ne = n;
    while (n < end && (t.charCodeAt(n) === 0x20 || t.charCodeAt(n) === 0x09)) n++;
    if (ne - ns === 5 && t.slice(ns, ne).toLowerCase() === 'rport' && t.charCodeAt(n) !== EQUAL) return ne;
    i = n > i + 1 ? n : i + 1;
  }
  return -1;
}

/**
 * Adds `received` and fills `rport` in the top Via of a request received from `sourceHost`:`sourcePort`,
 * or returns undefined when nothing has to change.
 *
 * - RFC 3261 §18.2.1: `received` is added when the sent-by host is a domain name or an IP address that
 *   differs from the packet source (IPv6 compared in canonical form; `received` is written without
 *   brackets, as the §25.1 ABNF `received = "received" EQUAL (IPv4address / IPv6address)` has it).
 * - RFC 3581 §4: a valueless `rport` gets the source port, and `received` is then added "even if it is
 *   identical to the value of the sent-by component".
 * - A `received` already present (put there by a misbehaving upstream, or a retransmission replayed) gets
 *   its value replaced when a new one is due; a filled-in `rport` is left alone.
 */
export function stampVia(msg: SipMessage, sourceHost: string, sourcePort: number): ViaStamp | undefined {
  const top = msg.topVia;
  if (!msg.isRequest || top === undefined) return undefined;
  const source = normalizeIp(sourceHost);
  const fillRport = top.rport === true;
  const hostIsIp = isIP(top.host) !== 0;
  const addReceived = fillRport || !hostIsIp || normalizeIp(top.host) !== source;
  if (!addReceived) return undefined;
  const e = msg.e;
  const t = msg.text;
  const start = e[E.START] as number;
  const end = e[E.END] as number;
  // The eager scan ends the via-parm after any LWS before the comma: the new parameter goes before that LWS.
  let parmEnd = e[E.VIA_PARM_E] as number;
  while (parmEnd > (e[E.VIA_HOST_E] as number) && /[ \t\r\n]/.test(t.charAt(parmEnd - 1))) parmEnd--;
  const splices: Array<[number, number, string]> = [];
  let rport = false;
  let received = false;
  if (fillRport) {
    const at = valuelessRport(t, e[E.VIA_HOST_E] as number, parmEnd);
    if (at >= 0) {
      splices.push([at, at, `=${sourcePort}`]);
      rport = true;
    }
  }
  const rs = e[E.VIA_RECEIVED_S] as number;
  if (rs < 0) {
    splices.push([parmEnd, parmEnd, `;received=${source}`]);
    received = true;
  } else if (normalizeIp(top.received ?? '') !== source) {
    splices.push([rs, e[E.VIA_RECEIVED_E] as number, source]);
    received = true;
  }
  if (splices.length === 0) return undefined;
  splices.sort((a, b) => a[0] - b[0]);
  const buf = msg.buffer;
  const parts: Buffer[] = [];
  let pos = start;
  for (const [s, x, text] of splices) {
    parts.push(buf.subarray(pos, s), Buffer.from(text, 'latin1'));
    pos = x;
  }
  parts.push(buf.subarray(pos, end));
  return { bytes: Buffer.concat(parts), received, rport };
}
