/**
 * TransportLayer: the RFC 3261 §18 transport of sipclf — UDP, TCP and TLS listeners over IPv4 and IPv6, the
 * receive pipeline (datagram or stream frame → parseMessage → top-Via stamp → `message` event), the send
 * side (requests to a target, responses by §18.2.2) and the connection table shared by both (§18: indexed
 * by the far end's address, port and transport). Malformed input is answered (salvage.ts), counted and
 * dropped; nothing a peer sends can throw out of a socket callback.
 *
 *   datagram ──────────────┐                         ┌─ request: stamp received/rport (via-stamp.ts)
 *   stream → StreamFramer ─┴→ parseMessage ─→ check ─┤                                   → 'message'
 *            │ keep-alive: ping → pong                └─ response ───────────────────────→ 'message'
 *            └ framing error: count, close            parse error: 400/513 if it can be formed, else drop
 *
 * This file owns the public API and the lifecycle (start, close); the work is done by listeners.ts
 * (binding), receive.ts (the receive path), send.ts (the send path), connections.ts (the connection table)
 * and context.ts (options, counters and event reporting they share).
 */
import { EventEmitter } from 'node:events';
import { SipclfError } from '../errors.js';
import type { SipMessage } from '../sip/message.js';
import { type Endpoint } from './address.js';
import { ConnectionTable } from './connections.js';
import { Reporter, type LayerContext, type LayerState } from './context.js';
import { Listeners } from './listeners.js';
import { readTls, resolveOptions, type ResolvedOptions, type TransportOptions } from './options.js';
import { Receiver } from './receive.js';
import { Sender } from './send.js';
import { Counters, type TransportStats } from './stats.js';
import type { ConnectionEvent, InboundMessage, MessageSink, SendOptions, SendResult, TransportEvents } from './events.js';

export type { ConnectionEvent, InboundMessage, MessageSink, SendOptions, SendResult, TransportEvents, TransportProblem } from './events.js';

export class TransportLayer extends EventEmitter<TransportEvents> {
  readonly #o: ResolvedOptions;
  readonly #counters = new Counters();
  readonly #listeners: Listeners;
  readonly #conns: ConnectionTable;
  readonly #sender: Sender;
  #state: LayerState = 'new';

  /** Validates the options (CONFIG_INVALID); nothing is bound until start(). */
  constructor(options: TransportOptions) {
    super();
    this.#o = resolveOptions(options);
    const ctx: LayerContext = { o: this.#o, counters: this.#counters, report: new Reporter(this, this.#counters), state: () => this.#state };
    this.#conns = new ConnectionTable(ctx, (conn, events) => receiver.frames(conn, events));
    this.#listeners = new Listeners(ctx, {
      datagram: (l, buf, rinfo) => receiver.datagram(l, buf, rinfo),
      handshake: (sock) => this.#conns.handshake(sock),
      accept: (transport, sock) => this.#conns.accept(transport, sock),
    });
    const receiver = new Receiver(ctx, this.#listeners);
    this.#sender = new Sender(ctx, this.#listeners, this.#conns);
  }

  /**
   * Binds every listener. Fails with TRANSPORT_BIND (EADDRINUSE, EADDRNOTAVAIL, EACCES) naming the address,
   * or CONFIG_INVALID for an unreadable TLS file; on failure the listeners already bound are closed again.
   * Returns the bound addresses (port 0 resolved to the port the OS chose).
   */
  async start(): Promise<Endpoint[]> {
    if (this.#state !== 'new') throw new SipclfError('TRANSPORT_CLOSED', `start() called on a transport layer that is ${this.#state}`);
    this.#state = 'starting';
    try {
      this.#conns.clientTls = await readTls(this.#o.tls, 'tls');
      for (const spec of this.#o.listeners) await this.#listeners.add(spec);
    } catch (err) {
      await this.close();
      throw err;
    }
    if (this.#state !== 'starting') throw new SipclfError('TRANSPORT_CLOSED', 'the transport layer was closed while starting');
    this.#state = 'running';
    this.#listeners.started();
    return this.addresses();
  }

  /** The bound listener addresses, in configuration order. */
  addresses(): Endpoint[] {
    return this.#listeners.addresses();
  }

  /** The open TCP/TLS connections. */
  connections(): ConnectionEvent[] {
    return this.#conns.list();
  }

  stats(): TransportStats {
    this.#counters.open = this.#conns.size;
    return this.#counters.snapshot();
  }

  /**
   * Sends a message to `target`. UDP: from the listener given by `opts.local`, else the first UDP listener of
   * the target's address family. TCP/TLS: on `opts.connectionId` if still open, else on an open connection
   * to the target (§18.1.1 "it is RECOMMENDED that this connection be used"), else on a new one. Rejects
   * with a SipclfError: TRANSPORT_CLOSED, TRANSPORT_NO_LISTENER, TRANSPORT_TOO_LARGE, TRANSPORT_CONNECT,
   * TRANSPORT_TLS, TRANSPORT_CONNECTION_LIMIT, TRANSPORT_SLOW_PEER or TRANSPORT_SEND.
   */
  send(bytes: Buffer, target: Endpoint, opts: SendOptions = {}): Promise<SendResult> {
    return this.#sender.send(bytes, target, opts);
  }

  /**
   * Sends a response where RFC 3261 §18.2.2 says: on the connection the request came on (`connectionId`,
   * from InboundMessage) if still open; otherwise by the top Via (response-route.ts) — reliable: a
   * connection to `received`/sent-by host and the sent-by port; unreliable: maddr, else received with rport
   * (RFC 3581 §4) or the sent-by port, else sent-by — UDP from the listener the request arrived on (`local`).
   * A Buffer response is parsed to read its Via; TRANSPORT_NO_ROUTE when it has no usable one.
   */
  sendResponse(response: Buffer | SipMessage, ctx: SendOptions = {}): Promise<SendResult> {
    return this.#sender.sendResponse(response, ctx);
  }

  /** Answers to an InboundMessage: sendResponse on its connection, from its listener. */
  reply(to: InboundMessage, response: Buffer | SipMessage): Promise<SendResult> {
    return this.sendResponse(response, { connectionId: to.connectionId, local: to.local });
  }

  /**
   * The transaction layer's TransportSink over this layer. Requests go through send(). Responses: on a
   * stream, the open connection to `target` (the request's source, §18.2.2), else by the Via (sendResponse);
   * on UDP, from the listener the last message from `target` arrived on (RFC 3581 §4). A failure is
   * reported once through `onError` (and counted); nothing is thrown.
   */
  sink(): MessageSink {
    return this.#sender.sink();
  }

  /**
   * Queueing delay of the UDP listeners (ms) since the last call: how long the probe datagrams waited in the
   * kernel before they were read, or the age of the oldest not read yet (udp-probe.ts), the longest over the
   * listeners; undefined without UDP listeners. `probeUdp()` sends the next probes; the overload control of
   * the proxy calls both once per window.
   */
  udpQueueDelay(): number | undefined {
    return this.#listeners.udpQueueDelay();
  }

  probeUdp(): void {
    if (this.#state === 'running') this.#listeners.probeUdp();
  }

  /** Closes one TCP/TLS connection (a flow the core gives up); false when there is no such connection. */
  closeConnection(connectionId: number): boolean {
    return this.#conns.close(connectionId);
  }

  /** Sends a CRLF CRLF keep-alive ping on a connection (RFC 5626 §3.5.1 client side); false if it is gone. */
  ping(connectionId: number): boolean {
    return this.#conns.ping(connectionId);
  }

  /** Closes every listener and connection; resolves when all sockets are closed. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.#state = 'closing';
    const drained = this.#conns.closeAll();
    const closing = this.#listeners.closing();
    await Promise.all([drained, ...closing]);
    this.#listeners.clear();
    this.#state = 'closed';
  }
}
