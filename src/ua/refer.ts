/**
 * Call transfer (RFC 3515 REFER, RFC 4538 Target-Dialog, RFC 3892 Referred-By) — the related-dialog flow
 * of RFC 8497 Figure 2 (§3.7), with `sipclf call --transfer-to` as the transferor and `sipclf answer` as
 * the transferee:
 *
 *   transferor ── REFER (new dialog2, Target-Dialog: dialog1, Refer-To) ──▶ transferee   202 Accepted
 *   transferee ── NOTIFY (sipfrag 100 Trying, Subscription-State: active) ──▶ transferor  200
 *   transferee ── INVITE to Refer-To (dialog3, Session-ID local = its dialog1 UUID) ──▶ target …
 *   transferee ── NOTIFY (sipfrag of dialog3's final status, terminated) ──▶ transferor   200
 *   transferor ── BYE (dialog1)
 *
 * Session-ID (RFC 7989 §6, as in Figure 2 F3–F5): the REFER carries the transferor's dialog1 UUID as local
 * and the transferee's as remote; the NOTIFYs the reverse; the transferee's INVITE to the target carries
 * its dialog1 UUID as local — so the log-me engines relate dialog2 (Target-Dialog) and dialog3 (the same
 * UUID) to the marked dialog1, and a reader ties all three to one test case.
 */
import type { SipMessage } from '../sip/message.js';
import { buildResponse } from '../sip/reply.js';
import type { DialogEntry, UserAgent } from './agent.js';
import type { IncomingRequest } from './core.js';
import { Dialog } from './dialog.js';
import { exchange } from './exchange.js';
import { buildRequest } from './request.js';
import { randomHex } from '../sip/random.js';
import { sipUri } from './target.js';
import { inDialog } from './uac.js';
import { dialogHeaders, newTag, simpleResponse } from './uas.js';

/** How long the transferor waits for the final NOTIFY (RFC 3515 §2.4.5 gives no bound; 64·T1 per step). */
const NOTIFY_WAIT_MS = 40_000;

/** The status line of a message/sipfrag body (RFC 3420), e.g. `SIP/2.0 200 OK`. */
export function sipfragStatus(body: Buffer): { status: number; reason: string } | undefined {
  const m = /^SIP\/2\.0 (\d{3}) ?([^\r\n]*)/.exec(body.toString('latin1'));
  return m === null ? undefined : { status: Number(m[1]), reason: m[2] ?? '' };
}

/** The transferor's side: REFER, NOTIFYs until the final one; resolves with the transfer's outcome. */
export async function transferor(ua: UserAgent, d1: Dialog, referTo: string): Promise<{ status: number; reason: string }> {
  const core = ua.core;
  const callId = `${randomHex(8)}@${core.local.host}`;
  const tag = newTag();
  const key = `${callId}\n${tag}`;
  let resolveFinal: (v: { status: number; reason: string }) => void = () => undefined;
  const final = new Promise<{ status: number; reason: string }>((r) => (resolveFinal = r));
  ua.referSubscriptions.set(key, (notify: SipMessage) => {
    const frag = sipfragStatus(notify.body);
    const terminated = /^\s*terminated/i.test(notify.get('Subscription-State') ?? '');
    if (frag !== undefined && (frag.status >= 200 || terminated)) resolveFinal(frag);
    else if (terminated) resolveFinal({ status: 500, reason: 'subscription terminated without a final status' });
  });
  const dest = d1.destination();
  const { bytes } = buildRequest({
    method: 'REFER',
    requestUri: d1.remoteTarget,
    via: { transport: core.transport, sentBy: core.sentBy },
    from: `${d1.localUri};tag=${tag}`,
    to: `<${d1.remoteTarget}>`,
    callId,
    cseq: 1,
    routes: dest.routes,
    contact: core.contact(),
    sessionId: d1.sessionId,
    headers: [
      ['Refer-To', `<${referTo}>`],
      ['Referred-By', `<${core.aor}>`],
      // RFC 4538 §7: local-tag is the tag of the recipient's side of the target dialog.
      ['Target-Dialog', `${d1.callId};local-tag=${d1.remoteTag};remote-tag=${d1.localTag}`],
      ['Require', 'tdialog'],
      ['Event', 'refer'],
    ],
  });
  try {
    const refer = await exchange(core, bytes, dest.target);
    if (refer.status >= 300) return { status: refer.status, reason: `REFER rejected: ${refer.reason}` };
    let timer: ReturnType<typeof core.clock.setTimeout> | undefined;
    const timeout = new Promise<{ status: number; reason: string }>((r) => {
      timer = core.clock.setTimeout(() => r({ status: 408, reason: 'no final NOTIFY' }), NOTIFY_WAIT_MS, 'notify');
    });
    const outcome = await Promise.race([final, timeout]);
    if (timer !== undefined) core.clock.clearTimeout(timer);
    return outcome;
  } finally {
    ua.referSubscriptions.delete(key);
  }
}

/** A NOTIFY of the implicit refer subscription (RFC 3515 §2.4.4) carrying `frag` as message/sipfrag. */
function notify(ua: UserAgent, d2: Dialog, frag: string, state: string): Promise<unknown> {
  const { bytes, target } = inDialog(ua, d2, 'NOTIFY', d2.nextSeq(), {
    headers: [['Event', 'refer'], ['Subscription-State', state]],
    body: { type: 'message/sipfrag;version=2.0', bytes: Buffer.from(`${frag}\r\n`, 'latin1') },
  });
  return exchange(ua.core, bytes, target);
}

/**
 * The transferee's side, for a REFER out of dialog (Target-Dialog names `dialog1`) or inside `inside`:
 * 202, NOTIFY 100, the call to the Refer-To URI, NOTIFY with its final status.
 */
export async function transferee(ua: UserAgent, req: IncomingRequest, inside: DialogEntry | undefined): Promise<void> {
  const { msg, txn } = req;
  const core = ua.core;
  let target: string;
  let d1: Dialog | undefined = inside?.dialog;
  try {
    const rt = msg.referTo();
    if (rt === undefined) throw new Error('no Refer-To');
    target = sipUri(rt.uri.raw, 'Refer-To').raw;
    if (d1 === undefined) {
      const td = msg.targetDialog();
      const entry = td === undefined ? undefined : ua.dialogs.get(`${td.callId}\n${td.localTag}`);
      d1 = entry?.dialog;
    }
  } catch (e) {
    core.respond(txn, buildResponse(msg, 400, { reason: `Bad Refer-To: ${e instanceof Error ? e.message : String(e)}` }));
    return;
  }
  if (d1 === undefined) {
    // RFC 4538 §5: a Target-Dialog naming no dialog of ours.
    core.respond(txn, simpleResponse(msg, 481, undefined));
    return;
  }
  ua.stats.transfers++;
  const d2 = inside?.dialog ?? Dialog.uas(msg, newTag(), d1.localUuid, core.transport);
  d2.state = 'confirmed';
  core.respond(txn, buildResponse(msg, 202, { toTag: d2.localTag, headers: dialogHeaders(core, msg, d2) }));
  await notify(ua, d2, 'SIP/2.0 100 Trying', 'active;expires=60');
  const result = await ua.call({
    target,
    holdMs: ua.transferHoldMs,
    sessionUuid: d1.localUuid,
    referredBy: msg.get('Referred-By') ?? `<${d1.remoteUri.replace(/^.*<([^>]*)>.*$/, '$1')}>`,
  });
  const status = result.status === 0 ? 503 : result.status;
  ua.emit('transfer', msg, { status, target });
  await notify(ua, d2, `SIP/2.0 ${status} ${result.reason}`, 'terminated;reason=noresource');
}

