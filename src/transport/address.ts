/**
 * Transport addresses: the `udp:HOST:PORT` listen syntax, IP literal normalisation (RFC 5952 text form for
 * IPv6, IPv4-mapped IPv6 folded to IPv4) and the endpoint keys of the connection table (RFC 3261 §18:
 * connections "are indexed by the tuple formed from the address, port, and transport protocol at the far
 * end"). Pure: no I/O.
 */
import { isIP } from 'node:net';
import { SipclfError } from '../errors.js';

export type TransportName = 'udp' | 'tcp' | 'tls';

/** One end of a SIP hop. `host` is an IP literal (IPv6 without brackets) or, for targets only, a name. */
export interface Endpoint {
  readonly transport: TransportName;
  readonly host: string;
  readonly port: number;
}

/** The host a listener binds when the address names none: loopback only unless configured (SECURITY.md). */
export const DEFAULT_HOST = '127.0.0.1';

/** RFC 3261 §18.1.1 / §19.1.2: 5060 for UDP and TCP, 5061 for TLS. */
export function defaultPort(transport: string): number {
  return transport.toLowerCase() === 'tls' ? 5061 : 5060;
}

/** True for the reliable (stream) transports, including the Via spellings RFC 3261 §18.2.2 names. */
export function isReliable(transport: string): boolean {
  const t = transport.toLowerCase();
  return t !== 'udp' && t !== 'dtls';
}

function invalid(path: string, spec: string, reason: string): SipclfError {
  return new SipclfError('CONFIG_INVALID', `${path}: ${JSON.stringify(spec)} ${reason} (expected TRANSPORT:HOST:PORT, e.g. udp:127.0.0.1:5060 or tls:[::1]:5061)`);
}

/**
 * Parses a listen address: `udp:127.0.0.1:5060`, `tcp:[::1]:5060`, `tls:0.0.0.0:5061`; the port may be
 * left out (`udp:127.0.0.1`, default 5060/5061) and so may the host (`udp:5070`, `udp`: 127.0.0.1).
 * Port 0 lets the OS choose. The host must be an IP literal (or `localhost`, read as 127.0.0.1): a
 * listener binds one address, and a name could resolve to a public one. Throws CONFIG_INVALID naming
 * `path` and the reason.
 */
export function parseListenAddress(spec: string, path = 'listen'): Endpoint {
  const s = spec.trim();
  const colon = s.indexOf(':');
  const tname = (colon < 0 ? s : s.slice(0, colon)).toLowerCase();
  if (tname !== 'udp' && tname !== 'tcp' && tname !== 'tls') throw invalid(path, spec, `has transport "${tname}"; use udp, tcp or tls`);
  const transport: TransportName = tname;
  const rest = colon < 0 ? '' : s.slice(colon + 1);
  let host = DEFAULT_HOST;
  let portText: string | undefined;
  if (rest === '') {
    // transport alone
  } else if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw invalid(path, spec, "has '[' without ']'");
    host = rest.slice(1, close);
    if (isIP(host) !== 6) throw invalid(path, spec, `has "${host}" in brackets, which is not an IPv6 address`);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw invalid(path, spec, "has text after ']' that is not ':PORT'");
      portText = after.slice(1);
    }
  } else if (/^\d+$/.test(rest)) {
    portText = rest;
  } else {
    const parts = rest.split(':');
    if (parts.length > 2) throw invalid(path, spec, 'has an IPv6 address without brackets');
    host = parts[0] ?? '';
    portText = parts[1];
    if (host.toLowerCase() === 'localhost') host = DEFAULT_HOST;
    if (isIP(host) !== 4) throw invalid(path, spec, `has host "${host}", which is not an IPv4 address or a bracketed IPv6 address`);
  }
  let port = defaultPort(transport);
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw invalid(path, spec, `has port "${portText}", not 0-65535`);
    port = Number(portText);
  }
  return { transport, host: normalizeIp(host), port };
}

/** `udp:127.0.0.1:5060`, `tls:[::1]:5061`: the listen syntax, and how counters and logs name endpoints. */
export function formatEndpoint(e: Endpoint): string {
  return `${e.transport}:${hostPort(e.host, e.port)}`;
}

/** host:port with IPv6 in brackets (RFC 3261 §25.1 hostport). */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** The connection-table key of a far end. */
export function endpointKey(transport: TransportName, host: string, port: number): string {
  return `${transport}|${normalizeIp(host)}|${port}`;
}

/**
 * Canonical text of an IP literal: brackets removed, IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack
 * socket reports for an IPv4 peer) folded to IPv4, IPv6 in the RFC 5952 §4 form (lowercase, no leading
 * zeros, the longest run of two or more zero groups as `::`). Anything else (a name) is lowercased.
 */
export function normalizeIp(host: string): string {
  let h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const zone = h.indexOf('%');
  const suffix = zone >= 0 ? h.slice(zone) : '';
  if (zone >= 0) h = h.slice(0, zone);
  if (isIP(h) !== 6) return (h + suffix).toLowerCase();
  const groups = expandIPv6(h);
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const g6 = groups[6] ?? 0;
    const g7 = groups[7] ?? 0;
    return `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  }
  // RFC 5952 §4.2.3: the longest run of zeros (first one on a tie), only if longer than one group.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  const text = best < 0 ? hex.join(':') : `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
  return text + suffix.toLowerCase();
}

/** The eight 16-bit groups of a valid IPv6 literal (embedded dotted IPv4 allowed). */
function expandIPv6(h: string): number[] {
  let text = h;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const b = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${(((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16)}:${(((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16)}`;
  }
  const dbl = text.indexOf('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  if (dbl < 0) return parse(text);
  const head = parse(text.slice(0, dbl));
  const rest = parse(text.slice(dbl + 2));
  return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

/** True when two hosts are the same IP address (text forms may differ) or the same name. */
export function sameHost(a: string, b: string): boolean {
  return normalizeIp(a) === normalizeIp(b);
}
