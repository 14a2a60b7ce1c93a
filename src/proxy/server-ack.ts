/**
 * The ACK to a 2xx (and any ACK matching no transaction) in the proxy server: routed like any request —
 * by its Route set, else by its Request-URI (SIPp's built-in uac sends it to the proxy without Route) — and
 * forwarded end to end without a transaction (RFC 3261 §16.7, §13.2.2.4), with the deterministic stateless
 * branch so a retransmitted ACK keeps its branch. An ACK that fails validation or routing is dropped (§17:
 * never answered).
 */
import type { SipMessage } from '../sip/message.js';
import type { TransportLayer } from '../transport/index.js';
import { forward, preprocessRoutes, targets, validate } from './request.js';
import type { Router } from './routes.js';
import { interfaceFor } from './self.js';
import type { MessageLog, Txns } from '../msglog/message-log.js';
import type { LocalInterface, ProxySelf } from './types.js';

export interface AckDeps {
  readonly self: ProxySelf;
  readonly router: Router;
  readonly log: MessageLog;
  readonly transport: TransportLayer;
  readonly count: (code: string) => void;
}

/** The error code of a thrown value, for the counters. */
export function codeOf(e: unknown, fallback: string): string {
  return e instanceof Error && 'code' in e ? String(e.code) : fallback;
}

export function forwardAck(d: AckDeps, msg: SipMessage, arrival: LocalInterface, retransmission: boolean): void {
  if (validate(msg, d.self) !== undefined) return;
  const prep = preprocessRoutes(msg, d.self, arrival);
  const dec = targets(prep, d.router);
  const t = 'error' in dec ? undefined : dec.targets[0];
  if (t === undefined) return;
  try {
    const fwd = forward(prep, t, d.self, { recordRoute: false, stateless: true, arrival });
    const txns: Txns = { serverTxn: msg.topVia?.branch ?? null, clientTxn: fwd.branch };
    const out = d.log.outbound(fwd.bytes, fwd.nextHop, txns);
    const sent = out.msg; // parsed before sending: a request our Via pushed past the parser's limits is not sent
    void d.transport.send(out.bytes, fwd.nextHop).catch(() => d.count('TRANSPORT_SEND'));
    d.log.sentDirect(sent, interfaceFor(fwd.nextHop.transport, d.self), fwd.nextHop, retransmission, txns);
  } catch (e) {
    d.count(codeOf(e, 'PROXY_NO_NEXT_HOP'));
  }
}
