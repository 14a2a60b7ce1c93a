/**
 * Maps the roles of a conformance vector's entity (test/vectors/rfc8497/, README "Entities") onto a
 * LogmeEngine configuration — the only place where the suite knows the engine's configuration schema.
 *
 * - UA `originating`: roles originating-ua + terminating-ua, and a log-me session authorising the dialogs it
 *   originates from its own AOR (§7.1: disabled by default, enabled for specific calls in a time window).
 * - UA `supporting`: terminating-ua (§4.2); marks related dialogs when the vector says so (§3.7).
 * - UA `none`: a UA without RFC 8497 is, for markers, a plain element: role `proxy` (never marks, never
 *   logs, ignores what it receives).
 * - proxy `plain`: role `proxy` (§5.3); `stateless`: stateless-logger (§4.5.1).
 * - proxy `stateful`: originating-/terminating-intermediary when it marks on behalf of a UA (§4.3, the UA is
 *   a `markFor` peer; the originating one gets a session for that UA's AOR), otherwise `boundary` (a
 *   stateful log-me aware element; peers in `noMarkerToward` get `agreement: false`, §3.4.2/§7.2).
 *   Neighbours of the same network are `inside`, of the other network `outside` (RFC 8123 §3 trust domain).
 */
import type { Vector, VectorEntity } from './conformance-bus.js';
import { START_TIME } from './conformance-bus.js';

function aor(uri: string | undefined): string {
  return (uri ?? '').replace(/^sips?:/, '');
}

function ipOf(address: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(address);
  if (v6?.[1] !== undefined) return v6[1];
  return address.replace(/:\d+$/, '');
}

/** Names of the entities `e` exchanges messages with in this flow. */
function neighboursOf(e: VectorEntity, v: Vector): string[] {
  const out = new Set<string>();
  for (const m of v.messages) {
    if (m.from === e.name) out.add(m.to);
    if (m.to === e.name) out.add(m.from);
  }
  return [...out];
}

function network(v: Vector, name: string): string | undefined {
  return v.entities.find((x) => x.name === name)?.network;
}

function session(id: string, from: string): Record<string, unknown> {
  return { id, scope: { from: [from] }, start: START_TIME - 60_000, expires: START_TIME + 3_600_000 };
}

/** The LogmeEngine configuration (plain data, validated by the engine) of one entity of a figure. */
export function configFor(e: VectorEntity, v: Vector): Record<string, unknown> {
  const peers = neighboursOf(e, v).map((name) => {
    const other = v.entities.find((x) => x.name === name);
    const outside = e.kind === 'proxy' && network(v, name) !== network(v, e.name);
    return {
      name,
      addresses: other === undefined ? [] : [ipOf(other.address)],
      trust: outside ? 'outside' : 'inside',
      agreement: !(e.noMarkerToward ?? []).includes(name),
      markFor: e.onBehalfOf?.entity === name,
    };
  });
  const related = e.relatedDialogs === undefined ? {} : { relatedDialogs: e.relatedDialogs };
  switch (e.logme) {
    case 'originating':
      return { roles: ['originating-ua', 'terminating-ua'], peers, sessions: [session(`fig${v.figure}-${e.name}`, aor(e.uri))], ...related };
    case 'supporting':
      return { roles: ['terminating-ua'], peers, ...related };
    case 'none':
    case 'plain':
      return { roles: ['proxy'], peers };
    case 'stateless':
      return { roles: ['stateless-logger'], peers };
    case 'stateful': {
      if (e.onBehalfOf?.side === 'originating') {
        const ua = v.entities.find((x) => x.name === e.onBehalfOf?.entity);
        return { roles: ['originating-intermediary'], peers, sessions: [session(`fig${v.figure}-${e.name}`, aor(ua?.uri))] };
      }
      if (e.onBehalfOf?.side === 'terminating') return { roles: ['terminating-intermediary'], peers };
      return { roles: ['boundary'], peers };
    }
    case 'scripted':
      throw new Error(`${e.name} is scripted: it has no engine`);
  }
}

/** Deterministic version-4 UUIDs per entity (RFC 4122 §4.4 layout), so runs are reproducible. */
export function uuidSource(entityIndex: number): { v4(): string } {
  let n = 0;
  const e = entityIndex.toString(16).padStart(8, '0');
  return { v4: () => `${e}00004000800${(++n).toString(16).padStart(13, '0')}` };
}
