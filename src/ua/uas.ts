/**
 * The answering side (RFC 3261 §13.3, §15.1.2) of `sipclf answer`: a new INVITE gets 180 Ringing at once
 * and, after `ringMs`, 200 OK with an SDP answer or the configured rejection; the 2xx is retransmitted on
 * T1 doubling to T2 until its ACK (§13.3.1.4) or 64·T1, when the dialog is ended with a BYE; re-INVITEs are
 * answered 200; BYE ends the dialog; CANCEL before the final response gets 487 (§9.2). Responses that
 * establish a dialog copy Record-Route and carry our Contact (§12.1.1) and our Session-ID (RFC 7989 §6:
 * our UUID as local, the caller's as remote; the log-me engine adds or echoes the marker, RFC 8497 §4.2).
 */
import type { SipMessage } from '../sip/message.js';
import { buildResponse, newTag } from '../sip/reply.js';
import type { InviteServerTransaction, ServerTransaction, TimerHandle } from '../transaction/index.js';
import { formatSessionId } from '../sip/grammar/index.js';
import type { UaCore } from './core.js';
import type { Dialog } from './dialog.js';
import { SDP_TYPE, sdpAnswer } from './sdp.js';

export interface AnswerPolicy {
  /** Delay between 180 Ringing and the final response (ms). Default 0. */
  readonly ringMs: number;
  /** Reject every call with this status (≥ 300) instead of answering. */
  readonly reject?: number;
}

/** An incoming INVITE not yet given a final response. */
export interface PendingInvite {
  readonly txn: InviteServerTransaction;
  /** The INVITE (the transaction releases its own copy once it has answered: Transaction.request). */
  readonly request: SipMessage;
  readonly dialog: Dialog;
  timer: TimerHandle | undefined;
}

/** An answered INVITE whose 2xx is retransmitted until the ACK. */
export interface Unacked {
  readonly txn: InviteServerTransaction;
  readonly ok: SipMessage;
  interval: number;
  elapsed: number;
  timer: TimerHandle | undefined;
}

export function newUuid(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

/** Headers of a dialog-establishing response (§12.1.1): Record-Route copied, Contact, Session-ID. */
export function dialogHeaders(core: UaCore, req: SipMessage, dialog: Dialog): Array<[string, string]> {
  const h: Array<[string, string]> = req.getAll('Record-Route').map((v): [string, string] => ['Record-Route', v]);
  h.push(['Contact', core.contact('answer')], ['Session-ID', formatSessionId(dialog.sessionId)]);
  return h;
}

/** The 180 or final response to an INVITE of `dialog`. */
export function inviteResponse(core: UaCore, req: SipMessage, dialog: Dialog, status: number): Buffer {
  const headers = status < 300 ? dialogHeaders(core, req, dialog) : [['Session-ID', formatSessionId(dialog.sessionId)] as [string, string]];
  const body = status >= 200 && status < 300 ? { type: SDP_TYPE, bytes: sdpAnswer(core.local.host, 40000, req.body) } : undefined;
  return buildResponse(req, status, { toTag: dialog.localTag, headers, ...(body === undefined ? {} : { body }) });
}

/** A plain in-dialog response (200 to BYE, NOTIFY, 481…) with our Session-ID when we know the dialog. */
export function simpleResponse(req: SipMessage, status: number, dialog: Dialog | undefined, extra: Array<[string, string]> = []): Buffer {
  const headers: Array<[string, string]> = dialog === undefined ? [] : [['Session-ID', formatSessionId(dialog.sessionId)]];
  return buildResponse(req, status, { headers: [...headers, ...extra], ...(dialog === undefined ? {} : { toTag: dialog.localTag }) });
}

/** §13.3.1.4: re-sends the 2xx at T1, doubling to T2, until the ACK; after 64·T1 gives up (`onGiveUp`: a BYE). */
export function retransmit2xx(core: UaCore, u: Unacked, onGiveUp: () => void): void {
  const { T1: t1, T2: t2 } = core.timers;
  u.timer = core.clock.setTimeout(() => {
    u.timer = undefined;
    u.elapsed += u.interval;
    if (u.elapsed >= 64 * t1) {
      onGiveUp();
      return;
    }
    core.retransmit(u.txn, u.ok);
    u.interval = Math.min(u.interval * 2, t2);
    retransmit2xx(core, u, onGiveUp);
  }, u.interval, 'G');
}

export function isInviteServer(t: ServerTransaction | undefined): t is InviteServerTransaction {
  return t?.kind === 'invite-server';
}

export { newTag };
