// Non-INVITE server transaction: RFC 3261 §17.2.2 Figure 8.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NonInviteServerTransaction } from '../../src/transaction/non-invite-server.js';
import type { ServerTransactionUser } from '../../src/transaction/types.js';
import { codeOf, request, response, setup } from './util.js';

function start(transport: 'udp' | 'tcp' = 'udp') {
  const env = setup(transport);
  const events: string[] = [];
  const user: ServerTransactionUser = {
    onTimeout: () => events.push('timeout'),
    onTransportError: () => events.push('transport-error'),
    onTerminated: () => events.push('terminated'),
  };
  const req = request({ method: 'OPTIONS' });
  const txn = new NonInviteServerTransaction(req, env.opts, user);
  return { ...env, events, req, txn };
}

describe('RFC 3261 §17.2.2 Figure 8: non-INVITE server transaction', () => {
  test('Request received: Trying, nothing sent, no timer', () => {
    const { txn, sink, clock } = start();
    assert.equal(txn.state, 'Trying');
    assert.equal(sink.sent.length, 0);
    assert.deepEqual(clock.pending(), []);
  });

  test('Trying: request retransmissions are discarded', () => {
    const { txn, sink, req } = start();
    assert.equal(txn.receiveRequest(req), true);
    assert.equal(sink.sent.length, 0);
    assert.equal(txn.state, 'Trying');
  });

  test('Trying → Proceeding on 1xx from TU; Proceeding: 1xx sent, retransmission re-sends the last provisional', () => {
    const { txn, sink, req } = start();
    txn.respond(response(req, 100));
    assert.equal(txn.state, 'Proceeding');
    txn.respond(response(req, 183));
    txn.receiveRequest(req);
    assert.deepEqual(sink.firstWords(), ['100', '183', '183']);
  });

  for (const from of ['Trying', 'Proceeding'] as const) {
    test(`${from} → Completed on 200-699 from TU: response sent, Timer J`, () => {
      const { txn, sink, req } = start();
      if (from === 'Proceeding') txn.respond(response(req, 100));
      txn.respond(response(req, 200));
      assert.equal(txn.state, 'Completed');
      assert.equal(sink.firstWords().at(-1), '200');
      assert.deepEqual(txn.timers.armed(), ['J']);
    });
  }

  test('Completed: retransmission re-sends the final response; other finals from the TU are discarded', () => {
    const { txn, sink, req } = start();
    txn.respond(response(req, 404));
    txn.receiveRequest(req);
    assert.equal(txn.respond(response(req, 200)), false);
    assert.equal(txn.respond(response(req, 180)), false);
    assert.deepEqual(sink.firstWords(), ['404', '404']);
    assert.equal(txn.finalStatus, 404);
  });

  test('Timer J: 64·T1 on an unreliable transport, then Terminated', () => {
    const { txn, req, clock, events } = start();
    txn.respond(response(req, 200));
    clock.advance(31_999);
    assert.equal(txn.state, 'Completed');
    clock.advance(1);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(events, ['terminated']);
    assert.deepEqual(clock.pending(), []);
  });

  test('Timer J: 0 on a reliable transport', () => {
    const { txn, req, clock } = start('tcp');
    txn.respond(response(req, 200));
    clock.advance(0);
    assert.equal(txn.state, 'Terminated');
  });

  test('transport error in Proceeding or Completed informs the TU, Terminated', () => {
    const a = start();
    a.sink.fail = 'sync';
    a.txn.respond(response(a.req, 100));
    assert.equal(a.txn.state, 'Terminated');
    assert.deepEqual(a.events, ['transport-error', 'terminated']);
    const b = start();
    b.sink.fail = 'async';
    b.txn.respond(response(b.req, 200));
    assert.equal(b.txn.state, 'Completed');
    b.sink.flushErrors();
    assert.equal(b.txn.state, 'Terminated');
    assert.deepEqual(b.events, ['transport-error', 'terminated']);
    assert.deepEqual(b.clock.pending(), []);
  });

  test('Terminated discards responses', () => {
    const { txn, req, sink } = start();
    txn.terminate();
    assert.equal(txn.respond(response(req, 200)), false);
    assert.equal(sink.sent.length, 0);
  });

  test('an INVITE or an ACK does not make a non-INVITE server transaction', () => {
    const env = setup();
    assert.equal(codeOf(() => new NonInviteServerTransaction(request(), env.opts)), 'TXN_BAD_MESSAGE');
    assert.equal(codeOf(() => new NonInviteServerTransaction(request({ method: 'ACK' }), env.opts)), 'TXN_BAD_MESSAGE');
  });
});
