/**
 * Grouping the messages of the logs into sessions (docs/guides/flow.md): a session is a connected component
 * of the graph that links each message's Call-ID to the non-nil UUIDs of its Session-ID (RFC 7989 local and
 * remote) and to the transaction ids its entity logged with it. Related dialogs — a transfer's new INVITE
 * that reuses the transferee's UUID (RFC 8497 §3.7), the two legs of a B2BUA — thus fall into one session;
 * the dialogs of one Call-ID (forks: different To tags) are always together.
 */
import type { FlowEvent } from './model.js';

export interface Session {
  readonly events: FlowEvent[];
  readonly callIds: string[];
  readonly uuids: string[];
}

export type Selector =
  | { readonly kind: 'call-id'; readonly value: string }
  | { readonly kind: 'session-id'; readonly value: string }
  | { readonly kind: 'test-case'; readonly value: string };

class UnionFind {
  readonly #parent = new Map<string, string>();

  find(x: string): string {
    let p = this.#parent.get(x);
    if (p === undefined) {
      this.#parent.set(x, x);
      return x;
    }
    while (p !== x) {
      const g = this.#parent.get(p) as string;
      this.#parent.set(x, g);
      x = p;
      p = g;
    }
    return x;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent.set(rb, ra);
  }
}

const NIL = /^0+$/;

/** The non-nil UUIDs of a message's Session-ID. */
export function uuidsOf(e: FlowEvent): string[] {
  const out: string[] = [];
  const s = e.sessionId;
  if (s === undefined) return out;
  if (!s.localIsNil && !NIL.test(s.local)) out.push(s.local);
  if (s.remote !== undefined && !s.remoteIsNil && !NIL.test(s.remote)) out.push(s.remote);
  return out;
}

/** The sessions of the logs, ordered by their first message in reading order. */
export function groupSessions(events: readonly FlowEvent[]): Session[] {
  const uf = new UnionFind();
  for (const e of events) {
    const c = `c:${e.callId}`;
    uf.find(c);
    for (const u of uuidsOf(e)) uf.union(c, `u:${u}`);
    if (e.serverTxn !== '') uf.union(c, `t:${e.entity}:${e.serverTxn}`);
    if (e.clientTxn !== '') uf.union(c, `t:${e.entity}:${e.clientTxn}`);
  }
  const byRoot = new Map<string, { events: FlowEvent[]; callIds: Set<string>; uuids: Set<string> }>();
  for (const e of events) {
    const root = uf.find(`c:${e.callId}`);
    let s = byRoot.get(root);
    if (s === undefined) byRoot.set(root, (s = { events: [], callIds: new Set(), uuids: new Set() }));
    s.events.push(e);
    s.callIds.add(e.callId);
    for (const u of uuidsOf(e)) s.uuids.add(u);
  }
  return [...byRoot.values()].map((s) => ({ events: s.events, callIds: [...s.callIds], uuids: [...s.uuids] }));
}

/**
 * The messages `sel` selects: for --call-id and --session-id the whole session holding that Call-ID or UUID;
 * for --test-case U the RFC 8497 §3.3 rule of `sipclf grep --test-case` — a message whose Session-ID has U as
 * local or remote UUID, or whose Call-ID is that of an initial request (no To tag) with local UUID U.
 */
export function selectEvents(sessions: readonly Session[], events: readonly FlowEvent[], sel: Selector): FlowEvent[] {
  if (sel.kind === 'call-id') return sessions.find((s) => s.callIds.includes(sel.value))?.events ?? [];
  if (sel.kind === 'session-id') return sessions.find((s) => s.uuids.includes(sel.value))?.events ?? [];
  const u = sel.value;
  const calls = new Set<string>();
  for (const e of events) if (e.isRequest && e.toTag === '' && e.sessionId?.local === u) calls.add(e.callId);
  return events.filter((e) => calls.has(e.callId) || uuidsOf(e).includes(u));
}
