/** `sipclf flow --format json`: the ladder as one JSON document (docs/guides/flow.md). */
import type { Flow } from './flow.js';

export function renderJson(f: Flow): string {
  const { ladder } = f;
  let prev: number | undefined;
  const messages = ladder.arrows.map((a, i) => {
    const e = a.send ?? a.receive;
    const d = prev === undefined ? 0 : a.time - prev;
    prev = a.time;
    return {
      index: i,
      from: a.from,
      to: a.to,
      time: new Date(a.time).toISOString(),
      delta: d,
      transit: a.send !== undefined && a.receive !== undefined ? a.receive.timestamp - a.send.timestamp : null,
      label: a.label,
      method: e?.method ?? '',
      status: e?.status ?? 0,
      cseq: e?.cseq ?? '',
      callId: e?.callId ?? '',
      fromTag: e?.fromTag ?? '',
      toTag: e?.toTag ?? '',
      branch: e?.branch ?? '',
      logme: a.logme,
      loggedBySender: a.send !== undefined,
      loggedByReceiver: a.receive !== undefined,
      matched: a.send !== undefined && a.receive !== undefined,
      retransmission: e?.retransmission ?? false,
      markingError: a.markError ?? null,
      ...(a.markedBy === undefined ? {} : { markedBy: a.markedBy }),
    };
  });
  const doc = {
    selector: f.selector === undefined ? null : { [f.selector.kind]: f.selector.value },
    callIds: f.callIds,
    sessionUuids: f.uuids,
    start: ladder.arrows.length > 0 ? new Date((ladder.arrows[0] as { time: number }).time).toISOString() : null,
    entities: ladder.entities.map((name) => ({ name, addresses: ladder.addresses.get(name) ?? [] })),
    messages,
    markingErrors: messages.filter((m) => m.markingError !== null).length,
    otherSessions: f.others,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
