// Real HEP senders into HepCollector, all on loopback: Kamailio 5.6 siptrace mirroring every message in and
// out as HEP v3 (trace_mode=1) while SIPp runs calls through it, and sngrep's HEP sender replaying SIPp
// captures (test/vectors/pcap, made with tcpdump). The records must equal the messages: count, Call-IDs,
// methods and statuses, against SIPp's own message traces and tshark's dissection of the pcaps.
// In CI (CI=true) a missing binary is a failure; elsewhere the test is skipped with the reason.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HepCollector } from '../../src/capture/hep-collector.js';
import type { ClfRecord } from '../../src/clf/index.js';
import { allRecords, tempDir, waitFor } from './hep-helpers.js';
import { kamailioConfig } from '../kamailio.js';

const PCAPS = join(import.meta.dirname, '..', '..', '..', 'test', 'vectors', 'pcap');
const KAMAILIO_MODULES = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/aarch64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules'];

/** The binary's absolute path, or a skip (failure in CI) with the reason. */
function need(t: TestContext, bin: string, pkg: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status === 0 && path !== '') return path;
  const why = `${bin} not installed (Debian package ${pkg}; .ci/run installs it)`;
  if (process.env['CI'] === 'true') assert.fail(why);
  t.skip(why);
  return undefined;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeoutS: number }): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  // coreutils timeout bounds every external process, whatever happens to the test.
  const child = spawn('timeout', ['-s', 'KILL', String(opts.timeoutS), cmd, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((r) => child.on('exit', (code) => r({ code, out })));
  return { child, done };
}

/** `callId|METHOD` for requests, `callId|STATUS` for responses. */
function key(r: ClfRecord): string {
  const cseq = String(r.cseq);
  return `${String(r.callId)}|${r.isRequest ? cseq.slice(cseq.indexOf(' ') + 1) : String(r.status)}`;
}

/** Messages from SIPp's -trace_shortmsg files: `date time epoch S|R call-id CSeq first-line`, tab-separated. */
function sippMessages(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('_shortmessages.log'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const cols = line.split('\t');
      if (cols.length < 5) continue;
      const callId = cols[cols.length - 3] as string;
      const first = cols[cols.length - 1] as string;
      out.push(`${callId}|${first.startsWith('SIP/2.0 ') ? first.slice(8, 11) : first.slice(0, first.indexOf(' '))}`);
    }
  }
  return out.sort();
}

test('Kamailio siptrace (HEP v3, trace_mode=1) during a SIPp run through it: one record per message', { timeout: 120_000 }, async (t) => {
  const kamailio = need(t, 'kamailio', 'kamailio');
  const sipp = need(t, 'sipp', 'sip-tester');
  if (kamailio === undefined || sipp === undefined) return;
  const modules = KAMAILIO_MODULES.find((m) => spawnSync('test', ['-f', join(m, 'siptrace.so')]).status === 0);
  if (modules === undefined) assert.fail(`siptrace.so not found in ${KAMAILIO_MODULES.join(', ')}`);
  const dir = tempDir('hep-kam');
  const out = join(dir, 'clf');
  const c = await HepCollector.start({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }], out });
  const procs: ChildProcess[] = [];
  t.after(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await c.close();
  });
  const hepPort = c.addresses[0]?.port as number;
  const [sipPort, uasPort, uacPort] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()] as [number, number, number];
  writeFileSync(join(dir, 'kamailio.cfg'), kamailioConfig({ modules, port: sipPort, uasPort, hepPort }));
  const check = spawnSync(kamailio, ['-c', '-f', join(dir, 'kamailio.cfg')], { encoding: 'utf8' });
  assert.equal(check.status, 0, `kamailio -c: ${check.stderr}`);
  const kam = run(kamailio, ['-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-P', join(dir, 'kamailio.pid'), '-Y', dir, '-m', '64', '-M', '8'], { timeoutS: 90 });
  procs.push(kam.child);
  const CALLS = 20;
  const uas = run(sipp, ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(uasPort), '-nostdin', '-m', String(CALLS), '-trace_shortmsg', '-timeout', '60s', '-timeout_error'], { cwd: dir, timeoutS: 80 });
  procs.push(uas.child);
  await new Promise((r) => setTimeout(r, 1000)); // Kamailio and the UAS bind
  assert.equal(kam.child.exitCode, null, 'kamailio is running');
  const uac = run(
    sipp,
    ['-sn', 'uac', `127.0.0.1:${sipPort}`, '-i', '127.0.0.1', '-p', String(uacPort), '-r', '20', '-m', String(CALLS), '-nostdin', '-trace_shortmsg', '-recv_timeout', '10000', '-timeout', '60s', '-timeout_error'],
    { cwd: dir, timeoutS: 80 },
  );
  procs.push(uac.child);
  const u = await uac.done;
  assert.equal(u.code, 0, `sipp uac: ${u.out.slice(-2000)}`);
  const s = await uas.done; // the UAS keeps each call 4 s after the BYE
  assert.equal(s.code, 0, `sipp uas: ${s.out.slice(-2000)}`);
  const expected = sippMessages(dir);
  // 13 messages per proxied call: INVITE, 100, 180, 200, ACK, BYE, 200 on the UAC side, 6 on the UAS side.
  assert.equal(expected.length, 13 * CALLS, `messages traced by SIPp: ${expected.length}`);
  await waitFor(() => c.stats().written >= expected.length, 10_000, `${expected.length} records, got ${JSON.stringify(c.stats())}`);
  kam.child.kill('SIGTERM');
  await kam.done;
  await c.close();
  const st = c.stats();
  assert.deepEqual(st.errors, {}, JSON.stringify(st.errors));
  assert.equal(st.dropped, 0);
  assert.equal(st.agents['id-2001']?.written, expected.length);
  const recs = allRecords(out);
  assert.equal(recs.length, expected.length);
  assert.deepEqual(recs.map(key).sort(), expected);
  assert.equal(new Set(recs.map((r) => r.callId)).size, CALLS);
  // Viewpoint: each message once, as received by its destination; the three hops are the addresses seen.
  const hops = new Set(recs.map((r) => `${String(r.source)}>${String(r.destination)}`));
  assert.deepEqual(
    [...hops].sort(),
    [`127.0.0.1:${uacPort}>127.0.0.1:${sipPort}`, `127.0.0.1:${sipPort}>127.0.0.1:${uacPort}`, `127.0.0.1:${sipPort}>127.0.0.1:${uasPort}`, `127.0.0.1:${uasPort}>127.0.0.1:${sipPort}`].sort(),
  );
  for (const r of recs) assert.deepEqual([r.direction, r.retransmission, r.transport], ['R', 'S', 'U']);
  t.diagnostic(`kamailio: ${CALLS} calls, ${recs.length} HEP messages logged`);
});

/** `callId|METHOD` or `callId|STATUS` per line of a `.tshark.txt` file (frame|time|callid|method|status). */
function tsharkMessages(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [, , callId, method, status] = l.split('|');
      return `${callId ?? ''}|${method !== undefined && method !== '' ? method : (status ?? '')}`;
    })
    .sort();
}

test("sngrep's HEP sender replaying SIPp captures (UDP/IPv4, UDP/IPv6 SLL2, TCP pcapng): records equal tshark's messages", { timeout: 60_000 }, async (t) => {
  const sngrep = need(t, 'sngrep', 'sngrep');
  if (sngrep === undefined) return;
  for (const pcap of ['sipp-udp4.pcap', 'sipp-udp6-sll2.pcap', 'sipp-tcp4.pcapng']) {
    const expected = tsharkMessages(join(PCAPS, `${pcap}.tshark.txt`));
    const out = tempDir('hep-sngrep');
    const c = await HepCollector.start({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }], out });
    try {
      const port = c.addresses[0]?.port as number;
      const r: { code: number | null; out: string } = await run(sngrep, ['-N', '-q', '-I', join(PCAPS, pcap), '-H', `udp:127.0.0.1:${port}`], { timeoutS: 30 }).done;
      assert.equal(r.code, 0, `sngrep: ${r.out}`);
      await waitFor(() => c.stats().written + Object.values(c.stats().errors).reduce((a, b) => a + b, 0) >= expected.length, 10_000, `${pcap}: ${JSON.stringify(c.stats())}`);
    } finally {
      await c.close();
    }
    const st = c.stats();
    assert.deepEqual(st.errors, {}, `${pcap}: ${JSON.stringify(st.errors)}`);
    const recs = allRecords(out);
    assert.deepEqual(recs.map(key).sort(), expected, pcap);
    t.diagnostic(`${pcap}: ${recs.length} messages via sngrep HEP, agents ${Object.keys(st.agents).join(',')}, first ${String(recs[0]?.source)} > ${String(recs[0]?.destination)} ${recs[0]?.transport ?? ''}`);
  }
});
