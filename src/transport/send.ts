/**
 * The send path of the transport layer: requests to a target (RFC 3261 §18.1.1: UDP from a listener of the
 * target's family, at most 65,507 bytes; TCP/TLS on the connection given, else the open connection to the
 * target — "it is RECOMMENDED that this connection be used" — else a new one), the §18.1.1 size rule
 * (udpMaxRequestBytes: over TCP with the top Via rewritten, UDP again if the connection fails), responses
 * by §18.2.2 (the request's connection, else the top Via through response-route.ts; UDP from the listener
 * the request arrived on, RFC 3581 §4), the slow-peer bound, the `sent` counters and the transaction
 * layer's MessageSink over all of it.
 */
import { isIP } from 'node:net';
import { SipclfError } from '../errors.js';
import { E } from '../sip/layout.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { formatEndpoint, normalizeIp, type Endpoint, type TransportName } from './address.js';
import type { Connection } from './connection.js';
import type { ConnectionTable } from './connections.js';
import type { LayerContext } from './context.js';
import type { MessageSink, SendOptions, SendResult } from './events.js';
import type { Listeners } from './listeners.js';
import { responseDestination, viaRouteOf } from './response-route.js';

/** Largest UDP payload over IPv4 (65,535 − 20 IP − 8 UDP). */
const MAX_UDP_PAYLOAD = 65_507;

export class Sender {
  readonly #ctx: LayerContext;
  readonly #listeners: Listeners;
  readonly #conns: ConnectionTable;

  constructor(ctx: LayerContext, listeners: Listeners, conns: ConnectionTable) {
    this.#ctx = ctx;
    this.#listeners = listeners;
    this.#conns = conns;
  }

  /** TransportLayer.send(). */
  async send(bytes: Buffer, target: Endpoint, opts: SendOptions = {}): Promise<SendResult> {
    this.#assertRunning();
    if (target.transport !== 'udp') return this.#sendStream(bytes, target, opts.connectionId);
    const limit = this.#ctx.o.udpMaxRequestBytes;
    if (limit !== undefined && bytes.length > limit && isRequestBytes(bytes)) return this.#sendLargeRequest(bytes, target, opts);
    return this.#sendUdp(bytes, target, opts.local);
  }

  /** TransportLayer.sendResponse(): RFC 3261 §18.2.2. */
  async sendResponse(response: Buffer | SipMessage, ctx: SendOptions = {}): Promise<SendResult> {
    this.#assertRunning();
    let msg: SipMessage;
    try {
      msg = Buffer.isBuffer(response) ? parseMessage(response, { maxMessageBytes: Math.max(response.length, 1) }) : response;
    } catch (err) {
      throw this.#ctx.report.fail('TRANSPORT_NO_ROUTE', `the response does not parse: ${(err as Error).message}`, undefined, err);
    }
    const bytes = Buffer.isBuffer(response) ? response : response.raw;
    const conn = ctx.connectionId === undefined ? undefined : this.#conns.get(ctx.connectionId);
    if (conn?.usable === true) return this.#writeTo(conn, bytes, true);
    const route = viaRouteOf(msg);
    const dest = route === undefined ? undefined : responseDestination(route);
    if (dest === undefined) throw this.#ctx.report.fail('TRANSPORT_NO_ROUTE', `no route for the response: top Via ${route === undefined ? 'missing' : `transport ${route.transport} not supported`}`);
    const target = { ...dest, host: normalizeIp(dest.host) };
    if (target.transport === 'udp') return this.#sendUdp(bytes, target, ctx.local);
    return this.#sendStream(bytes, target, undefined);
  }

  /** TransportLayer.sink(). */
  sink(): MessageSink {
    return { send: (bytes, target, _reliable, onError) => this.#sinkSend(bytes, target, onError) };
  }

  #sinkSend(bytes: Buffer, target: Endpoint, onError: ((err: Error) => void) | undefined): void {
    let p: Promise<SendResult>;
    if (isRequestBytes(bytes)) {
      p = this.send(bytes, target);
    } else if (target.transport === 'udp') {
      const local = this.#listeners.udpLocalFor(target);
      p = this.send(bytes, target, { local });
    } else {
      const conn = this.#conns.toRemote(target);
      p = conn?.usable === true ? this.sendResponse(bytes, { connectionId: conn.id }) : this.sendResponse(bytes);
    }
    p.catch((err: unknown) => {
      if (onError === undefined) return;
      try {
        onError(err instanceof Error ? err : new Error(String(err)));
      } catch {
        this.#ctx.counters.handlerErrors++;
        this.#ctx.counters.error('TRANSPORT_HANDLER');
      }
    });
  }

  #assertRunning(): void {
    const state = this.#ctx.state();
    if (state !== 'running') throw new SipclfError('TRANSPORT_CLOSED', `the transport layer is ${state}, not running`);
  }

  async #sendUdp(bytes: Buffer, target: Endpoint, local: Endpoint | undefined): Promise<SendResult> {
    const report = this.#ctx.report;
    if (bytes.length > MAX_UDP_PAYLOAD) throw report.fail('TRANSPORT_TOO_LARGE', `${bytes.length} bytes do not fit a UDP datagram (max ${MAX_UDP_PAYLOAD}); send over TCP`, target);
    const l = this.#listeners.udpFor(target.host, local);
    if (l === undefined) throw report.fail('TRANSPORT_NO_LISTENER', `no UDP listener to send to ${formatEndpoint(target)} from (an IPv${isIP(target.host) === 6 ? 6 : 4} one is needed)`, target);
    const host = isIP(l.endpoint.host) === 6 && isIP(target.host) === 4 ? `::ffff:${target.host}` : target.host;
    await new Promise<void>((resolve, reject) => {
      l.socket.send(bytes, target.port, host, (err) => {
        if (err === null || err === undefined) resolve();
        else reject(report.fail('TRANSPORT_SEND', `UDP to ${formatEndpoint(target)}: ${err.message}`, target, err));
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
      this.#ctx.counters.toTcp++;
      return r;
    } catch (err) {
      if (err instanceof SipclfError && err.code === 'TRANSPORT_CONNECT') {
        this.#ctx.counters.udpFallback++;
        return this.#sendUdp(bytes, target, opts.local);
      }
      throw err;
    }
  }

  async #sendStream(bytes: Buffer, target: Endpoint, connectionId: number | undefined): Promise<SendResult> {
    let conn = connectionId === undefined ? undefined : this.#conns.get(connectionId);
    let reused = conn?.usable === true;
    if (!reused) {
      conn = this.#conns.toRemote(target);
      reused = conn?.usable === true;
    }
    if (!reused || conn === undefined) conn = await this.#conns.connect(target);
    return this.#writeTo(conn, bytes, reused);
  }

  #writeTo(conn: Connection, bytes: Buffer, reused: boolean): SendResult {
    if (conn.queued > this.#ctx.o.maxWriteBufferBytes) {
      conn.close();
      throw this.#ctx.report.fail('TRANSPORT_SLOW_PEER', `connection ${conn.id} to ${formatEndpoint(conn.remote)} closed: ${conn.queued} bytes unsent (the peer does not read)`, conn.remote);
    }
    if (!conn.usable) throw this.#ctx.report.fail('TRANSPORT_SEND', `connection ${conn.id} to ${formatEndpoint(conn.remote)} is closed`, conn.remote);
    conn.write(bytes);
    if (reused) this.#ctx.counters.reused++;
    this.#countSent(conn.transport, bytes);
    return { transport: conn.transport, local: conn.local, remote: conn.remote, connectionId: conn.id };
  }

  #countSent(t: TransportName, bytes: Buffer): void {
    const c = this.#ctx.counters.sent[t];
    c.messages++;
    c.bytes += bytes.length;
    if (isRequestBytes(bytes)) c.requests++;
    else c.responses++;
  }
}

/** A request starts with a method; a response with "SIP/" (RFC 3261 §7.1, §7.2). */
function isRequestBytes(b: Buffer): boolean {
  return !(b.length >= 4 && (b[0] === 0x53 || b[0] === 0x73) && (b[1] === 0x49 || b[1] === 0x69) && (b[2] === 0x50 || b[2] === 0x70) && b[3] === 0x2f);
}
