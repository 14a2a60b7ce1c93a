/**
 * The UA core (RFC 3261 §8, §12, §13) of `sipclf call` and `sipclf answer`, on the layers below it:
 *
 *   TransportLayer ─message─▶ MessageLog.inbound (log-me `in`) ─▶ TransactionManager
 *     request  ─▶ new: the request handler (uas.ts) answers on its server transaction
 *              ─▶ ack (2xx ACK, no transaction): stops the 2xx retransmissions of its dialog (§13.3.1.4)
 *              ─▶ cancel: 200 to the CANCEL, 487 to the INVITE if still unanswered (§9.2)
 *     response ─▶ the client transaction's user (uac.ts, refer.ts)
 *   send: MessageLog.outbound (log-me `out`: the marker is added, echoed or left off) ─▶ client transaction,
 *         server transaction, or straight to the transport (the ACK to a 2xx, §13.2.2.4)
 *
 * Every message the UA sends is its own (`originator`), so the log-me engine may start marking at the
 * dialog-creating request it sends (RFC 8497 §4.2) and echoes the marker in its responses. CLF records
 * (RFC 6872 §8.2, a UA): Client-Txn is the branch of the UA's client transaction (a request it sends and the
 * responses to it), Server-Txn the branch of a request it receives (and its responses).
 */
import { SipclfError } from '../errors.js';
import { ClfWriter } from '../logfile/writer.js';
import { LogmeEngine } from '../logme/index.js';
import { MessageLog, type LogMode, type Txns } from '../msglog/message-log.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { buildResponse } from '../sip/reply.js';
import { TransactionManager, systemClock, type ClientTransaction, type ClientTransactionUser, type Clock, type InviteServerTransaction, type ServerTransaction, type Target, type TimerConfig } from '../transaction/index.js';
import { TransportLayer, type Endpoint, type InboundMessage } from '../transport/index.js';
import { hostPort, parseProxy } from './target.js';

export type LogmeMode = 'off' | 'supporting' | 'originating';

export interface UaCoreOptions {
  /** `udp:HOST:PORT` or `tcp:HOST:PORT` (port 0: any). */
  readonly listen: string;
  /** Our address-of-record (From of the calls we place); default `sip:sipclf@HOST`. */
  readonly aor?: string;
  /** Outbound proxy (§8.1.2), `HOST[:PORT][;transport=…]`: initial requests carry `Route: <…;lr>` to it. */
  readonly proxy?: string;
  /**
   * RFC 8497 capability: `off` (a UA without log-me: never marks, never echoes, logs nothing marked);
   * `supporting` (§4.2 terminating UA: echoes markers, marks its requests in marked dialogs and related
   * dialogs); `originating` (also marks the dialogs it originates — a terminal in debug mode). Default off.
   */
  readonly logme?: LogmeMode;
  /** A full log-me engine configuration, replacing the one `logme` implies (docs/reference/logme.md). */
  readonly logmeConfig?: unknown;
  /** Directory of the CLF files; absent: nothing is written. */
  readonly logDir?: string;
  /** Which messages are logged: default `marked` (the log-me engine's decision). */
  readonly logMode?: LogMode;
  readonly timers?: Partial<TimerConfig>;
  readonly clock?: Clock;
  /** Milliseconds since the epoch for log-me sessions; default Date.now. */
  readonly now?: () => number;
}

/** What the core tells the request handler about a new request. */
export interface IncomingRequest {
  readonly msg: SipMessage;
  readonly txn: ServerTransaction;
  readonly inbound: InboundMessage;
}

export interface RequestHandler {
  onRequest(req: IncomingRequest): void;
  /** A 2xx ACK (no transaction) or one passed up by an INVITE server transaction in Accepted. */
  onAck(ack: SipMessage): void;
  /** A CANCEL matching `target`: the handler answers the INVITE (487); the core answers the CANCEL. */
  onCancel(target: ServerTransaction | undefined): void;
}

export interface UaCounters {
  received: number;
  sent: number;
  stray: number;
  errors: Record<string, number>;
}

/** The log-me configuration a `logme` mode implies for the UA whose AOR is `aor`. */
export function logmeConfigFor(mode: LogmeMode, aor: string, now: number): unknown {
  if (mode === 'off') return undefined;
  if (mode === 'supporting') return { roles: ['terminating-ua'] };
  // §7.1: marking is enabled for specific calls in a time window — here the calls this UA originates, for a day.
  const user = aor.replace(/^sips?:/i, '').replace(/[;?>].*$/, '');
  return {
    roles: ['originating-ua', 'terminating-ua'],
    sessions: [{ id: 'sipclf-call', scope: { from: [user] }, start: now - 60_000, expires: now + 86_400_000 }],
  };
}

function defaultAor(local: Endpoint | undefined): string {
  const host = local?.host ?? 'localhost';
  return `sip:sipclf@${host.includes(':') ? `[${host}]` : host}`;
}

export class UaCore {
  readonly clock: Clock;
  readonly log: MessageLog;
  readonly counters: UaCounters = { received: 0, sent: 0, stray: 0, errors: {} };
  readonly #transport: TransportLayer;
  readonly #manager: TransactionManager;
  readonly #proxy: { target: Target; uri: string } | undefined;
  #local: Endpoint | undefined;
  #aor: string | undefined;
  readonly #aorOpt: string | undefined;
  #handler: RequestHandler | undefined;
  #closed = false;
  /** Branches of our client transactions, and the upstream branch of server transactions, for CLF. */
  readonly #clientBranches = new Set<string>();
  readonly #tick: NodeJS.Timeout | undefined;

  private constructor(opts: UaCoreOptions, log: MessageLog, transport: TransportLayer) {
    this.clock = opts.clock ?? systemClock;
    this.log = log;
    this.#transport = transport;
    this.#aorOpt = opts.aor;
    this.#proxy = opts.proxy === undefined ? undefined : parseProxy(opts.proxy, transport.addresses()[0]?.transport ?? 'udp');
    this.#manager = new TransactionManager({
      sink: transport.sink(),
      clock: this.clock,
      ...(opts.timers === undefined ? {} : { timers: opts.timers }),
      serverUser: { onAck: (ack) => this.#handler?.onAck(ack) },
      onSend: (bytes, target, retransmission, txn) => {
        this.counters.sent++;
        const txns: Txns = this.#clientBranches.has(txn.branch) ? { serverTxn: null, clientTxn: txn.branch } : { serverTxn: txn.branch, clientTxn: null };
        this.log.onSend(bytes, this.#local, target, retransmission, txns);
      },
    });
    transport.on('message', (m) => this.#onMessage(m));
    const engine = log.engine;
    if (engine !== undefined) {
      this.#tick = setInterval(() => engine.tick(), 1000);
      this.#tick.unref();
    }
  }

  /** Validates the options, opens the CLF writer and binds the listener (CONFIG_INVALID, UA_BAD_TARGET, TRANSPORT_BIND, IO_*). */
  static async start(opts: UaCoreOptions): Promise<UaCore> {
    const mode = opts.logMode ?? 'marked';
    if (!['all', 'marked', 'none'].includes(mode)) throw new SipclfError('CONFIG_INVALID', `log: ${String(mode)} is not all, marked or none`);
    const now = (opts.now ?? Date.now)();
    if (opts.proxy !== undefined) parseProxy(opts.proxy);
    const transport = new TransportLayer({ listeners: [opts.listen] });
    const bound = await transport.start();
    const local = bound[0];
    let log: MessageLog;
    try {
      // The AOR is known once bound (its default names the listener): the log-me session is scoped to it.
      const aor = opts.aor ?? defaultAor(local);
      const cfg = opts.logmeConfig ?? logmeConfigFor(opts.logme ?? 'off', aor, now);
      const engine = cfg === undefined ? undefined : new LogmeEngine(cfg, opts.now === undefined ? {} : { clock: opts.now });
      // A UA without log-me honours no marker: in `marked` mode it logs nothing (RFC 8497 §5.3).
      const effective: LogMode = engine === undefined && mode === 'marked' ? 'none' : mode;
      const writer = opts.logDir === undefined || effective === 'none' ? undefined : await ClfWriter.open({ dir: opts.logDir, coalesceMs: 10 });
      log = new MessageLog(effective, engine, writer, { originator: true });
    } catch (e) {
      await transport.close();
      throw e;
    }
    const core = new UaCore(opts, log, transport);
    core.#local = local;
    return core;
  }

  setHandler(h: RequestHandler): void {
    this.#handler = h;
  }

  /** The bound listener. */
  get local(): Endpoint {
    if (this.#local === undefined) throw new SipclfError('UA_CLOSED', 'the user agent is not listening');
    return this.#local;
  }

  get transport(): Endpoint['transport'] {
    return this.local.transport;
  }

  get sentBy(): string {
    return hostPort(this.local.host, this.local.port);
  }

  /** Our address-of-record: the option, else `sip:sipclf@HOST`. */
  get aor(): string {
    this.#aor ??= this.#aorOpt ?? defaultAor(this.local);
    return this.#aor;
  }

  /** Our Contact (§8.1.1.8): the listener, with the transport when not UDP. */
  contact(user = 'sipclf'): string {
    const t = this.transport === 'udp' ? '' : `;transport=${this.transport}`;
    return `<sip:${user}@${this.sentBy}${t}>`;
  }

  /** The RFC 3261 timers in force (T1, T2… in ms). */
  get timers(): TimerConfig {
    return this.#manager.timers;
  }

  get proxy(): { target: Target; uri: string } | undefined {
    return this.#proxy;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a request on a new client transaction; the log-me engine sees it first (marker applied). */
  sendRequest(bytes: Buffer, target: Target, user: ClientTransactionUser): { txn: ClientTransaction; msg: SipMessage } {
    if (this.#closed) throw new SipclfError('UA_CLOSED', 'the user agent is closed');
    const branch = parseMessage(bytes).topVia?.branch ?? '';
    const out = this.log.outbound(bytes, target, { serverTxn: null, clientTxn: branch });
    this.#clientBranches.add(branch);
    const txn = this.#manager.createClient(out.msg, target, {
      ...user,
      onTerminated: (t) => {
        this.#clientBranches.delete(branch);
        user.onTerminated?.(t);
      },
    });
    return { txn, msg: out.msg };
  }

  /** The ACK to a 2xx (§13.2.2.4): end to end, outside any transaction. */
  sendAck(bytes: Buffer, target: Target, retransmission: boolean): SipMessage {
    const out = this.log.outbound(bytes, target, { serverTxn: null, clientTxn: null });
    const branch = out.msg.topVia?.branch ?? null;
    this.counters.sent++;
    this.#transport.send(out.bytes, target).catch(() => this.#count('TRANSPORT_SEND'));
    this.log.sentDirect(out.msg, this.#local, target, retransmission, { serverTxn: null, clientTxn: branch });
    return out.msg;
  }

  /** Sends a response on its server transaction (a 2xx retransmission too, §13.3.1.4). */
  respond(txn: ServerTransaction, bytes: Buffer): SipMessage {
    const out = this.log.outbound(bytes, txn.target, { serverTxn: txn.branch, clientTxn: null });
    if (txn.terminated || !txn.respond(out.bytes)) {
      this.counters.sent++;
      void this.#transport.sendResponse(out.msg).catch(() => this.#count('TRANSPORT_SEND'));
      this.log.sentDirect(out.msg, this.#local, txn.target, false, { serverTxn: txn.branch, clientTxn: null });
    }
    return out.msg;
  }

  /** Re-sends a 2xx already logged (§13.3.1.4 retransmission): flagged D in the CLF log. */
  retransmit(txn: InviteServerTransaction, msg: SipMessage): void {
    if (txn.terminated) return;
    txn.respond(msg.raw);
  }

  #count(code: string): void {
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1;
  }

  #onMessage(m: InboundMessage): void {
    const msg = m.message;
    this.counters.received++;
    const log = this.log.inbound(m.original, m.source);
    this.log.begin();
    let retransmission = false;
    let txns: Txns = { serverTxn: null, clientTxn: null };
    try {
      if (msg.isRequest) {
        txns = { serverTxn: msg.topVia?.branch ?? null, clientTxn: null };
        retransmission = this.#onRequest(msg, m);
      } else {
        txns = { serverTxn: null, clientTxn: msg.topVia?.branch ?? null };
        const r = this.#manager.receiveResponse(msg);
        retransmission = r.retransmission;
        if (r.txn === undefined) this.counters.stray++;
      }
    } catch (err) {
      this.#count(err instanceof SipclfError ? err.code : 'INTERNAL');
    } finally {
      this.log.end(m.original, log, { from: m.source, to: m.local, at: m.receivedAt, retransmission, txns });
    }
  }

  #onRequest(msg: SipMessage, m: InboundMessage): boolean {
    if (msg.topVia === undefined || msg.cseq === undefined || msg.callId === undefined) {
      this.#count('SIP_MISSING_HEADER');
      return false;
    }
    const r = this.#manager.receiveRequest(msg, m.source);
    switch (r.kind) {
      case 'retransmission':
      case 'ack-absorbed':
        return r.retransmission;
      case 'ack':
        if (r.txn === undefined) this.#handler?.onAck(msg);
        return r.retransmission;
      case 'cancel': {
        const answered = r.target !== undefined && r.target.kind === 'invite-server' && r.target.finalStatus === 0;
        this.respond(r.txn, buildResponse(msg, answered || r.target !== undefined ? 200 : 481));
        this.#handler?.onCancel(r.target);
        return false;
      }
      case 'request':
        if (this.#handler === undefined) this.respond(r.txn, buildResponse(msg, 501));
        else this.#handler.onRequest({ msg, txn: r.txn, inbound: m });
        return false;
    }
  }

  /** Stops listening, abandons every transaction, flushes and closes the CLF log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#tick !== undefined) clearInterval(this.#tick);
    this.#manager.terminateAll();
    await this.#transport.close();
    await this.log.close();
  }
}
