/**
 * Hosts and ports: hostname / IPv4address / IPv6reference and `[ ":" port ]`.
 *
 * Implements RFC 3261 §25.1 host, hostname, IPv4address, IPv6reference, port (used by SIP URIs §19.1.1 and
 * Via sent-by §20.42), validating IPv6 text forms per RFC 4291 §2.2 (`::` compression, embedded IPv4) and
 * formatting the canonical IPv6 text of RFC 5952 §4 for comparisons. Hostnames are lowercased (§19.1.4:
 * host comparison is case-insensitive). Liberal choices: `_` is accepted in labels (common in practice) and
 * label hyphen placement is not policed; a host of only digits and dots must be a valid IPv4address.
 */
import type { ErrorCode } from '../../errors.js';
import { DIGIT, fail, lower } from './chars.js';

export type HostType = 'domain' | 'ipv4' | 'ipv6';

export interface HostParse {
  /** Lowercased; IPv6 without brackets. */
  readonly host: string;
  readonly hostType: HostType;
  /** Index just past the host. */
  readonly end: number;
}

export interface HostPortParse extends HostParse {
  readonly port?: number;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** Parses a dotted-quad IPv4 address in s[start, end) (RFC 3261 §25.1); returns its 4 octets or null. */
export function parseIPv4(s: string, start: number = 0, end: number = s.length): number[] | null {
  const out: number[] = [];
  let i = start;
  for (let part = 0; part < 4; part++) {
    const p0 = i;
    let v = 0;
    while (i < end && i - p0 < 3 && DIGIT[s.charCodeAt(i)] === 1) v = v * 10 + (s.charCodeAt(i++) - 0x30);
    if (i === p0 || v > 255) return null;
    out.push(v);
    if (part < 3) {
      if (i >= end || s.charCodeAt(i) !== 0x2e) return null;
      i++;
    }
  }
  return i === end ? out : null;
}

/**
 * Parses an IPv6address (RFC 4291 §2.2 text forms; RFC 3261 §25.1 IPv6address) in s[start, end);
 * returns its eight 16-bit groups or null.
 */
export function parseIPv6(s: string, start: number = 0, end: number = s.length): number[] | null {
  const head: number[] = [];
  const tail: number[] = [];
  let cur = head;
  let compressed = false;
  let i = start;
  if (end - start < 2) return null;
  if (s.charCodeAt(i) === 0x3a) {
    if (s.charCodeAt(i + 1) !== 0x3a) return null;
    compressed = true;
    cur = tail;
    i += 2;
    if (i === end) return [0, 0, 0, 0, 0, 0, 0, 0];
  }
  for (;;) {
    const g0 = i;
    while (i < end && i - g0 < 5 && isHexDigit(s.charCodeAt(i))) i++;
    if (i < end && s.charCodeAt(i) === 0x2e) {
      // embedded IPv4 as the last 32 bits
      const v4 = parseIPv4(s, g0, end);
      if (v4 === null) return null;
      cur.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      break;
    }
    if (i === g0 || i - g0 > 4) return null;
    cur.push(parseInt(s.slice(g0, i), 16));
    if (i === end) break;
    if (s.charCodeAt(i) !== 0x3a) return null;
    i++;
    if (i < end && s.charCodeAt(i) === 0x3a) {
      if (compressed) return null;
      compressed = true;
      cur = tail;
      i++;
      if (i === end) break;
    } else if (i === end) return null;
  }
  const n = head.length + tail.length;
  if (compressed ? n > 7 : n !== 8) return null;
  const out = head.slice();
  for (let k = n; k < 8; k++) out.push(0);
  return out.concat(tail);
}

/** RFC 5952 §4 canonical text of eight 16-bit groups (IPv4-mapped addresses keep dotted form, §5). */
export function formatIPv6(g: readonly number[]): string {
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const a = g[6] ?? 0;
    const b = g[7] ?? 0;
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (best < 0) return hex(0, 8);
  return `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

/** Canonical (RFC 5952) text of an IPv6 address, or the input lowercased when it is not one. */
export function canonicalIPv6(text: string): string {
  const g = parseIPv6(text);
  return g === null ? lower(text) : formatIPv6(g);
}

function isHostChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f;
}

/**
 * Parses a host at `pos` (RFC 3261 §25.1 host = hostname / IPv4address / IPv6reference). Stops at the
 * first character that cannot belong to a host. Throws `code` on an empty or malformed host.
 */
export function parseHost(s: string, pos: number, end: number = s.length, code: ErrorCode = 'SIP_BAD_URI'): HostParse {
  if (pos < end && s.charCodeAt(pos) === 0x5b) {
    const close = s.indexOf(']', pos);
    if (close < 0 || close >= end) fail(code, 'IPv6 reference is not closed by "]"', pos);
    if (parseIPv6(s, pos + 1, close) === null) fail(code, 'invalid IPv6 address (RFC 4291 §2.2)', pos + 1);
    return { host: lower(s.slice(pos + 1, close)), hostType: 'ipv6', end: close + 1 };
  }
  let i = pos;
  let allNumeric = true;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (!isHostChar(c)) break;
    if (c !== 0x2e && (c < 0x30 || c > 0x39)) allNumeric = false;
    i++;
  }
  if (i === pos) fail(code, 'empty host', pos);
  if (allNumeric) {
    if (parseIPv4(s, pos, i) === null) fail(code, 'invalid IPv4 address', pos);
    return { host: s.slice(pos, i), hostType: 'ipv4', end: i };
  }
  // hostname: no empty labels, except that a single trailing "." is allowed (§25.1 hostname)
  let labelStart = pos;
  for (let k = pos; k <= i; k++) {
    if (k === i || s.charCodeAt(k) === 0x2e) {
      if (k === labelStart && !(k === i && k > pos)) fail(code, 'empty label in host name', k);
      labelStart = k + 1;
    }
  }
  return { host: lower(s.slice(pos, i)), hostType: 'domain', end: i };
}

/**
 * Parses a port (1*DIGIT, RFC 3261 §25.1) at `pos`. Throws `code` when there is no digit and
 * SIP_SCALAR_RANGE when the value exceeds 65535.
 */
export function parsePort(s: string, pos: number, end: number = s.length, code: ErrorCode = 'SIP_BAD_URI'): { port: number; end: number } {
  let i = pos;
  let v = 0;
  while (i < end && DIGIT[s.charCodeAt(i)] === 1) {
    if (v <= 65535) v = v * 10 + (s.charCodeAt(i) - 0x30);
    i++;
  }
  if (i === pos) fail(code, 'port is not a number', pos);
  if (v > 65535) fail('SIP_SCALAR_RANGE', 'port is larger than 65535', pos);
  return { port: v, end: i };
}

/** Parses `host [ ":" port ]` at `pos` (RFC 3261 §25.1 hostport), without LWS. */
export function parseHostPort(s: string, pos: number, end: number = s.length, code: ErrorCode = 'SIP_BAD_URI'): HostPortParse {
  const h = parseHost(s, pos, end, code);
  if (h.end < end && s.charCodeAt(h.end) === 0x3a) {
    const p = parsePort(s, h.end + 1, end, code);
    return { host: h.host, hostType: h.hostType, port: p.port, end: p.end };
  }
  return h;
}
