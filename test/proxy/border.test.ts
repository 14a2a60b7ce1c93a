// Two `sipclf proxy` processes as the border between two operators (RFC 8497 §3.4.2, §4.5.2.3–§4.5.2.5, §7.2;
// RFC 8123 REQ12), each network on its own loopback address:
//
//   network A                                          network B
//   SIPp uac_logme (127.0.0.1) ─▶ proxy A (127.0.0.2) ══▶ proxy B (127.0.0.3) ─▶ SIPp uas_logme (127.0.0.4)
//
// Without agreement both proxies run the log-me `boundary` role and list the other as `agreement: false`:
// no message on the A↔B hop may carry `logme` (tshark on a tcpdump capture is the oracle), while inside A the
// caller's marked dialog is logged and the marker re-added toward the caller, and inside B proxy B marks on
// behalf of what enters from A under its own log-me session (originating-intermediary, §4.3) so the callee
// sees marked requests and B logs. The control run with agreement (same topology, peers with
// `agreement: true`) must show the marker on the hop — the check that the first run's assertion can fail.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import {
  clfMessages, freePort, missingTools, SCEN, show, SIPP, sippOk, start, startCapture, startProxy, stopCapture, stopProxy,
  TCPDUMP, TSHARK, uuidCsv, wireMessages, withDir, type Msg, type Run,
} from './peers.js';

const CALLS = 5;
const UAC = '127.0.0.1';
const A = '127.0.0.2';
const B = '127.0.0.3';
const UAS = '127.0.0.4';

function configs(agreement: boolean): { a: unknown; b: unknown } {
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  return {
    a: {
      roles: ['boundary'],
      peers: [
        { name: 'a-callers', addresses: [UAC] },
        { name: 'operator-b', addresses: [B], trust: 'outside', agreement },
      ],
    },
    b: agreement
      ? { roles: ['boundary'], peers: [{ name: 'operator-a', addresses: [A], trust: 'outside', agreement: true }, { name: 'b-callees', addresses: [UAS] }] }
      : {
          roles: ['boundary', 'originating-intermediary'],
          peers: [
            { name: 'operator-a', addresses: [A], trust: 'outside', agreement: false, markFor: true },
            { name: 'b-callees', addresses: [UAS] },
          ],
          sessions: [{ id: 'calls-from-a', scope: { sources: [A] }, expires }],
        },
  };
}

interface Result {
  readonly wire: Msg[];
  readonly logA: Msg[];
  readonly logB: Msg[];
  readonly pa: string;
  readonly pb: string;
  readonly callIds: Set<string>;
}

async function border(agreement: boolean): Promise<Result> {
  let result: Result | undefined;
  await withDir('sipclf-border-', async (dir, runs: Run[]) => {
    uuidCsv(join(dir, 'uuids.csv'));
    uuidCsv(join(dir, 'uas_uuids.csv'));
    const cfg = configs(agreement);
    writeFileSync(join(dir, 'a.json'), JSON.stringify(cfg.a));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(cfg.b));
    const uasPort = await freePort(UAS);
    const proxyB = await startProxy(runs, dir, ['--listen', `udp:${B}:0`, '--route', `${A}=${UAS}:${uasPort}`, '--logme-config', 'b.json', '--log-dir', 'logs-b', '--log', 'marked']);
    const proxyA = await startProxy(runs, dir, ['--listen', `udp:${A}:0`, '--route', `${A}=${B}:${proxyB.port}`, '--logme-config', 'a.json', '--log-dir', 'logs-a', '--log', 'marked']);
    const pcap = join(dir, 'border.pcap');
    const capture = await startCapture(runs, dir, pcap, `udp port ${proxyA.port} or udp port ${proxyB.port}`);
    const bounds = ['-nostdin', '-m', String(CALLS), '-timeout', '30s', '-timeout_error'];
    const uas = start('sipp', ['-sf', join(SCEN, 'uas_logme.xml'), '-inf', 'uas_uuids.csv', '-i', UAS, '-p', String(uasPort), ...bounds], dir, 45);
    runs.push(uas);
    await new Promise((r) => setTimeout(r, 700));
    const uac = start('sipp', ['-sf', join(SCEN, 'uac_logme.xml'), '-inf', 'uuids.csv', `${A}:${proxyA.port}`, '-i', UAC, '-p', String(await freePort(UAC)), '-r', '5', '-d', '50', ...bounds, '-recv_timeout', '10000'], dir, 45);
    runs.push(uac);
    await sippOk(uac, CALLS, 'sipp uac', `proxy A:\n${proxyA.run.out}\nproxy B:\n${proxyB.run.out}`);
    await sippOk(uas, CALLS, 'sipp uas');
    await stopCapture(capture);
    await stopProxy(proxyA);
    await stopProxy(proxyB);
    const wire = wireMessages(pcap);
    result = { wire, logA: clfMessages(join(dir, 'logs-a')), logB: clfMessages(join(dir, 'logs-b')), pa: `${A}:${proxyA.port}`, pb: `${B}:${proxyB.port}`, callIds: new Set(wire.map((m) => m.callId)) };
  });
  assert.ok(result !== undefined);
  return result;
}

const onHop = (r: Result) => (m: Msg): boolean => (m.src === r.pa && m.dst === r.pb) || (m.src === r.pb && m.dst === r.pa);

async function noAgreement(t: TestContext): Promise<void> {
  const r = await border(false);
  assert.equal(r.callIds.size, CALLS);
  const hop = r.wire.filter(onHop(r));
  // per call on the hop: INVITE, 100, 180, 200, ACK, BYE, 200 at least
  assert.ok(hop.length >= 7 * CALLS, `messages on the A↔B hop: ${hop.length}`);
  assert.deepEqual(hop.filter((m) => m.logme).map(show), [], 'RFC 8497 §3.4.2: no logme crosses the border without agreement');
  assert.ok(hop.every((m) => m.sessionId === true), 'the Session-ID itself crosses (only the marker is removed, RFC 7989 stays end to end), on the proxies\' own 100 Trying too (§7)');

  // network A: the caller marks everything; proxy A re-adds the marker toward the caller (§4.5.2.3) and logs
  const fromCaller = r.wire.filter((m) => m.src.startsWith(`${UAC}:`) && m.dst === r.pa);
  const toCaller = r.wire.filter((m) => m.src === r.pa && m.dst.startsWith(`${UAC}:`));
  assert.ok(fromCaller.length >= 3 * CALLS && fromCaller.every((m) => m.logme), 'the caller marks');
  assert.ok(toCaller.length >= 3 * CALLS, `to the caller: ${toCaller.length}`);
  assert.deepEqual(toCaller.filter((m) => !m.logme).map(show), [], 'inside A every response and request toward the caller is marked, its own 100 Trying too');
  // proxy A logged each marked dialog: the caller's messages (R) and what it sent on both sides (S), its own
  // 100 Trying included (marked: RFC 8497 Figure 3 F3) and the 100 received from B
  const expectedA = r.wire.filter((m) => m.src === r.pa || m.dst === r.pa);
  assert.equal(r.logA.length, expectedA.length, `A: ${r.logA.length} records, ${expectedA.length} messages at A`);
  assert.deepEqual(r.logA.filter((m) => m.dir === 'R').map(show).sort(), expectedA.filter((m) => m.dst === r.pa).map((m) => show({ ...m, dir: 'R' })).sort());
  assert.deepEqual(r.logA.filter((m) => m.dir === 'S').map(show).sort(), expectedA.filter((m) => m.src === r.pa).map((m) => show({ ...m, dir: 'S' })).sort());
  assert.ok(r.logA.every((m) => r.callIds.has(m.callId)));
  assert.deepEqual(r.logA.filter((m) => m.dir === 'S' && m.dst === r.pb && m.logme).map(show), [], 'A logs what it sent to B, unmarked');

  // network B: proxy B marks on behalf of calls from A (its own log-me session), the callee sees the marker
  const toCallee = r.wire.filter((m) => m.src === r.pb && m.dst.startsWith(`${UAS}:`));
  const fromCallee = r.wire.filter((m) => m.src.startsWith(`${UAS}:`) && m.dst === r.pb);
  assert.ok(toCallee.length >= 3 * CALLS && toCallee.every((m) => m.logme), 'inside B every request to the callee is marked');
  assert.ok(fromCallee.length >= 3 * CALLS && fromCallee.every((m) => m.logme), 'the callee echoes the marker');
  // B logs its own 100 Trying to A as well: the dialog is marked in B, only the marker stays out of the hop
  const expectedB = r.wire.filter((m) => m.src === r.pb || m.dst === r.pb);
  assert.equal(r.logB.length, expectedB.length, `B: ${r.logB.length} records, ${expectedB.length} messages at B`);
  assert.deepEqual(r.logB.filter((m) => m.dir === 'R').map(show).sort(), expectedB.filter((m) => m.dst === r.pb).map((m) => show({ ...m, dir: 'R' })).sort());
  assert.deepEqual(r.logB.filter((m) => m.dir === 'S').map(show).sort(), expectedB.filter((m) => m.src === r.pb).map((m) => show({ ...m, dir: 'S' })).sort());
  assert.ok(r.logB.every((m) => r.callIds.has(m.callId)));
  t.diagnostic(`hop A↔B: ${hop.length} messages, 0 with logme; A logged ${r.logA.length} records, B ${r.logB.length}`);
}

async function withAgreement(t: TestContext): Promise<void> {
  const r = await border(true);
  assert.equal(r.callIds.size, CALLS);
  const hop = r.wire.filter(onHop(r));
  assert.ok(hop.length >= 7 * CALLS, `messages on the A↔B hop: ${hop.length}`);
  assert.deepEqual(hop.filter((m) => !m.logme).map(show), [], 'with agreement the marker crosses the border both ways, on B\'s own 100 Trying too');
  assert.ok(r.logA.length > 0 && r.logB.length > 0, 'both networks log');
  t.diagnostic(`hop A↔B: ${hop.length} messages, all with logme; A logged ${r.logA.length} records, B ${r.logB.length}`);
}

describe('two sipclf proxies as the border of two networks (RFC 8497 §3.4.2), SIPp at both ends, tshark on the hop', () => {
  const missing = missingTools(SIPP, TCPDUMP, TSHARK);
  it(`without agreement no logme crosses A↔B; A and B still mark and log inside (${CALLS} calls)`, { skip: missing ?? false, timeout: 60_000 }, (t) => noAgreement(t));
  it(`control: with agreement the marker crosses A↔B (${CALLS} calls)`, { skip: missing ?? false, timeout: 60_000 }, (t) => withAgreement(t));
});
