/**
 * The non-INVITE server transaction state table: RFC 3261 §17.2.2 Figure 8.
 *
 *                           |Request received
 *                           |pass to TU
 *                           V
 *                     +-----------+
 *                     |           |
 *                     | Trying    |-------------+
 *                     |           |             |
 *                     +-----------+             |200-699 from TU
 *                           |                   |send response
 *                           |1xx from TU        |
 *                           |send response      |
 *                           |                   |
 *        Request            V      1xx from TU  |
 *        send response+-----------+send response|
 *            +--------|           |--------+    |
 *            |        | Proceeding|        |    |
 *            +------->|           |<-------+    |
 *     +<--------------|           |             |
 *     |Trnsprt Err    +-----------+             |
 *     |Inform TU            |                   |
 *     |                     |                   |
 *     |                     |200-699 from TU    |
 *     |                     |send response      |
 *     |  Request            V                   |
 *     |  send response+-----------+             |
 *     |      +--------|           |             |
 *     |      |        | Completed |<------------+
 *     |      +------->|           |
 *     +<--------------|           |
 *     |Trnsprt Err    +-----------+
 *     |Inform TU            |
 *     |                     |Timer J fires
 *     |                     |-
 *     |                     |
 *     |                     V
 *     |               +-----------+
 *     |               |           |
 *     +-------------->| Terminated|
 *                     |           |
 *                     +-----------+
 *
 * Terminated is reachable from every state by the TU's terminate().
 */
import type { StateTable } from './transaction.js';

export type NonInviteServerState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export const NON_INVITE_SERVER_TABLE: StateTable<NonInviteServerState> = {
  Trying: { next: ['Proceeding', 'Completed', 'Terminated'], arm: [], keep: [] },
  Proceeding: { next: ['Completed', 'Terminated'], arm: [], keep: [] },
  // §17.2.2: Timer J = 64·T1 unreliable, 0 reliable.
  Completed: { next: ['Terminated'], arm: ['J'], keep: [] },
  Terminated: { next: [], arm: [], keep: [] },
};
