/**
 * Stateless pieces of the proxy (RFC 3261 §16.11, §9.1, §18.2.2): the deterministic target choice of a
 * stateless proxy, forwarding a response by its Via (also used by a stateful proxy for a response no
 * client transaction matches, §16.7, such as a late 2xx), and building the CANCEL of a forwarded INVITE.
 */
import { SipclfError } from '../errors.js';
import type { Via } from '../sip/grammar/via.js';
import { MessageEditor } from '../sip/editor.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import type { Target } from './routes.js';
import { isSelfVia } from './self.js';
import { defaultPort, type NextHop, type OutgoingRequest, type ProxySelf } from './types.js';

/**
 * §16.11: "choose one and only one target … This choice MUST only rely on fields in the message and
 * time-invariant properties of the server": the highest q (no q = 1.0), ties broken by the URI text, so the
 * same set always gives the same target whatever order it came in. (A registrar is not time-invariant: a
 * binding change between a request and its retransmission can move it, as §16.11 warns.)
 */
export function selectStatelessTarget(targets: readonly Target[]): Target | undefined {
  let best: Target | undefined;
  for (const t of targets) {
    if (best === undefined || (t.q ?? 1) > (best.q ?? 1) || ((t.q ?? 1) === (best.q ?? 1) && t.uri < best.uri)) best = t;
  }
  return best;
}

/** §18.2.2 for a proxy: a response goes to `received` (else sent-by), to the rport value, else the sent-by port. */
export function viaDestination(via: Via): NextHop | undefined {
  const t = via.transport.toLowerCase();
  if (t !== 'udp' && t !== 'tcp' && t !== 'tls') return undefined;
  const port = typeof via.rport === 'number' ? via.rport : (via.port ?? defaultPort(t));
  return { transport: t, host: via.received ?? via.maddr ?? via.host, port };
}

export type StatelessResponse = { readonly bytes: Buffer; readonly destination: NextHop } | { readonly error: SipclfError };

/**
 * §16.11 response processing: when the top Via is ours, remove it (and nothing else) and send the result
 * to the next Via; otherwise, or with no next Via, discard silently (PROXY_STRAY_RESPONSE, for counters).
 */
export function forwardResponseStateless(res: SipMessage, self: ProxySelf): StatelessResponse {
  const vias = res.vias();
  const top = vias[0];
  if (top === undefined || !isSelfVia(top, self)) {
    return { error: new SipclfError('PROXY_STRAY_RESPONSE', `top Via ${top?.raw ?? '(none)'} was not inserted by this proxy (RFC 3261 §16.11)`) };
  }
  const next = vias[1];
  const destination = next === undefined ? undefined : viaDestination(next);
  if (destination === undefined) {
    return { error: new SipclfError('PROXY_STRAY_RESPONSE', `no usable Via after ours: the response was for this proxy (RFC 3261 §16.7 step 3)`) };
  }
  return { bytes: new MessageEditor(res).popVia().toBuffer(), destination };
}

/**
 * §9.1: the CANCEL of a request this proxy forwarded: same Request-URI, Call-ID, From, To (tags included),
 * CSeq number with method CANCEL, a single Via equal to the request's top Via (ours, so the branch
 * matches, §9.2), the request's Route values, no Require / Proxy-Require, Max-Forwards 70, no body. It
 * goes to the same next hop (§9.1 "MUST be identical to those used to send the original request").
 */
export function buildCancel(forwarded: Buffer | SipMessage, nextHop: NextHop): OutgoingRequest {
  const req = Buffer.isBuffer(forwarded) ? parseMessage(forwarded) : forwarded;
  const via = req.vias()[0];
  if (!req.isRequest || via === undefined || via.branch === undefined) throw new SipclfError('SIP_EDIT', 'cannot CANCEL: not a request with a branch');
  const lines = [`CANCEL ${req.requestUri} SIP/2.0`, `Via: ${via.raw}`];
  for (const r of req.getAll('Route')) lines.push(`Route: ${r}`);
  lines.push('Max-Forwards: 70');
  for (const name of ['From', 'To', 'Call-ID']) {
    const v = req.get(name);
    if (v !== undefined) lines.push(`${name}: ${v}`);
  }
  lines.push(`CSeq: ${req.cseq?.seq ?? 0} CANCEL`, 'Content-Length: 0');
  return { bytes: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), nextHop, branch: via.branch, method: 'CANCEL' };
}
