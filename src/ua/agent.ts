/**
 * `UserAgent`: the test UA of `sipclf call` and `sipclf answer` (RFC 3261 §8, §12–§15) with RFC 8497 log-me
 * roles (§4.2) and RFC 3515 / RFC 4538 transfer. One object plays both sides: it places calls (uac.ts) and
 * answers them (uas.ts), and it keeps the table of dialogs that routes in-dialog requests (§12.2.2):
 *
 *   new INVITE ─▶ 180, then after ringMs 200 + SDP (2xx retransmitted until ACK) or the rejection
 *   new REFER with Target-Dialog ─▶ 202, NOTIFY 100, INVITE to Refer-To, NOTIFY final (refer.ts)
 *   in-dialog BYE ─▶ 200, dialog ended │ re-INVITE ─▶ 200 │ NOTIFY of our REFER ─▶ 200, transferor told
 *   CANCEL ─▶ 200 (core), 487 to the pending INVITE
 */
import { SipclfError } from '../errors.js';
import { formatSessionId } from '../sip/grammar/index.js';
import type { SipMessage } from '../sip/message.js';
import type { ServerTransaction } from '../transaction/index.js';
import { UaCore, type IncomingRequest, type RequestHandler, type UaCoreOptions } from './core.js';
import { bye, placeCall, type CallResult, type CallSpec } from './uac.js';
import { ALLOW } from './request.js';
import { transferee } from './refer.js';
import { Dialog, withoutTag } from './dialog.js';
import { inviteResponse, isInviteServer, newTag, newUuid, retransmit2xx, simpleResponse, type AnswerPolicy, type PendingInvite, type Unacked } from './uas.js';

/** What happened to a call this UA received (for `sipclf answer`'s output and tests). */
export interface IncomingCallEvent {
  readonly type: 'answered' | 'rejected' | 'cancelled' | 'ended' | 'transfer';
  readonly callId: string;
  readonly from: string;
  /** The INVITE (or REFER) as received carried the log-me marker. */
  readonly marked: boolean;
  /** The status we answered with (`answered`, `rejected`, `cancelled`), or of the transfer's call. */
  readonly status?: number;
  /** For `transfer`: the Refer-To target. */
  readonly target?: string;
}

export interface UserAgentOptions extends UaCoreOptions {
  /** Told of every incoming call's outcome. */
  readonly onCall?: (e: IncomingCallEvent) => void;
  /** How new INVITEs are answered; default: 180 then 200 at once. */
  readonly answer?: AnswerPolicy;
  /** How long the transferee holds the call it places to the Refer-To target (ms); default 1000. */
  readonly transferHoldMs?: number;
}

export interface UaStats {
  placed: number;
  incoming: number;
  answered: number;
  rejected: number;
  cancelled: number;
  byes: number;
  transfers: number;
}

/** A dialog of this UA and what waits on it. */
export interface DialogEntry {
  readonly dialog: Dialog;
  unacked?: Unacked | undefined;
  /** Called when the peer ends the dialog with a BYE. */
  onBye?: (() => void) | undefined;
}

export class UserAgent implements RequestHandler {
  readonly core: UaCore;
  readonly stats: UaStats = { placed: 0, incoming: 0, answered: 0, rejected: 0, cancelled: 0, byes: 0, transfers: 0 };
  readonly policy: AnswerPolicy;
  readonly transferHoldMs: number;
  readonly dialogs = new Map<string, DialogEntry>();
  /** Subscriptions our REFERs created, by Call-ID and our tag: the NOTIFY handler of each. */
  readonly referSubscriptions = new Map<string, (notify: SipMessage) => void>();
  readonly #pending = new Map<ServerTransaction, PendingInvite>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #onCall: ((e: IncomingCallEvent) => void) | undefined;

  private constructor(core: UaCore, opts: UserAgentOptions) {
    this.core = core;
    this.#onCall = opts.onCall;
    this.policy = opts.answer ?? { ringMs: 0 };
    this.transferHoldMs = opts.transferHoldMs ?? 1000;
    core.setHandler(this);
  }

  static async start(opts: UserAgentOptions): Promise<UserAgent> {
    return new UserAgent(await UaCore.start(opts), opts);
  }

  /** Places one call (uac.ts): INVITE, ACK, hold, optional REFER transfer, BYE. Never rejects. */
  async call(spec: CallSpec): Promise<CallResult> {
    this.stats.placed++;
    return placeCall(this, spec);
  }

  /** Reports an incoming call's outcome to `onCall`. */
  emit(type: IncomingCallEvent['type'], msg: SipMessage, extra: { status?: number; target?: string } = {}): void {
    this.#onCall?.({ type, callId: msg.callId ?? '', from: withoutTag(msg.get('From') ?? ''), marked: msg.logme, ...extra });
  }

  /** Keeps a background task (a transferee's call) alive until close() has waited for it. */
  track(p: Promise<unknown>): void {
    this.#background.add(p);
    // A background task that fails (a peer's unusable Contact, a closed transport) is counted, never thrown.
    void p
      .catch((e: unknown) => {
        const code = e instanceof SipclfError ? e.code : 'INTERNAL';
        this.core.counters.errors[code] = (this.core.counters.errors[code] ?? 0) + 1;
      })
      .finally(() => this.#background.delete(p));
  }

  onRequest(req: IncomingRequest): void {
    const { msg, txn } = req;
    const toTag = msg.toTag;
    if (toTag === undefined) {
      switch (msg.method) {
        case 'INVITE':
          this.#incomingInvite(msg, txn);
          return;
        case 'REFER':
          this.track(transferee(this, req, undefined));
          return;
        case 'OPTIONS':
          this.core.respond(txn, simpleResponse(msg, 200, undefined, [['Allow', ALLOW]]));
          return;
        case 'BYE':
        case 'NOTIFY':
          this.core.respond(txn, simpleResponse(msg, 481, undefined));
          return;
        default:
          this.core.respond(txn, simpleResponse(msg, 405, undefined, [['Allow', ALLOW]]));
          return;
      }
    }
    const key = `${msg.callId ?? ''}\n${toTag}`;
    if (msg.method === 'NOTIFY') {
      const sub = this.referSubscriptions.get(key);
      if (sub !== undefined) {
        sub(msg);
        this.core.respond(txn, simpleResponse(msg, 200, undefined, sessionIdEcho(msg)));
        return;
      }
    }
    const entry = this.dialogs.get(key);
    if (entry === undefined) {
      this.core.respond(txn, simpleResponse(msg, 481, undefined));
      return;
    }
    const d = entry.dialog;
    const seq = msg.cseq?.seq ?? 0;
    // §12.2.2: a CSeq lower than the last one is out of order (500); an equal one on a new transaction too.
    if (d.remoteSeq !== undefined && seq < d.remoteSeq) {
      this.core.respond(txn, simpleResponse(msg, 500, d));
      return;
    }
    d.remoteSeq = seq;
    switch (msg.method) {
      case 'BYE':
        this.stats.byes++;
        d.state = 'terminated';
        this.#stopRetransmit(entry);
        this.dialogs.delete(key);
        this.core.respond(txn, simpleResponse(msg, 200, d));
        this.emit('ended', msg);
        entry.onBye?.();
        return;
      case 'INVITE':
        this.core.respond(txn, inviteResponse(this.core, msg, d, 200));
        return;
      case 'REFER':
        this.track(transferee(this, req, entry));
        return;
      default:
        this.core.respond(txn, simpleResponse(msg, 200, d));
    }
  }

  onAck(ack: SipMessage): void {
    const entry = this.dialogs.get(`${ack.callId ?? ''}\n${ack.toTag ?? ''}`);
    if (entry === undefined) return;
    this.#stopRetransmit(entry);
    entry.dialog.state = 'confirmed';
  }

  onCancel(target: ServerTransaction | undefined): void {
    const p = target === undefined ? undefined : this.#pending.get(target);
    if (p === undefined) return;
    this.#pending.delete(p.txn);
    if (p.timer !== undefined) this.core.clock.clearTimeout(p.timer);
    this.stats.cancelled++;
    this.core.respond(p.txn, inviteResponse(this.core, p.request, p.dialog, 487));
    this.emit('cancelled', p.request, { status: 487 });
  }

  #stopRetransmit(entry: DialogEntry): void {
    const u = entry.unacked;
    if (u?.timer !== undefined) this.core.clock.clearTimeout(u.timer);
    entry.unacked = undefined;
  }

  #incomingInvite(msg: SipMessage, txn: ServerTransaction): void {
    if (!isInviteServer(txn)) return;
    this.stats.incoming++;
    const dialog = Dialog.uas(msg, newTag(), newUuid(), this.core.transport);
    this.core.respond(txn, inviteResponse(this.core, msg, dialog, 180));
    const pending: PendingInvite = { txn, request: msg, dialog, timer: undefined };
    const final = (): void => {
      this.#pending.delete(txn);
      pending.timer = undefined;
      const reject = this.policy.reject;
      if (reject !== undefined) {
        this.stats.rejected++;
        this.core.respond(txn, inviteResponse(this.core, msg, dialog, reject));
        this.emit('rejected', msg, { status: reject });
        return;
      }
      this.stats.answered++;
      const ok = this.core.respond(txn, inviteResponse(this.core, msg, dialog, 200));
      this.emit('answered', msg, { status: 200 });
      const entry: DialogEntry = { dialog };
      entry.unacked = { txn, ok, interval: this.core.timers.T1, elapsed: 0, timer: undefined };
      this.dialogs.set(dialog.key, entry);
      retransmit2xx(this.core, entry.unacked, () => {
        // §13.3.1.4: no ACK within 64·T1 — confirm and end the session with a BYE.
        entry.unacked = undefined;
        this.track(this.hangUp(entry));
      });
    };
    if (this.policy.ringMs <= 0) {
      final();
      return;
    }
    this.#pending.set(txn, pending);
    pending.timer = this.core.clock.setTimeout(final, this.policy.ringMs, 'ring');
  }

  /** Ends a dialog with a BYE (uac.ts), resolving with the BYE's final status. */
  hangUp(entry: DialogEntry): Promise<number> {
    return bye(this, entry);
  }

  /** Waits for transferee calls in progress (up to `graceMs`), then stops listening and closes the log. */
  async close(graceMs = 40_000): Promise<void> {
    if (this.#background.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise((r) => (timer = setTimeout(r, graceMs)));
      await Promise.race([Promise.allSettled([...this.#background]), grace]);
      clearTimeout(timer);
    }
    for (const p of this.#pending.values()) if (p.timer !== undefined) this.core.clock.clearTimeout(p.timer);
    for (const e of this.dialogs.values()) this.#stopRetransmit(e);
    await this.core.close();
  }
}

/** The Session-ID of a response to `req` (RFC 7989 §6) when we hold no dialog state: the UUIDs swapped. */
function sessionIdEcho(req: SipMessage): Array<[string, string]> {
  const sid = req.sessionId;
  if (sid?.remote === undefined) return [];
  return [['Session-ID', formatSessionId({ local: sid.remote, remote: sid.local })]];
}
