/**
 * INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1): absorbs INVITE retransmissions (re-sending
 * the last provisional or the final response), sends 100 (Trying) when the TU is slow, retransmits a
 * non-2xx final on Timer G until the ACK (Completed → Confirmed) or Timer H, and after a 2xx stays in
 * Accepted for Timer L, passing ACKs up and sending the TU's 2xx retransmissions. State table:
 * invite-server-fsm.ts.
 */
import { SipclfError } from '../errors.js';
import { detach } from '../sip/bytes.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { INVITE_SERVER_TABLE, type InviteServerState } from './invite-server-fsm.js';
import { buildTrying, statusOf } from './messages.js';
import type { TimerName } from './timers.js';
import { Transaction, type TransactionOptions } from './transaction.js';
import type { ServerTransactionUser } from './types.js';

/** A response the TU hands to a server transaction: parsed, or the bytes it serialised. */
export type OutgoingResponse = SipMessage | Buffer;

export function responseBytes(res: OutgoingResponse): { bytes: Buffer; status: number } {
  if (Buffer.isBuffer(res)) return { bytes: res, status: statusOf(res) };
  if (res.isRequest) throw new SipclfError('TXN_BAD_MESSAGE', 'a server transaction sends responses, not requests');
  return { bytes: res.raw, status: res.status };
}

export class InviteServerTransaction extends Transaction<InviteServerState> {
  readonly kind = 'invite-server';
  user: ServerTransactionUser;
  #provisional: Buffer | undefined;
  #final: Buffer | undefined;
  #finalStatus = 0;
  /** To tag of the final response; null: not read yet. */
  #finalToTag: string | undefined | null = null;

  constructor(request: SipMessage, opts: TransactionOptions, user: ServerTransactionUser = {}) {
    super(request, 'Proceeding', INVITE_SERVER_TABLE, opts);
    if (request.method !== 'INVITE') throw new SipclfError('TXN_BAD_MESSAGE', `a ${request.method} does not make an INVITE server transaction`);
    this.user = user;
  }

  /** §17.2.1: enter Proceeding; 100 (Trying) now when `trying` is 0, after that many ms otherwise. */
  start(): void {
    const trying = this.plan.config.trying;
    if (trying === false) return;
    if (trying === 0) this.sendProvisional(buildTrying(this.held()));
    else this.enterInitial();
  }

  /** Status of the final response sent (0 while none). */
  get finalStatus(): number {
    return this.#finalStatus;
  }

  /** To tag of the final response sent (what an RFC 2543 ACK must carry, §17.2.3); parsed on first use. */
  get finalToTag(): string | undefined {
    // The transaction keeps the bytes it may retransmit, not a parsed copy of them (see Transaction.request).
    if (this.#finalToTag === null && this.#final !== undefined) {
      try {
        const tag = parseMessage(this.#final).toTag;
        this.#finalToTag = tag === undefined ? undefined : detach(tag);
      } catch {
        this.#finalToTag = undefined;
      }
    }
    return this.#finalToTag ?? undefined;
  }

  /** A retransmission of the INVITE (§17.2.3 matched it). Always a retransmission for the CLF flag. */
  receiveRequest(_req: SipMessage): true {
    switch (this.state) {
      case 'Proceeding': // §17.2.1: re-send the most recent provisional response, if any.
        if (this.#provisional !== undefined) this.transmit(this.#provisional, true);
        break;
      case 'Completed': // §17.2.1: re-send the final response.
        if (this.#final !== undefined) this.transmit(this.#final, true);
        break;
      default: // Confirmed, Accepted (RFC 6026 §7.1): absorbed.
        break;
    }
    return true;
  }

  /**
   * An ACK matched to this transaction. Completed → Confirmed (§17.2.1); absorbed in Confirmed; passed to
   * the TU in Accepted (RFC 6026 §7.1). Returns true when the transaction had already been acknowledged.
   */
  receiveAck(ack: SipMessage): boolean {
    switch (this.state) {
      case 'Completed':
        this.stateTransition('Confirmed');
        return false;
      case 'Accepted':
        this.user.onAck?.(ack, this);
        return false;
      case 'Confirmed':
        return true;
      default: // Proceeding: nothing to acknowledge yet; dropped.
        return false;
    }
  }

  /**
   * The TU passes a response. Returns false when the state machine discards it: after a final response
   * other than a 2xx retransmission in Accepted, or once Terminated.
   */
  respond(res: OutgoingResponse): boolean {
    const { bytes, status } = responseBytes(res);
    if (this.state === 'Accepted') {
      // RFC 6026 §7.1: 2xx retransmissions from the TU go to the transport; nothing else is sent.
      if (status < 200 || status >= 300) return false;
      // The TU's retransmission of its 2xx (§13.3.1.4) repeats the bytes; a proxy's other forks' 2xx do not.
      this.transmit(bytes, this.#final?.equals(bytes) === true);
      return true;
    }
    if (this.state !== 'Proceeding') return false;
    if (status < 200) {
      this.sendProvisional(bytes);
      return true;
    }
    this.#final = bytes;
    this.#finalStatus = status;
    this.#finalToTag = Buffer.isBuffer(res) ? null : res.toTag === undefined ? undefined : detach(res.toTag);
    this.#provisional = undefined; // only re-sent in Proceeding (§17.2.1)
    this.stateTransition(status < 300 ? 'Accepted' : 'Completed');
    this.transmit(bytes, false);
    return true;
  }

  private sendProvisional(bytes: Buffer): void {
    this.#provisional = bytes;
    this.timers.stop('Trying');
    this.transmit(bytes, false);
  }

  protected timerFired(name: TimerName): void {
    switch (name) {
      case 'Trying':
        if (this.#provisional === undefined) this.sendProvisional(buildTrying(this.held()));
        break;
      case 'G': // §17.2.1: re-send the final response; interval doubles up to T2.
        this.rearm('G');
        if (this.#final !== undefined) this.transmit(this.#final, true);
        break;
      case 'H': // §17.2.1: the ACK never came: transaction failure to the TU.
        this.stateTransition('Terminated', () => this.user.onTimeout?.(this));
        break;
      case 'I':
      case 'L':
        this.stateTransition('Terminated');
        break;
      default:
        break;
    }
  }

  /** RFC 6026 §7.1, §8.8: inform the TU and stay in the current state. */
  protected transportFailed(err: Error): void {
    this.user.onTransportError?.(this, err);
  }

  protected terminatedUser(): void {
    this.user.onTerminated?.(this);
  }
}
