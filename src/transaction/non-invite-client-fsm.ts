/**
 * The non-INVITE client transaction state table: RFC 3261 §17.1.2.2 Figure 6.
 *
 *                                   |Request from TU
 *                                   |send request
 *               Timer E             V
 *               send request  +-----------+
 *                   +---------|           |-------------------+
 *                   |         |  Trying   |  Timer F          |
 *                   +-------->|           |  or Transport Err.|
 *                             +-----------+  inform TU        |
 *                200-699         |  |                         |
 *                resp. to TU     |  |1xx                      |
 *                +---------------+  |resp. to TU              |
 *                |                  |                         |
 *                |   Timer E        V       Timer F           |
 *                |   send req +-----------+ or Transport Err. |
 *                |  +---------|           | inform TU         |
 *                |  |         |Proceeding |------------------>|
 *                |  +-------->|           |-----+             |
 *                |            +-----------+     |1xx          |
 *                |              |      ^        |resp to TU   |
 *                | 200-699      |      +--------+             |
 *                | resp. to TU  |                             |
 *                |              |                             |
 *                |              V                             |
 *                |            +-----------+                   |
 *                |            |           |                   |
 *                |            | Completed |                   |
 *                |            |           |                   |
 *                |            +-----------+                   |
 *                |              ^   |                         |
 *                |              |   | Timer K                 |
 *                +--------------+   | -                       |
 *                                   |                         |
 *                                   V                         |
 *             NOTE:           +-----------+                   |
 *                             |           |                   |
 *         transitions         | Terminated|<------------------+
 *         labeled with        |           |
 *         the event           +-----------+
 *         over the action
 *         to take
 *
 * Terminated is reachable from every state by the TU's terminate().
 */
import type { StateTable } from './transaction.js';

export type NonInviteClientState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export const NON_INVITE_CLIENT_TABLE: StateTable<NonInviteClientState> = {
  // §17.1.2.2: Timer E (unreliable only) and Timer F start with the request.
  Trying: { next: ['Proceeding', 'Completed', 'Terminated'], arm: ['E', 'F'], keep: [] },
  // E keeps retransmitting (reset to T2 on each firing), F keeps running.
  Proceeding: { next: ['Completed', 'Terminated'], arm: [], keep: ['E', 'F'] },
  // §17.1.2.2: Timer K = T4 unreliable, 0 reliable; E and F stop.
  Completed: { next: ['Terminated'], arm: ['K'], keep: [] },
  Terminated: { next: [], arm: [], keep: [] },
};
