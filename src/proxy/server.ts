/**
 * `ProxyServer`: the stateful record-routing proxy of `sipclf proxy`, wired from the layers below it:
 *
 *   TransportLayer ─message─▶ log-me (in) ─▶ TransactionManager.receiveRequest/Response
 *     request  ─▶ validate (§16.3, errors answered on the server transaction) ─▶ preprocessRoutes (§16.4)
 *              ─▶ REGISTER for us: Registrar (§10.3)   | otherwise targets (§16.5) ─▶ forward per target
 *              ─▶ log-me (out) ─▶ client transaction per branch (parallel forking) ─▶ ResponseContext
 *     ack (2xx, no transaction) ─▶ routed like any request (Route set, else Request-URI), sent statelessly
 *     cancel ─▶ ResponseContext.onCancel (§16.10): 200, CANCEL of pending branches; 481 without a match
 *     response ─▶ client transaction ─▶ ResponseContext (§16.7) ─▶ applyActions ─▶ log-me (out) ─▶ upstream
 *
 * 100 Trying is sent at once for every INVITE, by the proxy itself (#onNewRequest); Timer C (§16.8) runs on
 * the manager's clock, one timer per response context. In-dialog requests follow their Route set (loose
 * routing); a request without one (SIPp's built-in uac sends its ACK and BYE to the proxy without Route) is
 * routed by its Request-URI like an initial request, so static or default routes carry it. CLF logging:
 * src/msglog/message-log.ts; the 2xx ACK: server-ack.ts; options: server-options.ts.
 */
import { TransactionManager, buildTrying, systemClock, type ClientTransaction, type Clock, type ServerTransaction, type TimerHandle } from '../transaction/index.js';
import { TransportLayer, type Endpoint, type InboundMessage } from '../transport/index.js';
import { detach } from '../sip/bytes.js';
import { SipParseError, SipValidationError } from '../errors.js';
import type { SipMessage } from '../sip/message.js';
import { applyActions } from './index.js';
import { buildResponse, errorResponse, intermediarySessionId, newTag } from './reply.js';
import { forward, isForRegistrar, preprocessRoutes, targets, validate, wantsRecordRoute } from './request.js';
import { ResponseContext, type ProxyAction } from './response.js';
import { Registrar } from './registrar.js';
import { Router } from './routes.js';
import { interfaceFor } from './self.js';
import { codeOf, forwardAck } from './server-ack.js';
import { LogmeEngine } from '../logme/index.js';
import type { TransportStats } from '../transport/index.js';
import type { ManagerStats } from '../transaction/index.js';
import { parseNextHop, parseStaticRoute } from './routes.js';
import type { MessageLog, Txns } from '../msglog/message-log.js';
import { resolveServerOptions, type ProxyServerOptions, type ProxyStats } from './server-options.js';
import { statelessRequest, statelessResponse, type StatelessDeps } from './server-stateless.js';
import { OverloadControl } from './overload.js';
import type { LocalInterface, OutgoingRequest, OutgoingResponse, ProxyPorts, ProxySelf } from './types.js';

export type { ProxyServerOptions, ProxyStats } from './server-options.js';

interface Context {
  readonly ctx: ResponseContext;
  readonly server: ServerTransaction;
  readonly upstream: string | null;
  readonly clients: Map<string, ClientTransaction>;
  timerC: TimerHandle | undefined;
}

export class ProxyServer {
  readonly #transport: TransportLayer;
  readonly #manager: TransactionManager;
  readonly #clock: Clock;
  readonly #log: MessageLog;
  readonly #registrar: Registrar;
  readonly #timerC: number | undefined;
  /** RFC 3261 §16.11 mode (server-stateless.ts): no transactions at all. */
  readonly #stateless: boolean;
  readonly #contexts = new Map<ServerTransaction, Context>();
  /** Our branch → upstream branch, for Server-Txn of records about client transactions. */
  readonly #upstreamOf = new Map<string, string | null>();
  #routerOpts: Omit<ConstructorParameters<typeof Router>[0], 'self'>;
  #self: ProxySelf = { interfaces: [] };
  #router: Router | undefined;
  #tick: NodeJS.Timeout | undefined;
  /** Overload control (overload.ts): sampled every window by #overloadTimer. */
  readonly overload: OverloadControl;
  #overloadTimer: NodeJS.Timeout | undefined;
  readonly stats: ProxyStats = { requests: 0, responses: 0, forwarded: 0, errors: {}, stray: 0, acks: 0, cancels: 0, registers: 0 };

  private constructor(opts: ProxyServerOptions, log: MessageLog) {
    const r = resolveServerOptions(opts);
    this.#clock = opts.clock ?? systemClock;
    this.#log = log;
    this.#timerC = opts.timerC;
    this.#stateless = opts.stateless === true;
    this.overload = new OverloadControl(opts.overload);
    this.#transport = new TransportLayer({ ...opts.transport, listeners: [...opts.listen], ...(opts.tls === undefined ? {} : { tls: opts.tls }) });
    this.#registrar = new Registrar({ ...opts.registrar, domains: r.domains });
    this.#routerOpts = { registrar: this.#registrar, routes: r.routes, ...(r.defaultProxy === undefined ? {} : { defaultProxy: r.defaultProxy }) };
    const sink = this.#transport.sink();
    this.#manager = new TransactionManager({
      sink,
      clock: this.#clock,
      // The 100 Trying is the proxy's own (#onNewRequest), so that it carries the Session-ID and passes the log-me engine.
      timers: { ...opts.timers, trying: false },
      serverUser: { onTerminated: (txn) => this.#dropContext(txn) },
      onSend: (bytes, target, retransmission, txn) => {
        const branch = txn.branch;
        const client = this.#upstreamOf.has(branch);
        const txns: Txns = client ? { serverTxn: this.#upstreamOf.get(branch) ?? null, clientTxn: branch } : { serverTxn: branch, clientTxn: null };
        this.#log.onSend(bytes, this.#local(target.transport), target, retransmission, txns);
      },
    });
    this.#transport.on('message', (m) => this.#onMessage(m));
  }

  /** Binds the listeners and opens the CLF writer; rejects with CONFIG_INVALID / TRANSPORT_BIND / IO_*. */
  static async start(opts: ProxyServerOptions): Promise<ProxyServer> {
    const r = resolveServerOptions(opts);
    const log = await r.openLog();
    let s: ProxyServer;
    try {
      s = new ProxyServer(opts, log); // throws CONFIG_INVALID for bad transport options: close the log then
    } catch (err) {
      await log.close();
      throw err;
    }
    try {
      // The bindings saved by an earlier run (expired ones dropped): a restart keeps the registrations.
      s.#registrar.load();
      const bound = await s.#transport.start();
      s.#self = { interfaces: bound.map((e) => ({ transport: e.transport, host: e.host, port: e.port })), domains: r.domains, aliases: r.aliases };
      s.#router = new Router({ self: s.#self, ...s.#routerOpts });
    } catch (err) {
      await log.close();
      throw err;
    }
    if (log.engine !== undefined) {
      const engine = log.engine;
      s.#tick = setInterval(() => engine.tick(), 1000);
      s.#tick.unref();
    }
    s.#startOverloadSampling();
    return s;
  }

  /**
   * Every window: the UDP queueing delay (the probe sent at the previous window) and the event loop's
   * utilization since then, then the next probe (overload.ts says why these signals). Measured even when
   * overload control is disabled: the metrics show them.
   */
  #startOverloadSampling(): void {
    let last = performance.eventLoopUtilization();
    this.#transport.probeUdp();
    this.#overloadTimer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.overload.update({ utilization: performance.eventLoopUtilization(now, last).utilization, queueDelayMs: this.#transport.udpQueueDelay() });
      last = now;
      this.#transport.probeUdp();
    }, this.overload.options.windowMs);
    this.#overloadTimer.unref();
  }

  /**
   * The 503 of overload control for a new request that would be forwarded, counted, or undefined when it is
   * forwarded: only out-of-dialog requests (no To tag) are shed; in-dialog ones continue calls already
   * admitted, and an ACK or a CANCEL ends work already begun (the stateless mode forwards both like other
   * requests).
   */
  #overloaded(msg: SipMessage): Buffer | undefined {
    if (msg.toTag !== undefined || msg.method === 'ACK' || msg.method === 'CANCEL' || !this.overload.shed()) return undefined;
    this.#count('PROXY_OVERLOADED');
    return buildResponse(msg, 503, { toTag: newTag(), headers: this.overload.responseHeaders() });
  }

  addresses(): Endpoint[] {
    return this.#transport.addresses();
  }

  get registrar(): Registrar {
    return this.#registrar;
  }
  /** CLF records written, received/sent logged, log-me engine errors. */
  logStats(): MessageLog['stats'] {
    return this.#log.stats;
  }

  /** The proxy's CLF log: per-message traffic counters, writer stats, the log-me engine (metrics.ts). */
  get log(): MessageLog {
    return this.#log;
  }
  transportStats(): TransportStats {
    return this.#transport.stats();
  }
  transactionStats(): ManagerStats {
    return this.#manager.stats();
  }

  /**
   * SIGHUP (reload.ts): new static routes, default route and log-me configuration. Everything is checked
   * before anything changes (throws CONFIG_INVALID, the old configuration stays); transactions and dialogs
   * in progress continue — new requests follow the new routes. A changed log-me configuration replaces the
   * engine (its marked-dialog state starts afresh); an unchanged one keeps the running engine.
   */
  reload(opts: Pick<ProxyServerOptions, 'routes' | 'defaultRoute' | 'logme'>): void {
    const routes = (opts.routes ?? []).map((r) => parseStaticRoute(r));
    const defaultProxy = opts.defaultRoute === undefined ? undefined : parseNextHop(opts.defaultRoute);
    const old = this.#log.engine;
    const same = old !== undefined && opts.logme !== undefined && JSON.stringify(old.config) === JSON.stringify(new LogmeEngine(opts.logme).config);
    const engine = same ? old : opts.logme === undefined ? undefined : new LogmeEngine(opts.logme);
    this.#routerOpts = { registrar: this.#registrar, routes, ...(defaultProxy === undefined ? {} : { defaultProxy }) };
    this.#router = new Router({ self: this.#self, ...this.#routerOpts });
    if (!same) {
      this.#log.setEngine(engine);
      if (this.#tick !== undefined) clearInterval(this.#tick);
      this.#tick = undefined;
      if (engine !== undefined) {
        this.#tick = setInterval(() => engine.tick(), 1000);
        this.#tick.unref();
      }
    }
  }

  /** Stops listening, abandons every transaction, flushes and closes the CLF log. */
  async close(): Promise<void> {
    if (this.#tick !== undefined) clearInterval(this.#tick);
    if (this.#overloadTimer !== undefined) clearInterval(this.#overloadTimer);
    for (const c of this.#contexts.values()) if (c.timerC !== undefined) this.#clock.clearTimeout(c.timerC);
    this.#contexts.clear();
    this.#manager.terminateAll();
    await this.#transport.close();
    await this.#log.close();
  }

  #local(transport: LocalInterface['transport']): LocalInterface | undefined {
    return interfaceFor(transport, this.#self);
  }

  #count(code: string): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
  }
  #onMessage(m: InboundMessage): void {
    const msg = m.message;
    const log = this.#log.inbound(m.original, m.source);
    this.#log.begin();
    let retransmission = false;
    let txns: Txns = { serverTxn: null, clientTxn: null };
    try {
      if (this.#stateless) {
        const d = this.#statelessDeps();
        if (msg.isRequest) {
          this.stats.requests++;
          txns = { serverTxn: msg.topVia?.branch ?? null, clientTxn: null };
          statelessRequest(d, msg, m);
        } else {
          this.stats.responses++;
          txns = { serverTxn: msg.vias()[1]?.branch ?? null, clientTxn: msg.topVia?.branch ?? null };
          statelessResponse(d, msg);
        }
      } else if (msg.isRequest) {
        this.stats.requests++;
        txns = { serverTxn: msg.topVia?.branch ?? null, clientTxn: null };
        retransmission = this.#onRequest(msg, m);
      } else {
        this.stats.responses++;
        const branch = msg.topVia?.branch ?? null;
        txns = { serverTxn: branch === null ? null : (this.#upstreamOf.get(branch) ?? null), clientTxn: branch };
        const r = this.#manager.receiveResponse(msg);
        retransmission = r.retransmission;
        if (r.txn === undefined) this.stats.stray++;
      }
    } catch (err) {
      this.#count(codeOf(err, 'INTERNAL'));
    } finally {
      this.#log.end(m.original, log, { from: m.source, to: m.local, at: m.receivedAt, retransmission, txns });
    }
  }

  #statelessDeps(): StatelessDeps {
    return { self: this.#self, router: this.#router, registrar: this.#registrar, log: this.#log, transport: this.#transport, stats: this.stats, count: (c) => this.#count(c), overloaded: (msg) => this.#overloaded(msg) };
  }

  /** Returns the retransmission flag of the request. */
  #onRequest(msg: SipMessage, m: InboundMessage): boolean {
    const r = this.#manager.receiveRequest(msg, m.source);
    switch (r.kind) {
      case 'retransmission':
      case 'ack-absorbed':
        return r.retransmission;
      case 'ack':
        this.stats.acks++;
        if (this.#router !== undefined) {
          forwardAck({ self: this.#self, router: this.#router, log: this.#log, transport: this.#transport, count: (c) => this.#count(c) }, msg, this.#arrival(m), r.retransmission);
        }
        return r.retransmission;
      case 'cancel': {
        this.stats.cancels++;
        const c = r.target === undefined ? undefined : this.#contexts.get(r.target);
        if (c === undefined) {
          // Its INVITE transaction exists but was answered here (404, 483, 503…): the CANCEL has no effect and
          // gets 200 (§9.2). No INVITE transaction at all: 481 (§9.2). A stateful proxy forwards every INVITE
          // it accepts through a context, so there is no stateless INVITE here for the CANCEL to follow (§16.10).
          this.#respond(r.txn, buildResponse(msg, r.target === undefined ? 481 : 200), msg.topVia?.branch ?? null);
          return false;
        }
        const { ok, actions } = c.ctx.onCancel(msg);
        this.#respond(r.txn, ok.bytes, msg.topVia?.branch ?? null);
        this.#apply(c, actions);
        return false;
      }
      case 'request':
        this.#onNewRequest(msg, m, r.txn);
        return false;
    }
  }

  /** `received`: the response these bytes forward, when they do (OutgoingResponse.received). */
  #respond(txn: ServerTransaction, bytes: Buffer, upstream: string | null, received?: SipMessage): void {
    const to = txn.target;
    // Not a forwarded response: the proxy's own (100 Trying, errors, the 200 to a CANCEL), `local` to the engine.
    const out = this.#log.outbound(bytes, to, { serverTxn: upstream, clientTxn: null }, received, received === undefined);
    if (txn.terminated || !txn.respond(out.bytes)) {
      void this.#transport.sendResponse(out.msg).catch(() => this.#count('TRANSPORT_SEND'));
      this.#log.sentDirect(out.msg, this.#local(to.transport), to, false, { serverTxn: upstream, clientTxn: null });
    }
  }

  #arrival(m: InboundMessage): LocalInterface {
    return { transport: m.local.transport, host: m.local.host, port: m.local.port };
  }
  /**
   * A new request, its server transaction created (and for an INVITE, 100 Trying sent). Whatever fails before
   * its response context exists still answers it: a header read lazily that does not parse (a Route, the
   * Request-URI's parameters) with 400 and a Warning saying why (RFC 3261 §16.3 step 1: the request fails its
   * syntax check), anything else with 500 — else the transaction would wait in Proceeding or Trying, which arm
   * no timer, for ever, and the caller, whose Timer B stopped at the 100, with it.
   */
  #onNewRequest(msg: SipMessage, m: InboundMessage, txn: ServerTransaction): void {
    // Kept in the context and #upstreamOf for the transaction's life: detached from the message text.
    const branch = msg.topVia?.branch;
    const upstream = branch === undefined ? null : detach(branch);
    try {
      // §16.2: 100 Trying at once for an INVITE (the transaction layer is told not to send its own). It carries the
      // RFC 7989 §7 Session-ID of an intermediary's response ({N,A}, §10.8.1) and, through the log-me engine, the
      // marker of a marked dialog (RFC 8497 Figure 3 F3, F5) — or none toward a boundary.
      if (msg.method === 'INVITE') this.#respond(txn, buildTrying(msg, intermediarySessionId(msg)), upstream);
      this.#newRequest(msg, m, txn, upstream);
    } catch (e) {
      if (this.#contexts.has(txn)) throw e;
      this.#count(codeOf(e, 'INTERNAL'));
      // A parse error's code carries its status (400, src/errors.ts); the Warning says what did not parse.
      const bad = e instanceof SipParseError && e.status !== undefined ? new SipValidationError(e.code, e.message, e.message) : undefined;
      this.#respond(txn, bad === undefined ? buildResponse(msg, 500, { toTag: newTag() }) : errorResponse(msg, bad, newTag()), upstream);
    }
  }

  #newRequest(msg: SipMessage, m: InboundMessage, txn: ServerTransaction, upstream: string | null): void {
    const err = validate(msg, this.#self);
    if (err !== undefined) {
      this.#count(err.code);
      this.#respond(txn, errorResponse(msg, err, newTag()), upstream);
      return;
    }
    const prep = preprocessRoutes(msg, this.#self, this.#arrival(m));
    if (isForRegistrar(prep, (h) => this.#registrar.isLocal(h))) {
      this.stats.registers++;
      const res = this.#registrar.handleRegister(prep.msg);
      if (res.error !== undefined) this.#count(res.error.code);
      this.#respond(txn, this.#registrar.respond(prep.msg, res, newTag()), upstream);
      return;
    }
    const shed = this.#overloaded(msg);
    if (shed !== undefined) {
      this.#respond(txn, shed, upstream);
      return;
    }
    const router = this.#router;
    const dec = router === undefined ? undefined : targets(prep, router);
    if (dec === undefined || 'error' in dec) {
      if (dec !== undefined) this.#count(dec.error.code);
      this.#respond(txn, dec === undefined ? buildResponse(msg, 500) : errorResponse(msg, dec.error, newTag()), upstream);
      return;
    }
    const c: Context = { ctx: new ResponseContext(msg, { toTag: newTag(), ...(this.#timerC === undefined ? {} : { timerC: this.#timerC }) }), server: txn, upstream, clients: new Map(), timerC: undefined };
    this.#contexts.set(txn, c);
    const now = this.#clock.now();
    for (const t of dec.targets) {
      if (!c.ctx.canAddBranch) break;
      let out: OutgoingRequest;
      try {
        const fwd = forward(prep, t, this.#self, { recordRoute: wantsRecordRoute(msg.method), stateless: false, arrival: this.#arrival(m) });
        out = c.ctx.addBranch(fwd, now);
      } catch (e) {
        this.#count(codeOf(e, 'PROXY_NO_NEXT_HOP'));
        continue;
      }
      try {
        this.#sendRequest(c, out);
      } catch (e) {
        // No client transaction (e.g. our Via pushed the request past the parser's limits): the branch
        // fails like a transport error (§16.9: as a 503), so the context can still answer upstream.
        this.#count(codeOf(e, 'INTERNAL'));
        this.#upstreamOf.delete(out.branch);
        c.ctx.onTransportError(out.branch);
      }
    }
    if (c.ctx.branches().length === 0) {
      this.#contexts.delete(txn);
      this.#respond(txn, buildResponse(msg, 503, { toTag: newTag() }), upstream);
      return;
    }
    this.#apply(c, c.ctx.close());
  }

  #sendRequest(c: Context, req: OutgoingRequest): void {
    this.#upstreamOf.set(req.branch, c.upstream);
    const out = this.#log.outbound(req.bytes, req.nextHop, { serverTxn: c.upstream, clientTxn: req.branch });
    this.stats.forwarded++;
    const cancel = req.method === 'CANCEL';
    // The callbacks live as long as the client transaction: they keep the branch, not the request bytes.
    const branch = req.branch;
    const txn = this.#manager.createClient(out.msg, req.nextHop, {
      onResponse: (res) => {
        if (!cancel) this.#apply(c, c.ctx.onResponse(branch, res, this.#clock.now()));
      },
      onTimeout: () => {
        if (!cancel) this.#apply(c, c.ctx.onTimeout(branch));
      },
      onTransportError: () => {
        if (!cancel) this.#apply(c, c.ctx.onTransportError(branch));
      },
      onTerminated: () => {
        if (!cancel) {
          c.clients.delete(branch);
          this.#upstreamOf.delete(branch);
        }
      },
    });
    if (!cancel) c.clients.set(branch, txn);
  }

  #apply(c: Context, actions: readonly ProxyAction[]): void {
    const ports: ProxyPorts = {
      sendRequest: (req) => this.#sendRequest(c, req),
      sendResponse: (res: OutgoingResponse) => this.#respond(c.server, res.bytes, c.upstream, res.received),
    };
    for (const branch of applyActions(actions, ports)) c.clients.get(branch)?.terminate();
    this.#armTimerC(c);
  }

  #armTimerC(c: Context): void {
    if (c.timerC !== undefined) this.#clock.clearTimeout(c.timerC);
    c.timerC = undefined;
    const at = c.ctx.nextTimerC();
    if (at === undefined || !this.#contexts.has(c.server)) return;
    c.timerC = this.#clock.setTimeout(() => {
      c.timerC = undefined;
      this.#apply(c, c.ctx.dueTimerC(this.#clock.now()));
    }, Math.max(0, at - this.#clock.now()), 'C');
  }

  /**
   * The server transaction ended: its context goes, and with it Timer C. A branch still without a final
   * response then (CANCELled after another branch's 2xx, its UAS gone silent: its INVITE client transaction
   * in Proceeding arms no timer) would never end: it is terminated here — 64·T1 after the 2xx that ended the
   * server transaction (Timer L), which is when RFC 3261 §9.1 lets a UAC consider a CANCELled transaction
   * cancelled and destroy it.
   */
  #dropContext(txn: ServerTransaction): void {
    const c = this.#contexts.get(txn);
    if (c === undefined) return;
    if (c.timerC !== undefined) this.#clock.clearTimeout(c.timerC);
    this.#contexts.delete(txn);
    for (const b of c.ctx.branches()) if (b.state !== 'completed') c.clients.get(b.branch)?.terminate();
  }
}

