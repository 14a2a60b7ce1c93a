/**
 * The receive path of the transport layer (RFC 3261 §18.3 with §18.2.1): a UDP datagram is one message; a
 * stream's frames come from its connection's StreamFramer. Each message is parsed (parseMessage with the
 * limits), checked for the headers the layers above match on (§8.1.1), stamped with received/rport
 * (via-stamp.ts, RFC 3581 §4) if it is a request, counted and emitted as `message`. Keep-alives: CRLF-only
 * datagrams are counted; a stream ping (RFC 5626 §3.5.1) is answered with a pong. Malformed input is
 * answered 400/513 where a response can be formed (salvage.ts; to the packet source or the same connection,
 * at most errorResponsesPerSecond), counted and dropped; a framing error closes that connection only.
 * Nothing a peer sends can throw out of a socket callback.
 */
import type dgram from 'node:dgram';
import { SipParseError, SipValidationError } from '../errors.js';
import type { FrameEvent } from '../sip/framer.js';
import { E } from '../sip/layout.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { randomHex } from '../sip/random.js';
import { buildErrorResponse } from '../sip/validate.js';
import { formatEndpoint, normalizeIp, type Endpoint, type TransportName } from './address.js';
import type { Connection } from './connection.js';
import type { LayerContext } from './context.js';
import type { InboundMessage } from './events.js';
import type { Listeners, UdpListener } from './listeners.js';
import { salvageErrorResponse } from './salvage.js';
import { stampVia } from './via-stamp.js';

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

export class Receiver {
  readonly #ctx: LayerContext;
  readonly #listeners: Listeners;
  /** Token bucket of error responses (errorResponsesPerSecond). */
  #tokens: number;
  #tokensAt = Date.now();

  constructor(ctx: LayerContext, listeners: Listeners) {
    this.#ctx = ctx;
    this.#listeners = listeners;
    this.#tokens = ctx.o.errorResponsesPerSecond;
  }

  datagram(l: UdpListener, buf: Buffer, rinfo: dgram.RemoteInfo): void {
    const first = buf[0];
    if (first === 0x0d || first === 0x0a) {
      // CRLF-only datagrams: keep-alives some UAs send over UDP (RFC 5626 §4.4.1 uses STUN there); not answered.
      let i = 0;
      while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
      if (i === buf.length) {
        this.#ctx.counters.crlfDatagrams++;
        return;
      }
    }
    const source: Endpoint = { transport: 'udp', host: normalizeIp(rinfo.address), port: rinfo.port };
    this.#listeners.noteUdpSource(source, l);
    this.#receive(buf, { transport: 'udp', source, local: l.endpoint, udp: l, conn: undefined, at: Date.now() });
  }

  frames(conn: Connection, events: FrameEvent[]): void {
    const counters = this.#ctx.counters;
    const at = Date.now();
    for (const ev of events) {
      if (ev.type === 'message') {
        this.#receive(ev.bytes, { transport: conn.transport, source: conn.remote, local: conn.local, udp: undefined, conn, at });
      } else if (ev.type === 'keepalive') {
        if (ev.kind === 'ping') {
          // RFC 5626 §3.5.1: "the server ... MUST respond with a single CRLF" (the pong).
          counters.pings++;
          if (conn.usable) {
            conn.write(CRLF);
            counters.pongsSent++;
          }
        } else {
          counters.pongs++;
        }
      } else {
        // RFC 3261 §18.3: the stream cannot be resynchronised after a framing error; close this connection only.
        counters.parseError(ev.error.code);
        counters.rejectedDropped++;
        this.#ctx.report.problem(ev.error.code, `connection ${conn.id} from ${formatEndpoint(conn.remote)} closed: ${ev.error.message}`, conn.transport, conn.remote, conn.id, false);
        conn.close();
        return;
      }
    }
  }

  /** One complete message (datagram or frame): parse, check, stamp, deliver. Never throws. */
  #receive(bytes: Buffer, origin: Origin): void {
    let msg: SipMessage;
    try {
      msg = parseMessage(bytes, this.#ctx.o.limits);
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
    const { o, counters } = this.#ctx;
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
      counters.parseError('SIP_MISSING_HEADER');
      const what = `missing mandatory header field(s): ${missing.join(', ')} (RFC 3261 §8.1.1)`;
      this.#ctx.report.problem('SIP_MISSING_HEADER', `${msg.isRequest ? msg.method : msg.status} from ${formatEndpoint(origin.source)}: ${what}`, origin.transport, origin.source, origin.conn?.id, false);
      if (msg.isRequest && msg.method !== 'ACK' && msg.topVia !== undefined) {
        const err = new SipValidationError('SIP_MISSING_HEADER', what, `Missing ${missing.join(', ')} header field`);
        this.#answer(buildErrorResponse(msg, err, undefined, { warnAgent: o.warnAgent }), origin);
      } else {
        counters.rejectedDropped++;
      }
      return;
    }
    let message = msg;
    if (msg.isRequest && o.stampVia) {
      const st = stampVia(msg, origin.source.host, origin.source.port);
      if (st !== undefined) {
        // The stamp adds a few dozen bytes: the message may now exceed maxMessageBytes by that much.
        message = parseMessage(st.bytes, { ...o.limits, maxMessageBytes: o.limits.maxMessageBytes + 256 });
        if (st.received) counters.viaReceived++;
        if (st.rport) counters.viaRport++;
      }
    }
    const c = counters.received[origin.transport];
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
    this.#ctx.report.emitSafe('message', inbound);
  }

  /** parseMessage threw: RFC 3261 §18.3 — answer a request when a response can be formed, else drop. */
  #rejectUnparsed(bytes: Buffer, err: SipParseError, origin: Origin): void {
    this.#ctx.counters.parseError(err.code);
    this.#ctx.report.problem(err.code, `from ${formatEndpoint(origin.source)}: ${err.message} at byte ${err.offset}`, origin.transport, origin.source, origin.conn?.id, false);
    const response = salvageErrorResponse(bytes, err.code, `${err.message} at byte ${err.offset}`, {
      warnAgent: this.#ctx.o.warnAgent,
      toTag: randomHex(8),
    });
    if (response === undefined) this.#ctx.counters.rejectedDropped++;
    else this.#answer(response, origin);
  }

  /** Sends an error response back where the request came from: the same connection, or the packet source. */
  #answer(response: Buffer, origin: Origin): void {
    const counters = this.#ctx.counters;
    // A token bucket: a flood of malformed requests (possibly with spoofed sources) cannot make this element
    // a reflector beyond errorResponsesPerSecond.
    const now = Date.now();
    const rate = this.#ctx.o.errorResponsesPerSecond;
    this.#tokens = Math.min(rate, this.#tokens + ((now - this.#tokensAt) * rate) / 1000);
    this.#tokensAt = now;
    if (this.#tokens < 1) {
      counters.rejectedRateLimited++;
      counters.rejectedDropped++;
      return;
    }
    this.#tokens -= 1;
    counters.rejectedAnswered++;
    const c = counters.sent[origin.transport];
    c.messages++;
    c.responses++;
    c.bytes += response.length;
    if (origin.conn !== undefined) {
      if (origin.conn.usable) origin.conn.write(response);
      return;
    }
    // The packet source, not the Via: the Via of a malformed message is not trusted to name a third party.
    origin.udp?.socket.send(response, origin.source.port, origin.source.host, (err) => {
      if (err !== null && err !== undefined) this.#ctx.report.problem('TRANSPORT_SEND', `error response to ${formatEndpoint(origin.source)}: ${err.message}`, 'udp', origin.source);
    });
  }

  #internal(err: unknown, origin: Origin): void {
    this.#ctx.report.problem('TRANSPORT_INTERNAL', `input from ${formatEndpoint(origin.source)} dropped: ${(err as Error)?.message ?? String(err)}`, origin.transport, origin.source, origin.conn?.id);
    this.#ctx.counters.rejectedDropped++;
  }
}
