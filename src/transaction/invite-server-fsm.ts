/**
 * The INVITE server transaction state table: RFC 3261 §17.2.1 Figure 7 as replaced by RFC 6026 §8.6.
 *
 *                            |INVITE
 *                            |pass INV to TU
 *         INVITE             V send 100 if TU won't in 200 ms
 *         send response+------------+
 *             +--------|            |--------+ 101-199 from TU
 *             +------->| Proceeding |<-------+ send response
 *                      |            |--------+ Transport Err.
 *                      |            |<-------+ Inform TU
 *                      +------------+
 *         300-699 from TU |    |2xx from TU
 *         send response   |    |send response
 *          +--------------+    +------------+
 *  INVITE  V          Timer G fires         |
 *  send  +-----------+ send response        |          INVITE: -
 *  resp. | Completed |<-------+             |          2xx from TU: send response
 *  +---->|           |--------+             V          ACK: to TU
 *  +-----|           |  Transport Err.  +------------+ Transport Err.: Inform TU
 *        +-----------+  Inform TU       |  Accepted  |<-+
 *          |       | ACK                +------------+--+
 *          |       V                           |
 *          |   +-----------+                   | Timer L fires
 *          |   | Confirmed | (ACK, INVITE: -)  |
 *          |   +-----------+                   |
 *  Timer H |       | Timer I fires             |
 *  fires   V       V                           V
 *        +-------------------------------------------+
 *        |                Terminated                 |
 *        +-------------------------------------------+
 *
 * RFC 6026 §7.1: a transport error never terminates it (it stays to absorb INVITE retransmissions).
 * Terminated is reachable from every state by the TU's terminate().
 */
import type { StateTable } from './transaction.js';

export type InviteServerState = 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';

export const INVITE_SERVER_TABLE: StateTable<InviteServerState> = {
  // §17.2.1: 100 (Trying) unless the TU responds within 200 ms ("Trying" timer).
  Proceeding: { next: ['Completed', 'Accepted', 'Terminated'], arm: ['Trying'], keep: [] },
  // §17.2.1: Timer G (unreliable only) and Timer H on entering Completed.
  Completed: { next: ['Confirmed', 'Terminated'], arm: ['G', 'H'], keep: [] },
  // §17.2.1: Timer I = T4 unreliable, 0 reliable; G and H stop.
  Confirmed: { next: ['Terminated'], arm: ['I'], keep: [] },
  // RFC 6026 §7.1: Timer L = 64·T1 for all transports.
  Accepted: { next: ['Terminated'], arm: ['L'], keep: [] },
  Terminated: { next: [], arm: [], keep: [] },
};
