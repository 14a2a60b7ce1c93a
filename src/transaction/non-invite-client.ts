/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2): sends the request, retransmits it on Timer E over
 * unreliable transports (doubling up to T2; every T2 once a provisional arrived), gives up on Timer F,
 * absorbs final-response retransmissions in Completed until Timer K. State table: non-invite-client-fsm.ts.
 */
import { SipclfError } from '../errors.js';
import type { SipMessage } from '../sip/message.js';
import { NON_INVITE_CLIENT_TABLE, type NonInviteClientState } from './non-invite-client-fsm.js';
import { ResponseLog } from './response-log.js';
import type { TimerName } from './timers.js';
import { Transaction, type TransactionOptions } from './transaction.js';
import type { ClientTransactionUser } from './types.js';

export class NonInviteClientTransaction extends Transaction<NonInviteClientState> {
  readonly kind = 'non-invite-client';
  user: ClientTransactionUser;
  readonly #seen = new ResponseLog(false);

  constructor(request: SipMessage, opts: TransactionOptions, user: ClientTransactionUser = {}) {
    super(request, 'Trying', NON_INVITE_CLIENT_TABLE, opts);
    // §17.1.1.3, §17: an ACK has no client transaction of its own (non-2xx: part of the INVITE's; 2xx: TU).
    if (request.method === 'INVITE' || request.method === 'ACK') {
      throw new SipclfError('TXN_BAD_MESSAGE', `a ${request.method} does not make a non-INVITE client transaction`);
    }
    this.user = user;
  }

  /** §17.1.2.2: enter Trying, arm E and F, send the request. */
  start(): void {
    this.enterInitial();
    this.transmit(this.held().raw, false);
  }

  /** A response matched to this transaction (§17.1.3); true when it is a retransmission (ResponseLog). */
  receiveResponse(res: SipMessage): boolean {
    const status = res.status;
    const retransmission = this.#seen.add(res);
    switch (this.state) {
      case 'Trying':
      case 'Proceeding':
        if (status < 200) {
          if (this.state === 'Trying') this.stateTransition('Proceeding');
        } else {
          this.stateTransition('Completed');
        }
        this.user.onResponse?.(res, this);
        break;
      case 'Completed': // §17.1.2.2: retransmissions of the final response are absorbed.
      case 'Terminated':
        break;
    }
    return retransmission;
  }

  protected timerFired(name: TimerName): void {
    switch (name) {
      case 'E':
        // §17.1.2.2: in Trying the interval doubles up to T2; in Proceeding it is reset to T2.
        this.rearm('E', this.state === 'Proceeding' ? this.plan.config.T2 : undefined);
        this.transmit(this.held().raw, true);
        break;
      case 'F':
        this.stateTransition('Terminated', () => this.user.onTimeout?.(this));
        break;
      case 'K':
        this.stateTransition('Terminated');
        break;
      default:
        break;
    }
  }

  /** §17.1.4: a failure to send the request (Trying, Proceeding) terminates and informs the TU. */
  protected transportFailed(err: Error): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    this.stateTransition('Terminated', () => this.user.onTransportError?.(this, err));
  }

  protected terminatedUser(): void {
    this.user.onTerminated?.(this);
  }
}
