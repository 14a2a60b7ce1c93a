/**
 * Placing a call (RFC 3261 §13.2, §12.1.2, §15.1.1) — `sipclf call`:
 *
 *   INVITE (SDP offer, fresh Session-ID: our UUID, remote nil — RFC 7989 §6; the log-me engine marks it when
 *   a log-me session authorises, RFC 8497 §4.2) ─▶ 1xx … ─▶ 2xx: dialog, ACK (re-sent on each 2xx
 *   retransmission; a 2xx of another fork is ACKed and ended with a BYE, §13.2.2.4) ─▶ hold `holdMs` (or
 *   until the callee's BYE) ─▶ optional REFER transfer (refer.ts) ─▶ BYE ─▶ result.
 *   A non-2xx final, Timer B (408) or a transport error (503) ends the attempt.
 *
 * The local UUID of the INVITE's Session-ID is the test case identifier of a marked call (RFC 8497 §3.3).
 */
import { NIL_UUID } from '../sip/grammar/index.js';
import type { SipMessage } from '../sip/message.js';
import type { Target } from '../transaction/index.js';
import type { DialogEntry, UserAgent } from './agent.js';
import { Dialog } from './dialog.js';
import { exchange } from './exchange.js';
import { transferor } from './refer.js';
import { buildRequest } from './request.js';
import { randomHex } from '../sip/random.js';
import { SDP_TYPE, sdpOffer } from './sdp.js';
import { targetOfUri } from './target.js';
import { newTag, newUuid } from './uas.js';

export interface CallSpec {
  /** Request-URI and To of the call. */
  readonly target: string;
  /** How long the call is held once answered (ms). */
  readonly holdMs: number;
  /** Transfer the callee to this URI with a REFER before hanging up (RFC 3515, RFC 4538 Target-Dialog). */
  readonly transferTo?: string;
  /** The local UUID of the Session-ID; default a fresh one (the transferee reuses its own, RFC 8497 Figure 2). */
  readonly sessionUuid?: string;
  /** A Referred-By value (RFC 3892) for a call placed on behalf of a REFER. */
  readonly referredBy?: string;
  /** Number of the call in a run (for the result line). */
  readonly index?: number;
}

export interface CallResult {
  readonly index: number;
  readonly callId: string;
  /** Local UUID of the INVITE's Session-ID: the test case identifier when the call is marked. */
  readonly testCase: string;
  /** Final status of the INVITE (408 on timeout, 503 on transport error). */
  readonly status: number;
  readonly reason: string;
  /** True when the INVITE carried the log-me marker as sent. */
  readonly marked: boolean;
  /** INVITE sent → final response (ms). */
  readonly setupMs: number;
  /** Final response → end of the call (ms). */
  readonly durationMs: number;
  /** Who ended the call: `local` (our BYE), `remote` (the callee's BYE), `none` (no dialog). */
  readonly ended: 'local' | 'remote' | 'none';
  /** Final status of our BYE (0 when we sent none). */
  readonly byeStatus: number;
  /** The transfer's outcome: the status of the final NOTIFY's sipfrag (RFC 3515 §2.4.5), or the REFER's failure. */
  readonly transfer?: { readonly status: number; readonly reason: string };
  /** True when the call was answered, ended cleanly and, if asked, transferred. */
  readonly ok: boolean;
}

function sleep(ua: UserAgent, ms: number, wake: (f: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const t = ua.core.clock.setTimeout(() => resolve(), ms, 'hold');
    wake(() => {
      ua.core.clock.clearTimeout(t);
      resolve();
    });
  });
}

interface Setup {
  status: number;
  reason: string;
  entry: DialogEntry | undefined;
}

/** §12.2.1.1: an in-dialog request of `d` (CSeq from `seq`, Session-ID our UUID / theirs). */
export function inDialog(ua: UserAgent, d: Dialog, method: string, seq: number, extra: { headers?: Array<[string, string]>; body?: { type: string; bytes: Buffer } } = {}): { bytes: Buffer; target: Target } {
  const dest = d.destination();
  const { bytes } = buildRequest({
    method,
    requestUri: dest.requestUri,
    via: { transport: ua.core.transport, sentBy: ua.core.sentBy },
    from: `${d.localUri};tag=${d.localTag}`,
    to: `${d.remoteUri};tag=${d.remoteTag}`,
    callId: d.callId,
    cseq: seq,
    routes: dest.routes,
    ...(method === 'ACK' ? {} : { contact: ua.core.contact() }),
    sessionId: d.sessionId,
    ...(extra.headers === undefined ? {} : { headers: extra.headers }),
    ...(extra.body === undefined ? {} : { body: extra.body }),
  });
  return { bytes, target: dest.target };
}

/** Ends a dialog with a BYE (§15.1.1); resolves with the BYE's final status. */
export async function bye(ua: UserAgent, entry: DialogEntry): Promise<number> {
  const d = entry.dialog;
  if (d.state === 'terminated') return 0;
  d.state = 'terminated';
  ua.dialogs.delete(d.key);
  const { bytes, target } = inDialog(ua, d, 'BYE', d.nextSeq());
  const f = await exchange(ua.core, bytes, target);
  return f.status;
}

export async function placeCall(ua: UserAgent, spec: CallSpec): Promise<CallResult> {
  const core = ua.core;
  const uuid = spec.sessionUuid ?? newUuid();
  const callId = `${randomHex(8)}@${core.local.host}`;
  const fromTag = newTag();
  const started = Date.now();
  const proxy = core.proxy;
  let target: Target;
  try {
    target = proxy?.target ?? targetOfUri(spec.target, core.transport);
  } catch (e) {
    return failed(spec, callId, uuid, 0, e instanceof Error ? e.message : String(e));
  }
  const headers: Array<[string, string]> = spec.referredBy === undefined ? [] : [['Referred-By', spec.referredBy]];
  const { bytes } = buildRequest({
    method: 'INVITE',
    requestUri: spec.target,
    via: { transport: core.transport, sentBy: core.sentBy },
    from: `<${core.aor}>;tag=${fromTag}`,
    to: `<${spec.target}>`,
    callId,
    cseq: 1,
    routes: proxy === undefined ? [] : [`<${proxy.uri}>`],
    contact: core.contact(),
    sessionId: { local: uuid, remote: NIL_UUID },
    headers,
    body: { type: SDP_TYPE, bytes: sdpOffer(core.local.host, 40000) },
  });
  let invite: SipMessage | undefined;
  const setup = await new Promise<Setup>((resolve) => {
    let done = false;
    let entry: DialogEntry | undefined;
    let ack: { bytes: Buffer; target: Target } | undefined;
    const finish = (status: number, reason: string): void => {
      if (done) return;
      done = true;
      resolve({ status, reason, entry });
    };
    let sent: { msg: SipMessage };
    try {
      sent = core.sendRequest(bytes, target, {
      onResponse: (res) => {
        if (invite === undefined || res.status < 200) return;
        if (res.status >= 300) {
          finish(res.status, res.reason);
          return;
        }
        if (entry !== undefined && res.toTag === entry.dialog.remoteTag && ack !== undefined) {
          core.sendAck(ack.bytes, ack.target, true); // §13.2.2.4: a retransmitted 2xx gets the ACK again
          return;
        }
        const d = Dialog.uac(invite, res, uuid, core.transport);
        let a: { bytes: Buffer; target: Target };
        try {
          a = inDialog(ua, d, 'ACK', d.localSeq);
        } catch (e) {
          // A 2xx whose Contact / Record-Route gives no usable next hop: the call cannot be acknowledged.
          if (entry === undefined) finish(res.status, `${res.reason}, but ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        core.sendAck(a.bytes, a.target, false);
        const e: DialogEntry = { dialog: d };
        if (entry !== undefined) {
          // §13.2.2.4: a 2xx from a second fork: ACK it, then end that dialog.
          ua.track(bye(ua, e));
          return;
        }
        entry = e;
        ack = a;
        ua.dialogs.set(d.key, e);
        finish(res.status, res.reason);
      },
      onTimeout: () => finish(408, 'Request Timeout (no final response)'),
      onTransportError: (_t, err) => finish(503, `transport error: ${err.message}`),
      });
    } catch (e) {
      finish(0, e instanceof Error ? e.message : String(e));
      return;
    }
    invite = sent.msg;
  });
  const answered = Date.now();
  const marked = invite?.logme ?? false;
  const entry = setup.entry;
  if (entry === undefined) {
    return { index: spec.index ?? 1, callId, testCase: uuid, status: setup.status, reason: setup.reason, marked, setupMs: answered - started, durationMs: 0, ended: 'none', byeStatus: 0, ok: false };
  }
  let remoteEnded = false;
  let wake: (() => void) | undefined;
  entry.onBye = () => {
    remoteEnded = true;
    wake?.();
  };
  await sleep(ua, spec.holdMs, (f) => (wake = f));
  let transfer: CallResult['transfer'];
  let byeStatus = 0;
  try {
    if (spec.transferTo !== undefined && !remoteEnded) {
      ua.stats.transfers++;
      transfer = await transferor(ua, entry.dialog, spec.transferTo);
    }
    if (!remoteEnded) byeStatus = await bye(ua, entry);
  } catch (e) {
    // The dialog cannot be continued (an unusable Contact or Record-Route of the peer, a closed UA).
    ua.dialogs.delete(entry.dialog.key);
    const why = e instanceof Error ? e.message : String(e);
    return { ...failed(spec, callId, uuid, setup.status, `${setup.reason}; then ${why}`), marked, setupMs: answered - started, durationMs: Date.now() - answered };
  }
  const ended = remoteEnded ? 'remote' : 'local';
  const ok = (remoteEnded || (byeStatus >= 200 && byeStatus < 300)) && (transfer === undefined || (transfer.status >= 200 && transfer.status < 300));
  return {
    index: spec.index ?? 1,
    callId,
    testCase: uuid,
    status: setup.status,
    reason: setup.reason,
    marked,
    setupMs: answered - started,
    durationMs: Date.now() - answered,
    ended,
    byeStatus,
    ...(transfer === undefined ? {} : { transfer }),
    ok,
  };
}

function failed(spec: CallSpec, callId: string, uuid: string, status: number, reason: string): CallResult {
  return { index: spec.index ?? 1, callId, testCase: uuid, status, reason, marked: false, setupMs: 0, durationMs: 0, ended: 'none', byeStatus: 0, ok: false };
}
