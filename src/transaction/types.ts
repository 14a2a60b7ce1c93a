/**
 * The two interfaces the transaction layer talks through: `TransportSink` below it (the transport layer
 * adapts to it; no socket is opened here) and the transaction-user (TU) callbacks above it (RFC 3261 §17:
 * the TU is the UA core or the proxy core).
 *
 * Transport contract (for src/transport/):
 * - `send(bytes, target, reliable, onError)` queues `bytes` (one complete SIP message) to `target`.
 *   `reliable` is true for TCP and TLS (derivable from `target.transport`, given for convenience).
 * - On a stream transport `target` is the peer the request came from (for responses) or the next hop
 *   (for requests); the transport reuses an open connection to it (RFC 3261 §18.2.2, §18.1.1).
 * - A failure to deliver (connection refused or reset, ICMP unreachable, write error) is reported by
 *   calling `onError` once, synchronously or later; throwing from `send` is treated the same way. The
 *   transaction applies §17.1.4 / §17.2.4 (RFC 6026 §8.8) on it. Success is not reported.
 */
import type { SipMessage } from '../sip/message.js';
import type { InviteClientTransaction } from './invite-client.js';
import type { InviteServerTransaction } from './invite-server.js';
import type { NonInviteClientTransaction } from './non-invite-client.js';
import type { NonInviteServerTransaction } from './non-invite-server.js';

export type TransportName = 'udp' | 'tcp' | 'tls';

/** Where a message goes: transport, address and port. */
export interface Target {
  readonly transport: TransportName;
  readonly host: string;
  readonly port: number;
}

/** The transport as the transaction layer sees it. */
export interface TransportSink {
  send(bytes: Buffer, target: Target, reliable: boolean, onError?: (err: Error) => void): void;
}

/** RFC 3261 §18: TCP and TLS are reliable, UDP is not. */
export function isReliable(transport: TransportName): boolean {
  return transport !== 'udp';
}

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
export type AnyTransaction = ClientTransaction | ServerTransaction;

/** Callbacks of the TU that owns a client transaction. Called after the state change they report. */
export interface ClientTransactionUser {
  /**
   * A response the state machine passes up (§17.1.1.2, §17.1.2.2, RFC 6026 §7.2): every 1xx, the first
   * non-2xx final, and every 2xx (retransmissions and other forks' 2xx included, in Accepted).
   */
  onResponse?(response: SipMessage, txn: ClientTransaction): void;
  /** Timer B or F fired: no final response (§17.1.1.2, §17.1.2.2); the TU treats it as a 408. */
  onTimeout?(txn: ClientTransaction): void;
  /** The transport failed to send the request or the ACK (§17.1.4); the TU treats it as a 503. */
  onTransportError?(txn: ClientTransaction, err: Error): void;
  onTerminated?(txn: ClientTransaction): void;
}

/** Callbacks of the TU that owns a server transaction. */
export interface ServerTransactionUser {
  /** RFC 6026 §7.1: an ACK received in Accepted is passed to the TU, not absorbed. */
  onAck?(ack: SipMessage, txn: InviteServerTransaction): void;
  /** Timer H fired in Completed: the ACK never came (§17.2.1). */
  onTimeout?(txn: ServerTransaction): void;
  /** The transport failed to send a response (§17.2.4, RFC 6026 §8.8). */
  onTransportError?(txn: ServerTransaction, err: Error): void;
  onTerminated?(txn: ServerTransaction): void;
}
