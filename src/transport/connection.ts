/**
 * One TCP or TLS connection: its socket, its StreamFramer (RFC 3261 §18.3 framing by Content-Length, RFC 5626
 * §3.5.1 CRLF keep-alives) and its place in the connection table. The layer (layer.ts) decides what the
 * frames mean; this class only moves bytes, bounds what it buffers and reports why it closed.
 */
import type { Socket } from 'node:net';
import { StreamFramer, type FrameEvent } from '../sip/framer.js';
import type { ParseLimits } from '../sip/limits.js';
import { normalizeIp, type Endpoint } from './address.js';

export interface ConnectionHooks {
  /** Frames completed by a 'data' chunk or by the end of the stream. */
  frames(conn: Connection, events: FrameEvent[]): void;
  /** A socket error (before 'close'): ECONNRESET, EPIPE, TLS alerts… */
  error(conn: Connection, err: NodeJS.ErrnoException): void;
  /** The socket closed (any reason); the connection must leave the table. */
  closed(conn: Connection, idle: boolean): void;
}

export class Connection {
  readonly id: number;
  readonly transport: 'tcp' | 'tls';
  /** The far end (source of an accepted connection, destination of an opened one). */
  readonly remote: Endpoint;
  /** This end: the address and port the socket is bound to. */
  readonly local: Endpoint;
  /** Opened by this layer (outbound) rather than accepted. */
  readonly outbound: boolean;
  readonly socket: Socket;
  readonly framer: StreamFramer;
  /** Keys this connection is listed under in the layer's remote-address table. */
  readonly keys: string[] = [];
  #idle = false;
  #closed = false;

  constructor(id: number, transport: 'tcp' | 'tls', socket: Socket, outbound: boolean, limits: Partial<ParseLimits>, idleTimeoutMs: number, hooks: ConnectionHooks) {
    this.id = id;
    this.transport = transport;
    this.socket = socket;
    this.outbound = outbound;
    this.remote = { transport, host: normalizeIp(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.local = { transport, host: normalizeIp(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
    this.framer = new StreamFramer(limits);
    socket.setNoDelay(true);
    // RFC 3261 §18: keep connections open "for some implementation-defined duration after the last message
    // was sent or received"; Node's socket timeout measures exactly that inactivity.
    if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      const events = this.framer.push(chunk);
      if (events.length > 0) hooks.frames(this, events);
    });
    socket.on('end', () => {
      const events = this.framer.end();
      if (events.length > 0) hooks.frames(this, events);
    });
    socket.on('timeout', () => {
      this.#idle = true;
      socket.destroy();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => hooks.error(this, err));
    socket.on('close', () => {
      this.#closed = true;
      hooks.closed(this, this.#idle);
    });
  }

  /** True until the socket is closing or closed: the connection can carry a message. */
  get usable(): boolean {
    return !this.#closed && !this.socket.destroyed && this.socket.writable;
  }

  /** Bytes queued in the socket and not yet handed to the OS. */
  get queued(): number {
    return this.socket.writableLength;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
