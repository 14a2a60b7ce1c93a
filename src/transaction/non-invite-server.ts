/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2): discards request retransmissions in Trying, re-sends
 * the last provisional in Proceeding and the final response in Completed, until Timer J. A transport error
 * terminates it (Figure 8). State table: non-invite-server-fsm.ts.
 */
import { SipclfError } from '../errors.js';
import type { SipMessage } from '../sip/message.js';
import { responseBytes, type OutgoingResponse } from './invite-server.js';
import { NON_INVITE_SERVER_TABLE, type NonInviteServerState } from './non-invite-server-fsm.js';
import type { TimerName } from './timers.js';
import { Transaction, type TransactionOptions } from './transaction.js';
import type { ServerTransactionUser } from './types.js';

export class NonInviteServerTransaction extends Transaction<NonInviteServerState> {
  readonly kind = 'non-invite-server';
  user: ServerTransactionUser;
  #provisional: Buffer | undefined;
  #final: Buffer | undefined;
  #finalStatus = 0;

  constructor(request: SipMessage, opts: TransactionOptions, user: ServerTransactionUser = {}) {
    super(request, 'Trying', NON_INVITE_SERVER_TABLE, opts);
    if (request.method === 'INVITE' || request.method === 'ACK') {
      throw new SipclfError('TXN_BAD_MESSAGE', `a ${request.method} does not make a non-INVITE server transaction`);
    }
    this.user = user;
  }

  /** Status of the final response sent (0 while none). */
  get finalStatus(): number {
    return this.#finalStatus;
  }

  /** A retransmission of the request (§17.2.3 matched it). Always a retransmission for the CLF flag. */
  receiveRequest(_req: SipMessage): true {
    switch (this.state) {
      case 'Proceeding':
        if (this.#provisional !== undefined) this.transmit(this.#provisional, true);
        break;
      case 'Completed':
        if (this.#final !== undefined) this.transmit(this.#final, true);
        break;
      default: // Trying: "the request MUST be discarded" (§17.2.2).
        break;
    }
    return true;
  }

  /** The TU passes a response; false when discarded (§17.2.2: any final after the first, or Terminated). */
  respond(res: OutgoingResponse): boolean {
    const { bytes, status } = responseBytes(res);
    if (this.state === 'Completed' || this.state === 'Terminated') return false;
    if (status < 200) {
      this.#provisional = bytes;
      if (this.state === 'Trying') this.stateTransition('Proceeding');
    } else {
      this.#final = bytes;
      this.#finalStatus = status;
      this.#provisional = undefined; // only re-sent in Proceeding (§17.2.2)
      this.stateTransition('Completed');
    }
    this.transmit(bytes, false);
    return true;
  }

  protected timerFired(name: TimerName): void {
    if (name === 'J') this.stateTransition('Terminated');
  }

  /** Figure 8: a transport error in Proceeding or Completed informs the TU and terminates. */
  protected transportFailed(err: Error): void {
    if (this.state !== 'Proceeding' && this.state !== 'Completed') return;
    this.stateTransition('Terminated', () => this.user.onTransportError?.(this, err));
  }

  protected terminatedUser(): void {
    this.user.onTerminated?.(this);
  }
}
