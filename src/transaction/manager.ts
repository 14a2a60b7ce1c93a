/**
 * TransactionManager: creates transactions, matches what the transport receives to them (RFC 3261
 * §17.1.3, §17.2.3, §9.2), absorbs retransmissions, and tells the caller — for the CLF retransmission
 * flag (RFC 6872 §8.2: O original, D duplicate) — whether each received message repeats one already seen.
 *
 *   transport ──receiveRequest(msg, from)──▶ manager ──▶ RequestResult { kind, txn, retransmission }
 *   transport ──receiveResponse(msg)───────▶ manager ──▶ ResponseResult { txn, retransmission }
 *   TU ──createClient(request, target, user)──▶ client transaction ──TransportSink.send──▶ transport
 *   TU ──txn.respond(response)───────────────▶ server transaction ──TransportSink.send──▶ transport
 *
 * A terminated transaction is forgotten at once (RFC 6026: "destroyed immediately"); a response matching
 * none is stray and, per RFC 6026 §7.3, must be dropped by a stateful element (the result says so; the TU
 * may count or log it). ACKs to 2xx responses normally match no transaction (they carry a new branch) and
 * are returned to the TU (kind "ack"), which forwards them end to end (§16.7, §13.2.2.4).
 */
import { SipclfError } from '../errors.js';
import { detach } from '../sip/bytes.js';
import type { SipMessage } from '../sip/message.js';
import { systemClock, type Clock } from './clock.js';
import { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { hasMagicCookie, clientKey, legacyKey, responseKey, responseTarget, serverKey, sentBy } from './matching.js';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import { resolveTimers, type TimerConfig } from './timers.js';
import type { SendObserver, TransactionOptions } from './transaction.js';
import type { ClientTransaction, ClientTransactionUser, ServerTransaction, ServerTransactionUser, Target, TransportSink } from './types.js';

export interface ManagerOptions {
  readonly sink: TransportSink;
  readonly clock?: Clock;
  readonly timers?: Partial<TimerConfig>;
  /** TU callbacks given to every server transaction the manager creates (the TU may replace `txn.user`). */
  readonly serverUser?: ServerTransactionUser;
  /** Where responses go; default `responseTarget` (§18.2.2, RFC 3581). */
  readonly responseTarget?: (req: SipMessage, from: Target) => Target;
  /**
   * How many ACKs to 2xx responses are remembered for their retransmission flag (oldest forgotten first);
   * bounds memory under an ACK flood. Default 65536.
   */
  readonly maxAckMemory?: number;
  /** Told of every message a transaction sends, with its CLF retransmission flag (see SendObserver). */
  readonly onSend?: SendObserver;
}

/** What became of a received request. `retransmission` is the CLF flag: true → "D", false → "O". */
export type RequestResult =
  /** A new request: a server transaction was created; the TU handles the request and responds through it. */
  | { readonly kind: 'request'; readonly txn: ServerTransaction; readonly retransmission: false }
  /** A retransmission absorbed by its server transaction (the last response was re-sent if due). */
  | { readonly kind: 'retransmission'; readonly txn: ServerTransaction; readonly retransmission: true }
  /** An ACK for a non-2xx final response, absorbed by the INVITE server transaction (§17.2.1). */
  | { readonly kind: 'ack-absorbed'; readonly txn: InviteServerTransaction; readonly retransmission: boolean }
  /**
   * An ACK for the TU: it matches no transaction (the ACK to a 2xx, new branch) or an INVITE server
   * transaction in Accepted (RFC 6026 §6, §7.1; `txn.user.onAck` was called). A proxy forwards it.
   * `retransmission` is true when the same ACK (branch and sent-by) was seen within the last Timer L.
   */
  | { readonly kind: 'ack'; readonly txn: InviteServerTransaction | undefined; readonly retransmission: boolean }
  /**
   * A new CANCEL: `txn` is its own non-INVITE server transaction (answer it 200, or 481 when `target` is
   * undefined: §9.2), `target` the server transaction it cancels.
   */
  | { readonly kind: 'cancel'; readonly txn: NonInviteServerTransaction; readonly target: ServerTransaction | undefined; readonly retransmission: false };

/** What became of a received response. `txn` undefined: stray, drop it (RFC 6026 §7.3, §8.9). */
export interface ResponseResult {
  readonly txn: ClientTransaction | undefined;
  readonly retransmission: boolean;
}

export interface ManagerStats {
  readonly clients: number;
  readonly servers: number;
  readonly stray: number;
}

export class TransactionManager {
  readonly timers: TimerConfig;
  readonly clock: Clock;
  readonly #sink: TransportSink;
  readonly #serverUser: ServerTransactionUser | undefined;
  readonly #responseTarget: (req: SipMessage, from: Target) => Target;
  readonly #clients = new Map<string, ClientTransaction>();
  /** §17.2.3 cookie key (branch + sent-by) → transactions (an INVITE and its CANCEL share one). */
  readonly #servers = new Map<string, ServerTransaction[]>();
  /** RFC 2543 key → transactions. */
  readonly #legacy = new Map<string, ServerTransaction[]>();
  /** ACKs handed to the TU, key → clock time, oldest first (for their retransmission flag). */
  readonly #acks = new Map<string, number>();
  readonly #maxAcks: number;
  readonly #onSend: SendObserver | undefined;
  #serverCount = 0;
  #stray = 0;

  constructor(opts: ManagerOptions) {
    this.#sink = opts.sink;
    this.clock = opts.clock ?? systemClock;
    this.timers = resolveTimers(opts.timers);
    this.#serverUser = opts.serverUser;
    this.#responseTarget = opts.responseTarget ?? responseTarget;
    this.#maxAcks = opts.maxAckMemory ?? 65_536;
    this.#onSend = opts.onSend;
  }

  private options(target: Target): TransactionOptions {
    return { sink: this.#sink, clock: this.clock, timers: this.timers, target, ...(this.#onSend === undefined ? {} : { onSend: this.#onSend }) };
  }

  /**
   * Creates and starts the client transaction for `request` (sent as `request.raw` to `target`): INVITE
   * or non-INVITE by method. Throws TXN_BAD_MESSAGE for an ACK or a request without a branch, TXN_EXISTS
   * when a transaction with the same branch and method is alive.
   */
  createClient(request: SipMessage, target: Target, user: ClientTransactionUser = {}): ClientTransaction {
    const branch = request.topVia?.branch;
    if (!request.isRequest || branch === undefined) throw new SipclfError('TXN_BAD_MESSAGE', 'a client transaction needs a request with a Via branch');
    const key = detach(clientKey(branch, request.method));
    if (this.#clients.has(key)) throw new SipclfError('TXN_EXISTS', `a ${request.method} client transaction with branch ${branch} exists`);
    const txn =
      request.method === 'INVITE'
        ? new InviteClientTransaction(request, this.options(target), user)
        : new NonInviteClientTransaction(request, this.options(target), user);
    this.#clients.set(key, txn);
    txn.onTerminatedHook(() => this.#clients.delete(key));
    txn.start();
    return txn;
  }

  /** §17.1.3: hands a received response to its client transaction. */
  receiveResponse(res: SipMessage): ResponseResult {
    if (res.isRequest) throw new SipclfError('TXN_BAD_MESSAGE', 'receiveResponse() was given a request');
    const key = responseKey(res);
    const txn = key === undefined ? undefined : this.#clients.get(key);
    if (txn === undefined) {
      this.#stray++;
      return { txn: undefined, retransmission: false };
    }
    return { txn, retransmission: txn.receiveResponse(res) };
  }

  /** §17.2.3, §9.2: matches a received request; creates the server transaction of a new one. */
  receiveRequest(req: SipMessage, from: Target): RequestResult {
    const via = req.topVia;
    if (!req.isRequest || via === undefined || req.cseq === undefined) {
      throw new SipclfError('TXN_BAD_MESSAGE', 'receiveRequest() needs a request with a Via and a CSeq (validate it first)');
    }
    const branch = via.branch;
    const cookie = hasMagicCookie(branch);
    const candidates = (cookie ? this.#servers.get(serverKey({ ...via, branch })) : this.#legacy.get(legacyKey(req))) ?? [];
    const method = req.method;
    if (method === 'ACK') {
      // §17.2.3: an ACK matches the INVITE; without the cookie its To tag must be that of the response sent.
      const txn = candidates.find((t): t is InviteServerTransaction => t.kind === 'invite-server' && (cookie || t.finalToTag === req.toTag));
      if (txn !== undefined && txn.state !== 'Accepted') return { kind: 'ack-absorbed', txn, retransmission: txn.receiveAck(req) };
      const retransmission = this.seenAck(cookie ? `${branch}\n${sentBy(via)}` : `${legacyKey(req)}\n${req.toTag ?? ''}`);
      txn?.receiveAck(req);
      return { kind: 'ack', txn, retransmission };
    }
    const sameTag = (t: ServerTransaction): boolean => cookie || t.requestToTag === req.toTag;
    const own = candidates.find((t) => t.method === method && sameTag(t));
    if (own !== undefined) return { kind: 'retransmission', txn: own, retransmission: own.receiveRequest(req) };
    const target = this.#responseTarget(req, from);
    if (method === 'CANCEL') {
      // §9.2: the CANCEL's method matches anything but CANCEL and ACK.
      const cancelled = candidates.find((t) => t.method !== 'CANCEL' && sameTag(t));
      const txn = this.addServer(new NonInviteServerTransaction(req, this.options(target), this.#serverUser), req, cookie);
      return { kind: 'cancel', txn, target: cancelled, retransmission: false };
    }
    const txn =
      method === 'INVITE'
        ? new InviteServerTransaction(req, this.options(target), this.#serverUser)
        : new NonInviteServerTransaction(req, this.options(target), this.#serverUser);
    this.addServer(txn, req, cookie);
    if (txn.kind === 'invite-server') txn.start();
    return { kind: 'request', txn, retransmission: false };
  }

  /** `req` is the request `txn` was created from (the transaction releases it when it completes). */
  private addServer<T extends ServerTransaction>(txn: T, req: SipMessage, cookie: boolean): T {
    const via = req.topVia;
    const key = detach(cookie && via !== undefined ? serverKey({ ...via, branch: txn.branch }) : legacyKey(req));
    const map = cookie ? this.#servers : this.#legacy;
    const list = map.get(key);
    if (list === undefined) map.set(key, [txn]);
    else list.push(txn);
    this.#serverCount++;
    txn.onTerminatedHook(() => {
      this.#serverCount--;
      const l = map.get(key);
      if (l === undefined) return;
      const rest = l.filter((t) => t !== txn);
      if (rest.length === 0) map.delete(key);
      else map.set(key, rest);
    });
    return txn;
  }

  /** Remembers an ACK for Timer L (the time a UAS may retransmit its 2xx); true when already seen. */
  private seenAck(key: string): boolean {
    const now = this.clock.now();
    for (const [k, t] of this.#acks) {
      if (now - t < this.timers.L && this.#acks.size < this.#maxAcks) break;
      this.#acks.delete(k);
    }
    if (this.#acks.has(key)) return true;
    this.#acks.set(detach(key), now);
    return false;
  }

  /** Live transactions and the stray responses dropped so far. */
  stats(): ManagerStats {
    return { clients: this.#clients.size, servers: this.#serverCount, stray: this.#stray };
  }

  /** Terminates every live transaction (shutdown): timers cleared, onTerminated called for each. */
  terminateAll(): void {
    for (const t of [...this.#clients.values()]) t.terminate();
    for (const map of [this.#servers, this.#legacy]) for (const list of [...map.values()]) for (const t of [...list]) t.terminate();
    this.#acks.clear();
  }
}
