/**
 * INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2): sends the INVITE, retransmits it on Timer A
 * over unreliable transports, gives up on Timer B, ACKs non-2xx final responses itself (§17.1.1.3) and
 * waits in Accepted for 2xx retransmissions and other forks' 2xx (Timer M). The ACK to a 2xx is the TU's.
 * State table and diagram: invite-client-fsm.ts.
 */
import type { SipMessage } from '../sip/message.js';
import { INVITE_CLIENT_TABLE, type InviteClientState } from './invite-client-fsm.js';
import { buildAck } from './messages.js';
import { ResponseLog } from './response-log.js';
import type { TimerName } from './timers.js';
import { Transaction, type TransactionOptions } from './transaction.js';
import type { ClientTransactionUser } from './types.js';

export class InviteClientTransaction extends Transaction<InviteClientState> {
  readonly kind = 'invite-client';
  user: ClientTransactionUser;
  #ack: Buffer | undefined;
  readonly #seen = new ResponseLog(true);

  /** `request.raw` is what is sent; `start()` sends it. */
  constructor(request: SipMessage, opts: TransactionOptions, user: ClientTransactionUser = {}) {
    super(request, 'Calling', INVITE_CLIENT_TABLE, opts);
    this.user = user;
  }

  /** §17.1.1.2: enter Calling, arm A and B, send the INVITE. */
  start(): void {
    this.enterInitial();
    this.transmit(this.held().raw, false);
  }

  /** The ACK this transaction sent for a non-2xx final response, if any. */
  get ack(): Buffer | undefined {
    return this.#ack;
  }

  /**
   * A response matched to this transaction (§17.1.3). Returns true when it is a retransmission of one
   * already received (the CLF "D" flag): see ResponseLog.
   */
  receiveResponse(res: SipMessage): boolean {
    const status = res.status;
    const retransmission = this.#seen.add(res);
    switch (this.state) {
      case 'Calling':
      case 'Proceeding':
        if (status < 200) {
          if (this.state === 'Calling') this.stateTransition('Proceeding');
          this.user.onResponse?.(res, this);
        } else if (status < 300) {
          // RFC 6026 §8.4: 2xx → Accepted, to the TU, no ACK from the transaction.
          this.stateTransition('Accepted');
          this.user.onResponse?.(res, this);
        } else {
          // §17.1.1.2 / RFC 6026 §8.4: 300-699 → Completed, ACK sent even on reliable transports.
          this.#ack = buildAck(this.held(), res);
          this.stateTransition('Completed');
          this.user.onResponse?.(res, this);
          if (!this.terminated) this.transmit(this.#ack, false);
        }
        break;
      case 'Completed':
        // Retransmitted 300-699: the ACK again, nothing to the TU. Anything else is dropped.
        if (status >= 300 && this.#ack !== undefined) this.transmit(this.#ack, true);
        break;
      case 'Accepted':
        // RFC 6026 §7.2: every 2xx goes to the TU; the transaction never ACKs it.
        if (status >= 200 && status < 300) this.user.onResponse?.(res, this);
        break;
      case 'Terminated':
        break;
    }
    return retransmission;
  }

  protected timerFired(name: TimerName): void {
    switch (name) {
      case 'A': // §17.1.1.2: retransmit, double the interval.
        this.rearm('A');
        this.transmit(this.held().raw, true);
        break;
      case 'B': // §17.1.1.2: no response in 64·T1: inform the TU.
        this.stateTransition('Terminated', () => this.user.onTimeout?.(this));
        break;
      case 'D':
      case 'M':
        this.stateTransition('Terminated');
        break;
      default:
        break;
    }
  }

  /** §17.1.4 and RFC 6026 Figure 5: from Calling (the INVITE) or Completed (the ACK), inform TU, Terminated. */
  protected transportFailed(err: Error): void {
    if (this.state !== 'Calling' && this.state !== 'Completed') return;
    this.stateTransition('Terminated', () => this.user.onTransportError?.(this, err));
  }

  protected terminatedUser(): void {
    this.user.onTerminated?.(this);
  }
}
