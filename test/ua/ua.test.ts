// The test UA in process (src/ua): calls between UserAgents over UDP and TCP, rejection, CANCEL (487), the
// 2xx retransmitted until the ACK (RFC 3261 §13.3.1.4), REFER transfer with log-me (RFC 8497 Figure 2
// roles), dialogs (§12.1), and the errors of bad targets. SIPp interop: sipp-interop.test.ts.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SipclfError } from '../../src/errors.js';
import { parseMessage } from '../../src/sip/parser.js';
import { Dialog, UserAgent, type IncomingCallEvent } from '../../src/ua/index.js';
import { withoutTag } from '../../src/ua/dialog.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sipclf-ua-'));
  dirs.push(d);
  return d;
}
function clfLines(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.clf'))
    .flatMap((f) => readFileSync(join(dir, f), 'latin1').split('\n'))
    .filter((l) => l.length > 0 && !l.startsWith('A'));
}

const INVITE = (port: number, branch: string, callId: string): Buffer =>
  Buffer.from(
    `INVITE sip:bob@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port + 1};branch=${branch}\r\nMax-Forwards: 70\r\n` +
      `From: <sip:raw@127.0.0.1>;tag=raw1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\n` +
      `Contact: <sip:raw@127.0.0.1:${port + 1}>\r\nContent-Length: 0\r\n\r\n`,
  );

test('Dialog (RFC 3261 §12.1.2): the UAC reverses Record-Route and sends to the first loose route', () => {
  const req = parseMessage(Buffer.from('INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: "A" <sip:a@x>;tag=aa\r\nTo: <sip:b@x>\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n'));
  const res = parseMessage(
    Buffer.from(
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nRecord-Route: <sip:127.0.0.3:5062;lr>\r\nRecord-Route: <sip:127.0.0.2:5061;lr>\r\n' +
        'From: "A" <sip:a@x>;tag=aa\r\nTo: <sip:b@x>;tag=bb\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\nContact: <sip:b@127.0.0.9:5090>\r\n' +
        'Session-ID: 0123456789abcdef0123456789abcdef;remote=fedcba9876543210fedcba9876543210\r\nContent-Length: 0\r\n\r\n',
    ),
  );
  const d = Dialog.uac(req, res, 'fedcba9876543210fedcba9876543210', 'udp');
  assert.equal(d.remoteTag, 'bb');
  assert.equal(d.localSeq, 7);
  assert.equal(d.nextSeq(), 8);
  assert.equal(d.remoteUuid, '0123456789abcdef0123456789abcdef');
  assert.equal(d.localUri, '"A" <sip:a@x>');
  const dest = d.destination();
  assert.equal(dest.requestUri, 'sip:b@127.0.0.9:5090');
  assert.deepEqual(dest.routes, ['<sip:127.0.0.2:5061;lr>', '<sip:127.0.0.3:5062;lr>']);
  assert.deepEqual(dest.target, { transport: 'udp', host: '127.0.0.2', port: 5061 });
  assert.equal(withoutTag('<sip:a@x>;tag=1;x=y'), '<sip:a@x>;x=y');
});

for (const transport of ['udp', 'tcp'] as const) {
  test(`a call over ${transport.toUpperCase()}: 180, 200, ACK, hold, BYE; both sides agree`, async () => {
    const events: IncomingCallEvent[] = [];
    const bob = await UserAgent.start({ listen: `${transport}:127.0.0.1:0`, answer: { ringMs: 50 }, onCall: (e) => events.push(e) });
    const alice = await UserAgent.start({ listen: `${transport}:127.0.0.1:0` });
    try {
      const t = transport === 'udp' ? '' : ';transport=tcp';
      const r = await alice.call({ target: `sip:bob@127.0.0.1:${bob.core.local.port}${t}`, holdMs: 100 });
      assert.equal(r.status, 200);
      assert.ok(r.ok && r.ended === 'local' && r.byeStatus === 200, JSON.stringify(r));
      assert.ok(r.setupMs >= 50);
      assert.match(r.testCase, /^[0-9a-f]{32}$/);
      assert.equal(r.marked, false, 'log-me is off by default');
      assert.deepEqual(events.map((e) => e.type), ['answered', 'ended']);
      assert.equal(events[0]?.callId, r.callId);
    } finally {
      await alice.close();
      await bob.close();
    }
  });
}

test('--reject: the call fails with the status; a CANCEL before the answer gets 200 and the INVITE 487', async () => {
  const frank = await UserAgent.start({ listen: 'udp:127.0.0.1:0', answer: { ringMs: 0, reject: 486 } });
  const alice = await UserAgent.start({ listen: 'udp:127.0.0.1:0' });
  const slow = await UserAgent.start({ listen: 'udp:127.0.0.1:0', answer: { ringMs: 10_000 } });
  const sock = createSocket('udp4');
  try {
    const r = await alice.call({ target: `sip:frank@127.0.0.1:${frank.core.local.port}`, holdMs: 0 });
    assert.equal(r.status, 486);
    assert.equal(r.ok, false);
    assert.equal(frank.stats.rejected, 1);
    // CANCEL by hand (RFC 3261 §9.1: same branch, CSeq number, Call-ID, From and To as the INVITE).
    const port = slow.core.local.port;
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('latin1').split('\r\n')[0] ?? ''));
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    const me = sock.address().port;
    const inv = INVITE(port, 'z9hG4bKcancel1', 'cancel-1').toString('latin1').replaceAll(`${port + 1}`, String(me));
    sock.send(Buffer.from(inv), port, '127.0.0.1');
    await new Promise((r2) => setTimeout(r2, 200));
    const cancel = inv.replace(/^INVITE/, 'CANCEL').replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL').replace(/Contact: [^\r]*\r\n/, '');
    sock.send(Buffer.from(cancel), port, '127.0.0.1');
    await new Promise((r2) => setTimeout(r2, 300));
    assert.ok(got.includes('SIP/2.0 180 Ringing'), got.join(' | '));
    assert.ok(got.includes('SIP/2.0 200 OK'), 'the CANCEL is answered 200');
    assert.ok(got.includes('SIP/2.0 487 Request Terminated'), got.join(' | '));
    assert.equal(slow.stats.cancelled, 1);
  } finally {
    sock.close();
    await alice.close();
    await frank.close();
    await slow.close();
  }
});

test('RFC 3261 §13.3.1.4: the UAS retransmits its 2xx on T1 doubling until the ACK', async () => {
  const bob = await UserAgent.start({ listen: 'udp:127.0.0.1:0', timers: { T1: 40, T2: 400 } });
  const sock = createSocket('udp4');
  try {
    const oks: string[] = [];
    sock.on('message', (m) => {
      const t = m.toString('latin1');
      if (t.startsWith('SIP/2.0 200')) oks.push(t);
    });
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    const me = sock.address().port;
    const port = bob.core.local.port;
    const inv = INVITE(port, 'z9hG4bKretx1', 'retx-1').toString('latin1').replaceAll(`${port + 1}`, String(me));
    sock.send(Buffer.from(inv), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 40 + 80 + 160 + 100)); // first send, then 40, 80, 160 ms later
    assert.ok(oks.length >= 3, `${oks.length} copies of the 200 before the ACK`);
    const toTag = /To: [^\r]*;tag=([^\s;\r]+)/.exec(oks[0] ?? '')?.[1] ?? '';
    const ack = inv.replace(/^INVITE/, 'ACK').replace('CSeq: 1 INVITE', 'CSeq: 1 ACK').replace('z9hG4bKretx1', 'z9hG4bKretx1ack').replace('To: <sip:bob@127.0.0.1>', `To: <sip:bob@127.0.0.1>;tag=${toTag}`);
    sock.send(Buffer.from(ack), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 100));
    const n = oks.length;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(oks.length, n, 'no retransmission after the ACK');
  } finally {
    sock.close();
    await bob.close();
  }
});

test('transfer with log-me: originating caller, supporting callee and target; REFER, NOTIFYs, related dialogs marked and logged', async () => {
  const [dA, dB, dC] = [tmp(), tmp(), tmp()];
  const events: IncomingCallEvent[] = [];
  const carol = await UserAgent.start({ listen: 'udp:127.0.0.1:0', logme: 'supporting', logDir: dC });
  const bob = await UserAgent.start({ listen: 'udp:127.0.0.1:0', logme: 'supporting', logDir: dB, transferHoldMs: 100, onCall: (e) => events.push(e) });
  const alice = await UserAgent.start({ listen: 'udp:127.0.0.1:0', aor: 'sip:alice@127.0.0.1', logme: 'originating', logDir: dA });
  let testCase = '';
  try {
    const r = await alice.call({
      target: `sip:bob@127.0.0.1:${bob.core.local.port}`,
      holdMs: 100,
      transferTo: `sip:carol@127.0.0.1:${carol.core.local.port}`,
    });
    assert.ok(r.ok, JSON.stringify(r));
    testCase = r.testCase;
    assert.equal(r.marked, true);
    assert.deepEqual(r.transfer, { status: 200, reason: 'OK' });
    assert.deepEqual(events.map((e) => e.type), ['answered', 'transfer', 'ended']);
    assert.ok(events.every((e) => e.marked));
  } finally {
    await alice.close();
    await bob.close();
    await carol.close();
  }
  const a = clfLines(dA);
  const b = clfLines(dB);
  const c = clfLines(dC);
  // alice: INVITE, 180, 200, ACK, REFER, 202, NOTIFY, 200, NOTIFY, 200, BYE, 200.
  assert.equal(a.length, 12, a.join('\n'));
  // bob: the same 12 plus his call to carol (INVITE, 180, 200, ACK, BYE, 200).
  assert.equal(b.length, 18, b.join('\n'));
  assert.equal(c.length, 6, c.join('\n'));
  for (const l of [...a, ...b, ...c]) assert.match(l, /;logme/, 'every logged message carries the marker');
  // The INVITE alice logged carries the test case identifier as its local UUID (RFC 8497 §3.3).
  assert.match(a[0] ?? '', new RegExp(`Session-ID: ${testCase};remote=0{32};logme`));
});

test('bad targets: UA_BAD_TARGET, and a call to a non-SIP URI fails without throwing', async () => {
  await assert.rejects(UserAgent.start({ listen: 'udp:127.0.0.1:0', proxy: 'tel:+1555' }), (e: unknown) => e instanceof SipclfError && e.code === 'UA_BAD_TARGET');
  const ua = await UserAgent.start({ listen: 'udp:127.0.0.1:0' });
  try {
    const r = await ua.call({ target: 'tel:+15551234', holdMs: 0 });
    assert.equal(r.ok, false);
    assert.match(r.reason, /UA_BAD_TARGET|not a sip/);
    const r2 = await ua.call({ target: 'sip:x@127.0.0.1:9;transport=sctp', holdMs: 0 });
    assert.equal(r2.ok, false);
    assert.match(r2.reason, /transport=sctp/);
  } finally {
    await ua.close();
  }
});

test('a 2xx with an unusable Contact ends the attempt with a clear reason, without hanging or throwing', async () => {
  const sock = createSocket('udp4');
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  // A hostile or broken UAS: answers every INVITE 200 with a tel: Contact (no next hop for the ACK, §12.2.1.1).
  sock.on('message', (m, rinfo) => {
    const req = parseMessage(m);
    if (req.method !== 'INVITE') return;
    const hdr = (n: string): string => req.getAll(n).map((v) => `${n}: ${v}\r\n`).join('');
    const res = `SIP/2.0 200 OK\r\n${hdr('Via')}${hdr('From')}To: ${req.get('To') ?? ''};tag=x1\r\nCall-ID: ${req.callId ?? ''}\r\nCSeq: 1 INVITE\r\nContact: <tel:+15551234>\r\nContent-Length: 0\r\n\r\n`;
    sock.send(Buffer.from(res), rinfo.port, rinfo.address);
  });
  const ua = await UserAgent.start({ listen: 'udp:127.0.0.1:0' });
  try {
    const r = await ua.call({ target: `sip:bad@127.0.0.1:${sock.address().port}`, holdMs: 0 });
    assert.equal(r.ok, false);
    assert.equal(r.status, 200);
    assert.match(r.reason, /but .*tel/);
  } finally {
    sock.close();
    await ua.close();
  }
});

test('out-of-dialog requests (RFC 3261 §8.2.1, §11, §12.2.2): OPTIONS 200 with Allow, unknown method 405, BYE for no dialog 481', async () => {
  const ua = await UserAgent.start({ listen: 'udp:127.0.0.1:0' });
  const sock = createSocket('udp4');
  try {
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('latin1')));
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    const me = sock.address().port;
    const port = ua.core.local.port;
    const send = (method: string, toTag: string, n: number): void => {
      const m = INVITE(port, `z9hG4bKood${n}`, `ood-${n}`).toString('latin1').replaceAll(`${port + 1}`, String(me)).replace(/^INVITE/, method).replace('CSeq: 1 INVITE', `CSeq: 1 ${method}`).replace('To: <sip:bob@127.0.0.1>', `To: <sip:bob@127.0.0.1>${toTag}`);
      sock.send(Buffer.from(m), port, '127.0.0.1');
    };
    send('OPTIONS', '', 1);
    send('MESSAGE', '', 2);
    send('BYE', ';tag=nosuch', 3);
    for (let i = 0; i < 50 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    const by = (cseq: string): string => got.find((g) => g.includes(`CSeq: 1 ${cseq}`)) ?? '';
    assert.match(by('OPTIONS'), /^SIP\/2\.0 200 [\s\S]*\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY\r\n/);
    assert.match(by('MESSAGE'), /^SIP\/2\.0 405 [\s\S]*\r\nAllow: /);
    assert.match(by('BYE'), /^SIP\/2\.0 481 /);
  } finally {
    sock.close();
    await ua.close();
  }
});
