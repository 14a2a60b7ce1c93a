// Property test of the log-me engine: random sequences of SIP messages — requests and responses of a few
// dialogs, marked or not, with related-dialog headers, good, nil, missing and malformed Session-IDs, random
// neighbours, directions and clock steps — through an engine with a random *valid* configuration:
//   1. process() and tick() never throw anything but the project's SipclfError;
//   2. §7.1: the engine never marks (adds a marker to, forwards a marker in, or logs) a dialog that no open
//      log-me session or received marked dialog-creating request started — or that is not related to one
//      (§3.7: Target-Dialog/Replaces/Join, a shared Session-ID UUID, a coupled B2BUA leg). The model
//      over-approximates (any open session, scope ignored), so it only flags markings with no possible cause;
//   3. §3.4.2, §7.2: no message leaves toward a neighbour without agreement carrying the marker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SipclfError } from '../../src/errors.js';
import type { LogmeConfig } from '../../src/logme/config.js';
import { validateLogmeConfig } from '../../src/logme/config-validate.js';
import { cidrContains, neighbourIp, parseCidr } from '../../src/logme/net.js';
import type { Decision } from '../../src/logme/types.js';
import type { SipMessage } from '../../src/sip/message.js';
import { A_UUID, B_UUID, NIL, T0, engine, req, res } from './util.js';

const STATEFUL = ['originating-ua', 'terminating-ua', 'originating-intermediary', 'terminating-intermediary', 'b2bua', 'boundary'];
const NEIGHBOURS = ['n0', 'n1', 'n2', '192.0.2.7:5060', '[2001:db8::9]:5060', '198.51.100.1', 'stranger'];
const UUIDS = [A_UUID, B_UUID, 'c'.repeat(32), 'd'.repeat(32), NIL];

const peerArb = (name: string, addresses: string[]) =>
  fc
    .record({
      trust: fc.constantFrom('inside', 'outside'),
      agreement: fc.option(fc.boolean(), { nil: undefined }),
      markFor: fc.boolean(),
      marksOnOurBehalf: fc.boolean(),
    })
    .map((p) => ({ name, addresses, ...p, ...(p.agreement === undefined ? { agreement: undefined } : {}) }));

const sessionArb = fc.record({
  scope: fc.constantFrom({ from: ['alice@*'] }, { to: ['bob@*'] }, { sources: ['192.0.2.0/24'] }, { userAgents: ['Test*'] }, { from: ['*'] }),
  start: fc.option(fc.integer({ min: -100_000, max: 20_000 }), { nil: undefined }),
  length: fc.integer({ min: 1, max: 900_000 }),
  enabled: fc.oneof(fc.constant(true), fc.boolean()),
  maxDialogs: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
});

const configArb = fc
  .record({
    roles: fc.oneof(
      { arbitrary: fc.constant(['proxy']), weight: 1 },
      { arbitrary: fc.constant(['stateless-logger']), weight: 1 },
      { arbitrary: fc.subarray(STATEFUL, { minLength: 1, maxLength: 3 }), weight: 6 },
    ),
    peers: fc.tuple(peerArb('n0', ['192.0.2.7']), peerArb('n1', ['2001:db8::/32']), peerArb('n2', [])).chain((ps) => fc.subarray(ps)),
    defaultPeer: fc.option(fc.record({ trust: fc.constantFrom('inside', 'outside'), agreement: fc.boolean() }), { nil: undefined }),
    sessions: fc.array(sessionArb, { maxLength: 2 }),
    flags: fc.record({ honour: fc.boolean(), screen: fc.boolean(), relatedDialogs: fc.boolean(), markTowardUa: fc.boolean(), coupleLegs: fc.boolean() }),
    maxMarked: fc.integer({ min: 0, max: 3 }),
    lingerMs: fc.integer({ min: 0, max: 40_000 }),
    earlyTimeoutMs: fc.integer({ min: 1, max: 200_000 }),
    maxDialogDurationMs: fc.integer({ min: 1, max: 400_000 }),
  })
  .map((c): LogmeConfig => {
    const proxy = c.roles[0] === 'proxy'; // a plain proxy cannot remove markers: only agreement peers (§5.3)
    const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    return validateLogmeConfig({
      roles: c.roles,
      peers: c.peers.map((p) => strip(proxy ? { ...p, agreement: true } : p)),
      ...(c.defaultPeer === undefined ? {} : { defaultPeer: proxy ? { ...c.defaultPeer, agreement: true } : c.defaultPeer }),
      sessions: c.sessions.map((s, i) =>
        strip({ id: `s${i}`, scope: s.scope, enabled: s.enabled, maxDialogs: s.maxDialogs, start: s.start === undefined ? undefined : T0 + s.start, expires: T0 + (s.start ?? 0) + s.length }),
      ),
      ...c.flags,
      limits: { maxMarkedDialogs: c.maxMarked, maxTrackedDialogs: c.maxMarked + 3, lingerMs: c.lingerMs, earlyTimeoutMs: c.earlyTimeoutMs, maxDialogDurationMs: c.maxDialogDurationMs },
    });
  });

const stepArb = fc.record({
  dialog: fc.integer({ min: 0, max: 2 }),
  isRequest: fc.boolean(),
  method: fc.constantFrom('INVITE', 'INVITE', 'ACK', 'BYE', 'CANCEL', 'INFO', 'REFER', 'OPTIONS', 'SUBSCRIBE', 'NOTIFY'),
  inDialog: fc.boolean(),
  callee: fc.boolean(),
  status: fc.constantFrom<number>(100, 180, 200, 200, 302, 407, 486),
  marked: fc.oneof(fc.constant(true), fc.boolean()),
  sid: fc.oneof(
    fc.constant<string | null>(null),
    fc.constant<string | null>('not-a-uuid'),
    fc.tuple(fc.constantFrom(...UUIDS), fc.constantFrom(...UUIDS)).map(([l, r]) => `${l};remote=${r}`),
  ),
  direction: fc.constantFrom<'in' | 'out'>('in', 'out'),
  neighbour: fc.constantFrom(...NEIGHBOURS),
  local: fc.boolean(),
  relate: fc.option(fc.record({ hdr: fc.constantFrom('Target-Dialog', 'Replaces', 'Join'), dialog: fc.integer({ min: 0, max: 2 }) }), { nil: undefined }),
  userAgent: fc.boolean(),
  otherLeg: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  cseq: fc.integer({ min: 1, max: 4 }),
  advance: fc.constantFrom(0, 0, 0, 0, 0, 500, 20_000, 40_000, 200_000),
  tick: fc.boolean(),
  /** Take method/status from the dialog's next step of a plausible call (TEMPLATE) rather than at random. */
  coherent: fc.oneof(fc.constant(true), fc.boolean()),
});
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

/** A plausible call, so that random sequences also reach established, marked dialogs. */
const TEMPLATE: ReadonlyArray<Pick<Step, 'isRequest' | 'method' | 'status' | 'inDialog' | 'callee'>> = [
  { isRequest: true, method: 'INVITE', status: 0, inDialog: false, callee: false },
  { isRequest: false, method: 'INVITE', status: 100, inDialog: false, callee: false },
  { isRequest: false, method: 'INVITE', status: 180, inDialog: false, callee: false },
  { isRequest: false, method: 'INVITE', status: 200, inDialog: false, callee: false },
  { isRequest: true, method: 'ACK', status: 0, inDialog: true, callee: false },
  { isRequest: true, method: 'INFO', status: 0, inDialog: true, callee: true },
  { isRequest: false, method: 'INFO', status: 200, inDialog: true, callee: true },
  { isRequest: true, method: 'BYE', status: 0, inDialog: true, callee: false },
  { isRequest: false, method: 'BYE', status: 200, inDialog: true, callee: false },
];

function build(s: Step): SipMessage {
  const d = s.dialog;
  const extra: string[] = [];
  if (s.relate !== undefined) {
    const r = s.relate.dialog;
    extra.push(s.relate.hdr === 'Target-Dialog' ? `Target-Dialog: c${r};local-tag=a${r};remote-tag=b${r}` : `${s.relate.hdr}: c${r};to-tag=b${r};from-tag=a${r}`);
  }
  if (s.userAgent) extra.push('User-Agent: TestPhone/1');
  const caller = { from: 'sip:alice@atlanta.example.com', to: 'sip:bob@biloxi.example.com', fromTag: `a${d}` };
  const callee = { from: 'sip:bob@biloxi.example.com', to: 'sip:alice@atlanta.example.com', fromTag: `b${d}` };
  const o = { callId: `c${d}`, cseq: s.cseq, logme: s.marked, sid: s.sid, extra };
  if (s.isRequest) {
    const side = s.callee && s.inDialog ? { ...callee, toTag: `a${d}` } : { ...caller, ...(s.inDialog ? { toTag: `b${d}` } : {}) };
    return req(s.method, { ...o, ...side });
  }
  const side = s.callee ? { ...callee, toTag: `a${d}` } : { ...caller, ...(s.status === 100 ? {} : { toTag: `b${d}` }) };
  return res(s.status, s.method, { ...o, ...side });
}

function agreementOf(c: LogmeConfig, neighbour: string): boolean {
  const byName = c.peers.find((p) => p.name === neighbour);
  if (byName !== undefined) return byName.agreement;
  const ip = neighbourIp(neighbour);
  const byIp = ip === undefined ? undefined : c.peers.find((p) => p.addresses.some((a) => cidrContains(parseCidr(a)!, ip)));
  return byIp?.agreement ?? c.defaultPeer.agreement;
}

/** Whether the message carries the marker once the decision is applied (as the conformance bus applies it). */
function markedAfter(msg: SipMessage, d: Decision): boolean {
  if (d.sessionId !== undefined) return /;logme$/.test(d.sessionId);
  return d.marker === 'add' || d.marker === 'keep' || (d.marker === 'none' && msg.logme);
}

function play(config: LogmeConfig, steps: Step[]): void {
  const { e, clock, run } = engine(config);
  const stateful = config.roles.some((r) => STATEFUL.includes(r));
  const justified = new Set<string>();
  const uuids = new Set<string>();
  const last = new Map<number, SipMessage>();
  const progress = new Map<number, number>();
  for (const [i, raw] of steps.entries()) {
    const n = progress.get(raw.dialog) ?? 0;
    const s: Step = raw.coherent ? { ...raw, ...TEMPLATE[n % TEMPLATE.length] } : raw;
    if (raw.coherent) progress.set(raw.dialog, n + 1);
    clock.now += s.advance;
    const msg = build(s);
    const cid = msg.callId ?? '';
    const sid = msg.sessionId;
    const initial = msg.isRequest && msg.toTag === undefined && msg.method !== 'ACK' && msg.method !== 'CANCEL';
    const open = config.sessions.some((x) => x.enabled && clock.now < x.expires && (x.start === undefined || clock.now >= x.start));
    if (initial && ((s.direction === 'in' && msg.logme) || open)) justified.add(cid);
    if (s.relate !== undefined && justified.has(`c${s.relate.dialog}`)) justified.add(cid);
    if ([sid?.local, sid?.remote].some((u) => u !== undefined && uuids.has(u))) justified.add(cid);
    const other = s.otherLeg === undefined ? undefined : last.get(s.otherLeg);
    if (other !== undefined && justified.has(other.callId ?? '')) justified.add(cid);
    let d: Decision;
    try {
      d = run(msg, s.direction, s.neighbour, { local: s.local, ...(other === undefined ? {} : { otherLeg: other }) });
      if (s.tick) e.tick();
    } catch (err) {
      if (err instanceof SipclfError) continue;
      throw err;
    }
    last.set(s.dialog, msg);
    if (justified.has(cid)) for (const u of [sid?.local, sid?.remote]) if (u !== undefined && u !== NIL) uuids.add(u);
    const where = `step ${i} ${msg.isRequest ? msg.method : msg.status} ${s.direction} ${s.neighbour}: ${JSON.stringify(d)}`;
    const result = markedAfter(msg, d);
    // §7.1: nobody adds a marker to, or (stateful) forwards or logs, a dialog nothing authorised.
    if (d.marker === 'add') assert.ok(justified.has(cid), `§7.1 marker added without cause at ${where}`);
    if (stateful && (d.log || (s.direction === 'out' && result))) assert.ok(justified.has(cid), `§7.1 marked/logged without cause at ${where}`);
    // §3.4.2, §7.2: never toward a neighbour without agreement.
    if (s.direction === 'out' && !agreementOf(config, s.neighbour)) assert.equal(result, false, `§3.4.2 marker toward a no-agreement neighbour at ${where}`);
    const st = e.stats();
    assert.ok(st.activeDialogs >= 0 && st.activeDialogs <= config.limits.maxMarkedDialogs, `§7.3 cap exceeded at ${where}`);
  }
}

test('§7.1, §3.4.2, §7.3 property: random message sequences through random valid configurations', () => {
  // Reproduce a failure with the seed and path fast-check prints: FC_SEED=… FC_PATH=… node --test …
  const seed = process.env['FC_SEED'];
  const path = process.env['FC_PATH'];
  fc.assert(fc.property(configArb, fc.array(stepArb, { minLength: 5, maxLength: 60 }), play), {
    numRuns: process.env['CI'] === 'true' ? 1500 : 400,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  });
});
