// RFC 8497 §4.2 endpoints, §3.3 test case, §7.1/§8.6 authorisation, RFC 7989 §7 Session-ID for UAs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { A_UUID, B_UUID, NIL, T0, aliceSession, engine, names, req, reqFromCallee, res, resFromCaller } from './util.js';

const UA = { roles: ['originating-ua', 'terminating-ua'], sessions: [aliceSession()] };

describe('RFC 8497 §4.2 originating UA', () => {
  test('§4.2 MUST insert the marker into the dialog-creating request and subsequent in-dialog requests; logs them', () => {
    const { run, events } = engine(UA);
    const inv = run(req('INVITE'), 'out', 'p1', { local: true });
    assert.equal(inv.marker, 'add');
    assert.equal(inv.log, true);
    assert.equal(inv.testCase, A_UUID);
    assert.deepEqual(inv.stateChange, { dialog: 'call-1\u0000a1', from: 'none', to: 'marked' });
    assert.ok(names(events).includes('logme.dialog.start'));
    run(res(200, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p1');
    const ack = run(req('ACK', { toTag: 'b1', sid: `${A_UUID};remote=${B_UUID}` }), 'out', 'p1', { local: true });
    assert.equal(ack.marker, 'add');
    assert.equal(ack.log, true);
    const bye = run(req('BYE', { toTag: 'b1', cseq: 2, sid: `${A_UUID};remote=${B_UUID}`, logme: true }), 'out', 'p1', { local: true });
    assert.equal(bye.marker, 'keep');
  });

  test('§4.2 logs marked responses; echoes the marker in responses to marked in-dialog requests from the terminating side', () => {
    const { run } = engine(UA);
    run(req('INVITE'), 'out', 'p1', { local: true });
    assert.equal(run(res(180, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p1').log, true);
    run(res(200, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p1');
    const bye = run(reqFromCallee('BYE', { logme: true }), 'in', 'p1');
    assert.equal(bye.log, true);
    const ok = run(resFromCaller(200, 'BYE'), 'out', 'p1', { local: true });
    assert.equal(ok.marker, 'add');
    assert.equal(ok.log, true);
  });

  test('§7.1 disabled by default: without a log-me session nothing is marked or logged', () => {
    const { run, e } = engine({ roles: ['originating-ua'] });
    const d = run(req('INVITE'), 'out', 'p1', { local: true });
    assert.equal(d.marker, 'none');
    assert.equal(d.log, false);
    assert.equal(e.stats().activeDialogs, 0);
  });

  test('§7.1 a marker the application set without authorisation is removed (unauthorised-marker, §7.2)', () => {
    const { run } = engine({ roles: ['originating-ua'] });
    const d = run(req('INVITE', { logme: true }), 'out', 'p1', { local: true });
    assert.equal(d.marker, 'strip');
    assert.equal(d.error, 'unauthorised-marker');
  });

  test('§7.1 the session scope: From, called identity, User-Agent, time window, maxDialogs', () => {
    const scoped = (scope: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      engine({ roles: ['originating-ua'], sessions: [aliceSession({ scope, ...extra })] });
    assert.equal(scoped({ from: ['*@atlanta.example.com'] }).run(req('INVITE'), 'out', 'p', { local: true }).marker, 'add');
    assert.equal(scoped({ from: ['sips:*'] }).run(req('INVITE'), 'out', 'p', { local: true }).marker, 'none');
    assert.equal(scoped({ to: ['bob@*'] }).run(req('INVITE'), 'out', 'p', { local: true }).marker, 'add');
    assert.equal(scoped({ to: ['carol@*'] }).run(req('INVITE'), 'out', 'p', { local: true }).marker, 'none');
    const ua = req('INVITE', { extra: ['User-Agent: TestPhone/2.1'] });
    assert.equal(scoped({ userAgents: ['TestPhone/*'] }).run(ua, 'out', 'p', { local: true }).marker, 'add');
    assert.equal(scoped({ userAgents: ['Other*'] }).run(ua, 'out', 'p', { local: true }).marker, 'none');
    // A source-restricted session never matches a locally originated request.
    assert.equal(scoped({ sources: ['0.0.0.0/0'] }).run(req('INVITE'), 'out', 'p', { local: true }).marker, 'none');
    const late = scoped({ from: ['alice@*'] }, { start: T0 + 1000 });
    assert.equal(late.run(req('INVITE'), 'out', 'p', { local: true }).marker, 'none');
    late.clock.now = T0 + 1000;
    assert.equal(late.run(req('INVITE', { callId: 'c2', sid: `${'2'.repeat(32)};remote=${NIL}` }), 'out', 'p', { local: true }).marker, 'add');
    late.clock.now = T0 + 3_600_000;
    assert.equal(late.run(req('INVITE', { callId: 'c3', sid: `${'3'.repeat(32)};remote=${NIL}` }), 'out', 'p', { local: true }).marker, 'none');
    const one = scoped({ from: ['alice@*'] }, { maxDialogs: 1 });
    assert.equal(one.run(req('INVITE'), 'out', 'p', { local: true }).marker, 'add');
    assert.equal(one.run(req('INVITE', { callId: 'c2', sid: `${'2'.repeat(32)};remote=${NIL}` }), 'out', 'p', { local: true }).marker, 'none');
    const off = scoped({ from: ['alice@*'] }, { enabled: false });
    assert.equal(off.run(req('INVITE'), 'out', 'p', { local: true }).marker, 'none');
  });

  test('RFC 7989 §7: a UA without a Session-ID gets a version-4 UUID and nil remote; the test case is it (§3.3)', () => {
    const { run } = engine(UA, ['11111111-2222-4333-8444-555555555555']);
    const d = run(req('INVITE', { sid: null }), 'out', 'p1', { local: true });
    assert.equal(d.marker, 'add');
    assert.equal(d.sessionId, `11111111222243338444555555555555;remote=${NIL};logme`);
    assert.equal(d.testCase, '11111111222243338444555555555555');
  });

  test('RFC 7989 §7: a CANCEL repeats its INVITE\'s Session-ID', () => {
    const { run } = engine(UA);
    run(req('INVITE'), 'out', 'p1', { local: true });
    const c = run(req('CANCEL', { sid: `${B_UUID};remote=${NIL}` }), 'out', 'p1', { local: true });
    assert.equal(c.sessionId, `${A_UUID};remote=${NIL};logme`);
    const same = run(req('CANCEL'), 'out', 'p1', { local: true });
    assert.equal(same.sessionId, undefined);
    assert.equal(same.marker, 'add');
  });
});

describe('RFC 8497 §4.2 terminating UA', () => {
  const TUA = { roles: ['terminating-ua'] };
  test('§4.2 detects the marker in the dialog-creating request, logs it, MUST echo it in responses', () => {
    const { run } = engine(TUA);
    const inv = run(req('INVITE', { logme: true }), 'in', 'p2');
    assert.equal(inv.log, true);
    assert.equal(inv.testCase, A_UUID);
    const ringing = run(res(180, 'INVITE', { toTag: 'b1' }), 'out', 'p2', { local: true });
    assert.equal(ringing.marker, 'add');
    assert.equal(ringing.log, true);
  });

  test('§4.2 MUST insert the marker in in-dialog requests it sends in a marked dialog', () => {
    const { run } = engine(TUA);
    run(req('INVITE', { logme: true }), 'in', 'p2');
    run(res(200, 'INVITE', { toTag: 'b1' }), 'out', 'p2', { local: true });
    const bye = run(reqFromCallee('BYE'), 'out', 'p2', { local: true });
    assert.equal(bye.marker, 'add');
    assert.equal(bye.log, true);
  });

  test('§4.1 the terminating UA cannot initiate: an unmarked INVITE stays unmarked', () => {
    const { run } = engine({ roles: ['terminating-ua'], sessions: [aliceSession()] });
    run(req('INVITE'), 'in', 'p2');
    const r = run(res(180, 'INVITE', { toTag: 'b1' }), 'out', 'p2', { local: true });
    assert.equal(r.marker, 'none');
    assert.equal(r.log, false);
  });

  test('§8.6 honour: false passes the marker on (echo) but logs nothing', () => {
    const { run, e } = engine({ roles: ['terminating-ua'], honour: false });
    assert.equal(run(req('INVITE', { logme: true }), 'in', 'p2').log, false);
    const r = run(res(180, 'INVITE', { toTag: 'b1' }), 'out', 'p2', { local: true });
    assert.equal(r.marker, 'add');
    assert.equal(r.log, false);
    assert.equal(e.stats().logged, 0);
  });

  test('§5.2.2 a marker from an intermediary marking on our behalf is not an error', () => {
    const { run } = engine({ roles: ['terminating-ua', 'originating-ua'], peers: [{ name: 'edge', marksOnOurBehalf: true }] });
    run(req('INVITE'), 'out', 'edge', { local: true });
    const d = run(res(100, 'INVITE', { logme: true }), 'in', 'edge');
    assert.equal(d.error, undefined);
    assert.equal(d.marker, 'keep');
    assert.equal(d.log, false);
  });
});
