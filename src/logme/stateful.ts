/**
 * Decisions of a stateful entity (UAs §4.2, intermediaries marking on behalf of endpoints §4.3, B2BUAs §4.4,
 * boundary elements §4.5.2.3–§4.5.2.5): the per-dialog state machine of phases `marked`,
 * `missing-marker-error`, `mid-dialog-error`, `stopped`, `terminated` (types.ts), error detection (§5.1) and
 * handling (§5.3), trust-boundary stripping and re-adding (§3.4.2, §7.2), and the dialog's end (§8.5).
 *
 * One rule gives the marker of every message sent: it carries the marker exactly when its dialog is being
 * marked and the neighbour may receive markers (agreement, §3.4.2; `markTowardUa`, §5.2.2). That single rule
 * yields the echo in responses (§4.2, §4.3), marking of in-dialog requests (§4.2, §4.4), re-adding on
 * messages travelling back inward (§4.5.2.3–§4.5.2.5), copying into forked branches (§3.8) and not
 * forwarding markers after an error (§5.3).
 */
import type { Core, Out } from './core.js';
import type { SipMessage } from '../sip/message.js';
import { isInitialRequest, MAX_MARKER_NEIGHBOURS, receiverTag, senderTag, type DialogRecord } from './dialog-state.js';
import { initiate, honourReceived, onBehalf } from './initiate.js';
import { sessionIdFor } from './session-id.js';
import type { LogmeEvent } from './types.js';

/** Whether the dialog's messages are to be marked (a terminated one lingers as it was, for retransmissions). */
function marking(rec: DialogRecord): boolean {
  return rec.phase === 'marked' || (rec.phase === 'terminated' && rec.wasMarked);
}

/** Ends a dialog (§8.5); the record lingers for retransmissions, then tick() drops it. */
export function endDialog(core: Core, rec: DialogRecord, reason: string, events: LogmeEvent[]): void {
  if (rec.phase === 'terminated') return;
  core.table.setPhase(rec, 'terminated');
  rec.purgeAt = core.now + core.config.limits.lingerMs;
  core.stats.dialogsEnded++;
  core.stats.endReasons[reason] = (core.stats.endReasons[reason] ?? 0) + 1;
  const e: LogmeEvent = { name: 'logme.dialog.end', time: core.now, dialog: rec.key, reason };
  events.push(rec.group.testCase === undefined ? e : { ...e, testCase: rec.group.testCase });
}

/** A stop event before the dialog's end (RFC 8123 §5.3): no more marking or logging in this dialog. */
export function stopDialog(core: Core, rec: DialogRecord, reason: string, events: LogmeEvent[]): void {
  core.table.setPhase(rec, 'stopped');
  rec.purgeAt = core.now + core.config.limits.maxDialogDurationMs;
  core.stats.endReasons[reason] = (core.stats.endReasons[reason] ?? 0) + 1;
  events.push({ name: 'logme.dialog.stop', time: core.now, dialog: rec.key, reason });
}

export function decideStateful(out: Out): void {
  const { input, nb, core } = out;
  const msg = input.message;
  let has = msg.logme;
  let rec = core.table.lookup(msg);
  if (rec !== undefined) {
    out.testCase = rec.group.testCase;
    retry(out, rec);
    // Lazily apply the clock to the record this message touches (tick() does the rest).
    if (rec.phase === 'marked' && core.now >= rec.createdAt + core.config.limits.maxDialogDurationMs) {
      const ev: LogmeEvent[] = [];
      out.phase(rec, 'marked');
      stopDialog(core, rec, 'max-duration', ev);
      out.stateChange = { dialog: rec.key, from: 'marked', to: 'stopped' };
      out.events.push(...ev);
    }
  }

  if (input.direction === 'in') {
    // §3.4.2, §7.2, RFC 8123 §6.1, REQ12: a marker from a neighbour without agreement is removed on arrival.
    if (has && !nb.agreement) {
      out.want(true, false, 'boundary');
      out.error_('unauthorised-marker', rec, 'no agreement with the neighbour');
      has = false;
    }
    if (rec === undefined) {
      if (isInitialRequest(msg)) {
        if (has) rec = honourReceived(out);
        else if (core.hasRole('originating-intermediary') && nb.markFor) rec = onBehalf(out);
        if (rec === undefined && out.marker === 'none' && has) out.marker = 'keep';
      } else if (has) {
        if (nb.marksOnOurBehalf) {
          // §5.2.2: an intermediary marking on our behalf may mark toward us; not an error.
          out.marker = 'keep';
          out.event('logme.marker.ignored', { reason: 'marks-on-our-behalf' });
        } else {
          // §5.1.2, §5.3: marking that begins mid-dialog: do not forward the marker, do not log.
          out.want(true, false, 'error');
          const bad = midDialogRecord(out);
          out.error_('mid-dialog-marker', bad, 'marker in a dialog not being logged');
        }
      }
      if (rec !== undefined) track(out, rec, has);
      return;
    }
    inDialog(out, rec, has);
    track(out, rec, has);
    return;
  }

  // direction 'out'
  if (rec === undefined) {
    if (input.local === true && isInitialRequest(msg)) rec = initiate(out);
    if (rec === undefined) {
      if (has) {
        // No marked dialog here: the marker was refused on arrival (or never authorised): never forward it
        // (§5.3, §7.2). A locally generated in-dialog marker is a mid-dialog marking (§5.1.2).
        out.want(true, false, input.local === true && !isInitialRequest(msg) ? 'error' : 'not-honoured');
        if (input.local === true && !isInitialRequest(msg)) out.error_('mid-dialog-marker', undefined, 'local marker mid-dialog');
      }
      return;
    }
  }
  const should = marking(rec) && nb.agreement && (!nb.markFor || core.config.markTowardUa);
  out.want(has, should, should ? (has ? 'keep' : 'on-behalf') : rec.phase === 'marked' || rec.phase === 'terminated' ? 'boundary' : 'error');
  if (should && (msg.sessionId === undefined || msg.method === 'CANCEL')) {
    const sid = sessionIdFor(core, rec, msg, input.local === true);
    if (sid !== undefined) {
      out.sessionId = sid;
      core.stats.sessionIdsInserted++;
      out.event('logme.sessionId.insert', { dialog: rec.key });
    }
  }
  out.log = marking(rec);
  track(out, rec, should);
}

/**
 * A retry of a marked dialog-creating request after a non-2xx final response — a 401/407 challenge (RFC 3261
 * §8.1.3.5, §22.2) or a 3xx redirection (§8.1.3.4, RFC 8497 §3.7) — reuses the Call-ID and From tag with a
 * higher CSeq, so it lands on the record that response ended. It is the same dialog attempt, marking MUST
 * have started with it (§3.2) and lasts for the dialog's lifetime (§8.5): the record is marked again rather
 * than left to expire after `lingerMs` (which would turn the dialog's later messages into §5.1.2 errors).
 * `maxDialogs` is not charged again (the dialog was counted when it first started), but the cap on
 * concurrently marked dialogs (§7.3) is checked again: at the cap the retry is not marked.
 */
function retry(out: Out, rec: DialogRecord): void {
  const msg = out.input.message;
  if (rec.phase !== 'terminated' || !rec.wasMarked || rec.confirmed || !isInitialRequest(msg)) return;
  if (msg.method !== rec.method || (msg.cseq?.seq ?? 0) <= rec.cseq) return; // a late retransmission
  const { core } = out;
  // The cap on concurrently marked dialogs still holds (§7.3): while the first attempt was over, other
  // dialogs may have taken its place. Found by test/logme/property.test.ts (FC_SEED=329042783).
  if (core.table.marked >= core.config.limits.maxMarkedDialogs) {
    core.stats.limitReached++;
    out.event('logme.limit.reached', { limit: 'limits.maxMarkedDialogs' });
    return;
  }
  rec.cseq = msg.cseq?.seq ?? 0;
  rec.createdAt = core.now;
  rec.purgeAt = undefined;
  rec.byeDeadline = undefined;
  out.phase(rec, 'marked');
  core.stats.dialogsStarted++;
  out.event('logme.dialog.start', { dialog: rec.key, reason: 'retry' });
}

/**
 * §5.1.2, §5.3: remember a dialog whose marking began mid-dialog, so that later messages in it are not
 * marked or logged and raise no new error; within `maxTrackedDialogs` (the record is then dropped after
 * `maxDialogDurationMs`).
 */
function midDialogRecord(out: Out): DialogRecord | undefined {
  const { core, input } = out;
  const msg = input.message;
  if (msg.callId === undefined || msg.fromTag === undefined) return undefined;
  if (core.table.records.size >= core.config.limits.maxTrackedDialogs) return undefined;
  const rec = core.table.create({
    msg,
    callId: msg.callId,
    tag: msg.fromTag,
    local: false,
    now: core.now,
    group: undefined,
    authorisedBy: undefined,
    phase: 'mid-dialog-error',
  });
  rec.confirmed = true;
  rec.purgeAt = core.now + core.config.limits.maxDialogDurationMs;
  out.stateChange = { dialog: rec.key, from: 'none', to: 'mid-dialog-error' };
  return rec;
}

/** §5.1.1, §5.3: the received message in a dialog this entity has a record of. */
function inDialog(out: Out, rec: DialogRecord, has: boolean): void {
  const key = out.nb.key;
  switch (rec.phase) {
    case 'marked':
      if (has) {
        if (rec.sentMarker.size < MAX_MARKER_NEIGHBOURS) rec.sentMarker.add(key);
        out.marker = 'keep';
        out.log = true;
      } else if (rec.sentMarker.has(key)) {
        // §5.1.1: this neighbour sent the marker before and now stops (also a retransmission, §5.1 case 4).
        // §5.3: MUST NOT mark subsequent messages, MUST stop logging; what was logged is kept.
        out.phase(rec, 'missing-marker-error');
        out.error_('missing-marker', rec, 'neighbour stopped sending the marker');
        rec.purgeAt = rec.createdAt + 2 * out.core.config.limits.maxDialogDurationMs;
      } else {
        // §5.2.1, §4.5.2.1 F12, §4.5.2.5: a neighbour that never marked (non-supporting) — not an error.
        out.log = true;
      }
      return;
    case 'terminated':
      out.marker = has ? 'keep' : 'none';
      out.log = rec.wasMarked;
      return;
    default:
      // After an error or a stop (§5.3): the marker is not forwarded; nothing is logged; no new error
      // (a marker reappearing after a missing-marker error is the same error, §5.1 case 3).
      if (has) out.want(true, false, 'error');
  }
}

/**
 * RFC 7989 §8, an endpoint's own UUID (`local` of what it sends): the first one is stored at once; a new one
 * in a response is accepted at once; one in a mid-dialog request waits for that request's final response
 * (accepted on 2xx or 3xx, not on a failure), one in an ACK counts if its INVITE's final response was a 2xx or
 * 3xx, and one in a CANCEL never does. Every UUID seen is linked to the session group either way.
 */
function learnUuid(core: Core, rec: DialogRecord, msg: SipMessage, tag: string | undefined, uuid: string): void {
  const known = tag === undefined ? undefined : rec.uuids.get(tag);
  if (tag === undefined || known === undefined || known === uuid || !msg.isRequest) {
    core.table.addUuid(rec, tag, uuid);
    return;
  }
  core.table.linkUuid(rec, uuid);
  const seq = msg.cseq?.seq;
  if (msg.method === 'CANCEL' || seq === undefined) return;
  if (msg.method === 'ACK') {
    const f = rec.inviteFinal;
    if (f !== undefined && f.seq === seq && f.status < 400) core.table.addUuid(rec, tag, uuid);
    return;
  }
  rec.pendingUuid = { tag, uuid, seq, method: msg.method };
}

/** A final response settles the pending UUID of the request it answers (learnUuid), and notes an INVITE's outcome. */
function settleUuid(core: Core, rec: DialogRecord, msg: SipMessage): void {
  if (msg.isRequest || msg.status < 200 || msg.cseq === undefined) return;
  const { seq, method } = msg.cseq;
  if (method === 'INVITE') rec.inviteFinal = { seq, status: msg.status };
  const p = rec.pendingUuid;
  if (p === undefined || p.seq !== seq || p.method !== method) return;
  rec.pendingUuid = undefined;
  if (msg.status < 400) core.table.addUuid(rec, p.tag, p.uuid);
}

/** Dialog bookkeeping for a message of a tracked dialog: tags, UUIDs, confirmation and end (§8.5). */
function track(out: Out, rec: DialogRecord, markedNow: boolean): void {
  const { core, input } = out;
  const msg = input.message;
  const sid = msg.sessionId;
  const st = senderTag(msg);
  if (sid !== undefined && !sid.localIsNil) learnUuid(core, rec, msg, st, sid.local);
  if (sid !== undefined && sid.remote !== undefined && sid.remote !== '00000000000000000000000000000000') {
    // `remote` is what the sender believes the other end's UUID is: it fills a gap, never overrides what that
    // end said itself (RFC 7989 §8: a stale remote is corrected, not adopted).
    const rt = receiverTag(msg);
    if (rt !== undefined && !rec.uuids.has(rt)) core.table.addUuid(rec, rt, sid.remote);
    else core.table.linkUuid(rec, sid.remote);
  }
  settleUuid(core, rec, msg);
  if (msg.isRequest && isInitialRequest(msg) && input.direction === 'out' && rec.initialSid === undefined) {
    const local = sid?.local ?? rec.uuids.get(rec.initiatorTag);
    if (local !== undefined) rec.initialSid = { local, remote: sid?.remote ?? '00000000000000000000000000000000' };
  }
  void markedNow;
  const ev: LogmeEvent[] = [];
  if (msg.isRequest) {
    if (msg.method === 'BYE' && rec.byeDeadline === undefined) rec.byeDeadline = core.now + Math.max(core.config.limits.lingerMs, 1);
    if (msg.method === 'NOTIFY' && /^\s*terminated/i.test(msg.get('Subscription-State') ?? '')) rec.subscriptionEnding = true;
  } else {
    const status = msg.status;
    const method = msg.cseq?.method ?? msg.method;
    if (status >= 200 && method === 'BYE') endDialog(core, rec, 'bye', ev);
    else if (status >= 200 && status < 300 && method === 'NOTIFY' && rec.subscriptionEnding) endDialog(core, rec, 'subscription-terminated', ev);
    else if (method === rec.method && !rec.confirmed && status > 100 && status < 200) {
      // RFC 3261 §16.8: a provisional response restarts Timer C; the early dialog lives on as long (a call
      // ringing for more than earlyTimeoutMs is still the same call, and still marked when it is answered).
      rec.earlyActivityAt = core.now;
    } else if (method === rec.method && !rec.confirmed && status >= 200) {
      const dialogCreating = rec.method === 'INVITE' || rec.method === 'SUBSCRIBE' || rec.method === 'REFER';
      if (status < 300 && dialogCreating) rec.confirmed = true;
      else if (!dialogCreating) {
        rec.confirmed = true;
        endDialog(core, rec, 'transaction-complete', ev);
      } else if (input.direction === 'out' || rec.initiatedLocally) {
        // A non-2xx final response to the dialog-creating request, as it goes toward the initiator (a
        // forking proxy forwards only the best one, RFC 3261 §16.7) or reaches it.
        endDialog(core, rec, 'final-non-2xx', ev);
      }
    }
  }
  if (ev.length > 0) {
    const before = out.stateChange?.from ?? (rec.wasMarked ? 'marked' : rec.phase);
    out.stateChange = { dialog: rec.key, from: before, to: 'terminated' };
    out.events.push(...ev);
  }
}
