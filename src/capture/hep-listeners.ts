/**
 * The HepCollector's HEP listeners: UDP sockets (one HEP3 packet per datagram, 8 MiB receive buffer) and TCP
 * servers (at most maxConnections connections each; one HepStreamFramer per connection cuts packets out of
 * the byte stream by the HEP3 header's total length, and a connection whose stream cannot be framed, or
 * whose packet is not complete tcpStallMs after its first byte, is counted and closed — the agent reconnects). Every packet goes to the ingest path; socket errors are
 * counted, never thrown. Bind failures throw CONFIG_INVALID at start.
 */
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once, type EventEmitter } from 'node:events';
import { SipclfError } from '../errors.js';
import { HepStreamFramer } from './hep-stream.js';
import { MiB, type HepListen } from './hep-options.js';
import { UNKNOWN } from './hep-tally.js';

export interface BoundAddress {
  readonly transport: 'udp' | 'tcp' | 'http';
  readonly address: string;
  readonly port: number;
}

/** Where the listeners hand packets and errors. */
export interface HepSink {
  ingest(buf: Buffer, transport: 'udp' | 'tcp'): void;
  error(agent: string, err: unknown): void;
  readonly closed: boolean;
}

/** Resolves on 'listening'; rejects with CONFIG_INVALID `message(err)` on 'error'. */
export async function listening(e: EventEmitter, message: (err: Error) => string): Promise<void> {
  await Promise.race([
    once(e, 'listening'),
    once(e, 'error').then(([err]) => {
      throw new SipclfError('CONFIG_INVALID', message(err as Error));
    }),
  ]);
}

export class HepListeners {
  readonly #sink: HepSink;
  readonly #maxConnections: number;
  readonly #stallMs: number;
  readonly #udp: UdpSocket[] = [];
  readonly #tcp: TcpServer[] = [];
  readonly #conns = new Set<Socket>();

  constructor(sink: HepSink, maxConnections: number, stallMs = 30_000) {
    this.#sink = sink;
    this.#maxConnections = maxConnections;
    this.#stallMs = stallMs;
  }

  /** Open TCP connections. */
  get connections(): number {
    return this.#conns.size;
  }

  /** Binds `l`; the bound address (undefined if the system does not tell). */
  listen(l: HepListen): Promise<BoundAddress | undefined> {
    return l.transport === 'udp' ? this.#listenUdp(l) : this.#listenTcp(l);
  }

  /** Closes the sockets, drops the TCP connections and waits for the TCP servers to close. */
  async close(): Promise<void> {
    for (const u of this.#udp) u.close();
    for (const c of this.#conns) c.destroy();
    await Promise.all(this.#tcp.map((t) => new Promise<void>((r) => t.close(() => r()))));
  }

  async #listenUdp(l: HepListen): Promise<BoundAddress> {
    const s = createSocket({ type: l.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 * MiB });
    s.on('message', (msg) => this.#sink.ingest(msg, 'udp'));
    s.on('error', (e) => this.#sink.error(UNKNOWN, new SipclfError('IO_READ', `udp ${l.host}:${l.port}: ${e.message}`)));
    s.bind(l.port, l.host);
    await listening(s, (e) => `cannot listen on udp:${l.host}:${l.port}: ${e.message}`);
    this.#udp.push(s);
    const a = s.address();
    return { transport: 'udp', address: a.address, port: a.port };
  }

  async #listenTcp(l: HepListen): Promise<BoundAddress | undefined> {
    const srv = createTcpServer((sock) => this.#onConnection(sock));
    srv.maxConnections = this.#maxConnections;
    srv.listen(l.port, l.host);
    await listening(srv, (e) => `cannot listen on tcp:${l.host}:${l.port}: ${e.message}`);
    this.#tcp.push(srv);
    const a = srv.address();
    return a !== null && typeof a === 'object' ? { transport: 'tcp', address: a.address, port: a.port } : undefined;
  }

  #onConnection(sock: Socket): void {
    if (this.#sink.closed) {
      sock.destroy();
      return;
    }
    this.#conns.add(sock);
    const framer = new HepStreamFramer();
    const from = (): string => `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? '?'}`;
    const stalled = (): void => {
      this.#sink.error(UNKNOWN, new SipclfError('HEP_TRUNCATED', `tcp ${from()}: a HEP packet not complete ${this.#stallMs} ms after its first byte (${framer.buffered} bytes held): connection closed`));
      sock.destroy();
    };
    // A packet must arrive whole within tcpStallMs of its first byte: a sender trickling it (or stopping in the
    // middle) would otherwise hold a connection slot and the partial packet for as long as it likes. Between
    // packets a connection may stay idle for ever (agents keep theirs through quiet hours).
    let partialSince = -1;
    sock.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) this.#sink.ingest(f, 'tcp');
      if (framer.failed !== undefined) {
        this.#sink.error(UNKNOWN, framer.failed);
        sock.destroy();
        return;
      }
      if (framer.buffered === 0) partialSince = -1;
      else if (partialSince < 0) partialSince = performance.now();
      else if (performance.now() - partialSince > this.#stallMs) stalled();
    });
    // Silence: the socket's timer restarts with every chunk, so 'timeout' means tcpStallMs without a byte.
    sock.setTimeout(this.#stallMs);
    sock.on('timeout', () => {
      if (framer.buffered > 0) stalled();
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.#conns.delete(sock));
  }
}
