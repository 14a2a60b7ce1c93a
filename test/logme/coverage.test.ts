// RFC 8497 MUST/SHOULD coverage: the sentences of §3–§5, §7, §8 (and RFC 7989 §6–§7 for Session-ID on behalf
// of endpoints) that no other unit test covered. docs/reference/logme.md "RFC 8497 MUST/SHOULD coverage" maps
// every sentence to its test.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipclfError } from '../../src/errors.js';
import { validateLogmeConfig } from '../../src/logme/config-validate.js';
import { uuidV5 } from '../../src/logme/uuid.js';
import { A_UUID, B_UUID, NIL, T0, aliceSession, engine, names, req, reqFromCallee, res } from './util.js';

type Run = ReturnType<typeof engine>['run'];
const fwd = (run: Run, m: Parameters<Run>[0], from: string, to: string) => ({ in: run(m, 'in', from), out: run(m, 'out', to) });
const OI = (extra: Record<string, unknown> = {}) => ({
  roles: ['originating-intermediary'],
  peers: [{ name: 'alice', markFor: true }, { name: 'p2' }],
  sessions: [aliceSession({ scope: { to: ['bob@*'] } })],
  ...extra,
});

describe('RFC 8497 §3.1, §3.4.1 passing the marker unchanged', () => {
  test('§3.1 MUST be passed unchanged with the Session-ID: a forwarding element never rewrites a marked value', () => {
    const { run } = engine({ roles: ['boundary'], peers: [{ name: 'alice' }, { name: 'p2' }] });
    const f = fwd(run, req('INVITE', { logme: true }), 'alice', 'p2');
    assert.deepEqual([f.out.marker, f.out.sessionId], ['keep', undefined]);
    const r = fwd(run, res(180, 'INVITE', { toTag: 'b1', logme: true }), 'p2', 'alice');
    assert.deepEqual([r.out.marker, r.out.sessionId], ['keep', undefined]);
  });

  test('§3.4.1 MUST pass a user device\'s marker unchanged across the adjacent edge proxy', () => {
    const { run } = engine(OI({ sessions: [] }));
    const f = fwd(run, req('INVITE', { logme: true }), 'alice', 'p2');
    assert.deepEqual([f.in.marker, f.in.log, f.out.marker, f.out.sessionId], ['keep', true, 'keep', undefined]);
  });

  test('§3.4.1 MUST pass a user device\'s marker across the adjacent B2BUA (coupled legs, §4.4)', () => {
    const { run } = engine({ roles: ['b2bua'], peers: [{ name: 'a' }, { name: 'b' }] });
    const legA = req('INVITE', { logme: true });
    run(legA, 'in', 'a');
    const legB = req('INVITE', { callId: 'leg-b', fromTag: 'x1', sid: `${A_UUID};remote=${NIL};logme` });
    assert.equal(run(legB, 'out', 'b', { local: true, otherLeg: legA }).marker, 'keep');
  });
});

describe('RFC 8497 §3.4.2, §7.2 removal', () => {
  test('§3.4.2 a stateless logger also removes the marker toward and from a peer network without agreement', () => {
    const { run } = engine({ roles: ['stateless-logger'], peers: [{ name: 'ext', trust: 'outside' }] });
    assert.equal(run(req('INVITE', { logme: true }), 'out', 'ext').marker, 'strip');
    const d = run(req('INVITE', { logme: true }), 'in', 'ext');
    assert.deepEqual([d.marker, d.log, d.error], ['strip', false, 'unauthorised-marker']);
  });

  test('§7.2 MUST remove a marker inserted outside the configured start and stop of logging (screening edge)', () => {
    const cfg = { roles: ['boundary'], screen: true, peers: [{ name: 'p1' }], sessions: [aliceSession({ start: T0 + 10_000 })] };
    const x = engine(cfg);
    assert.deepEqual([x.run(req('INVITE', { logme: true }), 'in', 'p1').marker], ['strip']); // before start
    x.clock.now = T0 + 3_600_000;
    const late = x.run(req('INVITE', { callId: 'c2', logme: true }), 'in', 'p1'); // after expiry
    assert.deepEqual([late.marker, late.error, late.log], ['strip', 'unauthorised-marker', false]);
    assert.equal(x.run(req('INVITE', { callId: 'c2', logme: true }), 'out', 'p1').marker, 'strip');
  });

  test('§3.4.2 validation: a plain proxy cannot remove markers, so it cannot be given a peer without agreement', () => {
    const bad = (data: unknown, path: string): void => {
      assert.throws(() => validateLogmeConfig(data), (e: unknown) => e instanceof SipclfError && e.code === 'CONFIG_INVALID' && e.message.startsWith(`${path}: `));
    };
    bad({ roles: ['proxy'], peers: [{ name: 'ext', trust: 'outside' }] }, 'peers[0].agreement');
    bad({ roles: ['proxy'], peers: [{ name: 'p', agreement: false }] }, 'peers[0].agreement');
    bad({ roles: ['proxy'], defaultPeer: { trust: 'outside' } }, 'defaultPeer.agreement');
    assert.equal(validateLogmeConfig({ roles: ['proxy'], peers: [{ name: 'ext', trust: 'outside', agreement: true }] }).peers[0]?.agreement, true);
  });
});

describe('RFC 8123 REQ4 crossing network boundaries', () => {
  test('RFC 8123 REQ4: with an agreement the marker crosses the network boundary unchanged, both ways', () => {
    const { run } = engine({ roles: ['boundary'], peers: [{ name: 'alice' }, { name: 'p2', trust: 'outside', agreement: true }] });
    const f = fwd(run, req('INVITE', { logme: true }), 'alice', 'p2');
    assert.deepEqual([f.in.error, f.out.marker, f.out.sessionId], [undefined, 'keep', undefined]);
    const r = fwd(run, res(180, 'INVITE', { toTag: 'b1', logme: true }), 'p2', 'alice');
    assert.deepEqual([r.in.error, r.in.log, r.out.marker], [undefined, true, 'keep']);
  });
});

describe('RFC 8497 §3.6 format of logged signalling', () => {
  test('§3.6 SHOULD log the entire message with header fields as they appear: mask() keeps start line and compact names', () => {
    const { e } = engine({});
    const text = 'INVITE sip:bob@x SIP/2.0\r\ni: c1\r\nf: <sip:a@x>;tag=1\r\nl: 17\r\n\r\nv=0\r\na=crypto:secret\r\n';
    const m = e.mask(text);
    assert.equal(m.slice(0, m.indexOf('\r\n\r\n')), text.slice(0, text.indexOf('\r\n\r\n')));
    assert.match(m, /a=crypto:X{6}\r\n$/);
  });
});

describe('RFC 8497 §4.3 intermediaries: Target-Dialog, Join, Replaces', () => {
  function marked() {
    const x = engine(OI());
    fwd(x.run, req('INVITE'), 'alice', 'p2');
    fwd(x.run, res(200, 'INVITE', { toTag: 'b1', logme: true }), 'p2', 'alice');
    return x;
  }
  test('§4.3 the originating intermediary must mark a REFER with Target-Dialog of its UA and its responses', () => {
    const { run } = marked();
    const refer = req('REFER', { callId: 'c7', fromTag: 'r', sid: null, extra: ['Target-Dialog: call-1;local-tag=a1;remote-tag=b1'] });
    const f = fwd(run, refer, 'alice', 'p2');
    assert.deepEqual([f.in.log, f.out.marker, f.out.testCase], [true, 'add', A_UUID]);
    const ok = fwd(run, res(200, 'REFER', { callId: 'c7', fromTag: 'r', toTag: 'q' }), 'p2', 'alice');
    assert.deepEqual([ok.in.error, ok.out.marker], [undefined, 'add']);
  });
  test('§4.3 the originating intermediary must mark an INVITE with Join of its UA (choice 7: it is the marker)', () => {
    const { run } = marked();
    const join = req('INVITE', { callId: 'c8', fromTag: 'j', ruri: 'sip:carol@x', to: 'sip:carol@x', extra: ['Join: call-1;to-tag=b1;from-tag=a1'] });
    assert.equal(fwd(run, join, 'alice', 'p2').out.marker, 'add');
  });
  test('§4.3 the terminating intermediary echoes the marker in responses to a marked INVITE with Replaces', () => {
    const { run } = engine({ roles: ['terminating-intermediary'], peers: [{ name: 'bob', markFor: true }, { name: 'p1' }] });
    const rep = req('INVITE', { callId: 'c9', logme: true, extra: ['Replaces: call-0;to-tag=x;from-tag=y'] });
    fwd(run, rep, 'p1', 'bob');
    assert.equal(fwd(run, res(200, 'INVITE', { callId: 'c9', toTag: 'b1' }), 'bob', 'p1').out.marker, 'add');
  });
});

describe('RFC 8497 §4.4 B2BUA', () => {
  test('§4.4 MUST mark in-dialog requests it generates on its own — on the terminating side too', () => {
    const { run } = engine({ roles: ['b2bua'], peers: [{ name: 'a' }, { name: 'b' }] });
    const legA = req('INVITE', { logme: true });
    run(legA, 'in', 'a');
    const legB = req('INVITE', { callId: 'leg-b', fromTag: 'x1', sid: `${A_UUID};remote=${NIL}` });
    run(legB, 'out', 'b', { local: true, otherLeg: legA });
    run(res(200, 'INVITE', { callId: 'leg-b', fromTag: 'x1', toTag: 'y1' }), 'in', 'b');
    const bye = req('BYE', { callId: 'leg-b', fromTag: 'x1', toTag: 'y1', cseq: 2, sid: `${A_UUID};remote=${B_UUID}` });
    assert.deepEqual([run(bye, 'out', 'b', { local: true }).marker], ['add']);
  });
});

describe('RFC 3261 §8.1.3.4/§8.1.3.5 retries of a marked dialog-creating request (§3.2, §3.7 3xx)', () => {
  test('§3.2 a UA retrying after 407 with the same Call-ID and From tag stays marked for the whole dialog', () => {
    const { run, e, clock } = engine({ roles: ['originating-ua'], sessions: [aliceSession()] });
    run(req('INVITE'), 'out', 'p', { local: true });
    run(res(407, 'INVITE', { toTag: 'x', logme: true }), 'in', 'p');
    run(req('ACK', { toTag: 'x' }), 'out', 'p', { local: true });
    const again = run(req('INVITE', { cseq: 2 }), 'out', 'p', { local: true });
    assert.deepEqual([again.marker, again.log, again.testCase], ['add', true, A_UUID]);
    assert.equal(run(res(200, 'INVITE', { toTag: 'b1', cseq: 2, logme: true }), 'in', 'p').log, true);
    clock.now += 120_000;
    e.tick();
    const bye = run(req('BYE', { toTag: 'b1', cseq: 3, sid: `${A_UUID};remote=${B_UUID}` }), 'out', 'p', { local: true });
    assert.deepEqual([bye.marker, bye.log], ['add', true]);
    assert.equal(e.stats().activeDialogs, 1);
  });
  test('§7.3 a retry is not marked again when other dialogs took the marked-dialog cap meanwhile', () => {
    const { run, e } = engine({ roles: ['originating-ua'], sessions: [aliceSession()], limits: { maxMarkedDialogs: 1, maxTrackedDialogs: 10 } });
    run(req('INVITE'), 'out', 'p', { local: true });
    run(res(407, 'INVITE', { toTag: 'x', logme: true }), 'in', 'p');
    run(req('ACK', { toTag: 'x' }), 'out', 'p', { local: true });
    // another dialog starts and takes the one marked-dialog slot
    assert.equal(run(req('INVITE', { callId: 'other', fromTag: 'o1' }), 'out', 'p', { local: true }).marker, 'add');
    const limits = e.stats().limitReached;
    const again = run(req('INVITE', { cseq: 2 }), 'out', 'p', { local: true });
    assert.equal(again.stateChange, undefined, 'the ended attempt is not marked again');
    assert.equal(e.stats().activeDialogs, 1, 'the cap holds');
    assert.equal(e.stats().limitReached, limits + 1);
  });
  test('§3.7 3xx: an intermediary marking on behalf keeps marking the retry of its UA (same Call-ID, From tag)', () => {
    const { run, e, clock } = engine(OI());
    fwd(run, req('INVITE', { sid: null }), 'alice', 'p2');
    fwd(run, res(302, 'INVITE', { toTag: 'x', sid: null }), 'p2', 'alice');
    const retry = req('INVITE', { cseq: 2, sid: null, ruri: 'sip:bob@elsewhere.example.com' });
    const f = fwd(run, retry, 'alice', 'p2');
    assert.deepEqual([f.in.log, f.out.marker, f.out.sessionId], [true, 'add', `${uuidV5('call-1', 'a1')};remote=${NIL};logme`]);
    fwd(run, res(200, 'INVITE', { toTag: 'b1', cseq: 2, logme: true }), 'p2', 'alice');
    clock.now += 120_000;
    e.tick();
    assert.equal(fwd(run, req('BYE', { toTag: 'b1', cseq: 3, sid: null }), 'alice', 'p2').out.marker, 'add');
  });
  test('a late retransmission of the original INVITE (same CSeq) does not revive the ended dialog', () => {
    const { run, e } = engine({ roles: ['terminating-ua'] });
    run(req('INVITE', { logme: true }), 'in', 'p');
    run(res(486, 'INVITE', { toTag: 'b1' }), 'out', 'p', { local: true });
    run(req('INVITE', { logme: true }), 'in', 'p');
    assert.equal(e.stats().activeDialogs, 0);
  });
});

describe('RFC 8497 §8.2, §8.5, §8.6', () => {
  test('§8.2 MUST mask 3GPP-Integrity-Key and 3GPP-SRTP-Config values by default', () => {
    const { e } = engine({});
    const m = e.mask('MESSAGE sip:x SIP/2.0\r\n\r\na=3GPP-Integrity-Key:abcd\r\na=3GPP-SRTP-Config:efgh\r\n');
    assert.match(m, /a=3GPP-Integrity-Key:XXXX\r\na=3GPP-SRTP-Config:XXXX\r\n$/);
  });

  test('§8.5 the session stays marked until no related dialog remains', () => {
    const { run, e, clock } = engine({ roles: ['originating-ua'], sessions: [aliceSession({ scope: { to: ['bob@*'] } })] });
    const to = (u: string) => ({ ruri: `sip:${u}@x`, to: `sip:${u}@x` });
    run(req('INVITE'), 'out', 'p', { local: true });
    run(res(200, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p');
    assert.equal(run(req('INVITE', { callId: 'call-2', ...to('carol') }), 'out', 'p', { local: true }).marker, 'add');
    run(res(200, 'INVITE', { callId: 'call-2', toTag: 'c1', logme: true }), 'in', 'p');
    run(req('BYE', { toTag: 'b1', cseq: 2 }), 'out', 'p', { local: true });
    run(res(200, 'BYE', { toTag: 'b1', cseq: 2, logme: true }), 'in', 'p');
    clock.now += 60_000;
    e.tick(); // dialog1 is gone; dialog2 remains
    assert.equal(run(req('INVITE', { callId: 'call-3', ...to('dave') }), 'out', 'p', { local: true }).marker, 'add');
    for (const [c, t] of [['call-2', 'c1'], ['call-3', 'd1']] as const) {
      run(req('BYE', { callId: c, toTag: t, cseq: 2 }), 'out', 'p', { local: true });
      run(res(200, 'BYE', { callId: c, toTag: t, cseq: 2, logme: true }), 'in', 'p');
    }
    clock.now += 60_000;
    e.tick();
    assert.equal(run(req('INVITE', { callId: 'call-4', ...to('erin') }), 'out', 'p', { local: true }).marker, 'none');
  });

  test('§3.7, §8.5 a dialog in error that shares the session\'s UUID does not hide the live marked session', () => {
    const { run } = engine({ roles: ['originating-ua'], sessions: [aliceSession({ scope: { to: ['bob@*'] } })] });
    run(req('INVITE'), 'out', 'p', { local: true });
    assert.equal(run(req('INFO', { callId: 'call-5', toTag: 'z', logme: true }), 'in', 'p').error, 'mid-dialog-marker');
    run(req('INFO', { callId: 'call-5', toTag: 'z', cseq: 2 }), 'in', 'p');
    const carol = req('INVITE', { callId: 'call-2', ruri: 'sip:carol@x', to: 'sip:carol@x' });
    assert.equal(run(carol, 'out', 'p', { local: true }).marker, 'add');
  });

  test('§8.5 stop event: a BYE that gets no final response ends the dialog after limits.lingerMs (timeout counter)', () => {
    const { run, e, clock } = engine({ roles: ['originating-ua'], sessions: [aliceSession()], limits: { lingerMs: 5000 } });
    run(req('INVITE'), 'out', 'p', { local: true });
    run(res(200, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p');
    run(req('BYE', { toTag: 'b1', cseq: 2 }), 'out', 'p', { local: true });
    clock.now += 4999;
    assert.deepEqual(e.tick(), []);
    clock.now += 1;
    assert.deepEqual(names(e.tick()), ['logme.dialog.end']);
    assert.deepEqual([e.stats().endReasons['timeout'], e.stats().activeDialogs, e.stats().dialogsEnded], [1, 0, 1]);
  });

  test('§8.6 a UA can tell its user a session is logged: dialog start and end events carry the test case', () => {
    const seen: string[] = [];
    const { run, events } = engine({ roles: ['terminating-ua'] });
    run(req('INVITE', { logme: true }), 'in', 'p');
    run(res(200, 'INVITE', { toTag: 'b1' }), 'out', 'p', { local: true });
    run(reqFromCallee('BYE', { cseq: 2 }), 'out', 'p', { local: true });
    run(res(200, 'BYE', { fromTag: 'b1', toTag: 'a1', cseq: 2, logme: true }), 'in', 'p');
    for (const ev of events) if (ev.name === 'logme.dialog.start' || ev.name === 'logme.dialog.end') seen.push(`${ev.name}:${ev.testCase ?? ''}`);
    assert.deepEqual(seen, [`logme.dialog.start:${A_UUID}`, `logme.dialog.end:${A_UUID}`]);
    assert.ok(names(events).includes('logme.dialog.start'));
  });
});

describe('RFC 7989 §7 Session-ID on behalf of endpoints', () => {
  test('RFC 7989 §7: an intermediary\'s CANCEL carries exactly the Session-ID its INVITE was sent with', () => {
    const { run } = engine(OI());
    const inv = fwd(run, req('INVITE', { sid: null }), 'alice', 'p2');
    const c = fwd(run, req('CANCEL', { sid: null }), 'alice', 'p2');
    assert.equal(c.out.sessionId, inv.out.sessionId);
    assert.equal(c.out.marker, 'add');
  });
  test('RFC 7989 §4.1: version-5 UUIDs make insertion stateless — a restarted element inserts the same value', () => {
    const one = fwd(engine(OI()).run, req('INVITE', { sid: null }), 'alice', 'p2').out.sessionId;
    const two = fwd(engine(OI()).run, req('INVITE', { sid: null }), 'alice', 'p2').out.sessionId;
    assert.equal(one, two);
    assert.match(one ?? '', /^[0-9a-f]{12}5[0-9a-f]{3}[89ab][0-9a-f]{15};remote=0{32};logme$/);
  });
});
