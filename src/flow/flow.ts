/** One session's flow: selection (grouping.ts), ladder (match.ts), and the summary the renderers share. */
import { groupSessions, selectEvents, uuidsOf, type Selector, type Session } from './grouping.js';
import { buildLadder, type Ladder } from './match.js';
import type { FlowEvent } from './model.js';

export interface SessionSummary {
  readonly callIds: string[];
  readonly uuids: string[];
  readonly messages: number;
}

export interface Flow {
  readonly selector: Selector | undefined;
  readonly callIds: string[];
  readonly uuids: string[];
  readonly ladder: Ladder;
  /** The other sessions of the logs (only when no selector was given). */
  readonly others: SessionSummary[];
}

function summary(s: Session): SessionSummary {
  return { callIds: s.callIds, uuids: s.uuids, messages: s.events.length };
}

/**
 * The flow of the session `sel` selects (the first one without), or undefined when nothing matches.
 * `names` names peers that logged nothing by address (`ADDR` or `ADDR:PORT` → name), as `--name` does.
 */
export function buildFlow(events: readonly FlowEvent[], sel: Selector | undefined, names?: ReadonlyMap<string, string>): Flow | undefined {
  const sessions = groupSessions(events);
  let chosen: FlowEvent[];
  let others: SessionSummary[] = [];
  if (sel === undefined) {
    if (sessions.length === 0) return undefined;
    chosen = (sessions[0] as Session).events;
    others = sessions.slice(1).map(summary);
  } else chosen = selectEvents(sessions, events, sel);
  if (chosen.length === 0) return undefined;
  const callIds: string[] = [];
  const uuids: string[] = [];
  for (const e of chosen) {
    if (!callIds.includes(e.callId)) callIds.push(e.callId);
    for (const u of uuidsOf(e)) if (!uuids.includes(u)) uuids.push(u);
  }
  return { selector: sel, callIds, uuids, ladder: buildLadder(chosen, names), others };
}

/** `HH:MM:SS.mmm` in UTC. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** `+S.mmm` seconds since the previous arrow. */
export function delta(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}`;
}

/** Notes for one arrow: who did not log it, the transit time, the marking error. */
export function notes(a: Flow['ladder']['arrows'][number]): string[] {
  const out: string[] = [];
  if (a.send === undefined) out.push(`not logged by sender`);
  else if (a.receive === undefined) out.push(`not logged by receiver`);
  else out.push(`transit ${a.receive.timestamp - a.send.timestamp}ms`);
  if ((a.send ?? a.receive)?.retransmission === true) out.push('retransmission');
  if (a.markError !== undefined) out.push(`MARKING ERROR: ${a.markError}`);
  if (a.markedBy !== undefined) out.push(`marked by ${a.markedBy} on the sender's behalf`);
  return out;
}
