/**
 * Transport counters: plain numbers bumped on the receive and send paths, copied out by stats() for the
 * metrics endpoint. Counting never allocates on the hot path except the first time an error code is seen.
 */
import type { TransportName } from './address.js';

export interface DirectionCounters {
  messages: number;
  requests: number;
  responses: number;
  bytes: number;
}

export interface TransportStats {
  /** Messages handed to the `message` listeners, by transport (bytes as received, keep-alives excluded). */
  readonly received: Record<TransportName, DirectionCounters>;
  /** Messages written to a socket, by transport (error responses and pongs excluded from `messages`). */
  readonly sent: Record<TransportName, DirectionCounters>;
  /** Received input rejected by the parser or the framer, by SIP_* code. */
  readonly parseErrors: Record<string, number>;
  /** Transport failures, by TRANSPORT_* code (bind, connect, reset, limits, send…). */
  readonly errors: Record<string, number>;
  /** Malformed requests answered with an error response (400, 513) / rejected input dropped silently. */
  readonly rejected: { readonly answered: number; readonly dropped: number; readonly rateLimited: number };
  /** RFC 3261 §18.2.1 / RFC 3581 §4 top-Via edits made on received requests. */
  readonly via: { readonly received: number; readonly rport: number };
  /** CRLF keep-alives (RFC 5626 §3.5.1): pings received on streams, pongs sent and received, CRLF datagrams. */
  readonly keepalives: { readonly pings: number; readonly pongsSent: number; readonly pongs: number; readonly datagrams: number };
  /** Stream connections: open now; opened (accepted + connected); closed, and why. */
  readonly connections: {
    readonly open: number;
    readonly accepted: number;
    readonly connected: number;
    readonly closed: number;
    readonly idleClosed: number;
    readonly refused: number;
    readonly reused: number;
  };
  /** Requests sent over TCP instead of UDP by the RFC 3261 §18.1.1 size rule, and UDP retries after it. */
  readonly sizeRule: { readonly toTcp: number; readonly udpFallback: number };
  /** A `message` listener threw; the exception was caught and counted (TRANSPORT_HANDLER). */
  readonly handlerErrors: number;
}

function dir(): DirectionCounters {
  return { messages: 0, requests: 0, responses: 0, bytes: 0 };
}

/** Mutable counters; TransportLayer.stats() returns a deep copy. */
export class Counters {
  readonly received: Record<TransportName, DirectionCounters> = { udp: dir(), tcp: dir(), tls: dir() };
  readonly sent: Record<TransportName, DirectionCounters> = { udp: dir(), tcp: dir(), tls: dir() };
  readonly parseErrors = new Map<string, number>();
  readonly errors = new Map<string, number>();
  rejectedAnswered = 0;
  rejectedDropped = 0;
  rejectedRateLimited = 0;
  viaReceived = 0;
  viaRport = 0;
  pings = 0;
  pongsSent = 0;
  pongs = 0;
  crlfDatagrams = 0;
  open = 0;
  accepted = 0;
  connected = 0;
  closed = 0;
  idleClosed = 0;
  refused = 0;
  reused = 0;
  toTcp = 0;
  udpFallback = 0;
  handlerErrors = 0;

  parseError(code: string): void {
    this.parseErrors.set(code, (this.parseErrors.get(code) ?? 0) + 1);
  }

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  snapshot(): TransportStats {
    const copy = (r: Record<TransportName, DirectionCounters>): Record<TransportName, DirectionCounters> => ({
      udp: { ...r.udp },
      tcp: { ...r.tcp },
      tls: { ...r.tls },
    });
    return {
      received: copy(this.received),
      sent: copy(this.sent),
      parseErrors: Object.fromEntries(this.parseErrors),
      errors: Object.fromEntries(this.errors),
      rejected: { answered: this.rejectedAnswered, dropped: this.rejectedDropped, rateLimited: this.rejectedRateLimited },
      via: { received: this.viaReceived, rport: this.viaRport },
      keepalives: { pings: this.pings, pongsSent: this.pongsSent, pongs: this.pongs, datagrams: this.crlfDatagrams },
      connections: {
        open: this.open,
        accepted: this.accepted,
        connected: this.connected,
        closed: this.closed,
        idleClosed: this.idleClosed,
        refused: this.refused,
        reused: this.reused,
      },
      sizeRule: { toTcp: this.toTcp, udpFallback: this.udpFallback },
      handlerErrors: this.handlerErrors,
    };
  }
}
