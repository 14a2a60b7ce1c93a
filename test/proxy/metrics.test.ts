// `sipclf proxy --config f.yaml` in a real child process: a request follows the configured route, SIGHUP
// applies a changed route to new requests, a broken file keeps the old configuration, and /metrics and
// /health on an ephemeral loopback port show the counters moving.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { TestUa, request } from './server-ua.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../bin/sipclf.js');

function config(port: number): string {
  return ['listen: [udp:127.0.0.1:0]', 'routes:', `  - {match: example.net, to: "127.0.0.1:${port}"}`, 'metrics: {listen: "127.0.0.1:0"}', 'logLevel: info', ''].join('\n');
}

describe('sipclf proxy --config (child process)', () => {
  let dir: string;
  let file: string;
  let child: ChildProcess;
  let stderr = '';
  let uac: TestUa;
  let uas1: TestUa;
  let uas2: TestUa;
  let pport = 0;
  let mport = 0;

  function waitFor(re: RegExp, from: number, ms = 10000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const poll = (): void => {
        const m = re.exec(stderr.slice(from));
        if (m !== null) resolve(m);
        else if (Date.now() - t0 > ms) reject(new Error(`timeout waiting for ${re} in:\n${stderr}`));
        else setTimeout(poll, 20);
      };
      poll();
    });
  }

  before(async () => {
    uac = await TestUa.open();
    uas1 = await TestUa.open();
    uas2 = await TestUa.open();
    dir = mkdtempSync(join(tmpdir(), 'sipclf-proxy-cfg-'));
    file = join(dir, 'proxy.yaml');
    writeFileSync(file, config(uas1.port));
    child = spawn(process.execPath, [BIN, 'proxy', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (stderr += d));
    pport = Number((await waitFor(/listening on udp:127\.0\.0\.1:(\d+)/, 0))[1]);
    mport = Number((await waitFor(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/, 0))[1]);
  });

  after(async () => {
    if (child.exitCode === null) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    }
    uac.close();
    uas1.close();
    uas2.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function options(callId: string, uas: TestUa): Promise<void> {
    uac.send(request(uac, { method: 'OPTIONS', ruri: 'sip:bob@example.net', callId }), pport);
    const r = await uas.request('OPTIONS', (m) => m.callId === callId);
    uas.reply(r, 200, 'OK', 't1', [], pport);
    await uac.response(200, 'OPTIONS');
  }

  it('logs JSON lines and routes by the file', async () => {
    const first = stderr.split('\n')[0] ?? '';
    const j = JSON.parse(first) as { event?: string; level?: number };
    assert.equal(j.event, 'listen');
    await options('route-1', uas1);
  });

  it('SIGHUP applies a changed route to new requests', async () => {
    const mark = stderr.length;
    writeFileSync(file, config(uas2.port));
    child.kill('SIGHUP');
    await waitFor(/"event":"reload"/, mark);
    await options('route-2', uas2);
  });

  it('SIGHUP with a broken file keeps the old configuration and logs the error', async () => {
    const mark = stderr.length;
    writeFileSync(file, 'routes:\n  - {match: example.net, to: nope}\n');
    child.kill('SIGHUP');
    const m = await waitFor(/\{[^\n]*"event":"reload-failed"[^\n]*\}/, mark);
    assert.match(m[0], /routes\[0\]\.to: not host:port/);
    await options('route-3', uas2);
    assert.equal(child.exitCode, null);
  });

  it('/metrics and /health show the calls and the reloads', async () => {
    const text = await (await fetch(`http://127.0.0.1:${mport}/metrics`)).text();
    const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
    assert.equal(value(/^sipclf_proxy_messages_total\{direction="in",method="OPTIONS",status=""\} (\d+)$/m), 3);
    assert.equal(value(/^sipclf_proxy_messages_total\{direction="out",method="OPTIONS",status=""\} (\d+)$/m), 3);
    assert.equal(value(/^sipclf_proxy_messages_total\{direction="in",method="OPTIONS",status="200"\} (\d+)$/m), 3);
    assert.equal(value(/^sipclf_proxy_messages_total\{direction="out",method="OPTIONS",status="200"\} (\d+)$/m), 3);
    assert.equal(value(/^sipclf_proxy_requests_forwarded_total (\d+)$/m), 3);
    assert.equal(value(/^sipclf_proxy_reloads_total\{result="ok"\} (\d+)$/m), 1);
    assert.equal(value(/^sipclf_proxy_reloads_total\{result="failed"\} (\d+)$/m), 1);
    assert.match(text, /^# TYPE sipclf_proxy_transactions gauge$/m);
    assert.match(text, /^# TYPE sipclf_proxy_marked_dialogs gauge$/m);
    assert.match(text, /^# TYPE sipclf_proxy_logme_errors_total counter$/m);
    assert.match(text, /^# TYPE sipclf_proxy_clf_records_written_total counter$/m);
    assert.equal(value(/^sipclf_proxy_clf_records_pending (\d+)$/m), 0, 'nothing left queued for logging once the calls are over');
    assert.match(text, /^# TYPE sipclf_proxy_parse_errors_total counter$/m);
    // Three OPTIONS never fill the logging worker's 32 MiB in-flight bound.
    assert.equal(value(/^sipclf_proxy_clf_backpressure_waits_total (\d+)$/m), 0);
    assert.equal(value(/^sipclf_proxy_clf_backpressure_seconds_total (\S+)$/m), 0);
    // Overload control: three OPTIONS on an idle proxy shed nothing; the utilization is a share of the window.
    assert.equal(value(/^sipclf_proxy_overload_reject_fraction (\S+)$/m), 0);
    assert.match(text, /^# TYPE sipclf_proxy_overload_rejected_total counter$/m);
    const elu = value(/^sipclf_proxy_event_loop_utilization (\S+)$/m);
    assert.ok(elu >= 0 && elu <= 1, `utilization ${elu}`);
    const delay = value(/^sipclf_proxy_udp_queue_delay_seconds (\S+)$/m);
    assert.ok(delay >= 0 && delay < 1, `UDP queueing delay ${delay} s (the probes of an idle UDP listener)`);
    const h = (await (await fetch(`http://127.0.0.1:${mport}/health`)).json()) as { status: string; requests: number; reloads: { ok: number; failed: number }; overload: unknown };
    assert.deepEqual(h.overload, { rejectFraction: 0, rejected: 0 });
    assert.equal(h.status, 'ok');
    assert.equal(h.requests, 3);
    assert.deepEqual(h.reloads, { ok: 1, failed: 1 });
    assert.equal((await fetch(`http://127.0.0.1:${mport}/nope`)).status, 404);
  });

  it('SIGTERM stops with a final JSON line and exit 0', async () => {
    const mark = stderr.length;
    const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await done, 0);
    await waitFor(/"event":"stop"/, mark, 2000);
  });
});
