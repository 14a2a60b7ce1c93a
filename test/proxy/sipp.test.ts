// Real SIPp through `sipclf proxy` (the CLI, as a child process): the built-in uas on an ephemeral port, the
// built-in uac sending 20 calls through the proxy over UDP and over TCP. SIPp's uac ignores Record-Route and
// sends its ACK and BYE to the proxy without Route, so the proxy routes them by Request-URI (--route on the
// proxy's own address). Every process runs under coreutils `timeout` and is killed at the end. In CI
// (CI=true) a missing sipp fails; elsewhere the test is skipped with the reason.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeRecord, recordLengthAt } from '../../src/clf/index.js';
import { CLI, freePort, missingTools, SIPP, start, waitFor, withDir } from './peers.js';

const CALLS = 20;

function readRecords(dir: string): string[] {
  const lines: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.clf')) continue;
    const text = readFileSync(join(dir, f), 'latin1');
    let off = 0;
    while (off < text.length) {
      const len = recordLengthAt(text, off);
      const r = decodeRecord(text, off);
      lines.push(`${r.direction}${r.isRequest ? 'q' : 'r'}`);
      off += len;
    }
  }
  return lines;
}

async function callsThroughProxy(transport: 'udp' | 'tcp'): Promise<void> {
  await withDir(`sipclf-sipp-${transport}-`, async (dir, runs) => {
    const [uasPort, uacPort] = [await freePort('127.0.0.1', true), await freePort('127.0.0.1', true)];
    const t = transport === 'udp' ? 'u1' : 't1';
    const hop = `127.0.0.1:${uasPort}${transport === 'tcp' ? ';transport=tcp' : ''}`;
    const proxy = start('node', [CLI, 'proxy', '--listen', `${transport}:127.0.0.1:0`, '--route', `127.0.0.1=${hop}`, '--log-dir', join(dir, 'logs'), '--log', 'all'], dir);
    runs.push(proxy);
    const m = await waitFor(proxy, /listening on \w+:127\.0\.0\.1:(\d+)/, 10000);
    const pport = Number(m[1]);
    const uas = start('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(uasPort), '-t', t, '-nostdin', '-m', String(CALLS), '-timeout', '60s', '-timeout_error'], dir);
    runs.push(uas);
    await new Promise((r) => setTimeout(r, 700));
    const uac = start(
      'sipp',
      ['-sn', 'uac', `127.0.0.1:${pport}`, '-i', '127.0.0.1', '-p', String(uacPort), '-t', t, '-r', '10', '-m', String(CALLS), '-nostdin', '-timeout', '30s', '-timeout_error', '-recv_timeout', '10000'],
      dir,
    );
    runs.push(uac);
    const uacCode = await uac.done;
    assert.equal(uacCode, 0, `sipp uac exit ${String(uacCode)}:\n${uac.out.slice(-3000)}\nproxy:\n${proxy.out}`);
    assert.match(uac.out, new RegExp(`Successful call\\s*\\|\\s*\\d+\\s*\\|\\s*${CALLS}\\b`));
    const uasCode = await uas.done;
    assert.equal(uasCode, 0, `sipp uas exit ${String(uasCode)}:\n${uas.out.slice(-2000)}`);
    proxy.child.kill('SIGTERM');
    assert.equal(await proxy.done, 0, proxy.out);
    assert.match(proxy.out, /SIGTERM: /);
    // --log all: per call at least INVITE, 180, 200, ACK, BYE, 200 received and the same plus 100 sent.
    const recs = readRecords(join(dir, 'logs'));
    assert.ok(recs.filter((r) => r.startsWith('R')).length >= 6 * CALLS, `received records: ${recs.length}`);
    assert.ok(recs.filter((r) => r.startsWith('S')).length >= 7 * CALLS, `sent records: ${recs.length}`);
  });
}

describe('SIPp built-in uac → sipclf proxy → SIPp built-in uas', () => {
  const missing = missingTools(SIPP);
  it(`${CALLS} calls over UDP all succeed`, { skip: missing ?? false, timeout: 120_000 }, () => callsThroughProxy('udp'));
  it(`${CALLS} calls over TCP all succeed`, { skip: missing ?? false, timeout: 120_000 }, () => callsThroughProxy('tcp'));
});
