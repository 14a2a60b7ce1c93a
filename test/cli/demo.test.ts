// `sipclf demo` — the README's main job — runs in CI and its logs are checked here independently of the
// demo's own checks (issue 7 §4): every marked message exchanged inside the trust domains logged at both
// ends; no marked message leaving for network C; unmarked calls not logged; the transfer's dialogs tied to
// one test case through their Session-ID UUIDs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadEvents, type FlowEvent } from '../../src/flow/index.js';

const root = join(import.meta.dirname, '..', '..', '..');
const AWARE_INSIDE = ['edge-a', 'border-a', 'border-b', 'bob', 'carol', 'frank'];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const d = join(dir, e);
    if (!statSync(d).isDirectory()) continue;
    for (const f of readdirSync(d)) if (f.endsWith('.clf')) out.push(join(d, f));
  }
  return out;
}

const key = (e: FlowEvent): string => `${e.callId}|${e.cseq}|${e.isRequest ? e.method : String(e.status)}|${e.branch}`;

test('README: the main job is sipclf demo', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const first = /## Set up[\s\S]*?```sh\n([^\n]*)\n```/.exec(readme)?.[1];
  assert.equal(first, 'npm ci && npx sipclf demo');
});

test('sipclf demo: finishes in under 30 s, passes its checks, and its logs show RFC 8123 / RFC 8497 behaviour', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-demo-test-'));
  try {
    const began = Date.now();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'sipclf.js'), 'demo', '--dir', dir], { encoding: 'utf8', timeout: 60_000 });
    const seconds = (Date.now() - began) / 1000;
    assert.equal(r.status, 0, `demo failed:\n${r.stdout}\n${r.stderr}`);
    assert.ok(seconds < 30, `demo took ${seconds} s`);
    assert.match(r.stdout, /The marked transfer session, merged from every log/);
    assert.match(r.stdout, /\|-+ REFER\* -+>\|/, 'the ladder shows the marked REFER');
    assert.doesNotMatch(r.stdout, /FAIL/);
    const testCase = /alice +bob, then transfer bob to carol +200 OK +marked by edge-a +Session-ID ([0-9a-f]{32}), transfer 200/.exec(r.stdout)?.[1];
    assert.ok(testCase !== undefined, r.stdout);

    const logs = files(dir);
    for (const f of logs) assert.equal(statSync(f).mode & 0o777, 0o600, `${f} is 0600`);
    const { events, problems } = await loadEvents(logs.map((f) => ({ source: f, name: f })));
    assert.deepEqual(problems, []);
    const by = (n: string): FlowEvent[] => events.filter((e) => e.entity === n);
    for (const n of AWARE_INSIDE) assert.ok(by(n).some((e) => e.logme), `${n} logged marked messages`);
    assert.equal(by('alice').length + by('erin').length, 0, 'phones without log-me log nothing');

    // Every marked message one log-me aware entity inside A/B sent to another was logged by the receiver too.
    const addressOf = new Map<string, string>();
    for (const e of events) addressOf.set(e.sent ? e.source : e.destination, e.entity);
    const received = new Set(events.filter((e) => !e.sent).map((e) => `${e.entity}|${key(e)}`));
    let hops = 0;
    for (const e of events) {
      if (!e.sent || !e.logme || !AWARE_INSIDE.includes(e.entity)) continue;
      const to = addressOf.get(e.destination);
      if (to === undefined || !AWARE_INSIDE.includes(to)) continue;
      hops++;
      assert.ok(received.has(`${to}|${key(e)}`), `${e.entity} → ${to} ${key(e)} not logged by ${to}`);
    }
    assert.ok(hops >= 40, `${hops} marked hops inside`);

    // Network C (127.0.3.x): dave logs everything he receives; nothing carries the marker.
    assert.ok(by('dave').length > 0);
    assert.equal(by('dave').filter((e) => e.logme).length, 0);
    assert.equal(events.filter((e) => e.sent && e.destination.startsWith('127.0.3.') && e.logme).length, 0);
    // border-b did receive the call for network C marked, and stripped the marker (RFC 8497 §3.4.2).
    const daveCall = by('dave').find((e) => e.isRequest && e.method === 'INVITE')?.callId;
    assert.ok(by('border-b').some((e) => !e.sent && e.callId === daveCall && e.method === 'INVITE' && e.logme));

    // erin's phone (127.0.1.5) is not authorised: its calls are in no log of networks A and B.
    assert.equal(events.filter((e) => e.callId.endsWith('@127.0.1.5') && e.entity !== 'dave').length, 0);

    // The transfer: dialog1 (alice–bob), the REFER dialog and bob's INVITE to carol, all marked, all linked by UUIDs.
    const dialog1 = events.find((e) => e.isRequest && e.method === 'INVITE' && e.toTag === '' && e.sessionId?.local === testCase)?.callId;
    const refer = events.find((e) => e.isRequest && e.method === 'REFER');
    const toCarol = by('carol').find((e) => e.isRequest && e.method === 'INVITE' && !e.sent);
    assert.ok(dialog1 !== undefined && refer !== undefined && toCarol !== undefined);
    assert.ok(refer.logme && toCarol.logme);
    const bobUuid = refer.sessionId?.remote;
    assert.equal(refer.sessionId?.local, testCase, 'the REFER carries the test case UUID (RFC 8497 Figure 2 F3)');
    assert.equal(toCarol.sessionId?.local, bobUuid, "bob's INVITE to carol carries bob's UUID of dialog1 (Figure 2 F5)");
    assert.ok(events.some((e) => e.callId === dialog1 && e.sessionId?.local === bobUuid), 'dialog1 holds both UUIDs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
