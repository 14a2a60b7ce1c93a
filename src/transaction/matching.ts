/**
 * Transaction identifiers: how responses find their client transaction (RFC 3261 §17.1.3), how requests
 * find their server transaction (§17.2.3, with the RFC 2543 fallback for branches without the magic
 * cookie), and where a server transaction sends its responses (§18.2.2, RFC 3581).
 *
 * The manager keys its maps with these strings; the per-method and To-tag parts of §17.2.3 are checked on
 * the few candidates a key yields (the INVITE and its CANCEL share a branch and sent-by).
 */
import type { SipMessage, TopVia } from '../sip/message.js';
import { MAGIC_COOKIE, topViaValue } from './messages.js';
import type { Target } from './types.js';

/** §17.2.3: a branch "begins with" the magic cookie (and is more than the cookie: §8.1.1.7). */
export function hasMagicCookie(branch: string | undefined): branch is string {
  return branch !== undefined && branch.length > MAGIC_COOKIE.length && branch.startsWith(MAGIC_COOKIE);
}

/** §17.1.3: top-Via branch and CSeq method (a CANCEL shares the INVITE's branch, not its method). */
export function clientKey(branch: string, method: string): string {
  return `${branch}\n${method}`;
}

/** The client key of a received response, or undefined when it has no branch or CSeq. */
export function responseKey(res: SipMessage): string | undefined {
  const branch = res.topVia?.branch;
  const cseq = res.cseq;
  if (branch === undefined || cseq === undefined) return undefined;
  return clientKey(branch, cseq.method);
}

function defaultPort(transport: string): number {
  return transport === 'TLS' || transport === 'WSS' ? 5061 : 5060;
}

/** sent-by with the port made explicit (an absent port is the transport's default, §18.2.2, §19.1.2). */
export function sentBy(via: TopVia): string {
  return `${via.host}:${via.port ?? defaultPort(via.transport)}`;
}

/**
 * §17.2.3 with the magic cookie: branch and sent-by of the top Via. The method rule (equal, ACK matching
 * INVITE; §9.2: CANCEL matching anything but CANCEL and ACK) is applied to the candidates.
 */
export function serverKey(via: TopVia & { branch: string }): string {
  return `${via.branch}\n${sentBy(via)}`;
}

/**
 * §17.2.3 RFC 2543 fallback: Request-URI, From tag, Call-ID, CSeq number and top Via. The To tag (of the
 * request, or for an ACK of the response sent) and the method are checked on the candidates.
 */
export function legacyKey(req: SipMessage): string {
  return [req.requestUri, req.fromTag ?? '', req.callId ?? '', req.cseq?.seq ?? '', topViaValue(req)].join('\n');
}

/**
 * Where a server transaction sends responses, given the request and the address it came from (`from`):
 * - reliable transport: back to the source, over the connection it came on (§18.2.2);
 * - UDP with `rport` (RFC 3581 §4): the source address and port;
 * - UDP otherwise: the source address (the `received` value, §18.2.2) and the sent-by port, default 5060.
 * `maddr` (multicast) is not supported: responses go to the source address.
 */
export function responseTarget(req: SipMessage, from: Target): Target {
  if (from.transport !== 'udp') return from;
  const via = req.topVia;
  if (via === undefined || via.rport !== undefined) return from;
  return { transport: 'udp', host: from.host, port: via.port ?? 5060 };
}
