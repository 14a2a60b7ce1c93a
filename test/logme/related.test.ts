// RFC 8497 §3.7 related dialogs (RFC 7989 §6), §5.2.3 Join, §4.4 B2BUAs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { A_UUID, B_UUID, NIL, aliceSession, engine, req, res } from './util.js';

describe('RFC 8497 §3.7 related dialogs', () => {
  test('§3.7 a REFER with Target-Dialog naming a marked dialog is marked with the same test case (Figure 2)', () => {
    const { run, events } = engine({ roles: ['terminating-ua'] });
    run(req('INVITE', { logme: true }), 'in', 'p'); // dialog1 F1 from Bob's side (Bob = a1 here)
    run(res(200, 'INVITE', { toTag: 'b1', sid: `${B_UUID};remote=${A_UUID}` }), 'out', 'p', { local: true });
    const refer = req('REFER', {
      callId: 'call-2',
      fromTag: 'r1',
      sid: `${B_UUID};remote=${A_UUID}`,
      extra: ['Target-Dialog: call-1;local-tag=a1;remote-tag=b1', 'Require: tdialog'],
    });
    const d = run(refer, 'out', 'p', { local: true });
    assert.equal(d.marker, 'add');
    assert.equal(d.testCase, A_UUID);
    assert.ok(events.some((e) => e.name === 'logme.dialog.related' && e.relation === 'target-dialog'));
  });

  test('§3.7 after a 3xx the new INVITE keeps its UUID (RFC 7989 §6) and stays marked', () => {
    const { run } = engine({ roles: ['originating-ua'], sessions: [aliceSession({ scope: { to: ['bob@*'] } })] });
    run(req('INVITE'), 'out', 'p', { local: true });
    run(res(302, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p');
    const again = run(req('INVITE', { callId: 'call-1', cseq: 2, fromTag: 'a2', ruri: 'sip:carol@chicago.example.com', to: 'sip:carol@chicago.example.com' }), 'out', 'p', { local: true });
    assert.equal(again.marker, 'add');
    assert.equal(again.testCase, A_UUID);
  });

  test('§3.7 relatedDialogs: false marks only what a session covers', () => {
    const { run } = engine({ roles: ['originating-ua'], relatedDialogs: false, sessions: [aliceSession({ scope: { to: ['bob@*'] } })] });
    run(req('INVITE'), 'out', 'p', { local: true });
    const carol = req('INVITE', { callId: 'c2', ruri: 'sip:carol@chicago.example.com', to: 'sip:carol@chicago.example.com' });
    assert.equal(run(carol, 'out', 'p', { local: true }).marker, 'none');
  });

  test('§4.3 an originating intermediary marks a Replaces INVITE of its UA that refers to a marked dialog', () => {
    const cfg = { roles: ['originating-intermediary'], peers: [{ name: 'alice', markFor: true }, { name: 'p2' }], sessions: [aliceSession({ scope: { to: ['bob@*'] } })] };
    const { run } = engine(cfg);
    run(req('INVITE'), 'in', 'alice');
    run(res(200, 'INVITE', { toTag: 'b1' }), 'in', 'p2');
    const rep = req('INVITE', { callId: 'c9', fromTag: 'z', sid: `${'9'.repeat(32)};remote=${NIL}`, ruri: 'sip:carol@x', to: 'sip:carol@x', extra: ['Replaces: call-1;to-tag=b1;from-tag=a1'] });
    assert.equal(run(rep, 'in', 'alice').log, true);
    assert.equal(run(rep, 'out', 'p2').marker, 'add');
  });

  test('§5.2.3 Join without the marker, received by an entity marking the joined dialog: the new dialog is not marked', () => {
    const { run } = engine({ roles: ['terminating-ua'] });
    run(req('INVITE', { logme: true }), 'in', 'p');
    const join = req('INVITE', { callId: 'j1', fromTag: 'j', sid: `${'7'.repeat(32)};remote=${NIL}`, extra: ['Join: call-1;to-tag=b1;from-tag=a1'] });
    assert.equal(run(join, 'in', 'p').log, false);
    assert.equal(run(res(200, 'INVITE', { callId: 'j1', fromTag: 'j', toTag: 'k' }), 'out', 'p', { local: true }).marker, 'none');
  });

  test('§5.2.3 Join with the marker, received by an entity not marking: MUST mark the new dialog', () => {
    const { run } = engine({ roles: ['terminating-ua'] });
    const join = req('INVITE', { callId: 'j1', fromTag: 'j', logme: true, extra: ['Join: call-0;to-tag=x;from-tag=y'] });
    assert.equal(run(join, 'in', 'p').error, undefined);
    assert.equal(run(res(200, 'INVITE', { callId: 'j1', fromTag: 'j', toTag: 'k' }), 'out', 'p', { local: true }).marker, 'add');
  });
});

describe('RFC 8497 §4.4 B2BUA', () => {
  const B2 = { roles: ['b2bua'], peers: [{ name: 'a' }, { name: 'b' }] };
  test('§4.4 SHOULD couple the legs: the marker passes from the originating to the terminating side and back', () => {
    const { run } = engine(B2);
    const legA = req('INVITE', { logme: true });
    run(legA, 'in', 'a');
    const legB = req('INVITE', { callId: 'leg-b', fromTag: 'x1', sid: `${A_UUID};remote=${NIL}` });
    const d = run(legB, 'out', 'b', { local: true, otherLeg: legA });
    assert.equal(d.marker, 'add');
    assert.equal(d.testCase, A_UUID);
    const r = res(180, 'INVITE', { callId: 'leg-b', fromTag: 'x1', toTag: 'y1', logme: true });
    assert.equal(run(r, 'in', 'b').log, true);
    assert.equal(run(res(180, 'INVITE', { toTag: 'b1' }), 'out', 'a', { local: true, otherLeg: r }).marker, 'add');
  });
  test('§4.4 MUST mark in-dialog requests it generates on its own in a marked dialog', () => {
    const { run } = engine(B2);
    run(req('INVITE', { logme: true }), 'in', 'a');
    run(res(200, 'INVITE', { toTag: 'b1' }), 'out', 'a', { local: true });
    const bye = req('BYE', { from: 'sip:bob@biloxi.example.com', fromTag: 'b1', toTag: 'a1', cseq: 9 });
    assert.equal(run(bye, 'out', 'a', { local: true }).marker, 'add');
  });
  test('§4.4 coupleLegs: false leaves the second leg unmarked', () => {
    const { run } = engine({ ...B2, coupleLegs: false });
    const legA = req('INVITE', { logme: true });
    run(legA, 'in', 'a');
    assert.equal(run(req('INVITE', { callId: 'leg-b', fromTag: 'x1', sid: `${'5'.repeat(32)};remote=${NIL}` }), 'out', 'b', { local: true, otherLeg: legA }).marker, 'none');
  });
});
