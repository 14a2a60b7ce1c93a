/**
 * The transaction layer (RFC 3261 §17, RFC 6026): pure state machines on an injectable clock, talking to
 * the transport through `TransportSink` and to the TU through callbacks and the manager's results.
 * docs/reference/transactions.md describes the machines, timers and interfaces.
 */
export { ManualClock, systemClock, type Clock, type TimerHandle } from './clock.js';
export { DEFAULT_TIMERS, T1_DEFAULT, T2_DEFAULT, T4_DEFAULT, resolveTimers, type TimerConfig, type TimerName } from './timers.js';
export { InviteClientTransaction } from './invite-client.js';
export { NonInviteClientTransaction } from './non-invite-client.js';
export { InviteServerTransaction, type OutgoingResponse } from './invite-server.js';
export { NonInviteServerTransaction } from './non-invite-server.js';
export type { InviteClientState } from './invite-client-fsm.js';
export type { NonInviteClientState } from './non-invite-client-fsm.js';
export type { InviteServerState } from './invite-server-fsm.js';
export type { NonInviteServerState } from './non-invite-server-fsm.js';
export type { SendObserver, TransactionOptions } from './transaction.js';
export { TransactionManager, type ManagerOptions, type ManagerStats, type RequestResult, type ResponseResult } from './manager.js';
export { clientKey, hasMagicCookie, legacyKey, responseKey, responseTarget, sentBy, serverKey } from './matching.js';
export { MAGIC_COOKIE, buildAck, buildCancel, buildTrying, newBranch, statusOf } from './messages.js';
export {
  isReliable,
  type AnyTransaction,
  type ClientTransaction,
  type ClientTransactionUser,
  type ServerTransaction,
  type ServerTransactionUser,
  type Target,
  type TransportName,
  type TransportSink,
} from './types.js';
