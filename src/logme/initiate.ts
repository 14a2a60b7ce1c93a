/**
 * Starting to mark a dialog (RFC 8497 §3.2, §4.1): only at the dialog-creating request, and only by the
 * originating UA (§4.2) or an intermediary marking on its behalf (§4.3) when an operator-enabled log-me
 * session authorises it (§7.1, §8.6); by any entity that receives a marked dialog-creating request from a
 * neighbour it may take markers from (§3.4.2, §7.2); for dialogs related to a marked one (§3.7: Target-Dialog,
 * Replaces, Join, the same Session-ID UUID after a 3xx or REFER); and for a B2BUA's second leg (§4.4).
 * Every start is subject to the DoS limits (§7.3).
 */
import type { LogmeSession } from './config.js';
import type { Core, Out } from './core.js';
import { MAX_MARKER_NEIGHBOURS, type DialogRecord, type SessionGroup } from './dialog-state.js';
import { anyMatch, calledForms, compileGlob, fromForms } from './match.js';
import { cidrContains, parseCidr } from './net.js';
import { uuidFor } from './session-id.js';

const globs = (l: readonly string[]): RegExp[] => l.map((g) => compileGlob(g)).filter((r): r is RegExp => r !== undefined);

/** §7.1: the first enabled session whose window is open, whose scope matches and that has dialogs left. */
export function matchSession(out: Out, local: boolean): LogmeSession | undefined {
  const { core, input, nb } = out;
  const msg = input.message;
  for (const s of core.config.sessions) {
    if (!s.enabled || core.now >= s.expires || (s.start !== undefined && core.now < s.start)) continue;
    if (s.maxDialogs !== undefined && (core.sessionUse.get(s.id) ?? 0) >= s.maxDialogs) continue;
    const sc = s.scope;
    if (sc.from !== undefined && !anyMatch(globs(sc.from), fromForms(msg))) continue;
    if (sc.to !== undefined && !anyMatch(globs(sc.to), calledForms(msg))) continue;
    if (sc.userAgents !== undefined && !anyMatch(globs(sc.userAgents), [msg.get('User-Agent') ?? ''])) continue;
    if (sc.sources !== undefined) {
      // A locally originated request has no source address: a session restricted by source never matches it.
      const ip = nb.ip;
      if (local || ip === undefined) continue;
      if (!sc.sources.some((c) => { const p = parseCidr(c); return p !== undefined && cidrContains(p, ip); })) continue;
    }
    return s;
  }
  return undefined;
}

/** §3.7, RFC 7989 §6: a marked dialog this request is related to, and how. */
export function findRelated(core: Core, out: Out): { group: SessionGroup; relation: string } | undefined {
  const msg = out.input.message;
  const live = (r: DialogRecord | undefined): SessionGroup | undefined =>
    r !== undefined && (r.phase === 'marked' || (r.phase === 'terminated' && r.wasMarked)) ? r.group : undefined;
  try {
    const td = msg.targetDialog();
    const g = td === undefined ? undefined : live(core.table.find(td.callId, [td.localTag, td.remoteTag]));
    if (g !== undefined) return { group: g, relation: 'target-dialog' };
    const rp = msg.replaces();
    const g2 = rp === undefined ? undefined : live(core.table.find(rp.callId, [rp.fromTag, rp.toTag]));
    if (g2 !== undefined) return { group: g2, relation: 'replaces' };
    const jn = msg.join();
    const g3 = jn === undefined ? undefined : live(core.table.find(jn.callId, [jn.fromTag, jn.toTag]));
    if (g3 !== undefined) return { group: g3, relation: 'join' };
  } catch {
    // A malformed dialog header relates to nothing.
  }
  const sid = msg.sessionId;
  for (const u of [sid?.local, sid?.remote]) {
    if (u === undefined || u === '00000000000000000000000000000000') continue;
    const g = core.table.liveGroup(u);
    if (g !== undefined) return { group: g, relation: 'session-id' };
  }
  return undefined;
}

/** Creates the record of a newly marked dialog, or refuses at a limit (§7.3). */
function start(out: Out, reason: string, group: SessionGroup | undefined, session: string | undefined, relation?: string): DialogRecord | undefined {
  const { core, input } = out;
  const msg = input.message;
  const lim = core.config.limits;
  const at = core.table.marked >= lim.maxMarkedDialogs ? 'limits.maxMarkedDialogs' : core.table.records.size >= lim.maxTrackedDialogs ? 'limits.maxTrackedDialogs' : undefined;
  if (at !== undefined || msg.callId === undefined || msg.fromTag === undefined) {
    if (at !== undefined) {
      core.stats.limitReached++;
      out.event('logme.limit.reached', { limit: at });
    }
    if (msg.logme) out.want(true, false, 'limit');
    return undefined;
  }
  const rec = core.table.create({ msg, callId: msg.callId, tag: msg.fromTag, local: input.local === true, now: core.now, group, authorisedBy: session });
  core.stats.dialogsStarted++;
  if (session !== undefined) core.sessionUse.set(session, (core.sessionUse.get(session) ?? 0) + 1);
  const sid = msg.sessionId;
  if (sid !== undefined && !sid.localIsNil) core.table.addUuid(rec, msg.fromTag, sid.local);
  // §3.3: the test case is the local UUID of the initial request; related dialogs keep their session's.
  if (rec.group.testCase === undefined) rec.group.testCase = uuidFor(core, rec, msg.fromTag, input.local === true);
  out.testCase = rec.group.testCase;
  out.stateChange = { dialog: rec.key, from: 'none', to: 'marked' };
  const fields: { dialog: string; reason: string; session?: string } = { dialog: rec.key, reason };
  if (session !== undefined) fields.session = session;
  out.event('logme.dialog.start', fields);
  if (relation !== undefined) out.event('logme.dialog.related', { dialog: rec.key, relation });
  return rec;
}

/** A dialog-creating request this entity originates (UA §4.2, B2BUA §4.4). */
export function initiate(out: Out): DialogRecord | undefined {
  const { core, input } = out;
  const msg = input.message;
  if (input.otherLeg !== undefined && core.hasRole('b2bua') && core.config.coupleLegs) {
    const other = core.table.lookup(input.otherLeg);
    if (other !== undefined && other.phase === 'marked') return start(out, 'coupled', other.group, undefined, 'other-leg');
  }
  const ua = core.hasRole('originating-ua') || core.hasRole('terminating-ua') || core.hasRole('b2bua');
  const related = ua && core.config.relatedDialogs ? findRelated(core, out) : undefined;
  if (related !== undefined) return start(out, 'related', related.group, undefined, related.relation);
  const session = core.hasRole('originating-ua') || core.hasRole('b2bua') ? matchSession(out, true) : undefined;
  if (session !== undefined) return start(out, 'initiated', undefined, session.id);
  if (msg.logme) {
    // §7.1: marking must be enabled by an authorised party; a marker without authorisation is removed (§7.2).
    out.want(true, false, 'unauthorised');
    out.error_('unauthorised-marker', undefined, 'no log-me session authorises this dialog');
  }
  return undefined;
}

/** A marked dialog-creating request received from a neighbour that may send markers (§4.2, §4.3, §4.5). */
export function honourReceived(out: Out): DialogRecord | undefined {
  const { core, nb } = out;
  if (core.config.screen && matchSession(out, false) === undefined) {
    // §7.3: screen out markers when no troubleshooting session covers them; §7.2: remove them.
    out.want(true, false, 'unauthorised');
    out.error_('unauthorised-marker', undefined, 'screened: no active log-me session');
    return undefined;
  }
  const related = findRelated(core, out);
  const rec = start(out, related !== undefined ? 'related' : 'received', related?.group, undefined, related?.relation);
  if (rec === undefined) return undefined;
  if (rec.sentMarker.size < MAX_MARKER_NEIGHBOURS) rec.sentMarker.add(nb.key);
  out.marker = 'keep';
  out.log = true;
  return rec;
}

/** An unmarked dialog-creating request from a UA this originating intermediary marks for (§4.3, §4.5.2.1). */
export function onBehalf(out: Out): DialogRecord | undefined {
  const { core } = out;
  const related = core.config.relatedDialogs ? findRelated(core, out) : undefined;
  if (related !== undefined) {
    const rec = start(out, 'related', related.group, undefined, related.relation);
    if (rec !== undefined) out.log = true;
    return rec;
  }
  const session = matchSession(out, false);
  if (session === undefined) return undefined;
  const rec = start(out, 'on-behalf', undefined, session.id);
  if (rec !== undefined) out.log = true;
  return rec;
}
