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
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP, type Server, type Socket } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { SipParseError, SipValidationError, SipclfError, type ErrorCode } from '../errors.js';
import type { FrameEvent } from '../sip/framer.js';
import { E } from '../sip/layout.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { buildErrorResponse } from '../sip/validate.js';
import { endpointKey, formatEndpoint, normalizeIp, type Endpoint, type TransportName } from './address.js';
import { Connection, type ConnectionHooks } from './connection.js';
import { readTls, resolveOptions, type ListenerSpec, type ResolvedOptions, type TlsMaterial, type TransportOptions } from './options.js';
import { responseDestination, viaRouteOf } from './response-route.js';
import { salvageErrorResponse } from './salvage.js';
import { Counters, type TransportStats } from './stats.js';
import { stampVia } from './via-stamp.js';
import type { ConnectionEvent, InboundMessage, MessageSink, SendOptions, SendResult, TransportEvents } from './events.js';

export type { ConnectionEvent, InboundMessage, MessageSink, SendOptions, SendResult, TransportEvents, TransportProblem } from './events.js';

interface UdpListener {
  readonly kind: 'udp';
  readonly spec: ListenerSpec;
  readonly socket: dgram.Socket;
  endpoint: Endpoint;
}

interface StreamListener {
  readonly kind: 'tcp' | 'tls';
  readonly spec: ListenerSpec;
  readonly server: Server;
  endpoint: Endpoint;
}

type Listener = UdpListener | StreamListener;

/** Where a received message came from and how to answer it. */
interface Origin {
  readonly transport: TransportName;
  readonly source: Endpoint;
  readonly local: Endpoint;
  readonly udp: UdpListener | undefined;
  readonly conn: Connection | undefined;
  readonly at: number;
}

const CRLF = Buffer.from('\r\n');
const PING = Buffer.from('\r\n\r\n');
/** Largest UDP payload over IPv4 (65,535 − 20 IP − 8 UDP). */
const MAX_UDP_PAYLOAD = 65_507;
/** Remembered UDP sources (for the sink's choice of listener); the oldest is forgotten beyond this. */
const MAX_UDP_AFFINITY = 10_000;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

export class TransportLayer extends EventEmitter<TransportEvents> {
  readonly #o: ResolvedOptions;
  readonly #counters = new Counters();
  readonly #listeners: Listener[] = [];
  readonly #conns = new Map<number, Connection>();
  readonly #byRemote = new Map<string, Connection>();
  readonly #pending = new Map<string, Promise<Connection>>();
  readonly #pendingSockets = new Set<Socket>();
  /** TLS sockets still in their handshake (not yet connections): destroyed by close(). */
  readonly #handshaking = new Map<string, Socket>();
  readonly #hooks: ConnectionHooks;
  #clientTls: TlsMaterial = {};
  #nextId = 1;
  #state: 'new' | 'starting' | 'running' | 'closing' | 'closed' = 'new';
  #drained: (() => void) | undefined;
  #tokens: number;
  #tokensAt = Date.now();
  /** UDP source → the listener it last arrived on, kept only when there are several UDP listeners. */
  readonly #udpAffinity = new Map<string, UdpListener>();
  #multiUdp = false;

  /** Validates the options (CONFIG_INVALID); nothing is bound until start(). */
  constructor(options: TransportOptions) {
    super();
    this.#o = resolveOptions(options);
    this.#tokens = this.#o.errorResponsesPerSecond;
    this.#hooks = {
      frames: (conn, events) => this.#onFrames(conn, events),
      error: (conn, err) => this.#onConnError(conn, err),
      closed: (conn, idle) => this.#onConnClosed(conn, idle),
    };
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
      this.#clientTls = await readTls(this.#o.tls, 'tls');
      for (const spec of this.#o.listeners) this.#listeners.push(await this.#bind(spec));
    } catch (err) {
      await this.close();
      throw err;
    }
    if (this.#state !== 'starting') throw new SipclfError('TRANSPORT_CLOSED', 'the transport layer was closed while starting');
    this.#state = 'running';
    this.#multiUdp = this.#listeners.filter((l) => l.kind === 'udp').length > 1;
    return this.addresses();
  }

  /** The bound listener addresses, in configuration order. */
  addresses(): Endpoint[] {
    return this.#listeners.map((l) => l.endpoint);
  }

  /** The open TCP/TLS connections. */
  connections(): ConnectionEvent[] {
    return [...this.#conns.values()].map((c) => this.#connInfo('open', c));
  }

  stats(): TransportStats {
    this.#counters.open = this.#conns.size;
    return this.#counters.snapshot();
  }

  // ---- listeners ----------------------------------------------------------------------------------------------

  async #bind(spec: ListenerSpec): Promise<Listener> {
    const { endpoint } = spec;
    const family = isIP(endpoint.host) === 6 ? 6 : 4;
    if (endpoint.transport === 'udp') {
      const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', (err) => {
          try {
            socket.close();
          } catch {
            /* never bound */
          }
          reject(this.#bindError(spec, err));
        });
        socket.bind({ address: endpoint.host, port: endpoint.port }, () => resolve());
      });
      socket.removeAllListeners('error');
      const l: UdpListener = { kind: 'udp', spec, socket, endpoint: { ...endpoint, port: socket.address().port } };
      // After the bind, socket errors (ICMP unreachable reported on send, EMSGSIZE…) are counted, never thrown.
      socket.on('error', (err) => this.#problem('TRANSPORT_SEND', `${formatEndpoint(l.endpoint)}: ${err.message}`, 'udp'));
      socket.on('message', (buf, rinfo) => this.#onDatagram(l, buf, rinfo));
      return l;
    }
    let server: Server;
    if (endpoint.transport === 'tls') {
      const m = await readTls(spec.tls, spec.path);
      const requestCert = spec.tls?.requestCert ?? false;
      server = tls.createServer({
        cert: m.cert,
        key: m.key,
        ca: m.ca,
        requestCert,
        rejectUnauthorized: requestCert && (spec.tls?.rejectUnauthorized ?? true),
        handshakeTimeout: this.#o.connectTimeoutMs,
      });
      server.on('connection', (sock: Socket) => {
        // The limit counts handshakes in progress too, so a handshake flood is bounded by maxConnections.
        if (this.#atLimit()) {
          this.#refuse('tls', sock);
          return;
        }
        const key = `${sock.remoteAddress ?? ''}|${sock.remotePort ?? 0}`;
        this.#handshaking.set(key, sock);
        sock.once('close', () => {
          if (this.#handshaking.get(key) === sock) this.#handshaking.delete(key);
        });
      });
      server.on('secureConnection', (sock: Socket) => this.#accept('tls', sock));
      server.on('tlsClientError', (err: Error, sock: Socket) => {
        this.#problem('TRANSPORT_TLS', `TLS handshake from ${sock.remoteAddress ?? '?'} failed: ${err.message}`, 'tls');
        sock.destroy();
      });
    } else {
      server = net.createServer((sock) => this.#accept('tcp', sock));
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(this.#bindError(spec, err)));
      server.listen({ host: endpoint.host, port: endpoint.port, exclusive: true }, () => resolve());
    });
    server.removeAllListeners('error');
    server.on('error', (err) => this.#problem('TRANSPORT_BIND', `${formatEndpoint(endpoint)}: ${err.message}`, endpoint.transport));
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : endpoint.port;
    return { kind: endpoint.transport, spec, server, endpoint: { ...endpoint, port } };
  }

  #bindError(spec: ListenerSpec, err: NodeJS.ErrnoException): SipclfError {
    const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'address not available on this host' : err.code === 'EACCES' ? 'permission denied' : err.message;
    this.#counters.error('TRANSPORT_BIND');
    return new SipclfError('TRANSPORT_BIND', `${spec.path}: cannot listen on ${formatEndpoint(spec.endpoint)}: ${why} (${err.code ?? 'error'})`, { cause: err });
  }

  #accept(transport: 'tcp' | 'tls', sock: Socket): void {
    if (this.#state !== 'running' && this.#state !== 'starting') {
      sock.destroy();
      return;
    }
    if (sock.remoteAddress === undefined) {
      sock.destroy();
      return;
    }
    // A TLS socket was counted against the limit when its handshake began (#handshaking).
    this.#handshaking.delete(`${sock.remoteAddress}|${sock.remotePort ?? 0}`);
    if (this.#atLimit()) {
      this.#refuse(transport, sock);
      return;
    }
    const conn = new Connection(this.#nextId++, transport, sock, false, this.#o.limits, this.#o.idleTimeoutMs, this.#hooks);
    this.#counters.accepted++;
    this.#register(conn, [endpointKey(transport, conn.remote.host, conn.remote.port)]);
  }

  #atLimit(): boolean {
    return this.#conns.size + this.#pending.size + this.#handshaking.size >= this.#o.maxConnections;
  }

  #refuse(transport: 'tcp' | 'tls', sock: Socket): void {
    this.#counters.refused++;
    this.#problem('TRANSPORT_CONNECTION_LIMIT', `refused a ${transport} connection from ${sock.remoteAddress ?? '?'}: ${this.#o.maxConnections} connections open`, transport);
    sock.destroy();
  }

  #register(conn: Connection, keys: string[]): void {
    this.#conns.set(conn.id, conn);
    for (const k of keys) {
      if (conn.keys.includes(k)) continue;
      conn.keys.push(k);
      this.#byRemote.set(k, conn);
    }
    if (this.listenerCount('connection') > 0) this.#emitSafe('connection', this.#connInfo('open', conn));
  }

  #connInfo(type: 'open' | 'close', c: Connection): ConnectionEvent {
    return { type, id: c.id, transport: c.transport, remote: c.remote, local: c.local, outbound: c.outbound };
  }

  #onConnError(conn: Connection, err: NodeJS.ErrnoException): void {
    const code: ErrorCode = RESET_CODES.has(err.code ?? '') ? 'TRANSPORT_CONNECTION_RESET' : conn.transport === 'tls' ? 'TRANSPORT_TLS' : 'TRANSPORT_SEND';
    this.#problem(code, `connection ${conn.id} to ${formatEndpoint(conn.remote)}: ${err.message}`, conn.transport, conn.remote, conn.id);
  }

  #onConnClosed(conn: Connection, idle: boolean): void {
    if (!this.#conns.delete(conn.id)) return;
    for (const k of conn.keys) if (this.#byRemote.get(k) === conn) this.#byRemote.delete(k);
    this.#counters.closed++;
    if (idle) this.#counters.idleClosed++;
    if (this.listenerCount('connection') > 0) this.#emitSafe('connection', this.#connInfo('close', conn));
    if (this.#conns.size === 0 && this.#drained !== undefined) this.#drained();
  }

  // ---- receive --------------------------------------------------------------------------------------------------

  #onDatagram(l: UdpListener, buf: Buffer, rinfo: dgram.RemoteInfo): void {
    const first = buf[0];
    if (first === 0x0d || first === 0x0a) {
      // CRLF-only datagrams: keep-alives some UAs send over UDP (RFC 5626 §4.4.1 uses STUN there); not answered.
      let i = 0;
      while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
      if (i === buf.length) {
        this.#counters.crlfDatagrams++;
        return;
      }
    }
    const source: Endpoint = { transport: 'udp', host: normalizeIp(rinfo.address), port: rinfo.port };
    if (this.#multiUdp) {
      const key = endpointKey('udp', source.host, source.port);
      this.#udpAffinity.delete(key);
      this.#udpAffinity.set(key, l);
      if (this.#udpAffinity.size > MAX_UDP_AFFINITY) {
        const oldest = this.#udpAffinity.keys().next();
        if (oldest.done !== true) this.#udpAffinity.delete(oldest.value);
      }
    }
    this.#receive(buf, { transport: 'udp', source, local: l.endpoint, udp: l, conn: undefined, at: Date.now() });
  }

  #onFrames(conn: Connection, events: FrameEvent[]): void {
    const at = Date.now();
    for (const ev of events) {
      if (ev.type === 'message') {
        this.#receive(ev.bytes, { transport: conn.transport, source: conn.remote, local: conn.local, udp: undefined, conn, at });
      } else if (ev.type === 'keepalive') {
        if (ev.kind === 'ping') {
          // RFC 5626 §3.5.1: "the server ... MUST respond with a single CRLF" (the pong).
          this.#counters.pings++;
          if (conn.usable) {
            conn.write(CRLF);
            this.#counters.pongsSent++;
          }
        } else {
          this.#counters.pongs++;
        }
      } else {
        // RFC 3261 §18.3: the stream cannot be resynchronised after a framing error; close this connection only.
        this.#counters.parseError(ev.error.code);
        this.#counters.rejectedDropped++;
        this.#problem(ev.error.code, `connection ${conn.id} from ${formatEndpoint(conn.remote)} closed: ${ev.error.message}`, conn.transport, conn.remote, conn.id, false);
        conn.close();
        return;
      }
    }
  }

  /** One complete message (datagram or frame): parse, check, stamp, deliver. Never throws. */
  #receive(bytes: Buffer, origin: Origin): void {
    let msg: SipMessage;
    try {
      msg = parseMessage(bytes, this.#o.limits);
    } catch (err) {
      if (err instanceof SipParseError) this.#rejectUnparsed(bytes, err, origin);
      else this.#internal(err, origin);
      return;
    }
    try {
      this.#deliver(msg, origin);
    } catch (err) {
      this.#internal(err, origin);
    }
  }

  #deliver(msg: SipMessage, origin: Origin): void {
    // The layers above match transactions on Via, CSeq and Call-ID and build responses from From and To
    // (RFC 3261 §8.1.1, §17.2.3): a message without them goes no further.
    const e = msg.e;
    const missing: string[] = [];
    if (msg.topVia === undefined) missing.push('Via');
    if (e[E.FROM_IDX] === -1) missing.push('From');
    if (e[E.TO_IDX] === -1) missing.push('To');
    if (msg.callId === undefined) missing.push('Call-ID');
    if (msg.cseq === undefined) missing.push('CSeq');
    if (missing.length > 0) {
      this.#counters.parseError('SIP_MISSING_HEADER');
      const what = `missing mandatory header field(s): ${missing.join(', ')} (RFC 3261 §8.1.1)`;
      this.#problem('SIP_MISSING_HEADER', `${msg.isRequest ? msg.method : msg.status} from ${formatEndpoint(origin.source)}: ${what}`, origin.transport, origin.source, origin.conn?.id, false);
      if (msg.isRequest && msg.method !== 'ACK' && msg.topVia !== undefined) {
        const err = new SipValidationError('SIP_MISSING_HEADER', what, `Missing ${missing.join(', ')} header field`);
        this.#answer(buildErrorResponse(msg, err, undefined, { warnAgent: this.#o.warnAgent }), origin);
      } else {
        this.#counters.rejectedDropped++;
      }
      return;
    }
    let message = msg;
    if (msg.isRequest && this.#o.stampVia) {
      const st = stampVia(msg, origin.source.host, origin.source.port);
      if (st !== undefined) {
        // The stamp adds a few dozen bytes: the message may now exceed maxMessageBytes by that much.
        message = parseMessage(st.bytes, { ...this.#o.limits, maxMessageBytes: this.#o.limits.maxMessageBytes + 256 });
        if (st.received) this.#counters.viaReceived++;
        if (st.rport) this.#counters.viaRport++;
      }
    }
    const c = this.#counters.received[origin.transport];
    c.messages++;
    c.bytes += msg.raw.length;
    if (msg.isRequest) c.requests++;
    else c.responses++;
    const inbound: InboundMessage = {
      message,
      original: msg,
      transport: origin.transport,
      source: origin.source,
      local: origin.local,
      connectionId: origin.conn?.id,
      receivedAt: origin.at,
    };
    this.#emitSafe('message', inbound);
  }

  /** parseMessage threw: RFC 3261 §18.3 — answer a request when a response can be formed, else drop. */
  #rejectUnparsed(bytes: Buffer, err: SipParseError, origin: Origin): void {
    this.#counters.parseError(err.code);
    this.#problem(err.code, `from ${formatEndpoint(origin.source)}: ${err.message} at byte ${err.offset}`, origin.transport, origin.source, origin.conn?.id, false);
    const response = salvageErrorResponse(bytes, err.code, `${err.message} at byte ${err.offset}`, {
      warnAgent: this.#o.warnAgent,
      toTag: randomBytes(8).toString('hex'),
    });
    if (response === undefined) this.#counters.rejectedDropped++;
    else this.#answer(response, origin);
  }

  /** Sends an error response back where the request came from: the same connection, or the packet source. */
  #answer(response: Buffer, origin: Origin): void {
    // A token bucket: a flood of malformed requests (possibly with spoofed sources) cannot make this element
    // a reflector beyond errorResponsesPerSecond.
    const now = Date.now();
    const rate = this.#o.errorResponsesPerSecond;
    this.#tokens = Math.min(rate, this.#tokens + ((now - this.#tokensAt) * rate) / 1000);
    this.#tokensAt = now;
    if (this.#tokens < 1) {
      this.#counters.rejectedRateLimited++;
      this.#counters.rejectedDropped++;
      return;
    }
    this.#tokens -= 1;
    this.#counters.rejectedAnswered++;
    const c = this.#counters.sent[origin.transport];
    c.messages++;
    c.responses++;
    c.bytes += response.length;
    if (origin.conn !== undefined) {
      if (origin.conn.usable) origin.conn.write(response);
      return;
    }
    // The packet source, not the Via: the Via of a malformed message is not trusted to name a third party.
    origin.udp?.socket.send(response, origin.source.port, origin.source.host, (err) => {
      if (err !== null && err !== undefined) this.#problem('TRANSPORT_SEND', `error response to ${formatEndpoint(origin.source)}: ${err.message}`, 'udp', origin.source);
    });
  }

  #internal(err: unknown, origin: Origin): void {
    this.#problem('TRANSPORT_INTERNAL', `input from ${formatEndpoint(origin.source)} dropped: ${(err as Error)?.message ?? String(err)}`, origin.transport, origin.source, origin.conn?.id);
    this.#counters.rejectedDropped++;
  }

  /** Emits to listeners; a listener that throws is counted (TRANSPORT_HANDLER), never lets the error escape. */
  #emitSafe<K extends keyof TransportEvents>(event: K, ...args: TransportEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: TransportEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#counters.handlerErrors++;
      this.#counters.error('TRANSPORT_HANDLER');
      if (event !== 'problem' && this.listenerCount('problem') > 0) {
        this.#emitSafe('problem', { code: 'TRANSPORT_HANDLER', message: `a '${event}' listener threw: ${(err as Error)?.message ?? String(err)}` });
      }
    }
  }

  /** Counts a problem under its code (TRANSPORT_* in errors, SIP_* already counted by the caller) and reports it. */
  #problem(code: ErrorCode, message: string, transport?: TransportName, remote?: Endpoint, connectionId?: number, count = true): void {
    if (count) this.#counters.error(code);
    if (this.listenerCount('problem') > 0) this.#emitSafe('problem', { code, message, transport, remote, connectionId });
  }

  // ---- send -------------------------------------------------------------------------------------------------------

  /**
   * Sends a message to `target`. UDP: from the listener given by `opts.local`, else the first UDP listener of
   * the target's address family. TCP/TLS: on `opts.connectionId` if still open, else on an open connection
   * to the target (§18.1.1 "it is RECOMMENDED that this connection be used"), else on a new one. Rejects
   * with a SipclfError: TRANSPORT_CLOSED, TRANSPORT_NO_LISTENER, TRANSPORT_TOO_LARGE, TRANSPORT_CONNECT,
   * TRANSPORT_TLS, TRANSPORT_CONNECTION_LIMIT, TRANSPORT_SLOW_PEER or TRANSPORT_SEND.
   */
  async send(bytes: Buffer, target: Endpoint, opts: SendOptions = {}): Promise<SendResult> {
    this.#assertRunning();
    if (target.transport !== 'udp') return this.#sendStream(bytes, target, opts.connectionId);
    const limit = this.#o.udpMaxRequestBytes;
    if (limit !== undefined && bytes.length > limit && isRequestBytes(bytes)) return this.#sendLargeRequest(bytes, target, opts);
    return this.#sendUdp(bytes, target, opts.local);
  }

  /**
   * Sends a response where RFC 3261 §18.2.2 says: on the connection the request came on (`connectionId`,
   * from InboundMessage) if still open; otherwise by the top Via (response-route.ts) — reliable: a
   * connection to `received`/sent-by host and the sent-by port; unreliable: maddr, else received with rport
   * (RFC 3581 §4) or the sent-by port, else sent-by — UDP from the listener the request arrived on (`local`).
   * A Buffer response is parsed to read its Via; TRANSPORT_NO_ROUTE when it has no usable one.
   */
  async sendResponse(response: Buffer | SipMessage, ctx: SendOptions = {}): Promise<SendResult> {
    this.#assertRunning();
    let msg: SipMessage;
    try {
      msg = Buffer.isBuffer(response) ? parseMessage(response, { maxMessageBytes: Math.max(response.length, 1) }) : response;
    } catch (err) {
      throw this.#fail('TRANSPORT_NO_ROUTE', `the response does not parse: ${(err as Error).message}`, undefined, err);
    }
    const bytes = Buffer.isBuffer(response) ? response : response.raw;
    const conn = ctx.connectionId === undefined ? undefined : this.#conns.get(ctx.connectionId);
    if (conn?.usable === true) return this.#writeTo(conn, bytes, true);
    const route = viaRouteOf(msg);
    const dest = route === undefined ? undefined : responseDestination(route);
    if (dest === undefined) throw this.#fail('TRANSPORT_NO_ROUTE', `no route for the response: top Via ${route === undefined ? 'missing' : `transport ${route.transport} not supported`}`);
    const target = { ...dest, host: normalizeIp(dest.host) };
    if (target.transport === 'udp') return this.#sendUdp(bytes, target, ctx.local);
    return this.#sendStream(bytes, target, undefined);
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
    return { send: (bytes, target, _reliable, onError) => this.#sinkSend(bytes, target, onError) };
  }

  #sinkSend(bytes: Buffer, target: Endpoint, onError: ((err: Error) => void) | undefined): void {
    let p: Promise<SendResult>;
    if (isRequestBytes(bytes)) {
      p = this.send(bytes, target);
    } else if (target.transport === 'udp') {
      const local = this.#udpAffinity.get(endpointKey('udp', target.host, target.port))?.endpoint;
      p = this.send(bytes, target, { local });
    } else {
      const conn = this.#byRemote.get(endpointKey(target.transport, target.host, target.port));
      p = conn?.usable === true ? this.sendResponse(bytes, { connectionId: conn.id }) : this.sendResponse(bytes);
    }
    p.catch((err: unknown) => {
      if (onError === undefined) return;
      try {
        onError(err instanceof Error ? err : new Error(String(err)));
      } catch {
        this.#counters.handlerErrors++;
        this.#counters.error('TRANSPORT_HANDLER');
      }
    });
  }

  /** Closes one TCP/TLS connection (a flow the core gives up); false when there is no such connection. */
  closeConnection(connectionId: number): boolean {
    const conn = this.#conns.get(connectionId);
    if (conn === undefined) return false;
    conn.close();
    return true;
  }

  /** Sends a CRLF CRLF keep-alive ping on a connection (RFC 5626 §3.5.1 client side); false if it is gone. */
  ping(connectionId: number): boolean {
    const conn = this.#conns.get(connectionId);
    if (conn?.usable !== true) return false;
    conn.write(PING);
    return true;
  }

  #assertRunning(): void {
    if (this.#state !== 'running') throw new SipclfError('TRANSPORT_CLOSED', `the transport layer is ${this.#state}, not running`);
  }

  #fail(code: ErrorCode, message: string, target?: Endpoint, cause?: unknown): SipclfError {
    this.#problem(code, message, target?.transport, target);
    return new SipclfError(code, message, cause === undefined ? undefined : { cause });
  }

  #udpListenerFor(host: string, local: Endpoint | undefined): UdpListener | undefined {
    const udp = this.#listeners.filter((l): l is UdpListener => l.kind === 'udp');
    if (local !== undefined) {
      const l = udp.find((x) => x.endpoint.port === local.port && x.endpoint.host === normalizeIp(local.host));
      if (l !== undefined) return l;
    }
    const family = isIP(host);
    if (family === 6) return udp.find((x) => isIP(x.endpoint.host) === 6);
    // IPv4 or a name: an IPv4 listener, else a dual-stack one bound to "::".
    return udp.find((x) => isIP(x.endpoint.host) === 4) ?? udp.find((x) => x.endpoint.host === '::');
  }

  async #sendUdp(bytes: Buffer, target: Endpoint, local: Endpoint | undefined): Promise<SendResult> {
    if (bytes.length > MAX_UDP_PAYLOAD) throw this.#fail('TRANSPORT_TOO_LARGE', `${bytes.length} bytes do not fit a UDP datagram (max ${MAX_UDP_PAYLOAD}); send over TCP`, target);
    const l = this.#udpListenerFor(target.host, local);
    if (l === undefined) throw this.#fail('TRANSPORT_NO_LISTENER', `no UDP listener to send to ${formatEndpoint(target)} from (an IPv${isIP(target.host) === 6 ? 6 : 4} one is needed)`, target);
    const host = isIP(l.endpoint.host) === 6 && isIP(target.host) === 4 ? `::ffff:${target.host}` : target.host;
    await new Promise<void>((resolve, reject) => {
      l.socket.send(bytes, target.port, host, (err) => {
        if (err === null || err === undefined) resolve();
        else reject(this.#fail('TRANSPORT_SEND', `UDP to ${formatEndpoint(target)}: ${err.message}`, target, err));
      });
    });
    this.#countSent('udp', bytes);
    return { transport: 'udp', local: l.endpoint, remote: { transport: 'udp', host: normalizeIp(target.host), port: target.port }, connectionId: undefined };
  }

  /**
   * RFC 3261 §18.1.1: a request too large for UDP goes over TCP with its top Via transport changed to TCP
   * ("the value in the top Via MUST be changed"); if the connection is refused or reset, it is retried over
   * UDP as it was ("the element SHOULD retry the request, using UDP").
   */
  async #sendLargeRequest(bytes: Buffer, target: Endpoint, opts: SendOptions): Promise<SendResult> {
    let rewritten: Buffer;
    try {
      const msg = parseMessage(bytes, { maxMessageBytes: bytes.length });
      const ts = msg.e[E.VIA_TRANSPORT_S] as number;
      if (ts < 0) return this.#sendUdp(bytes, target, opts.local);
      rewritten = Buffer.concat([msg.buffer.subarray(msg.e[E.START], ts), Buffer.from('TCP'), msg.buffer.subarray(msg.e[E.VIA_TRANSPORT_E], msg.e[E.END])]);
    } catch {
      return this.#sendUdp(bytes, target, opts.local);
    }
    try {
      const r = await this.#sendStream(rewritten, { transport: 'tcp', host: target.host, port: target.port }, undefined);
      this.#counters.toTcp++;
      return r;
    } catch (err) {
      if (err instanceof SipclfError && err.code === 'TRANSPORT_CONNECT') {
        this.#counters.udpFallback++;
        return this.#sendUdp(bytes, target, opts.local);
      }
      throw err;
    }
  }

  async #sendStream(bytes: Buffer, target: Endpoint, connectionId: number | undefined): Promise<SendResult> {
    let conn = connectionId === undefined ? undefined : this.#conns.get(connectionId);
    let reused = conn?.usable === true;
    if (!reused) {
      conn = this.#byRemote.get(endpointKey(target.transport, target.host, target.port));
      reused = conn?.usable === true;
    }
    if (!reused || conn === undefined) conn = await this.#connect(target);
    return this.#writeTo(conn, bytes, reused);
  }

  #writeTo(conn: Connection, bytes: Buffer, reused: boolean): SendResult {
    if (conn.queued > this.#o.maxWriteBufferBytes) {
      conn.close();
      throw this.#fail('TRANSPORT_SLOW_PEER', `connection ${conn.id} to ${formatEndpoint(conn.remote)} closed: ${conn.queued} bytes unsent (the peer does not read)`, conn.remote);
    }
    if (!conn.usable) throw this.#fail('TRANSPORT_SEND', `connection ${conn.id} to ${formatEndpoint(conn.remote)} is closed`, conn.remote);
    conn.write(bytes);
    if (reused) this.#counters.reused++;
    this.#countSent(conn.transport, bytes);
    return { transport: conn.transport, local: conn.local, remote: conn.remote, connectionId: conn.id };
  }

  #countSent(t: TransportName, bytes: Buffer): void {
    const c = this.#counters.sent[t];
    c.messages++;
    c.bytes += bytes.length;
    if (isRequestBytes(bytes)) c.requests++;
    else c.responses++;
  }

  /** Opens (or joins the opening of) a connection to `target`, bounded by connectTimeoutMs and maxConnections. */
  #connect(target: Endpoint): Promise<Connection> {
    const key = endpointKey(target.transport, target.host, target.port);
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    if (this.#atLimit()) {
      this.#counters.refused++;
      return Promise.reject(this.#fail('TRANSPORT_CONNECTION_LIMIT', `not opening a connection to ${formatEndpoint(target)}: ${this.#o.maxConnections} connections open`, target));
    }
    const transport = target.transport === 'tls' ? 'tls' : 'tcp';
    const p = new Promise<Connection>((resolve, reject) => {
      const m = this.#clientTls;
      const sock: Socket =
        transport === 'tls'
          ? tls.connect({
              host: target.host,
              port: target.port,
              ca: m.ca,
              cert: m.cert,
              key: m.key,
              rejectUnauthorized: this.#o.tls?.rejectUnauthorized ?? true,
              servername: isIP(target.host) === 0 ? target.host : undefined,
            })
          : net.connect({ host: target.host, port: target.port });
      this.#pendingSockets.add(sock);
      const done = (): void => {
        clearTimeout(timer);
        this.#pendingSockets.delete(sock);
        sock.removeListener('error', onError);
      };
      const timer = setTimeout(() => {
        done();
        sock.destroy();
        reject(this.#fail('TRANSPORT_CONNECT', `connecting to ${formatEndpoint(target)} timed out after ${this.#o.connectTimeoutMs} ms`, target));
      }, this.#o.connectTimeoutMs);
      const onError = (err: NodeJS.ErrnoException): void => {
        done();
        sock.destroy();
        const code: ErrorCode = transport === 'tls' && !NETWORK_CODES.has(err.code ?? '') ? 'TRANSPORT_TLS' : 'TRANSPORT_CONNECT';
        reject(this.#fail(code, `connecting to ${formatEndpoint(target)}: ${err.message}`, target, err));
      };
      sock.on('error', onError);
      sock.once(transport === 'tls' ? 'secureConnect' : 'connect', () => {
        done();
        if (this.#state !== 'running') {
          sock.destroy();
          reject(new SipclfError('TRANSPORT_CLOSED', 'the transport layer closed while connecting'));
          return;
        }
        const conn = new Connection(this.#nextId++, transport, sock, true, this.#o.limits, this.#o.idleTimeoutMs, this.#hooks);
        this.#counters.connected++;
        this.#register(conn, [key, endpointKey(transport, conn.remote.host, conn.remote.port)]);
        resolve(conn);
      });
    });
    this.#pending.set(key, p);
    const clear = (): void => {
      this.#pending.delete(key);
    };
    p.then(clear, clear);
    return p;
  }

  // ---- shutdown ------------------------------------------------------------------------------------------------------

  /** Closes every listener and connection; resolves when all sockets are closed. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.#state = 'closing';
    for (const sock of this.#pendingSockets) sock.destroy();
    this.#pendingSockets.clear();
    for (const sock of this.#handshaking.values()) sock.destroy();
    const drained = this.#conns.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#drained = resolve));
    for (const conn of [...this.#conns.values()]) conn.close();
    const closing = this.#listeners.map(
      (l) =>
        new Promise<void>((resolve) => {
          if (l.kind === 'udp') {
            try {
              l.socket.close(() => resolve());
            } catch {
              resolve();
            }
          } else {
            l.server.close(() => resolve());
          }
        }),
    );
    await Promise.all([drained, ...closing]);
    this.#listeners.length = 0;
    this.#state = 'closed';
  }
}

/** A request starts with a method; a response with "SIP/" (RFC 3261 §7.1, §7.2). */
function isRequestBytes(b: Buffer): boolean {
  return !(b.length >= 4 && (b[0] === 0x53 || b[0] === 0x73) && (b[1] === 0x49 || b[1] === 0x69) && (b[2] === 0x50 || b[2] === 0x70) && b[3] === 0x2f);
}
