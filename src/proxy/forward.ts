/**
 * Request forwarding (RFC 3261 §16.6 steps 1–9) for one target: the copy is made by MessageEditor splices
 * on the received bytes, so every header line the RFC does not ask to change leaves byte-identical (§16.6
 * step 1 "MUST NOT reorder", "MUST NOT add to, modify, or remove the message body"). Steps 10–11 (client
 * transaction, Timer C) belong to the caller and response.ts; the result carries what they need: the bytes,
 * the branch (the client transaction key) and the next hop (§16.6 step 7, before RFC 3263 DNS resolution).
 */
import { SipclfError } from '../errors.js';
import { Params } from '../sip/grammar/params.js';
import { formatUri } from '../sip/grammar/uri-format.js';
import { parseUri, type Uri } from '../sip/grammar/uri.js';
import { MessageEditor } from '../sip/editor.js';
import type { SipMessage } from '../sip/message.js';
import { loopHash, makeBranch, randomUnique, statelessUnique } from './branch.js';
import type { PreparedRequest } from './request.js';
import type { Target } from './routes.js';
import { hostPort, interfaceFor } from './self.js';
import { defaultPort, isStream, type LocalInterface, type NextHop, type ProxySelf, type TransportName } from './types.js';

export interface ForwardOptions {
  /** §16.6 step 4: stay on the dialog's path (see wantsRecordRoute for the default policy). */
  recordRoute: boolean;
  /** §16.11: deterministic branch (retransmissions, CANCEL and non-2xx ACK map to the same one). */
  stateless: boolean;
  /**
   * The interface the request arrived on. When it differs from the outgoing one (another transport or
   * address), two Record-Route values are inserted, outgoing then incoming, so each side sees the URI
   * it can reach (the alternative to §16.7 step 8 rewriting, which also covers its TLS ↔ non-TLS rule).
   */
  arrival?: LocalInterface;
  /** Use this branch instead of computing one (a retry that must keep it). */
  branch?: string;
  /** §16.6 step 3: value of an added Max-Forwards; default 70. */
  maxForwards?: number;
}

export interface ForwardResult {
  readonly bytes: Buffer;
  readonly branch: string;
  readonly nextHop: NextHop;
  /** The Request-URI of the copy (after strict-router compatibility). */
  readonly requestUri: string;
  readonly method: string;
  /** Record-Route values inserted, in header order. */
  readonly recordRoute: readonly string[];
}

function noHop(message: string): never {
  throw new SipclfError('PROXY_NO_NEXT_HOP', message);
}

/** §16.6 step 2: "If the URI contains any parameters not allowed in a Request-URI, they MUST be removed" (§19.1.1 Table 1: method, headers). */
function requestUriText(text: string): string {
  const u = parseUri(text);
  if (u.kind !== 'sip' || (u.headers.size === 0 && !u.params.has('method'))) return text;
  const params = new Params();
  for (const p of u.params) if (p.name.toLowerCase() !== 'method') params.add(p.name, p.value, p.raw);
  return formatUri({ ...u, params, headers: new Params() });
}

/**
 * §16.6 step 7 without DNS: the maddr or host of the URI, its port or the transport's default, its
 * transport parameter, else TLS for sips (and for any URI when the Request-URI is sips), else UDP.
 * Throws PROXY_NO_NEXT_HOP for a non-SIP URI or a transport sipclf does not speak.
 */
export function nextHopOf(uri: Uri, requestUriIsSips = false): NextHop {
  if (uri.kind !== 'sip') noHop(`${uri.raw} is not a SIP or SIPS URI: no next hop (RFC 3261 §16.6 step 7)`);
  const tp = uri.params.get('transport');
  let transport = typeof tp === 'string' ? tp.toLowerCase() : uri.scheme === 'sips' ? 'tls' : 'udp';
  if (requestUriIsSips || uri.scheme === 'sips') transport = 'tls';
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') noHop(`transport ${transport} of ${uri.raw} is not supported`);
  const t: TransportName = transport;
  const maddr = uri.params.get('maddr');
  return { transport: t, host: typeof maddr === 'string' ? maddr.toLowerCase() : uri.host, port: uri.port ?? defaultPort(t) };
}

/** A Record-Route URI for one of our interfaces (§16.6 step 4: SIP or SIPS, with `lr`). */
function recordRouteUri(i: LocalInterface, sips: boolean): string {
  const transport = sips || i.transport === 'udp' ? '' : `;transport=${i.transport}`;
  return `<${sips ? 'sips' : 'sip'}:${hostPort(i.host, i.port)}${transport};lr>`;
}

function prepared(req: PreparedRequest | SipMessage): PreparedRequest {
  if (!('received' in req)) {
    return { msg: req, received: req, popRoutes: 0, routes: req.routes(), loopHash: loopHash(req), strictRouted: false, maddrStripped: false };
  }
  return req;
}

/**
 * §16.6 steps 1–9 for one target. Throws PROXY_NO_NEXT_HOP when the next hop cannot be determined or
 * this proxy has no interface for its transport (the caller treats the branch as failed: 503, §16.9), and
 * SIP_EDIT when Max-Forwards is 0 (validate() answers 483 first).
 */
export function forward(input: PreparedRequest | SipMessage, target: Target, self: ProxySelf, opts: ForwardOptions): ForwardResult {
  const req = prepared(input);
  const msg = req.msg;
  // Step 2: the target's URI becomes the Request-URI.
  let ruri = requestUriText(target.uri);
  // Step 6: local-policy Route values go on top; then strict-router compatibility on the first value.
  const first = target.routeSet[0] ?? (req.routes[0] === undefined ? undefined : formatUri(req.routes[0].uri));
  let strict = false;
  let appendRoute: string | undefined;
  if (target.routeSet.length === 0 && req.routes[0] !== undefined && req.routes[0].uri.kind === 'sip' && !req.routes[0].uri.params.has('lr')) {
    strict = true;
    appendRoute = `<${ruri}>`;
    ruri = formatUri(req.routes[0].uri);
  }
  const ruriParsed = parseUri(ruri);
  const ruriSips = ruriParsed.kind === 'sip' && ruriParsed.scheme === 'sips';
  // Step 7: the Request-URI after a strict-router rewrite, else the top Route, else the Request-URI.
  const hopUri = strict || first === undefined ? ruriParsed : parseUri(first.replace(/^<|>$/g, ''));
  const nextHop = nextHopOf(hopUri, ruriSips);
  const local = interfaceFor(nextHop.transport, self) ?? noHop(`no ${nextHop.transport} interface to send to ${hostPort(nextHop.host, nextHop.port)} from`);

  const ed = new MessageEditor(msg);
  if (ruri !== msg.requestUri) ed.setRequestUri(ruri);
  // Step 3: Max-Forwards.
  ed.decrementMaxForwards(opts.maxForwards ?? 70);
  // Step 4: Record-Route, SIPS when the Request-URI or the top Route (after step 6) is SIPS.
  const recordRoute: string[] = [];
  if (opts.recordRoute) {
    const sips = ruriSips || (!strict && first !== undefined && /^<?sips:/i.test(first));
    recordRoute.push(recordRouteUri(local, sips));
    const a = opts.arrival;
    if (a !== undefined && (a.transport !== local.transport || a.host !== local.host || a.port !== local.port)) {
      recordRoute.push(recordRouteUri(a, sips && a.transport === 'tls'));
    }
    for (const rr of recordRoute) ed.insertRecordRoute(rr);
  }
  // §16.4: our own Route values; step 6: the strict-router pop, the pushes, the appended Request-URI.
  for (let i = 0; i < req.popRoutes + (strict ? 1 : 0); i++) ed.popRoute();
  for (const r of target.routeSet) ed.pushRoute(`<${r}>`);
  if (appendRoute !== undefined) ed.addHeader('Route', appendRoute);
  // Step 8: our Via, on top, with a branch whose second part is the loop-detection hash.
  const branch = opts.branch ?? makeBranch(opts.stateless ? statelessUnique(req.received) : randomUnique(), req.loopHash);
  ed.pushVia(`SIP/2.0/${local.transport.toUpperCase()} ${hostPort(local.host, local.port)};branch=${branch}`);
  // Step 9: Content-Length for stream transports.
  if (isStream(nextHop.transport)) ed.ensureContentLength();
  return { bytes: ed.toBuffer(), branch, nextHop, requestUri: ruri, method: msg.method, recordRoute };
}
