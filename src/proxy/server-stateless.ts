/**
 * The stateless mode of `sipclf proxy` (`--stateless`, `stateless: true`; RFC 3261 §16.11): every message is
 * handled on its own, without server or client transactions, response contexts or Timer C.
 *
 *   request  ─▶ validate (§16.3; errors answered at once, never to an ACK) ─▶ §16.4 Route preprocessing
 *            ─▶ REGISTER for our domain: the registrar answers (a UAS, §10.3) ─▶ targets (§16.5)
 *            ─▶ one target only, chosen from the message alone (selectStatelessTarget) ─▶ forward with the
 *               deterministic branch (§16.11: a retransmission, its CANCEL and its non-2xx ACK get the same
 *               branch, so the next hop's transaction matching still works) ─▶ log-me (out) ─▶ transport
 *   response ─▶ our Via on top? pop it, send by the next Via (§16.11, §18.2.2); else discard (counted)
 *
 * What a stateless element cannot do, it does not pretend to: no 100 Trying (a transaction's response,
 * §16.2), no forking (one target), no CANCEL generation (a CANCEL received is forwarded like any request, to
 * the same target and branch as its INVITE), no retransmissions of its own (the endpoints retransmit and each
 * copy is forwarded again), and no duplicate detection — every CLF record carries the retransmission flag `O`.
 */
import type { InboundMessage, TransportLayer } from '../transport/index.js';
import type { SipMessage } from '../sip/message.js';
import type { MessageLog, Txns } from '../msglog/message-log.js';
import type { Registrar } from './registrar.js';
import { errorResponse, newTag } from './reply.js';
import { forward, isForRegistrar, preprocessRoutes, targets, validate, wantsRecordRoute } from './request.js';
import type { Router } from './routes.js';
import { interfaceFor } from './self.js';
import { codeOf } from './server-ack.js';
import type { ProxyStats } from './server-options.js';
import { forwardResponseStateless, selectStatelessTarget } from './stateless.js';
import type { LocalInterface, ProxySelf } from './types.js';

export interface StatelessDeps {
  readonly self: ProxySelf;
  readonly router: Router | undefined;
  readonly registrar: Registrar;
  readonly log: MessageLog;
  readonly transport: TransportLayer;
  readonly stats: ProxyStats;
  readonly count: (code: string) => void;
  /** Overload control (overload.ts): the 503 (counted) when this new request is shed, else undefined. */
  readonly overloaded: (msg: SipMessage) => Buffer | undefined;
}

/** Answers a request at once from the listener it arrived on (§8.2.6; no transaction keeps the response). */
function answer(d: StatelessDeps, m: InboundMessage, req: SipMessage, bytes: Buffer): void {
  if (req.method === 'ACK') return; // §17: an ACK is never answered
  const txns: Txns = { serverTxn: req.topVia?.branch ?? null, clientTxn: null };
  const out = d.log.outbound(bytes, m.source, txns);
  void d.transport.reply(m, out.msg).catch(() => d.count('TRANSPORT_SEND'));
  d.log.sentDirect(out.msg, m.local, m.source, false, txns);
}

/** A request received by the stateless proxy (RFC 3261 §16.11). */
export function statelessRequest(d: StatelessDeps, msg: SipMessage, m: InboundMessage): void {
  const arrival: LocalInterface = { transport: m.local.transport, host: m.local.host, port: m.local.port };
  if (msg.method === 'ACK') d.stats.acks++;
  if (msg.method === 'CANCEL') d.stats.cancels++;
  const err = validate(msg, d.self);
  if (err !== undefined) {
    d.count(err.code);
    answer(d, m, msg, errorResponse(msg, err, newTag()));
    return;
  }
  const prep = preprocessRoutes(msg, d.self, arrival);
  if (isForRegistrar(prep, (h) => d.registrar.isLocal(h))) {
    d.stats.registers++;
    const res = d.registrar.handleRegister(prep.msg);
    if (res.error !== undefined) d.count(res.error.code);
    answer(d, m, msg, d.registrar.respond(prep.msg, res, newTag()));
    return;
  }
  const shed = d.overloaded(msg);
  if (shed !== undefined) {
    // A retransmission of the request may be forwarded when it comes (no transaction remembers the 503).
    answer(d, m, msg, shed);
    return;
  }
  const dec = d.router === undefined ? undefined : targets(prep, d.router);
  if (dec === undefined || 'error' in dec) {
    if (dec !== undefined) {
      d.count(dec.error.code);
      answer(d, m, msg, errorResponse(msg, dec.error, newTag()));
    }
    return;
  }
  // §16.11: "choose one and only one target" from fields of the message and time-invariant configuration.
  const target = selectStatelessTarget(dec.targets);
  if (target === undefined) return;
  try {
    const fwd = forward(prep, target, d.self, { recordRoute: wantsRecordRoute(msg.method), stateless: true, arrival });
    const txns: Txns = { serverTxn: msg.topVia?.branch ?? null, clientTxn: fwd.branch };
    const out = d.log.outbound(fwd.bytes, fwd.nextHop, txns);
    const sent = out.msg; // parsed before sending: a request our Via pushed past the parser's limits is not sent
    d.stats.forwarded++;
    void d.transport.send(out.bytes, fwd.nextHop).catch(() => d.count('TRANSPORT_SEND'));
    d.log.sentDirect(sent, interfaceFor(fwd.nextHop.transport, d.self), fwd.nextHop, false, txns);
  } catch (e) {
    d.count(codeOf(e, 'PROXY_NO_NEXT_HOP'));
  }
}

/** A response received by the stateless proxy: our Via popped, sent by the next one (§16.11, §18.2.2). */
export function statelessResponse(d: StatelessDeps, msg: SipMessage): void {
  const r = forwardResponseStateless(msg, d.self);
  if ('error' in r) {
    d.stats.stray++; // as the stateful proxy counts a response no client transaction matches
    return;
  }
  const txns: Txns = { serverTxn: msg.vias()[1]?.branch ?? null, clientTxn: msg.topVia?.branch ?? null };
  const out = d.log.outbound(r.bytes, r.destination, txns);
  void d.transport.sendResponse(out.msg).catch(() => d.count('TRANSPORT_SEND'));
  d.log.sentDirect(out.msg, interfaceFor(r.destination.transport, d.self), r.destination, false, txns);
}
