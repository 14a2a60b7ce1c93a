// Forking through the real `sipclf proxy` CLI (RFC 3261 §16.5–§16.7, §16.10, §9): two SIPp UAS register as
// contacts of sip:bob@example.com (REGISTER sent from the test over UDP, §10.3, one per device as two phones
// would), then a SIPp UAC calls the AOR. The proxy forks to both contacts in parallel; `sipp -sn uas` answers,
// test/fixtures/sipp/uas_ring.xml rings and never answers, so the proxy forwards the 200 and CANCELs the ringing
// branch (§16.7 step 10), which ends with 487 and the proxy's hop-by-hop ACK (§17.1.1.3). Checked: every SIPp
// exits 0 with all calls successful, and the CLF log (--log all) holds exactly that exchange for each call.
import { strict as assert } from 'node:assert';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { clfMessages, freePort, missingTools, SCEN, SIPP, sippOk, start, startProxy, stopProxy, withDir, type Msg } from './peers.js';

const CALLS = 5;

/** Sends one REGISTER to the proxy from an ephemeral UDP port and returns the response text. */
async function register(proxyPort: number, contact: string, n: number): Promise<string> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  const req = [
    'REGISTER sip:example.com SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-fork-reg-${n};rport`,
    'Max-Forwards: 70',
    `From: <sip:bob@example.com>;tag=reg${n}`,
    'To: <sip:bob@example.com>',
    `Call-ID: fork-reg-${n}@127.0.0.1`,
    'CSeq: 1 REGISTER',
    `Contact: <${contact}>`,
    'Expires: 300',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response to REGISTER')), 5000);
      s.on('message', (b) => {
        clearTimeout(timer);
        resolve(b.toString('utf8'));
      });
      s.send(req, proxyPort, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

async function fork(t: TestContext): Promise<void> {
  await withDir('sipclf-fork-', async (dir, runs) => {
    const proxy = await startProxy(runs, dir, ['--listen', 'udp:127.0.0.1:0', '--domain', 'example.com', '--log-dir', 'logs', '--log', 'all']);
    const [answerPort, ringPort, uacPort] = [await freePort(), await freePort(), await freePort()];
    const answer = `127.0.0.1:${answerPort}`;
    const ring = `127.0.0.1:${ringPort}`;
    const r1 = await register(proxy.port, `sip:bob@${answer}`, 1);
    assert.match(r1, /^SIP\/2\.0 200 /, r1);
    const r2 = await register(proxy.port, `sip:bob@${ring}`, 2);
    assert.match(r2, /^SIP\/2\.0 200 /, r2);
    // §10.3 step 8: the 200 lists every current binding of the AOR
    assert.ok(r2.includes(`sip:bob@${answer}`) && r2.includes(`sip:bob@${ring}`), r2);

    const bounds = ['-nostdin', '-m', String(CALLS), '-timeout', '30s', '-timeout_error'];
    const uasAnswer = start('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(answerPort), ...bounds], dir, 45);
    const uasRing = start('sipp', ['-sf', join(SCEN, 'uas_ring.xml'), '-i', '127.0.0.1', '-p', String(ringPort), ...bounds], dir, 45);
    runs.push(uasAnswer, uasRing);
    await new Promise((r) => setTimeout(r, 700));
    const uac = start('sipp', ['-sf', join(SCEN, 'uac_aor.xml'), '-s', 'bob', '-key', 'domain', 'example.com', `127.0.0.1:${proxy.port}`, '-i', '127.0.0.1', '-p', String(uacPort), '-r', '5', '-d', '100', ...bounds, '-recv_timeout', '10000'], dir, 45);
    runs.push(uac);
    await sippOk(uac, CALLS, 'sipp uac', `proxy:\n${proxy.run.out}`);
    await sippOk(uasAnswer, CALLS, 'sipp uas (answers)');
    await sippOk(uasRing, CALLS, 'sipp uas_ring (CANCELled)');
    await stopProxy(proxy);

    const recs = clfMessages(join(dir, 'logs'));
    const calls = new Map<string, Msg[]>();
    for (const m of recs) if (m.cseqMethod !== 'REGISTER') calls.set(m.callId, [...(calls.get(m.callId) ?? []), m]);
    assert.equal(calls.size, CALLS, `calls in the CLF: ${[...calls.keys()].join(' ')}`);
    const caller = `127.0.0.1:${uacPort}`;
    const sent = (ms: Msg[], what: string, cseq: string, to: string): number => ms.filter((m) => m.dir === 'S' && m.what === what && m.cseqMethod === cseq && m.dst === to).length;
    const got = (ms: Msg[], what: string, cseq: string, from: string): number => ms.filter((m) => m.dir === 'R' && m.what === what && m.cseqMethod === cseq && m.src === from).length;
    for (const [id, ms] of calls) {
      const where = `call ${id}:\n${ms.map((m) => `${m.dir} ${m.what} (${m.cseqMethod}) ${m.src}>${m.dst}`).join('\n')}`;
      assert.equal(got(ms, 'INVITE', 'INVITE', caller), 1, where);
      assert.equal(sent(ms, 'INVITE', 'INVITE', answer), 1, `forked to the answering contact; ${where}`);
      assert.equal(sent(ms, 'INVITE', 'INVITE', ring), 1, `forked to the ringing contact; ${where}`);
      assert.equal(got(ms, '200', 'INVITE', answer), 1, where);
      assert.equal(sent(ms, '200', 'INVITE', caller), 1, `the 2xx forwarded at once (§16.7 step 5); ${where}`);
      assert.equal(sent(ms, 'CANCEL', 'CANCEL', ring), 1, `the losing branch CANCELled (§16.7 step 10); ${where}`);
      assert.equal(sent(ms, 'CANCEL', 'CANCEL', answer), 0, where);
      assert.equal(got(ms, '200', 'CANCEL', ring), 1, where);
      assert.equal(got(ms, '487', 'INVITE', ring), 1, where);
      assert.equal(sent(ms, 'ACK', 'ACK', ring), 1, `the proxy ACKs the 487 hop by hop (§17.1.1.3); ${where}`);
      assert.equal(sent(ms, '487', 'INVITE', caller), 0, `no 487 upstream after the 2xx; ${where}`);
      assert.equal(sent(ms, 'BYE', 'BYE', answer), 1, `the BYE goes to the answering branch only; ${where}`);
      assert.equal(sent(ms, 'BYE', 'BYE', ring), 0, where);
    }
    t.diagnostic(`${CALLS} calls forked to 2 contacts: 200 from ${answer}, CANCEL/487 at ${ring}; ${recs.length} CLF records`);
  });
}

describe('forking through sipclf proxy: two registered SIPp UAS, one answers, the other is CANCELled', () => {
  const missing = missingTools(SIPP);
  it(`${CALLS} calls to a registered AOR with two contacts`, { skip: missing ?? false, timeout: 60_000 }, (t) => fork(t));
});
