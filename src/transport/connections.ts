/**
 * The connection table of the transport layer (RFC 3261 §18: connections "are indexed by the tuple formed
 * from the address, port, and transport protocol at the far end"): accepted TCP/TLS connections and TLS
 * handshakes in progress, outbound connections opened on demand (concurrent opens to one target share one;
 * bounded by connectTimeoutMs), the maxConnections limit over all of them, `connection` open/close events,
 * CRLF CRLF keep-alive pings (RFC 5626 §3.5.1 client side) and closing everything at shutdown. The idle
 * timeout and the framing of each connection are connection.ts's; what the frames mean is receive.ts's.
 */
import { isIP, type Socket } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { SipclfError, type ErrorCode } from '../errors.js';
import type { FrameEvent } from '../sip/framer.js';
import { endpointKey, formatEndpoint, type Endpoint } from './address.js';
import { Connection, type ConnectionHooks } from './connection.js';
import type { LayerContext } from './context.js';
import type { ConnectionEvent } from './events.js';
import type { TlsMaterial } from './options.js';

const PING = Buffer.from('\r\n\r\n');
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

export function connInfo(type: 'open' | 'close', c: Connection): ConnectionEvent {
  return { type, id: c.id, transport: c.transport, remote: c.remote, local: c.local, outbound: c.outbound };
}

export class ConnectionTable {
  readonly #ctx: LayerContext;
  readonly #conns = new Map<number, Connection>();
  readonly #byRemote = new Map<string, Connection>();
  readonly #pending = new Map<string, Promise<Connection>>();
  readonly #pendingSockets = new Set<Socket>();
  /** TLS sockets still in their handshake (not yet connections): destroyed by closeAll(). */
  readonly #handshaking = new Map<string, Socket>();
  readonly #hooks: ConnectionHooks;
  /** CA and client certificate for outbound TLS (read by start()). */
  clientTls: TlsMaterial = {};
  #nextId = 1;
  #drained: (() => void) | undefined;

  /** `frames` receives what each connection's framer completes (the receive path). */
  constructor(ctx: LayerContext, frames: (conn: Connection, events: FrameEvent[]) => void) {
    this.#ctx = ctx;
    this.#hooks = {
      frames,
      error: (conn, err) => this.#onConnError(conn, err),
      closed: (conn, idle) => this.#onConnClosed(conn, idle),
    };
  }

  get size(): number {
    return this.#conns.size;
  }

  /** The open connections, as `connection` events of type 'open'. */
  list(): ConnectionEvent[] {
    return [...this.#conns.values()].map((c) => connInfo('open', c));
  }

  get(id: number): Connection | undefined {
    return this.#conns.get(id);
  }

  /** The connection listed for a far end, usable or not. */
  toRemote(target: Endpoint): Connection | undefined {
    return this.#byRemote.get(endpointKey(target.transport, target.host, target.port));
  }

  /** A TLS client connected: its handshake counts against the limit until it completes or fails. */
  handshake(sock: Socket): void {
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
  }

  accept(transport: 'tcp' | 'tls', sock: Socket): void {
    const state = this.#ctx.state();
    if (state !== 'running' && state !== 'starting') {
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
    const o = this.#ctx.o;
    const conn = new Connection(this.#nextId++, transport, sock, false, o.limits, o.idleTimeoutMs, this.#hooks);
    this.#ctx.counters.accepted++;
    this.#register(conn, [endpointKey(transport, conn.remote.host, conn.remote.port)]);
  }

  #atLimit(): boolean {
    return this.#conns.size + this.#pending.size + this.#handshaking.size >= this.#ctx.o.maxConnections;
  }

  #refuse(transport: 'tcp' | 'tls', sock: Socket): void {
    this.#ctx.counters.refused++;
    this.#ctx.report.problem('TRANSPORT_CONNECTION_LIMIT', `refused a ${transport} connection from ${sock.remoteAddress ?? '?'}: ${this.#ctx.o.maxConnections} connections open`, transport);
    sock.destroy();
  }

  #register(conn: Connection, keys: string[]): void {
    this.#conns.set(conn.id, conn);
    for (const k of keys) {
      if (conn.keys.includes(k)) continue;
      conn.keys.push(k);
      this.#byRemote.set(k, conn);
    }
    if (this.#ctx.report.listening('connection')) this.#ctx.report.emitSafe('connection', connInfo('open', conn));
  }

  #onConnError(conn: Connection, err: NodeJS.ErrnoException): void {
    const code: ErrorCode = RESET_CODES.has(err.code ?? '') ? 'TRANSPORT_CONNECTION_RESET' : conn.transport === 'tls' ? 'TRANSPORT_TLS' : 'TRANSPORT_SEND';
    this.#ctx.report.problem(code, `connection ${conn.id} to ${formatEndpoint(conn.remote)}: ${err.message}`, conn.transport, conn.remote, conn.id);
  }

  #onConnClosed(conn: Connection, idle: boolean): void {
    if (!this.#conns.delete(conn.id)) return;
    for (const k of conn.keys) if (this.#byRemote.get(k) === conn) this.#byRemote.delete(k);
    this.#ctx.counters.closed++;
    if (idle) this.#ctx.counters.idleClosed++;
    if (this.#ctx.report.listening('connection')) this.#ctx.report.emitSafe('connection', connInfo('close', conn));
    if (this.#conns.size === 0 && this.#drained !== undefined) this.#drained();
  }

  /** Opens (or joins the opening of) a connection to `target`, bounded by connectTimeoutMs and maxConnections. */
  connect(target: Endpoint): Promise<Connection> {
    const { o, counters, report } = this.#ctx;
    const key = endpointKey(target.transport, target.host, target.port);
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    if (this.#atLimit()) {
      counters.refused++;
      return Promise.reject(report.fail('TRANSPORT_CONNECTION_LIMIT', `not opening a connection to ${formatEndpoint(target)}: ${o.maxConnections} connections open`, target));
    }
    const transport = target.transport === 'tls' ? 'tls' : 'tcp';
    const p = new Promise<Connection>((resolve, reject) => {
      const m = this.clientTls;
      const sock: Socket =
        transport === 'tls'
          ? tls.connect({
              host: target.host,
              port: target.port,
              ca: m.ca,
              cert: m.cert,
              key: m.key,
              rejectUnauthorized: o.tls?.rejectUnauthorized ?? true,
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
        reject(report.fail('TRANSPORT_CONNECT', `connecting to ${formatEndpoint(target)} timed out after ${o.connectTimeoutMs} ms`, target));
      }, o.connectTimeoutMs);
      const onError = (err: NodeJS.ErrnoException): void => {
        done();
        sock.destroy();
        const code: ErrorCode = transport === 'tls' && !NETWORK_CODES.has(err.code ?? '') ? 'TRANSPORT_TLS' : 'TRANSPORT_CONNECT';
        reject(report.fail(code, `connecting to ${formatEndpoint(target)}: ${err.message}`, target, err));
      };
      sock.on('error', onError);
      sock.once(transport === 'tls' ? 'secureConnect' : 'connect', () => {
        done();
        if (this.#ctx.state() !== 'running') {
          sock.destroy();
          reject(new SipclfError('TRANSPORT_CLOSED', 'the transport layer closed while connecting'));
          return;
        }
        const conn = new Connection(this.#nextId++, transport, sock, true, o.limits, o.idleTimeoutMs, this.#hooks);
        counters.connected++;
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

  /** Closes one connection; false when there is no such connection. */
  close(connectionId: number): boolean {
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

  /** Destroys connects and handshakes in progress and closes every connection; resolves when all have closed. */
  closeAll(): Promise<void> {
    for (const sock of this.#pendingSockets) sock.destroy();
    this.#pendingSockets.clear();
    for (const sock of this.#handshaking.values()) sock.destroy();
    const drained = this.#conns.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#drained = resolve));
    for (const conn of [...this.#conns.values()]) conn.close();
    return drained;
  }
}
