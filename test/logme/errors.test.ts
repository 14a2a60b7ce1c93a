// RFC 8497 §5: error cases (§5.1), non-error cases (§5.2) and error handling (§5.3).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { A_UUID, B_UUID, engine, names, req, reqFromCallee, res } from './util.js';

const P = { roles: ['boundary'], peers: [{ name: 'alice' }, { name: 'p2' }] };

function established() {
  const x = engine(P);
  x.run(req('INVITE', { logme: true }), 'in', 'alice');
  x.run(req('INVITE', { logme: true }), 'out', 'p2');
  x.run(res(200, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p2');
  x.run(res(200, 'INVITE', { toTag: 'b1', logme: true }), 'out', 'alice');
  return x;
}

describe('RFC 8497 §5.1.1 missing marker', () => {
  test('§5.3 missing marker: stop marking, stop logging, keep what was logged', () => {
    const { run, e, events } = established();
    const loggedBefore = e.stats().logged;
    const ack = run(req('ACK', { toTag: 'b1', sid: `${A_UUID};remote=${B_UUID}` }), 'in', 'alice'); // Figure 8 F7
    assert.equal(ack.error, 'missing-marker');
    assert.equal(ack.log, false);
    assert.deepEqual(ack.stateChange, { dialog: 'call-1\u0000a1', from: 'marked', to: 'missing-marker-error' });
    assert.ok(names(events).includes('logme.error.missing'));
    const f8 = run(req('ACK', { toTag: 'b1' }), 'out', 'p2');
    assert.deepEqual([f8.marker, f8.log], ['none', false]); // MUST NOT mark subsequent messages
    const bye = run(reqFromCallee('BYE', { logme: true }), 'in', 'p2');
    assert.deepEqual([bye.log, bye.error], [false, undefined]);
    assert.equal(run(reqFromCallee('BYE', { logme: true }), 'out', 'alice').marker, 'strip');
    assert.equal(e.stats().logged, loggedBefore); // nothing more logged, nothing asked to be deleted
    assert.equal(e.stats().errorsMissing, 1);
  });

  test('§5.1.1 detection is per neighbour: one that never sent the marker is not in error', () => {
    const { run } = established();
    assert.equal(run(reqFromCallee('INFO', { cseq: 5 }), 'in', 'p3').error, undefined);
  });

  test('§5.1 case 4: a retransmission without the marker is a missing marker', () => {
    const x = engine(P);
    x.run(req('INVITE', { logme: true }), 'in', 'alice');
    assert.equal(x.run(req('INVITE'), 'in', 'alice').error, 'missing-marker');
  });

  test('§5.1 case 3: disappear then reappear is the missing-marker error, reported once', () => {
    const { run, e } = established();
    run(req('ACK', { toTag: 'b1' }), 'in', 'alice');
    const again = run(req('INFO', { toTag: 'b1', cseq: 2, logme: true }), 'in', 'alice');
    assert.deepEqual([again.error, again.log], [undefined, false]);
    assert.equal(e.stats().errorsMissing, 1);
  });
});

describe('RFC 8497 §5.1.2 marker begins mid-dialog', () => {
  test('§5.3 mid-dialog marker: MUST NOT forward it, MUST NOT log, nor mark or log later messages', () => {
    const { run, e } = engine(P);
    run(req('INVITE'), 'in', 'alice');
    run(req('INVITE'), 'out', 'p2');
    run(res(200, 'INVITE', { toTag: 'b1' }), 'in', 'p2');
    const f7 = run(req('ACK', { toTag: 'b1', logme: true }), 'in', 'alice');
    assert.deepEqual([f7.error, f7.marker, f7.log], ['mid-dialog-marker', 'strip', false]);
    assert.equal(f7.stateChange?.to, 'mid-dialog-error');
    assert.equal(run(req('ACK', { toTag: 'b1', logme: true }), 'out', 'p2').marker, 'strip');
    const bye = run(reqFromCallee('BYE', { logme: true }), 'in', 'p2');
    assert.deepEqual([bye.marker, bye.log, bye.error], ['strip', false, undefined]);
    assert.equal(e.stats().errorsMidDialog, 1);
  });

  test('§4.1 a marked response to an unmarked request is a mid-dialog marker (the terminating side cannot start)', () => {
    const { run } = engine(P);
    run(req('INVITE'), 'in', 'alice');
    assert.equal(run(res(180, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p2').error, 'mid-dialog-marker');
  });

  test('§5.1.2 a UA that adds a marker to its own in-dialog request has it removed', () => {
    const { run } = engine({ roles: ['originating-ua'] });
    const d = run(req('BYE', { toTag: 'b1', logme: true }), 'out', 'p1', { local: true });
    assert.deepEqual([d.marker, d.error], ['strip', 'mid-dialog-marker']);
  });
});

describe('RFC 8497 §5.2 non-error cases', () => {
  test('§5.2.1 unmarked responses from a UA marked on behalf of are not errors (Figure 11 F6)', () => {
    const { run } = engine({ roles: ['terminating-intermediary'], peers: [{ name: 'bob', markFor: true }, { name: 'p1' }] });
    run(req('INVITE', { logme: true }), 'in', 'p1');
    run(req('INVITE', { logme: true }), 'out', 'bob');
    const f6 = run(res(180, 'INVITE', { toTag: 'b1' }), 'in', 'bob');
    assert.deepEqual([f6.error, f6.log], [undefined, true]);
  });
});
