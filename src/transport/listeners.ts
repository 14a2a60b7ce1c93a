/**
 * The listeners of the transport layer (RFC 3261 §18): binding UDP sockets and TCP/TLS servers over IPv4
 * and IPv6 (TRANSPORT_BIND naming the address on failure), the choice of UDP listener a message leaves from
 * (the one given, else one of the target's address family, §18.1.1), the memory of which listener each UDP
 * source last arrived on (responses leave from there, RFC 3581 §4) and closing them all. What arrives is
 * handed on through ListenerHooks: datagrams to the receive path, accepted and handshaking sockets to the
 * connection table.
 */
import dgram from 'node:dgram';
import { isIP, type Server, type Socket } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { SipclfError } from '../errors.js';
import { endpointKey, formatEndpoint, normalizeIp, type Endpoint } from './address.js';
import type { LayerContext } from './context.js';
import { readTls, type ListenerSpec } from './options.js';
import { PROBE_BYTES, UdpProbe } from './udp-probe.js';

export interface UdpListener {
  readonly kind: 'udp';
  readonly spec: ListenerSpec;
  readonly socket: dgram.Socket;
  endpoint: Endpoint;
  /** Measures this listener's queueing delay (udp-probe.ts). */
  readonly probe: UdpProbe;
}

export interface StreamListener {
  readonly kind: 'tcp' | 'tls';
  readonly spec: ListenerSpec;
  readonly server: Server;
  endpoint: Endpoint;
}

export type Listener = UdpListener | StreamListener;

/** Where the listeners hand what arrives. */
export interface ListenerHooks {
  datagram(l: UdpListener, buf: Buffer, rinfo: dgram.RemoteInfo): void;
  /** A TLS client connected; its handshake begins. */
  handshake(sock: Socket): void;
  /** A TCP connection accepted, or a TLS one whose handshake completed. */
  accept(transport: 'tcp' | 'tls', sock: Socket): void;
}

/** Remembered UDP sources (for the sink's choice of listener); the oldest is forgotten beyond this. */
const MAX_UDP_AFFINITY = 10_000;

export class Listeners {
  readonly #ctx: LayerContext;
  readonly #hooks: ListenerHooks;
  readonly #list: Listener[] = [];
  /** UDP source → the listener it last arrived on, kept only when there are several UDP listeners. */
  readonly #udpAffinity = new Map<string, UdpListener>();
  #multiUdp = false;

  constructor(ctx: LayerContext, hooks: ListenerHooks) {
    this.#ctx = ctx;
    this.#hooks = hooks;
  }

  /** The bound listener addresses, in configuration order. */
  addresses(): Endpoint[] {
    return this.#list.map((l) => l.endpoint);
  }

  /** Binds one listener and adds it to the list (what was added is closed by closing()). */
  async add(spec: ListenerSpec): Promise<void> {
    this.#list.push(await this.#bind(spec));
  }

  /** Called once every listener is bound. */
  started(): void {
    this.#multiUdp = this.#list.filter((l) => l.kind === 'udp').length > 1;
  }

  async #bind(spec: ListenerSpec): Promise<Listener> {
    const { endpoint } = spec;
    const family = isIP(endpoint.host) === 6 ? 6 : 4;
    if (endpoint.transport === 'udp') {
      const rcvbuf = this.#ctx.o.udpReceiveBufferBytes;
      const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ...(rcvbuf > 0 ? { recvBufferSize: rcvbuf } : {}) });
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
      const l: UdpListener = { kind: 'udp', spec, socket, endpoint: { ...endpoint, port: socket.address().port }, probe: new UdpProbe() };
      // After the bind, socket errors (ICMP unreachable reported on send, EMSGSIZE…) are counted, never thrown.
      socket.on('error', (err) => this.#ctx.report.problem('TRANSPORT_SEND', `${formatEndpoint(l.endpoint)}: ${err.message}`, 'udp'));
      socket.on('message', (buf, rinfo) => {
        if (buf.length === PROBE_BYTES && l.probe.matches(buf, rinfo.port, l.endpoint.port)) l.probe.arrived(buf);
        else this.#hooks.datagram(l, buf, rinfo);
      });
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
        handshakeTimeout: this.#ctx.o.connectTimeoutMs,
      });
      server.on('connection', (sock: Socket) => this.#hooks.handshake(sock));
      server.on('secureConnection', (sock: Socket) => this.#hooks.accept('tls', sock));
      server.on('tlsClientError', (err: Error, sock: Socket) => {
        this.#ctx.report.problem('TRANSPORT_TLS', `TLS handshake from ${sock.remoteAddress ?? '?'} failed: ${err.message}`, 'tls');
        sock.destroy();
      });
    } else {
      server = net.createServer((sock) => this.#hooks.accept('tcp', sock));
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(this.#bindError(spec, err)));
      server.listen({ host: endpoint.host, port: endpoint.port, exclusive: true }, () => resolve());
    });
    server.removeAllListeners('error');
    server.on('error', (err) => this.#ctx.report.problem('TRANSPORT_BIND', `${formatEndpoint(endpoint)}: ${err.message}`, endpoint.transport));
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : endpoint.port;
    return { kind: endpoint.transport, spec, server, endpoint: { ...endpoint, port } };
  }

  #bindError(spec: ListenerSpec, err: NodeJS.ErrnoException): SipclfError {
    const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'address not available on this host' : err.code === 'EACCES' ? 'permission denied' : err.message;
    this.#ctx.counters.error('TRANSPORT_BIND');
    return new SipclfError('TRANSPORT_BIND', `${spec.path}: cannot listen on ${formatEndpoint(spec.endpoint)}: ${why} (${err.code ?? 'error'})`, { cause: err });
  }

  /** The UDP listener to send to `host` from: `local` if it names one, else one of the host's family. */
  udpFor(host: string, local: Endpoint | undefined): UdpListener | undefined {
    const udp = this.#list.filter((l): l is UdpListener => l.kind === 'udp');
    if (local !== undefined) {
      const l = udp.find((x) => x.endpoint.port === local.port && x.endpoint.host === normalizeIp(local.host));
      if (l !== undefined) return l;
    }
    const family = isIP(host);
    if (family === 6) return udp.find((x) => isIP(x.endpoint.host) === 6);
    // IPv4 or a name: an IPv4 listener, else a dual-stack one bound to "::".
    return udp.find((x) => isIP(x.endpoint.host) === 4) ?? udp.find((x) => x.endpoint.host === '::');
  }

  /** Remembers the listener a datagram from `source` arrived on (only when there are several UDP listeners). */
  noteUdpSource(source: Endpoint, l: UdpListener): void {
    if (!this.#multiUdp) return;
    const key = endpointKey('udp', source.host, source.port);
    this.#udpAffinity.delete(key);
    this.#udpAffinity.set(key, l);
    if (this.#udpAffinity.size > MAX_UDP_AFFINITY) {
      const oldest = this.#udpAffinity.keys().next();
      if (oldest.done !== true) this.#udpAffinity.delete(oldest.value);
    }
  }

  /** The address of the listener the last datagram from `target` arrived on, if remembered. */
  udpLocalFor(target: Endpoint): Endpoint | undefined {
    return this.#udpAffinity.get(endpointKey('udp', target.host, target.port))?.endpoint;
  }

  /**
   * Sends a queueing-delay probe through every UDP listener (udp-probe.ts): to its own address, or the
   * loopback address of its family when it is bound to the wildcard.
   */
  probeUdp(): void {
    for (const l of this.#list) {
      if (l.kind !== 'udp') continue;
      const h = l.endpoint.host;
      const to = h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '::1' : h;
      try {
        l.socket.send(l.probe.next(), l.endpoint.port, to);
      } catch {
        // A closed socket: the layer is closing; the probe is simply not sent.
      }
    }
  }

  /**
   * The longest queueing delay (ms) of the UDP listeners since the last call; undefined when no listener has
   * a measurement (none is UDP, or no probe came back yet).
   */
  udpQueueDelay(): number | undefined {
    let d: number | undefined;
    for (const l of this.#list) {
      const x = l.kind === 'udp' ? l.probe.delay() : undefined;
      if (x !== undefined) d = Math.max(d ?? 0, x);
    }
    return d;
  }

  /** Starts closing every listener: one promise per listener, resolved when it is closed. */
  closing(): Promise<void>[] {
    return this.#list.map(
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
  }

  /** Forgets the (closed) listeners. */
  clear(): void {
    this.#list.length = 0;
  }
}
