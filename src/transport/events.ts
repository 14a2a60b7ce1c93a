/**
 * The public shapes of the transport layer: what `message`, `problem` and `connection` listeners receive,
 * what send() takes and returns, and the sink the transaction layer sends through.
 */
import type { SipMessage } from '../sip/message.js';
import type { ErrorCode } from '../errors.js';
import type { Endpoint, TransportName } from './address.js';

/** A message received and parsed, as handed to the `message` listeners. */
export interface InboundMessage {
  /** The message to process and forward: for a request, the top Via carries received/rport when due. */
  readonly message: SipMessage;
  /** The message exactly as received (the same object as `message` when nothing was stamped): log this. */
  readonly original: SipMessage;
  readonly transport: TransportName;
  /** The packet source (for a stream, the far end of the connection). */
  readonly source: Endpoint;
  /** The listener (UDP) or socket (TCP/TLS) address it arrived on. */
  readonly local: Endpoint;
  /** The TCP/TLS connection it arrived on; pass it back to send the response on it (§18.2.2). */
  readonly connectionId: number | undefined;
  /** Date.now() when the bytes arrived. */
  readonly receivedAt: number;
}

export interface SendOptions {
  /** Send on this TCP/TLS connection if it is still open (else the connection table, else a new one). */
  readonly connectionId?: number | undefined;
  /** UDP: send from this listener (RFC 3581 §4: a response leaves from where the request arrived). */
  readonly local?: Endpoint | undefined;
}

/** Where a message went: for the CLF record's source and destination. */
export interface SendResult {
  readonly transport: TransportName;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly connectionId: number | undefined;
}

/** A diagnostic: something was rejected, dropped or failed (also counted in stats()). */
export interface TransportProblem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly transport?: TransportName | undefined;
  readonly remote?: Endpoint | undefined;
  readonly connectionId?: number | undefined;
}

export interface ConnectionEvent {
  readonly type: 'open' | 'close';
  readonly id: number;
  readonly transport: 'tcp' | 'tls';
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly outbound: boolean;
}

/**
 * The sending interface the transaction layer defines (src/transaction/types.ts TransportSink), restated
 * here by shape because transport may not import transaction (layers point down).
 */
export interface MessageSink {
  send(bytes: Buffer, target: Endpoint, reliable: boolean, onError?: (err: Error) => void): void;
}

export interface TransportEvents {
  message: [InboundMessage];
  problem: [TransportProblem];
  connection: [ConnectionEvent];
}
