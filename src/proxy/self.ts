/**
 * "Does this designate me?": the comparisons the proxy makes against its own identity. A Route value or a
 * Request-URI "indicates this proxy" (RFC 3261 §16.4) when its host (or maddr) is one of our listener
 * addresses or aliases and its port is one we listen on (absent port = the transport's default, §19.1.2);
 * a Via "was inserted by this proxy" (§16.3 step 4, §16.11) when its sent-by is one of our interfaces. A
 * domain is local (§16.5) when it is one of `self.domains`. Hosts compare case-insensitively, IPv6 in
 * canonical form (§19.1.4).
 */
import { canonicalIPv6 } from '../sip/grammar/host.js';
import type { SipUri } from '../sip/grammar/uri.js';
import type { Via } from '../sip/grammar/via.js';
import { defaultPort, type LocalInterface, type ProxySelf, type TransportName } from './types.js';

/** Lowercased, IPv6 without brackets and in canonical form, trailing dot of an FQDN dropped. */
export function hostKey(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.includes(':')) return canonicalIPv6(h);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function hostIsSelf(host: string, self: ProxySelf): boolean {
  const k = hostKey(host);
  return self.interfaces.some((i) => hostKey(i.host) === k) || (self.aliases ?? []).some((a) => hostKey(a) === k);
}

/** Transport a URI asks for: `transport` parameter, else TLS for sips, else UDP (§19.1.1, RFC 3263 §4.1). */
export function uriTransport(uri: SipUri): string {
  const t = uri.params.get('transport');
  if (typeof t === 'string') return t.toLowerCase();
  return uri.scheme === 'sips' ? 'tls' : 'udp';
}

/**
 * RFC 3261 §16.4: the URI (a Route value, or a Request-URI holding a Record-Route value we inserted)
 * designates this proxy: host or maddr is ours and the port (explicit or default) is one of our ports.
 */
export function isSelfUri(uri: SipUri, self: ProxySelf): boolean {
  const maddr = uri.params.get('maddr');
  const host = typeof maddr === 'string' ? maddr : uri.host;
  if (!hostIsSelf(host, self)) return false;
  const t = uriTransport(uri);
  const port = uri.port ?? defaultPort(t === 'tls' ? 'tls' : 'udp');
  return self.interfaces.some((i) => i.port === port);
}

/** §16.3 step 4, §16.11: the via-parm's sent-by is one of our interfaces (host and port). */
export function isSelfVia(via: Pick<Via, 'host' | 'port' | 'transport'>, self: ProxySelf): boolean {
  if (!hostIsSelf(via.host, self)) return false;
  const port = via.port ?? defaultPort(via.transport === 'TLS' ? 'tls' : 'udp');
  return self.interfaces.some((i) => i.port === port);
}

/** §16.5: the proxy is responsible for this domain (one of `self.domains`, or one of its own names). */
export function isLocalDomain(host: string, self: ProxySelf): boolean {
  const k = hostKey(host);
  return (self.domains ?? []).some((d) => hostKey(d) === k);
}

/** The interface to send over `transport` from (§16.6 step 8: the Via names the transport used). */
export function interfaceFor(transport: TransportName, self: ProxySelf): LocalInterface | undefined {
  return self.interfaces.find((i) => i.transport === transport);
}

/** host[:port] for a Via sent-by or a URI hostport (IPv6 bracketed, §25.1). */
export function hostPort(host: string, port?: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}
