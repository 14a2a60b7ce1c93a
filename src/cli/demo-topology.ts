/**
 * The network of `sipclf demo`: a small RFC 8123 Figure 1 on loopback, one 127.0.x.y address per entity so
 * that each log-me engine can tell its neighbours apart by address (src/logme peers):
 *
 *   network A (trust domain)           network B (trust domain)             network C
 *   alice ─┐                           ┌─ bob   (log-me capable)
 *   erin  ─┴─ edge-a ── border-a ══════ border-b ─┼─ carol (log-me capable)  ── dave (log-me capable,
 *             marks on behalf   agreement   │     └─ frank (rejects: 486)        no agreement with B)
 *             of alice (§4.3)   with B      └──────────────────────────────────────┘
 *
 * - alice and erin run a UA without log-me (RFC 8497 §5.3); edge-a is an originating intermediary that
 *   marks on their behalf when a log-me session authorises it — one authorising alice@neta.example only
 *   (RFC 8497 §4.3, §7.1), so erin's calls stay unmarked.
 * - border-a and border-b are stateful boundary elements (§3.4.2): markers cross between A and B (a prior
 *   agreement), never toward network C (border-b strips them, §4.5.2.3, §7.2).
 * - bob, carol and frank are log-me capable terminating UAs (§4.2): they echo the marker and log.
 * - dave (network C) is log-me capable too and logs every message it receives, so the demo can show that no
 *   marked message reached it.
 */
export type Network = 'A' | 'B' | 'C';

export interface DemoEntity {
  readonly name: string;
  readonly kind: 'ua' | 'proxy';
  readonly network: Network;
  readonly ip: string;
  /** One line for the report. */
  readonly role: string;
}

export const ENTITIES: readonly DemoEntity[] = [
  { name: 'alice', kind: 'ua', network: 'A', ip: '127.0.1.1', role: "Alice's UA, not log-me capable (marked on her behalf)" },
  { name: 'erin', kind: 'ua', network: 'A', ip: '127.0.1.5', role: "Erin's UA, not log-me capable, not authorised (unmarked)" },
  { name: 'edge-a', kind: 'proxy', network: 'A', ip: '127.0.1.2', role: 'network A edge proxy: marks on behalf of alice (RFC 8497 §4.3)' },
  { name: 'border-a', kind: 'proxy', network: 'A', ip: '127.0.1.3', role: 'network A border: agreement with network B' },
  { name: 'border-b', kind: 'proxy', network: 'B', ip: '127.0.2.3', role: 'network B border: agreement with A, none with C' },
  { name: 'bob', kind: 'ua', network: 'B', ip: '127.0.2.1', role: "Bob's UA, log-me capable (§4.2)" },
  { name: 'carol', kind: 'ua', network: 'B', ip: '127.0.2.2', role: "Carol's UA, log-me capable: the transfer target" },
  { name: 'frank', kind: 'ua', network: 'B', ip: '127.0.2.4', role: "Frank's UA, log-me capable, rejects calls (486)" },
  { name: 'dave', kind: 'ua', network: 'C', ip: '127.0.3.1', role: "Dave's UA in network C, logs everything it receives" },
];

export function ipOf(name: string): string {
  const e = ENTITIES.find((x) => x.name === name);
  if (e === undefined) throw new TypeError(`no demo entity ${name}`);
  return e.ip;
}

function peer(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, addresses: [ipOf(name)], ...extra };
}

/** The log-me configuration of each proxy (docs/reference/logme.md), sessions valid around `now`. */
export function proxyLogme(name: string, now: number): unknown {
  switch (name) {
    case 'edge-a':
      return {
        roles: ['originating-intermediary'],
        peers: [peer('alice', { markFor: true }), peer('erin', { markFor: true }), peer('border-a')],
        sessions: [{ id: 'demo-alice', scope: { from: ['alice@neta.example'] }, start: now - 60_000, expires: now + 3_600_000 }],
      };
    case 'border-a':
      return { roles: ['boundary'], peers: [peer('edge-a'), peer('border-b', { trust: 'outside', agreement: true })] };
    case 'border-b':
      return {
        roles: ['boundary'],
        peers: [peer('border-a', { trust: 'outside', agreement: true }), peer('bob'), peer('carol'), peer('frank'), peer('dave', { trust: 'outside', agreement: false })],
      };
    default:
      throw new TypeError(`no demo proxy ${name}`);
  }
}

/** Static routes of each proxy, given the bound `host:port` of every entity. */
export function proxyRoutes(name: string, at: (entity: string) => string): string[] {
  switch (name) {
    case 'edge-a':
      return [`netb.example=${at('border-a')}`, `netc.example=${at('border-a')}`];
    case 'border-a':
      return [`netb.example=${at('border-b')}`, `netc.example=${at('border-b')}`];
    case 'border-b':
      return [`user:bob=${at('bob')}`, `user:carol=${at('carol')}`, `user:frank=${at('frank')}`, `netc.example=${at('dave')}`];
    default:
      return [];
  }
}
