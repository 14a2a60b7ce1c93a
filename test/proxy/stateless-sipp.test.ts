// `sipclf proxy --stateless` (RFC 3261 §16.11) as a child process:
//
// 1. With real SIPp: 20 calls from the built-in uac to the built-in uas succeed; the CLF log (--log all) shows
//    a stateless element — no 100 Trying of its own (a transaction's response, §16.2), exactly one copy sent
//    per message received (one target, no forking, no retransmissions of its own); over UDP and over TCP. With
//    the log-me `stateless-logger` role (RFC 8497 §4.5.1) and SIPp's marking scenarios, every marked message is
//    logged as received and as sent.
// 2. In-process peers on loopback: an INVITE sent twice (a retransmission) is forwarded twice with the same
//    branch, and its CANCEL gets that branch too (§16.11: "the branch … MUST be the same" for them so the next
//    hop matches its transactions, §9.2, §17.2.3); the 487 and the 200 to the CANCEL come back by their Vias.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { parseMessage } from '../../src/sip/parser.js';
import { writeFileSync } from 'node:fs';
import { clfMessages, freePort, missingTools, SCEN, show, SIPP, sippOk, sleep, start, startProxy, stopProxy, udpPeer, until, uuidCsv, withDir } from './peers.js';

const CALLS = 20;

async function sippCalls(t: TestContext, transport: 'udp' | 'tcp'): Promise<void> {
  await withDir('sipclf-stateless-', async (dir, runs) => {
    const uasPort = await freePort('127.0.0.1', true);
    const hop = `127.0.0.1:${uasPort}${transport === 'tcp' ? ';transport=tcp' : ''}`;
    const proxy = await startProxy(runs, dir, ['--stateless', '--listen', `${transport}:127.0.0.1:0`, '--route', `127.0.0.1=${hop}`, '--log-dir', 'logs', '--log', 'all']);
    const bounds = ['-nostdin', '-t', transport === 'udp' ? 'u1' : 't1', '-m', String(CALLS), '-timeout', '40s', '-timeout_error'];
    const uas = start('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(uasPort), ...bounds], dir, 50);
    runs.push(uas);
    await sleep(700);
    const uacPort = await freePort('127.0.0.1', true);
    const uac = start('sipp', ['-sn', 'uac', `127.0.0.1:${proxy.port}`, '-i', '127.0.0.1', '-p', String(uacPort), '-r', '10', ...bounds, '-recv_timeout', '10000'], dir, 50);
    runs.push(uac);
    await sippOk(uac, CALLS, 'sipp uac', `proxy:\n${proxy.run.out}`);
    await sippOk(uas, CALLS, 'sipp uas');
    await stopProxy(proxy);
    const recs = clfMessages(join(dir, 'logs'));
    const r = recs.filter((m) => m.dir === 'R');
    const s = recs.filter((m) => m.dir === 'S');
    assert.ok(r.length >= 6 * CALLS, `received: ${r.length}`);
    assert.equal(s.length, r.length, 'one copy sent per message received');
    assert.deepEqual(s.filter((m) => m.what === '100'), [], 'no 100 Trying from a stateless proxy');
    const key = (m: (typeof recs)[number]): string => `${m.what} ${m.cseqMethod} ${m.callId}`;
    assert.deepEqual(s.map(key).sort(), r.map(key).sort(), 'every message received was forwarded once, and nothing else was sent');
    assert.ok(s.filter((m) => m.dst === `127.0.0.1:${uasPort}`).length >= 3 * CALLS, 'INVITE, ACK and BYE reach the callee');
    t.diagnostic(`${CALLS} calls over ${transport}; ${r.length} records received, ${s.length} sent, no 100 Trying`);
  });
}

/** RFC 8497 §4.5.1: a stateless proxy with the stateless-logger role logs every marked message, keeps no state. */
async function markedCalls(t: TestContext): Promise<void> {
  await withDir('sipclf-stateless-logme-', async (dir, runs) => {
    uuidCsv(join(dir, 'uuids.csv'));
    uuidCsv(join(dir, 'uas_uuids.csv'));
    writeFileSync(join(dir, 'logme.json'), JSON.stringify({ roles: ['stateless-logger'] }));
    const uasPort = await freePort();
    const proxy = await startProxy(runs, dir, ['--stateless', '--listen', 'udp:127.0.0.1:0', '--route', `127.0.0.1=127.0.0.1:${uasPort}`, '--logme-config', 'logme.json', '--log-dir', 'logs', '--log', 'marked']);
    const calls = 5;
    const bounds = ['-nostdin', '-m', String(calls), '-timeout', '30s', '-timeout_error'];
    const uas = start('sipp', ['-sf', join(SCEN, 'uas_logme.xml'), '-inf', 'uas_uuids.csv', '-i', '127.0.0.1', '-p', String(uasPort), ...bounds], dir, 45);
    runs.push(uas);
    await sleep(700);
    const uac = start('sipp', ['-sf', join(SCEN, 'uac_logme.xml'), '-inf', 'uuids.csv', `127.0.0.1:${proxy.port}`, '-i', '127.0.0.1', '-p', String(await freePort()), '-r', '5', '-d', '50', ...bounds, '-recv_timeout', '10000'], dir, 45);
    runs.push(uac);
    await sippOk(uac, calls, 'sipp uac', `proxy:\n${proxy.run.out}`);
    await sippOk(uas, calls, 'sipp uas');
    await stopProxy(proxy);
    const recs = clfMessages(join(dir, 'logs'));
    // INVITE, 180, 200, ACK, BYE, 200 per call, each received and sent once, all carrying the marker
    assert.equal(recs.length, 12 * calls, recs.map(show).join('\n'));
    assert.deepEqual(recs.filter((m) => !m.logme).map(show), []);
    assert.equal(new Set(recs.map((m) => m.callId)).size, calls);
    t.diagnostic(`${calls} marked calls: ${recs.length} CLF records, all marked`);
  });
}



function request(method: string, port: number, proxyPort: number): Buffer {
  return Buffer.from(
    [
      `${method} sip:bob@127.0.0.1:${proxyPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-stateless-1;rport`,
      'Max-Forwards: 70',
      'From: <sip:alice@127.0.0.1>;tag=a1',
      `To: <sip:bob@127.0.0.1:${proxyPort}>`,
      'Call-ID: stateless-1@127.0.0.1',
      `CSeq: 1 ${method}`,
      ...(method === 'INVITE' ? [`Contact: <sip:alice@127.0.0.1:${port}>`] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

function response(req: Buffer, status: string, cseq: string): Buffer {
  const m = parseMessage(req);
  const vias = m.getAll('Via').map((v) => `Via: ${v}`);
  return Buffer.from([`SIP/2.0 ${status}`, ...vias, `From: ${m.get('From') ?? ''}`, `To: ${m.get('To') ?? ''};tag=b1`, `Call-ID: ${m.callId ?? ''}`, `CSeq: ${cseq}`, 'Content-Length: 0', '', ''].join('\r\n'));
}

async function branches(): Promise<void> {
  await withDir('sipclf-stateless-branch-', async (dir, runs) => {
    const callee = await udpPeer();
    const caller = await udpPeer();
    try {
      const proxy = await startProxy(runs, dir, ['--stateless', '--listen', 'udp:127.0.0.1:0', '--route', `127.0.0.1=127.0.0.1:${callee.port}`]);
      const send = (b: Buffer, to: number): void => void caller.sock.send(b, to, '127.0.0.1');
      send(request('INVITE', caller.port, proxy.port), proxy.port);
      await until(() => callee.got.length === 1, 'the INVITE is forwarded');
      send(request('INVITE', caller.port, proxy.port), proxy.port);
      await until(() => callee.got.length === 2, 'the retransmitted INVITE is forwarded again');
      send(request('CANCEL', caller.port, proxy.port), proxy.port);
      await until(() => callee.got.length === 3, 'the CANCEL is forwarded');
      const [inv1, inv2, cancel] = callee.got.map((b) => parseMessage(b));
      assert.ok(inv1 !== undefined && inv2 !== undefined && cancel !== undefined);
      assert.equal(inv1.method, 'INVITE');
      assert.equal(cancel.method, 'CANCEL');
      assert.equal(inv1.vias().length, 2, 'the proxy pushed its Via');
      assert.equal(inv2.topVia?.branch, inv1.topVia?.branch, 'a retransmission gets the same branch (§16.11)');
      assert.equal(cancel.topVia?.branch, inv1.topVia?.branch, "the CANCEL gets its INVITE's branch (§16.11, §9.2)");
      assert.ok(caller.got.every((b) => !b.toString('latin1').startsWith('SIP/2.0 100')), 'no 100 Trying');
      // the callee answers the CANCEL and the INVITE; both come back to the caller with the proxy's Via popped
      const last = callee.got[2] as Buffer;
      callee.sock.send(response(last, '200 OK', '1 CANCEL'), proxy.port, '127.0.0.1');
      callee.sock.send(response(callee.got[0] as Buffer, '487 Request Terminated', '1 INVITE'), proxy.port, '127.0.0.1');
      await until(() => caller.got.length === 2, 'both responses reach the caller');
      const statuses = caller.got.map((b) => parseMessage(b)).map((m) => `${m.status ?? ''} ${m.cseq?.method ?? ''}`).sort();
      assert.deepEqual(statuses, ['200 CANCEL', '487 INVITE']);
      for (const b of caller.got) assert.equal(parseMessage(b).vias().length, 1, 'our Via removed (§16.11)');
      // §16.3 step 3: Max-Forwards 0 is answered 483 at once, statelessly, and not forwarded
      const hop0 = Buffer.from(request('OPTIONS', caller.port, proxy.port).toString('latin1').replace('Max-Forwards: 70', 'Max-Forwards: 0').replace('stateless-1', 'stateless-2'), 'latin1');
      send(hop0, proxy.port);
      await until(() => caller.got.length === 3, 'the 483 reaches the caller');
      assert.match((caller.got[2] as Buffer).toString('latin1'), /^SIP\/2\.0 483 /);
      assert.equal(callee.got.length, 3, 'nothing more was forwarded');
      await stopProxy(proxy);
    } finally {
      callee.sock.close();
      caller.sock.close();
    }
  });
}

describe('sipclf proxy --stateless (RFC 3261 §16.11)', () => {
  const missing = missingTools(SIPP);
  it(`SIPp over UDP: ${CALLS} calls through the stateless proxy, one copy per message, no 100 Trying`, { skip: missing ?? false, timeout: 60_000 }, (t) => sippCalls(t, 'udp'));
  it(`SIPp over TCP: ${CALLS} calls, responses back on the callers' connections (§18.2.2)`, { skip: missing ?? false, timeout: 60_000 }, (t) => sippCalls(t, 'tcp'));
  it('SIPp log-me scenarios with the stateless-logger role: every marked message logged, received and sent', { skip: missing ?? false, timeout: 60_000 }, (t) => markedCalls(t));
  it('a retransmission and the CANCEL of an INVITE keep its branch; responses go back by Via', { timeout: 30_000 }, () => branches());
});
