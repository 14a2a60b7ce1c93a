/**
 * Routing policy: where a request goes once §16.4 preprocessing is done (RFC 3261 §16.5 targets, §16.6
 * step 6 local-policy Route push). It owns the static routes, the default outbound proxy and the order in
 * which they are consulted with the registrar:
 *
 *   1. Route header left after §16.4 (loose routing, in-dialog requests): the Request-URI is the only
 *      target, the next hop is the top Route (§16.6 step 7); no policy is applied.
 *   2. maddr in the Request-URI: the Request-URI is the only target (§16.5).
 *   3. Request-URI in a local domain: the registrar's live bindings, each a target (parallel fork), highest
 *      q first; none → step 4.
 *   4. Static route: a user prefix (longest first; also for tel URIs), else a domain (exact, or a suffix
 *      written `.example.net`, most specific first) → the Request-URI is the target and the route's next
 *      hop is pushed as a loose-routing Route (§16.6 step 6).
 *   5. Request-URI in a foreign domain: the Request-URI is the target (§16.5), through the default outbound
 *      proxy when one is set (Route push), else straight to the Request-URI host; `foreignDomains: 'reject'`
 *      turns this into 404 (a proxy that is not an open relay).
 *   6. Otherwise: 480 when the registrar knows the AOR (it registered, its bindings expired or were
 *      removed), else 404 (§16.5 "a resource at this proxy that does not exist"). A tel URI with no route
 *      goes to the default outbound proxy, else 404.
 */
import { SipclfError, type SipValidationError } from '../errors.js';
import { parseUri, type Uri } from '../sip/grammar/uri.js';
import type { Registrar } from './registrar.js';
import { proxyError } from './reply.js';
import { hostKey, hostPort, isLocalDomain } from './self.js';
import { defaultPort, type NextHop, type ProxySelf, type TransportName } from './types.js';

/** One target of the target set (§16.5): the URI for the Request-URI and the Route values to push. */
export interface Target {
  /** Request-URI of the copy (§16.6 step 2). */
  readonly uri: string;
  /** Loose-routing URIs pushed on top of the Route header (§16.6 step 6), first is visited first. */
  readonly routeSet: readonly string[];
  /** Which rule produced it: for logs and metrics. */
  readonly source: 'request-uri' | 'route' | 'maddr' | 'registrar' | 'static' | 'default';
  /** q-value of a registrar binding. */
  readonly q?: number;
}

export type RouteMatch = { readonly domain: string } | { readonly userPrefix: string };

export interface StaticRoute {
  readonly match: RouteMatch;
  readonly nextHop: NextHop;
}

export interface RouterOptions {
  readonly self: ProxySelf;
  readonly registrar?: Registrar;
  readonly routes?: readonly StaticRoute[];
  readonly defaultProxy?: NextHop;
  /** Requests for domains this proxy is not responsible for: forward (default, RFC 3261 §16.5) or 404. */
  readonly foreignDomains?: 'forward' | 'reject';
}

export type RouteDecision = { readonly targets: readonly Target[] } | { readonly error: SipValidationError };

const TRANSPORTS: readonly string[] = ['udp', 'tcp', 'tls'];

/** Parses `host[:port][;transport=udp|tcp|tls]` (IPv6 in brackets). Throws PROXY_BAD_ROUTE. */
export function parseNextHop(text: string): NextHop {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?(?:;transport=([A-Za-z]+))?$/.exec(text.trim());
  const transport = (m?.[3] ?? 'udp').toLowerCase();
  if (m === null || !TRANSPORTS.includes(transport)) {
    throw new SipclfError('PROXY_BAD_ROUTE', `next hop ${JSON.stringify(text)} is not host[:port][;transport=udp|tcp|tls]`);
  }
  const t = transport as TransportName;
  const port = m[2] === undefined ? defaultPort(t) : Number(m[2]);
  if (port < 1 || port > 65535) throw new SipclfError('PROXY_BAD_ROUTE', `next hop ${JSON.stringify(text)}: port out of range`);
  return { transport: t, host: hostKey(m[1] ?? ''), port };
}

/** Parses `DOMAIN=NEXTHOP`, `.SUFFIX=NEXTHOP` or `user:PREFIX=NEXTHOP`. Throws PROXY_BAD_ROUTE. */
export function parseStaticRoute(text: string): StaticRoute {
  const eq = text.lastIndexOf('=', text.search(/;transport=|$/) - 1);
  const key = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq < 0 || key === '' || key === 'user:') throw new SipclfError('PROXY_BAD_ROUTE', `static route ${JSON.stringify(text)} is not MATCH=host[:port][;transport=…]`);
  const nextHop = parseNextHop(text.slice(eq + 1));
  if (key.startsWith('user:')) return { match: { userPrefix: key.slice(5) }, nextHop };
  if (!/^\.?[A-Za-z0-9._-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(key)) throw new SipclfError('PROXY_BAD_ROUTE', `static route ${JSON.stringify(text)}: ${key} is not a domain`);
  return { match: { domain: hostKey(key) }, nextHop };
}

/** The loose-routing URI that makes a request visit `hop` (§16.6 step 6: every pushed URI has `lr`). */
export function routeUriOf(hop: NextHop): string {
  return `sip:${hostPort(hop.host, hop.port)}${hop.transport === 'udp' ? '' : `;transport=${hop.transport}`};lr`;
}

export class Router {
  readonly #opts: RouterOptions;
  readonly #byUser: StaticRoute[];
  readonly #byDomain: StaticRoute[];

  constructor(opts: RouterOptions) {
    this.#opts = opts;
    const routes = opts.routes ?? [];
    const len = (r: StaticRoute): number => ('userPrefix' in r.match ? r.match.userPrefix.length : r.match.domain.length);
    this.#byUser = routes.filter((r) => 'userPrefix' in r.match).sort((a, b) => len(b) - len(a));
    this.#byDomain = routes.filter((r) => 'domain' in r.match).sort((a, b) => len(b) - len(a));
  }

  /** The static route for a URI: user prefix first (longest), then domain (exact or suffix, longest). */
  staticRoute(uri: Uri): StaticRoute | undefined {
    const user = uri.kind === 'sip' ? uri.user : uri.kind === 'tel' ? uri.number : undefined;
    if (user !== undefined) {
      const r = this.#byUser.find((x) => 'userPrefix' in x.match && user.startsWith(x.match.userPrefix));
      if (r !== undefined) return r;
    }
    if (uri.kind !== 'sip') return undefined;
    const host = hostKey(uri.host);
    return this.#byDomain.find((x) => 'domain' in x.match && (x.match.domain.startsWith('.') ? host.endsWith(x.match.domain) || `.${host}` === x.match.domain : host === x.match.domain));
  }

  /**
   * §16.5 target set for a request whose Request-URI is `ruriText` (after §16.4) and which still has
   * (`hasRoute`) or has not a Route header. See the module comment for the order.
   */
  route(ruriText: string, hasRoute: boolean, now?: number): RouteDecision {
    const only = (source: Target['source'], routeSet: readonly string[] = []): RouteDecision => ({ targets: [{ uri: ruriText, routeSet, source }] });
    if (hasRoute) return only('route');
    let uri: Uri;
    try {
      uri = parseUri(ruriText);
    } catch {
      return { error: proxyError('PROXY_NOT_FOUND', `Request-URI ${ruriText} cannot be routed`, 'Not Found') };
    }
    if (uri.kind === 'sip' && uri.params.has('maddr')) return only('maddr');
    const self = this.#opts.self;
    const local = uri.kind === 'sip' && (isLocalDomain(uri.host, self) || this.#opts.registrar?.isLocal(uri.host) === true);
    if (local && this.#opts.registrar !== undefined) {
      const bindings = this.#opts.registrar.lookup(uri, now);
      const targets: Target[] = [];
      for (const b of bindings) {
        // §16.5: a URI is placed in the target set once (equality of its URI type).
        if (targets.some((t) => t.uri === b.contact)) continue;
        targets.push(b.q === undefined ? { uri: b.contact, routeSet: [], source: 'registrar' } : { uri: b.contact, routeSet: [], source: 'registrar', q: b.q });
      }
      if (targets.length > 0) return { targets };
    }
    const sr = this.staticRoute(uri);
    if (sr !== undefined) return only('static', [routeUriOf(sr.nextHop)]);
    if (!local && uri.kind === 'sip') {
      if (this.#opts.foreignDomains === 'reject') {
        return { error: proxyError('PROXY_NOT_FOUND', `${uri.host} is not a domain of this proxy and relaying is off`, 'Not Found') };
      }
      const dp = this.#opts.defaultProxy;
      return dp === undefined ? only('request-uri') : only('default', [routeUriOf(dp)]);
    }
    if (uri.kind !== 'sip' && this.#opts.defaultProxy !== undefined) return only('default', [routeUriOf(this.#opts.defaultProxy)]);
    if (uri.kind === 'sip' && this.#opts.registrar?.knows(uri) === true) {
      return { error: proxyError('PROXY_TEMPORARILY_UNAVAILABLE', `${ruriText} has no live binding (RFC 3261 §16.5)`, 'Temporarily Unavailable') };
    }
    return { error: proxyError('PROXY_NOT_FOUND', `${ruriText} does not exist here (RFC 3261 §16.5)`, 'Not Found') };
  }
}
