// Real captures: tcpdump on loopback while SIPp's built-in UAC and UAS run a few calls over UDP and TCP,
// IPv4 and IPv6 (::1); our reader must extract the same SIP messages tshark dissects (frame number,
// Call-ID, method, status code). Every process is bounded by coreutils `timeout` and stopped by its PID.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, rowOf, toolMissing, tsharkRows } from './pcap-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sipclf-live-'));
const started: ChildProcess[] = [];
after(() => {
  for (const c of started) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function exited(c: ChildProcess): Promise<number | null> {
  return c.exitCode !== null ? Promise.resolve(c.exitCode) : new Promise((res) => c.once('exit', (code) => res(code)));
}

/** Captures `calls` SIPp calls on lo into `name`.pcap; returns the path and the UAC's exit code. */
async function capture(name: string, transport: 'u1' | 't1', ip: string, port: number, calls: number): Promise<{ path: string; uac: number | null }> {
  const path = join(dir, `${name}.pcap`);
  const remote = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  // --immediate-mode: without it packets wait in the kernel ring until its block times out.
  const td = spawn('timeout', ['30', 'tcpdump', '-i', 'lo', '-U', '--immediate-mode', '-Z', 'root', '-s', '0', '-w', path, `port ${port} or port ${port + 1}`], { stdio: 'ignore' });
  started.push(td);
  for (let i = 0; i < 50 && !(existsSync(path) && statSync(path).size >= 24); i++) await sleep(100);
  await sleep(300);
  const common = ['-t', transport, '-nostdin', '-m', String(calls), '-timeout', '20s', '-timeout_error'];
  const uas = spawn('timeout', ['25', 'sipp', '-sn', 'uas', '-i', ip, '-p', String(port), ...common], { cwd: dir, stdio: 'ignore' });
  started.push(uas);
  await sleep(300);
  const uac = spawn('timeout', ['25', 'sipp', '-sn', 'uac', remote, '-i', ip, '-p', String(port + 1), '-r', '10', '-recv_timeout', '5000', ...common], { cwd: dir, stdio: 'ignore' });
  started.push(uac);
  const rc = await exited(uac);
  await exited(uas);
  await sleep(500);
  td.kill('SIGINT');
  await exited(td);
  return { path, uac: rc };
}

const RUNS = [
  { name: 'udp4', transport: 'u1', ip: '127.0.0.1', port: 5190 },
  { name: 'tcp4', transport: 't1', ip: '127.0.0.1', port: 5192 },
  { name: 'udp6', transport: 'u1', ip: '::1', port: 5194 },
  { name: 'tcp6', transport: 't1', ip: '::1', port: 5196 },
] as const;

for (const r of RUNS) {
  test(`tcpdump + SIPp, ${r.name}: our SIP messages equal tshark's (count, frame, Call-ID, method, status)`, { timeout: 60_000 }, async (t) => {
    for (const bin of ['tcpdump', 'sipp', 'tshark']) {
      const why = toolMissing(bin);
      if (why !== undefined) return t.skip(why);
    }
    if (spawnSync('id', ['-u'], { encoding: 'utf8' }).stdout.trim() !== '0') {
      if (process.env['CI'] === 'true') assert.fail('CI runs as root; capturing on lo needs it');
      return t.skip('capturing on lo needs root');
    }
    const calls = 3;
    const { path, uac } = await capture(r.name, r.transport, r.ip, r.port, calls);
    assert.equal(uac, 0, 'every SIPp call succeeded');
    const want = tsharkRows(path);
    assert.equal(want.length, calls * 6, 'INVITE 180 200 ACK BYE 200 per call');
    const { sip, errors } = await collect(path);
    assert.deepEqual(errors, []);
    assert.deepEqual(sip.map(rowOf), want);
    assert.ok(sip.every((p) => p.transport === (r.transport === 't1' ? 'tcp' : 'udp') && p.src.ip === r.ip && p.dst.ip === r.ip));
  });
}
