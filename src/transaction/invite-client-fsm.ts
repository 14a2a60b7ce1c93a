/**
 * The INVITE client transaction state table: RFC 3261 §17.1.1.2 Figure 5 as replaced by RFC 6026 §8.4.
 *
 *                      |INVITE from TU
 *    Timer A fires     |INVITE sent          Timer B fires
 *    Reset A,          V                     or Transport Err.
 *    INVITE sent +-----------+               inform TU
 *      +---------|  Calling  |---------------------------------+
 *      +-------->|           |----------+ 2xx / 2xx to TU      |
 *                +-----------+          |                      |
 *   300-699        |  |1xx              |                      |
 *   ACK sent       |  |1xx to TU        |                      |
 *   resp. to TU    |  V                 |                      |
 *      +-----------+ +-----------+      |                      |
 *      |             |Proceeding |------+ 2xx / 2xx to TU      |
 *      |             +-----------+      |                      |
 *      |  300-699      |               V                      |
 *      V  ACK sent     V         +----------+ 2xx / 2xx to TU  |
 *   +-----------+<-----+         | Accepted |<-+               |
 *   | Completed | 300-699:       +----------+--+               |
 *   +-----------+ ACK resent        | Timer M fires            |
 *      | Timer D fires              |                          |
 *      | or Transport Err.          V                          |
 *      +-------------------> +------------+ <------------------+
 *                            | Terminated |
 *                            +------------+
 *
 * Terminated is reachable from every state by the TU's terminate().
 */
import type { StateTable } from './transaction.js';

export type InviteClientState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';

export const INVITE_CLIENT_TABLE: StateTable<InviteClientState> = {
  // §17.1.1.2: Timer A (unreliable only) and Timer B start with the INVITE.
  Calling: { next: ['Proceeding', 'Completed', 'Accepted', 'Terminated'], arm: ['A', 'B'], keep: [] },
  // §17.1.1.2: "the client transaction SHOULD NOT retransmit the request any longer" — A and B stop.
  Proceeding: { next: ['Completed', 'Accepted', 'Terminated'], arm: [], keep: [] },
  // RFC 6026 §8.4: Timer D on entering Completed (≥ 32 s unreliable, 0 reliable).
  Completed: { next: ['Terminated'], arm: ['D'], keep: [] },
  // RFC 6026 §7.2: Timer M = 64·T1.
  Accepted: { next: ['Terminated'], arm: ['M'], keep: [] },
  Terminated: { next: [], arm: [], keep: [] },
};
