/**
 * The request half of the proxy core as pure functions (RFC 3261 §16.3–§16.5; forwarding, §16.6, is in
 * forward.ts and re-exported here):
 *
 *   validate(msg, self)          §16.3  400 / 416 / 483 / 420 from src/sip's validateRequest, then 482
 *   preprocessRoutes(msg, self)  §16.4  strict-router Request-URI, own maddr, own top Route values
 *   targets(req, router)         §16.5  the target set (routes.ts) or 404 / 480
 *   forward(req, target, self)   §16.6  steps 1–9, one copy per target
 *
 * Nothing here keeps state; the response side (response.ts) does. A §16.4 rewrite that changes the
 * Request-URI (rare: a strict router upstream, or our own maddr) produces a new parsed message; popping our
 * own Route values (every record-routed in-dialog request) is left to forward()'s single editing pass, so
 * the common path never re-parses.
 */
import { SipParseError, type SipValidationError } from '../errors.js';
import type { NameAddr } from '../sip/grammar/address.js';
import { Params } from '../sip/grammar/params.js';
import { splitCommaValues } from '../sip/grammar/split.js';
import { formatUri } from '../sip/grammar/uri-format.js';
import type { SipUri } from '../sip/grammar/uri.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { validateRequest, type ValidateOptions } from '../sip/validate.js';
import { loopHash, loopPartOf } from './branch.js';
import { proxyError } from './reply.js';
import type { RouteDecision, Router } from './routes.js';
import { isSelfUri, isSelfVia, uriTransport } from './self.js';
import { defaultPort, type LocalInterface, type ProxySelf } from './types.js';

export { forward, nextHopOf, type ForwardOptions, type ForwardResult } from './forward.js';

/** A request after §16.4, ready for §16.5 and §16.6. */
export interface PreparedRequest {
  /** The request to forward: the received one, or its §16.4 rewrite. */
  readonly msg: SipMessage;
  /** The request exactly as received (for logs, for the stateless branch, §16.11). */
  readonly received: SipMessage;
  /** How many Route values at the top designate this proxy: removed by forward() (§16.4). */
  readonly popRoutes: number;
  /** The Route values that remain after them. */
  readonly routes: readonly NameAddr[];
  /** §16.6 step 8 loop-detection hash of the request as received (before translation). */
  readonly loopHash: string;
  /** The Request-URI was one of our Record-Route values: the previous hop is a strict router (§16.4). */
  readonly strictRouted: boolean;
  /** Our own maddr was stripped from the Request-URI (§16.4). */
  readonly maddrStripped: boolean;
}

export type ProxyValidateOptions = Omit<ValidateOptions, 'role'>;

/**
 * §16.3: the first reason to reject the request, or undefined. Steps 1–3 and 5 are src/sip's
 * validateRequest for role proxy (400, 416, 483, 420); step 4 is the loop check: a Via we inserted whose
 * loop part equals the hash of this request means nothing that drives its routing changed since we
 * forwarded it — a loop (482); a different hash is a spiral. Step 6 (credentials) is the caller's. An error
 * for an ACK must not be answered (§17): drop the ACK.
 */
export function validate(msg: SipMessage, self: ProxySelf, opts: ProxyValidateOptions = {}): SipValidationError | undefined {
  const err = validateRequest(msg, { ...opts, role: 'proxy' });
  if (err !== undefined) return err;
  try {
    const hash = loopHash(msg);
    // A Via of ours carrying this hash holds its 16 hex digits somewhere in the message: when the text has
    // none, no Via needs parsing (the common case: a request seen for the first time).
    if (msg.text.indexOf(hash) < 0) return undefined;
    for (const via of msg.vias()) {
      if (!isSelfVia(via, self)) continue;
      if (loopPartOf(via.branch) === hash) {
        return proxyError('PROXY_LOOP_DETECTED', `the request came back unchanged through Via ${via.raw} (RFC 3261 §16.3 step 4)`, 'Loop Detected');
      }
    }
  } catch (e) {
    if (e instanceof SipParseError) return proxyError(e.code, e.message, `Malformed message: ${e.message}`);
    throw e;
  }
  return undefined;
}

/** Replaces the Request-URI and, with `dropLastRoute`, removes the last Route value; re-parses (§16.4). */
function rewrite(msg: SipMessage, ruri: string, dropLastRoute: boolean): SipMessage {
  const raw = msg.raw;
  const base = raw.byteOffset - msg.buffer.byteOffset;
  // latin1: one character per octet, so header offsets index the string and the bytes survive.
  let text = raw.toString('latin1');
  const last = dropLastRoute ? msg.indexesOf('Route').at(-1) : undefined;
  if (last !== undefined) {
    const h = msg.headerAt(last);
    const start = h.offset - base;
    const values = splitCommaValues(msg.valueAt(last));
    // Only the line holding the last value is rewritten (values re-joined), or removed when it held one.
    const line = values.length <= 1 ? '' : `${h.name}: ${Buffer.from(values.slice(0, -1).join(', '), 'utf8').toString('latin1')}\r\n`;
    text = text.slice(0, start) + line + text.slice(start + h.raw.length);
  }
  const sp1 = text.indexOf(' ');
  const sp2 = text.indexOf(' ', sp1 + 1);
  text = `${text.slice(0, sp1 + 1)}${ruri}${text.slice(sp2)}`;
  return parseMessage(Buffer.from(text, 'latin1'));
}

/** The Request-URI without maddr and without a non-default port or transport (§16.4). */
function stripMaddr(uri: SipUri): string {
  const params = new Params();
  for (const p of uri.params) {
    const n = p.name.toLowerCase();
    if (n !== 'maddr' && n !== 'transport') params.add(p.name, p.value, p.raw);
  }
  const copy: { -readonly [K in keyof SipUri]: SipUri[K] } = { ...uri, params };
  delete copy.port;
  return formatUri(copy);
}

/**
 * §16.4 Route information preprocessing, in the RFC's order:
 * 1. a Request-URI that is a Record-Route value of ours (our host and port, with `lr`) while Route values
 *    are present means a strict router sent it: the last Route value becomes the Request-URI;
 * 2. a maddr naming us, on a request received on the port and transport the URI indicates (`arrival`,
 *    when known), is stripped with the port and transport;
 * 3. Route values at the top that designate us are counted for removal. The RFC removes "the first value";
 *    consecutive ones are all ours when we double record-routed (two interfaces), so all are removed.
 */
export function preprocessRoutes(received: SipMessage, self: ProxySelf, arrival?: LocalInterface): PreparedRequest {
  const hash = loopHash(received);
  let msg = received;
  let strictRouted = false;
  let maddrStripped = false;
  const ruri = msg.uri();
  const routes = msg.routes();
  const lastRoute = routes.at(-1);
  if (ruri.kind === 'sip' && ruri.params.has('lr') && isSelfUri(ruri, self) && lastRoute !== undefined) {
    msg = rewrite(msg, formatUri(lastRoute.uri), true);
    strictRouted = true;
  }
  const u = msg.uri();
  const maddr = u.kind === 'sip' ? u.params.get('maddr') : undefined;
  if (u.kind === 'sip' && typeof maddr === 'string' && isSelfUri(u, self)) {
    const t = uriTransport(u);
    const port = u.port ?? defaultPort(t === 'tls' ? 'tls' : 'udp');
    if (arrival === undefined || (arrival.transport === t && arrival.port === port)) {
      msg = rewrite(msg, stripMaddr(u), false);
      maddrStripped = true;
    }
  }
  const all = msg.routes();
  let pop = 0;
  while (pop < all.length) {
    const r = all[pop]?.uri;
    if (r === undefined || r.kind !== 'sip' || !isSelfUri(r, self)) break;
    pop++;
  }
  return { msg, received, popRoutes: pop, routes: all.slice(pop), loopHash: hash, strictRouted, maddrStripped };
}

/** §16.5: the target set of a prepared request (see routes.ts for the order), or 404 / 480. */
export function targets(req: PreparedRequest, router: Router, now?: number): RouteDecision {
  return router.route(req.msg.requestUri, req.routes.length > 0, now);
}

/**
 * A REGISTER the built-in registrar answers (§10.3 step 1): no Route left to follow and a Request-URI in one
 * of the registrar's domains. Any other REGISTER is proxied like any request.
 */
export function isForRegistrar(req: PreparedRequest, isLocal: (host: string) => boolean): boolean {
  if (req.msg.method !== 'REGISTER' || req.routes.length > 0) return false;
  const u = req.msg.uri();
  return u.kind === 'sip' && isLocal(u.host);
}

/**
 * §16.6 step 4 policy: record-route requests that can create a dialog or are in one, never REGISTER
 * (§10.3: a registrar ignores it), CANCEL or ACK (they follow their INVITE's path; RR would be ignored).
 */
export function wantsRecordRoute(method: string): boolean {
  return method !== 'REGISTER' && method !== 'CANCEL' && method !== 'ACK';
}
