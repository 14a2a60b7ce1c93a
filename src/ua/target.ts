/**
 * Where a UA sends a request (RFC 3261 §8.1.2, §12.2.1.1, §18.1.1): the first Route of the route set when
 * there is one, else the Request-URI; an outbound proxy given as `HOST[:PORT][;transport=…]`. Next hops are
 * IP addresses or names resolved by the operating system (RFC 3263 SRV/NAPTR is not done: a test UA is
 * pointed at an address). A `sips:` URI or `transport=tls` goes over TLS.
 */
import { SipclfError } from '../errors.js';
import { parseUri, type SipUri } from '../sip/grammar/index.js';
import type { Target, TransportName } from '../transaction/index.js';

function bad(what: string, text: string, why: string): SipclfError {
  return new SipclfError('UA_BAD_TARGET', `${what} ${JSON.stringify(text)}: ${why}`);
}

/** Parses a sip:/sips: URI (throws UA_BAD_TARGET for anything else). */
export function sipUri(text: string, what = 'target'): SipUri {
  let u;
  try {
    u = parseUri(text.trim());
  } catch (e) {
    throw bad(what, text, e instanceof Error ? e.message : String(e));
  }
  if (u.kind !== 'sip') throw bad(what, text, 'not a sip: or sips: URI');
  return u;
}

function transportOf(u: SipUri, fallback: TransportName, what: string): TransportName {
  if (u.scheme === 'sips') return 'tls';
  const t = u.params.get('transport');
  if (t === undefined || t === null) return fallback;
  const l = t.toLowerCase();
  if (l === 'udp' || l === 'tcp' || l === 'tls') return l;
  throw bad(what, u.raw, `transport=${t} is not udp, tcp or tls`);
}

/** §18.1.1 / RFC 3263 §4.2 without DNS: the URI's host, port (default 5060, 5061 for TLS) and transport. */
export function targetOfUri(uri: string | SipUri, fallback: TransportName = 'udp', what = 'target'): Target {
  const u = typeof uri === 'string' ? sipUri(uri, what) : uri;
  const transport = transportOf(u, fallback, what);
  return { transport, host: u.host, port: u.port ?? (transport === 'tls' ? 5061 : 5060) };
}

/** `HOST[:PORT][;transport=udp|tcp|tls]` or a sip: URI: the outbound proxy (§8.1.2). */
export function parseProxy(text: string, fallback: TransportName = 'udp'): { target: Target; uri: string } {
  const t = text.trim();
  const asUri = /^sips?:/i.test(t) ? t : `sip:${t}`;
  const target = targetOfUri(asUri, fallback, 'proxy');
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const transport = target.transport === 'udp' ? '' : `;transport=${target.transport}`;
  return { target, uri: `sip:${host}:${target.port}${transport};lr` };
}

/** `host:port` of an endpoint as it appears in a Via sent-by or a Contact (IPv6 bracketed). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
