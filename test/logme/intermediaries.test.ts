// RFC 8497 §4.3 intermediaries on behalf of endpoints, §4.5.1 stateless, §5.3 plain proxy, §3.8 forking,
// §3.4.2/§7.2 trust-domain boundary (§4.5.2.3–§4.5.2.5), RFC 7989 §7 Session-ID on behalf of endpoints.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { uuidV5 } from '../../src/logme/uuid.js';
import { A_UUID, B_UUID, NIL, aliceSession, engine, req, reqFromCallee, res, resFromCaller } from './util.js';

/** Forwards a message through an intermediary engine: `in` from one neighbour, `out` to the other. */
function fwd(run: ReturnType<typeof engine>['run'], m: Parameters<ReturnType<typeof engine>['run']>[0], from: string, to: string) {
  return { in: run(m, 'in', from), out: run(m, 'out', to) };
}

const OI = {
  roles: ['originating-intermediary'],
  peers: [{ name: 'alice', addresses: ['2001:db8::1'], markFor: true }, { name: 'p2', trust: 'outside', agreement: true }],
  sessions: [aliceSession()],
};

describe('RFC 8497 §4.3 originating intermediary (Figure 3)', () => {
  test('§4.3 MUST insert the marker into the dialog-creating request of a UA it marks for; logs F1 and F2', () => {
    const { run } = engine(OI);
    const f = fwd(run, req('INVITE'), 'alice', 'p2');
    assert.equal(f.in.log, true);
    assert.equal(f.in.marker, 'none');
    assert.equal(f.out.marker, 'add');
    assert.equal(f.out.log, true);
  });

  test('§5.2.2 MAY mark the 100 toward the UA (F3); §4.5.2.1 F12 an unmarked ACK from it is not an error; F13 marked', () => {
    const { run } = engine(OI);
    fwd(run, req('INVITE'), 'alice', 'p2');
    assert.equal(run(res(100, 'INVITE'), 'out', 'alice', { local: true }).marker, 'add');
    fwd(run, res(200, 'INVITE', { toTag: 'b1', logme: true }), 'p2', 'alice');
    const ack = fwd(run, req('ACK', { toTag: 'b1' }), 'alice', 'p2');
    assert.equal(ack.in.error, undefined);
    assert.equal(ack.in.log, true);
    assert.equal(ack.out.marker, 'add');
    const ok = fwd(run, resFromCaller(200, 'BYE', { toTag: 'a1' }), 'alice', 'p2');
    assert.equal(ok.out.marker, 'add'); // F19
  });

  test('§4.3 only dialogs a log-me session covers are marked (§7.1)', () => {
    const { run } = engine({ ...OI, sessions: [aliceSession({ scope: { from: ['carol@*'] } })] });
    assert.equal(fwd(run, req('INVITE'), 'alice', 'p2').out.marker, 'none');
  });

  test('§7.1 scope by source address: the session matches the neighbour address', () => {
    const cfg = { ...OI, sessions: [aliceSession({ scope: { sources: ['2001:db8::/64'] } })] };
    const { run } = engine({ ...cfg, peers: [{ name: 'p2' }] });
    run(req('INVITE'), 'in', '[2001:db8::1]:5060');
    // not a markFor peer: the intermediary does not mark on its behalf
    assert.equal(run(req('INVITE'), 'out', 'p2').marker, 'none');
    const two = engine(cfg);
    two.run(req('INVITE'), 'in', '[2001:db8::1]:5060');
    assert.equal(two.run(req('INVITE'), 'out', 'p2').marker, 'add');
  });

  test('RFC 7989 §7: Session-ID inserted on behalf of a UA that sent none is a v5 UUID of Call-ID + its tag', () => {
    const { run } = engine(OI);
    run(req('INVITE', { sid: null }), 'in', 'alice');
    const out = run(req('INVITE', { sid: null }), 'out', 'p2');
    const a = uuidV5('call-1', 'a1');
    assert.equal(out.sessionId, `${a};remote=${NIL};logme`);
    assert.equal(out.testCase, a);
    // a 100 Trying this proxy generates: {N, A} (RFC 7989 §7)
    const t = run(res(100, 'INVITE', { sid: null }), 'out', 'alice', { local: true });
    assert.equal(t.sessionId, `${NIL};remote=${a};logme`);
  });
});

describe('RFC 7989 §8 a peer\'s new UUID, as the Session-IDs inserted on behalf of a UA name it', () => {
  test('accepted after a 2xx to the request that carried it, not after a failure; a stale remote does not override', () => {
    const { run } = engine(OI);
    const a = uuidV5('call-1', 'a1');
    const B2 = 'b2'.repeat(16);
    fwd(run, req('INVITE', { sid: null }), 'alice', 'p2');
    fwd(run, res(200, 'INVITE', { toTag: 'b1', logme: true }), 'p2', 'alice');
    fwd(run, req('ACK', { sid: null, toTag: 'b1' }), 'alice', 'p2');
    const aliceSends = (method: string, cseq: number): string | undefined => fwd(run, req(method, { sid: null, toTag: 'b1', cseq }), 'alice', 'p2').out.sessionId;
    assert.equal(aliceSends('INFO', 2), `${a};remote=${B_UUID};logme`);
    // Bob's UPDATE with a new UUID, refused by Alice (488): B2 is not taken up.
    fwd(run, reqFromCallee('UPDATE', { sid: `${B2};remote=${a};logme`, cseq: 5 }), 'p2', 'alice');
    fwd(run, resFromCaller(488, 'UPDATE', { sid: null, toTag: 'a1', cseq: 5 }), 'alice', 'p2');
    assert.equal(aliceSends('INFO', 3), `${a};remote=${B_UUID};logme`, 'a failure response: the stored UUID stays');
    // A CANCEL-free retry, answered 200: now B2 is Bob's UUID.
    fwd(run, reqFromCallee('UPDATE', { sid: `${B2};remote=${a};logme`, cseq: 6 }), 'p2', 'alice');
    fwd(run, resFromCaller(200, 'UPDATE', { sid: null, toTag: 'a1', cseq: 6 }), 'alice', 'p2');
    assert.equal(aliceSends('INFO', 4), `${a};remote=${B2};logme`, 'a 2xx: the new UUID is accepted');
    // A message from Bob naming an old UUID of Alice in `remote` does not change what Alice's UUID is.
    fwd(run, reqFromCallee('INFO', { sid: `${B2};remote=${'0a'.repeat(16)};logme`, cseq: 7 }), 'p2', 'alice');
    assert.equal(aliceSends('INFO', 5), `${a};remote=${B2};logme`, 'a stale remote is not adopted');
    // A response carrying a new UUID is accepted at once.
    const B3 = 'b3'.repeat(16);
    fwd(run, res(200, 'INFO', { toTag: 'b1', cseq: 5, sid: `${B3};remote=${a};logme` }), 'p2', 'alice');
    assert.equal(aliceSends('INFO', 6), `${a};remote=${B3};logme`);
  });
});

describe('RFC 8497 §4.3 terminating intermediary (Figures 4, 11)', () => {
  const TI = { roles: ['terminating-intermediary'], peers: [{ name: 'bob', markFor: true }, { name: 'p1' }] };
  test('§4.3 MUST echo the marker in responses of the non-supporting UA (F7, F10) and mark its requests (F16)', () => {
    const { run } = engine(TI);
    fwd(run, req('INVITE', { logme: true }), 'p1', 'bob');
    assert.equal(run(res(100, 'INVITE'), 'out', 'p1', { local: true }).marker, 'add'); // F5
    const r = fwd(run, res(180, 'INVITE', { toTag: 'b1' }), 'bob', 'p1');
    assert.equal(r.in.error, undefined); // §5.2.1 F6: not expected from Bob, not an error
    assert.equal(r.out.marker, 'add');
    fwd(run, res(200, 'INVITE', { toTag: 'b1' }), 'bob', 'p1');
    fwd(run, req('ACK', { toTag: 'b1', logme: true }), 'p1', 'bob');
    assert.equal(fwd(run, reqFromCallee('BYE'), 'bob', 'p1').out.marker, 'add');
  });
});

describe('RFC 8497 §4.5.1 stateless logger and §5.3 plain proxy', () => {
  test('§4.5.1 MUST log any request or response that carries the marker, statelessly (RFC 8123 REQ10)', () => {
    const { run, e } = engine({ roles: ['stateless-logger'] });
    assert.equal(run(req('ACK', { toTag: 'x', logme: true }), 'in', 'a').log, true);
    assert.equal(run(res(180, 'INVITE', { toTag: 'x', logme: true }), 'in', 'b').log, true);
    assert.equal(run(res(180, 'INVITE', { toTag: 'x' }), 'in', 'b').log, false);
    assert.equal(run(req('INVITE', { logme: true }), 'out', 'b').marker, 'keep');
    assert.equal(e.stats().trackedDialogs, 0);
  });
  test('§4.5.1 "if allowed per local policy": honour false logs nothing', () => {
    const { run } = engine({ roles: ['stateless-logger'], honour: false });
    assert.equal(run(req('INVITE', { logme: true }), 'in', 'a').log, false);
  });
  test('§5.3 a plain RFC 3261 proxy forwards any marker it receives and detects no errors', () => {
    const { run } = engine({ roles: ['proxy'] });
    const d = run(req('ACK', { toTag: 'x', logme: true }), 'in', 'a');
    assert.deepEqual([d.marker, d.log, d.error], ['keep', false, undefined]);
    assert.equal(run(req('ACK', { toTag: 'x', logme: true }), 'out', 'b').marker, 'keep');
  });
});

describe('RFC 8497 §3.8 forking', () => {
  test('§3.8 the marker is copied into every forked branch; early dialogs of each branch share the state', () => {
    const { run } = engine({ roles: ['boundary'], peers: [{ name: 'a' }, { name: 'b1' }, { name: 'b2' }] });
    run(req('INVITE', { logme: true }), 'in', 'a');
    assert.equal(run(req('INVITE', { logme: true }), 'out', 'b1').marker, 'keep');
    assert.equal(run(req('INVITE'), 'out', 'b2').marker, 'add');
    assert.equal(run(res(180, 'INVITE', { toTag: 'x1', logme: true }), 'in', 'b1').log, true);
    assert.equal(run(res(486, 'INVITE', { toTag: 'x2', logme: true }), 'in', 'b2').stateChange, undefined); // a branch's failure does not end the call
    assert.equal(run(res(200, 'INVITE', { toTag: 'x1', logme: true }), 'in', 'b1').log, true);
  });
});

describe('RFC 8497 §3.4.2, §7.2 trust-domain boundary', () => {
  const B = { roles: ['boundary'], peers: [{ name: 'alice' }, { name: 'p2', trust: 'outside' }] };
  test('§3.4.2 MUST remove the marker toward a peer network without agreement; §4.5.2.3 re-add inward; log both', () => {
    const { run } = engine(B);
    const f = fwd(run, req('INVITE', { logme: true }), 'alice', 'p2');
    assert.equal(f.out.marker, 'strip');
    assert.equal(f.out.log, true);
    const r = fwd(run, res(180, 'INVITE', { toTag: 'b1' }), 'p2', 'alice');
    assert.equal(r.out.marker, 'add'); // F8
    assert.equal(r.in.log, true);
    const ack = fwd(run, req('ACK', { toTag: 'b1', logme: true }), 'alice', 'p2');
    assert.equal(ack.out.marker, 'strip'); // F13
  });
  test('§7.2 applies to incoming messages too: a marker from a peer without agreement is removed (REQ12)', () => {
    const { run, events } = engine(B);
    const d = run(req('INVITE', { logme: true }), 'in', 'p2');
    assert.equal(d.marker, 'strip');
    assert.equal(d.error, 'unauthorised-marker');
    assert.equal(d.log, false);
    assert.equal(run(req('INVITE', { logme: true }), 'out', 'alice').marker, 'strip');
    assert.ok(events.some((e) => e.name === 'logme.error.unauthorised'));
  });
  test('§4.5.2.4 (Figure 6) an inside peer without agreement keeps markers out of the interior', () => {
    const { run } = engine({ roles: ['boundary'], peers: [{ name: 'bob', agreement: false }, { name: 'p1', trust: 'outside', agreement: true }] });
    const f = fwd(run, req('INVITE', { logme: true }), 'p1', 'bob');
    assert.equal(f.out.marker, 'strip');
    assert.equal(fwd(run, res(180, 'INVITE', { toTag: 'b1' }), 'bob', 'p1').out.marker, 'add');
  });
  test('§4.5.2.5 (Figure 7) unmarked messages from a non-supporting network are re-marked, not errors', () => {
    const { run } = engine({ roles: ['boundary'], peers: [{ name: 'alice' }, { name: 'p2', trust: 'outside', agreement: true }] });
    fwd(run, req('INVITE', { logme: true }), 'alice', 'p2');
    const r = fwd(run, res(180, 'INVITE', { toTag: 'b1' }), 'p2', 'alice');
    assert.equal(r.in.error, undefined);
    assert.equal(r.out.marker, 'add');
  });
  test('unknown neighbours of a boundary are outside the trust domain by default', () => {
    const { run } = engine({ roles: ['boundary'] });
    assert.equal(run(req('INVITE', { logme: true }), 'in', '192.0.2.7:5060').error, 'unauthorised-marker');
  });
  test('§7.3 screen: markers arriving when no log-me session covers them are removed', () => {
    const { run } = engine({ roles: ['boundary'], screen: true, peers: [{ name: 'p1' }], sessions: [aliceSession({ scope: { to: ['carol@*'] } })] });
    assert.equal(run(req('INVITE', { logme: true }), 'in', 'p1').error, 'unauthorised-marker');
    const ok = engine({ roles: ['boundary'], screen: true, peers: [{ name: 'p1' }], sessions: [aliceSession()] });
    assert.equal(ok.run(req('INVITE', { logme: true }), 'in', 'p1').log, true);
    assert.equal(ok.run(req('INVITE', { logme: true }), 'in', 'p1').testCase, A_UUID);
  });
});
