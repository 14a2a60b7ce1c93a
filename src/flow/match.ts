/**
 * Matching and marking (docs/guides/flow.md). A message sent by one entity and received by the next is one
 * arrow: a received message is paired with the earliest still unpaired sent message of another entity with
 * the same Call-ID, CSeq, request method or response status, From tag, To tag and top-Via branch — the
 * fields no hop changes (a proxy adds its own Via, Record-Route and decrements Max-Forwards only on the copy
 * it forwards, which is a different message with its own branch). Messages logged by one side only are still
 * drawn, to or from the entity that owns the peer address, or the `unknown` column.
 *
 * A dialog (Call-ID) is marked when any of its messages carries the RFC 8497 `logme` marker; each message of a
 * marked Call-ID without the marker, or whose sender and receiver logged it differently, is a marking error.
 */
import type { FlowEvent } from './model.js';

export const UNKNOWN = 'unknown';

export interface Arrow {
  readonly from: string;
  readonly to: string;
  /** Send time when the sender logged it, else receive time (ms since the epoch). */
  readonly time: number;
  readonly send: FlowEvent | undefined;
  readonly receive: FlowEvent | undefined;
  readonly label: string;
  readonly logme: boolean;
  /** Why this message is a marking error, or undefined. */
  readonly markError: string | undefined;
  /**
   * An unmarked message of a marked dialog that its receiver forwarded with the marker: the receiver marks
   * on the sender's behalf (RFC 8497 §4.3, Figure 3) — not a marking error. The receiver's name.
   */
  readonly markedBy?: string;
}

export interface Ladder {
  /** Column names, left to right: logging entities, then peers named by address, then `unknown` when present. */
  readonly entities: string[];
  /** Addresses each entity was seen using. */
  readonly addresses: Map<string, string[]>;
  readonly arrows: Arrow[];
}

function key(e: FlowEvent): string {
  return [e.callId, e.cseq, e.isRequest ? e.method : String(e.status), e.fromTag, e.toTag, e.branch].join('\n');
}

export function labelOf(e: FlowEvent): string {
  if (e.isRequest) return e.method;
  const r = e.reason === '' ? String(e.status) : `${e.status} ${e.reason}`;
  return e.method === 'INVITE' || e.method === '' ? r : `${r} (${e.method})`;
}

/** `host` of `host:port` or `[v6]:port`. */
function hostOf(addr: string): string {
  if (addr.startsWith('[')) return addr.slice(1, addr.indexOf(']'));
  const c = addr.lastIndexOf(':');
  return c > 0 && addr.indexOf(':') === c ? addr.slice(0, c) : addr;
}

/** Pairs sends and receives, resolves peers, marks errors; arrows in time order. */
export function buildLadder(events: readonly FlowEvent[], names?: ReadonlyMap<string, string>): Ladder {
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
  const owner = new Map<string, string>();
  const addresses = new Map<string, string[]>();
  for (const e of sorted) {
    const own = e.sent ? e.source : e.destination;
    if (own !== '' && !owner.has(own)) owner.set(own, e.entity);
    const list = addresses.get(e.entity) ?? [];
    if (own !== '' && !list.includes(own)) list.push(own);
    addresses.set(e.entity, list);
  }
  const sends = new Map<string, FlowEvent[]>();
  for (const e of sorted) {
    if (!e.sent) continue;
    const k = key(e);
    const l = sends.get(k);
    if (l === undefined) sends.set(k, [e]);
    else l.push(e);
  }
  const paired = new Map<FlowEvent, FlowEvent>(); // send → receive
  const pairedRecv = new Set<FlowEvent>();
  for (const r of sorted) {
    if (r.sent) continue;
    const s = sends.get(key(r))?.find((c) => c.entity !== r.entity && !paired.has(c));
    if (s === undefined) continue;
    paired.set(s, r);
    pairedRecv.add(r);
  }
  // A peer that logged nothing is named by its address (the way sngrep and Wireshark name columns);
  // `unknown` only when the record has no address.
  const peer = (addr: string, self: string): string => {
    const o = owner.get(addr);
    if (o !== undefined && o !== self) return o;
    if (addr === '' || o === self) return UNKNOWN;
    return names?.get(addr) ?? names?.get(hostOf(addr)) ?? addr;
  };
  const marked = new Set(events.filter((e) => e.logme).map((e) => e.callId));
  const markedSends = new Set(events.filter((e) => e.sent && e.logme).map((e) => onBehalfKey(e, e.entity)));
  const ctx = { marked, markedSends };
  const arrows: Arrow[] = [];
  for (const e of sorted) {
    if (e.sent) {
      const r = paired.get(e);
      arrows.push(arrow(e, r, e.entity, r?.entity ?? peer(e.destination, e.entity), ctx));
    } else if (!pairedRecv.has(e)) {
      arrows.push(arrow(undefined, e, peer(e.source, e.entity), e.entity, ctx));
    }
  }
  arrows.sort((a, b) => a.time - b.time);
  // Logging entities first (in order of appearance), then the address-named peers, then `unknown`.
  const logging = new Set(events.map((e) => e.entity));
  const entities: string[] = [];
  for (const a of arrows) for (const n of [a.from, a.to]) if (logging.has(n) && !entities.includes(n)) entities.push(n);
  for (const a of arrows) for (const n of [a.from, a.to]) if (n !== UNKNOWN && !entities.includes(n)) entities.push(n);
  if (arrows.some((a) => a.from === UNKNOWN || a.to === UNKNOWN)) entities.push(UNKNOWN);
  const named = new Map<string, string[]>();
  for (const a of arrows) {
    for (const [n, e] of [[a.from, a.receive ?? a.send], [a.to, a.send ?? a.receive]] as const) {
      if (logging.has(n) || n === UNKNOWN || e === undefined) continue;
      const addr = n === a.from ? e.source : e.destination;
      const l = named.get(n) ?? [];
      if (!l.includes(addr)) l.push(addr);
      named.set(n, l);
    }
  }
  for (const [n, l] of named) if (!addresses.has(n)) addresses.set(n, l);
  return { entities, addresses, arrows };
}

/** The same message as `e` (Call-ID, CSeq, method or status) sent on by `entity`. */
function onBehalfKey(e: FlowEvent, entity: string): string {
  return `${entity}|${e.callId}|${e.cseq}|${e.isRequest ? e.method : String(e.status)}`;
}

function arrow(send: FlowEvent | undefined, receive: FlowEvent | undefined, from: string, to: string, ctx: { marked: Set<string>; markedSends: Set<string> }): Arrow {
  const e = (send ?? receive) as FlowEvent;
  const logme = send !== undefined && receive !== undefined ? send.logme && receive.logme : e.logme;
  let markError: string | undefined;
  let markedBy: string | undefined;
  if (send !== undefined && receive !== undefined && send.logme !== receive.logme) {
    markError = `logme ${send.logme ? 'lost' : 'added'} between ${send.entity} and ${receive.entity}`;
  } else if (ctx.marked.has(e.callId) && !e.logme) {
    if (receive !== undefined && ctx.markedSends.has(onBehalfKey(e, receive.entity))) markedBy = receive.entity;
    // A 100 Trying is hop by hop (RFC 3261 §16.7 step 5: never forwarded), built by the next hop's transaction
    // layer; RFC 7989 §10.8.1 lets it carry no Session-ID of the dialog: not a marking error.
    else if (e.status !== 100) markError = `no logme in a marked dialog (sent by ${from})`;
  }
  const a: Arrow = { from, to, time: send?.timestamp ?? (receive as FlowEvent).timestamp, send, receive, label: labelOf(e), logme, markError };
  return markedBy === undefined ? a : { ...a, markedBy };
}
