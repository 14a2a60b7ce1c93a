// Non-INVITE client transaction: RFC 3261 §17.1.2.2 Figure 6.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NonInviteClientTransaction } from '../../src/transaction/non-invite-client.js';
import type { ClientTransactionUser } from '../../src/transaction/types.js';
import { codeOf, request, response, setup } from './util.js';

function start(transport: 'udp' | 'tcp' = 'udp', method = 'BYE') {
  const env = setup(transport);
  const events: string[] = [];
  const user: ClientTransactionUser = {
    onResponse: (r) => events.push(`response ${r.status}`),
    onTimeout: () => events.push('timeout'),
    onTransportError: () => events.push('transport-error'),
    onTerminated: () => events.push('terminated'),
  };
  const req = request({ method, toTag: 'tt1' });
  const txn = new NonInviteClientTransaction(req, env.opts, user);
  txn.start();
  return { ...env, events, req, txn };
}

describe('RFC 3261 §17.1.2.2 Figure 6: non-INVITE client transaction', () => {
  test('Request from TU: Trying, request sent, Timers E and F armed', () => {
    const { txn, sink } = start();
    assert.equal(txn.state, 'Trying');
    assert.deepEqual(sink.firstWords(), ['BYE']);
    assert.deepEqual(txn.timers.armed().sort(), ['E', 'F']);
  });

  test('Trying → Proceeding on 1xx, resp. to TU; Timers E and F keep running', () => {
    const { txn, req, events } = start();
    txn.receiveResponse(response(req, 100));
    assert.equal(txn.state, 'Proceeding');
    assert.deepEqual(events, ['response 100']);
    assert.deepEqual(txn.timers.armed().sort(), ['E', 'F']);
  });

  test('Proceeding: 1xx to TU, stays', () => {
    const { txn, req, events } = start();
    txn.receiveResponse(response(req, 100));
    txn.receiveResponse(response(req, 180));
    assert.equal(txn.state, 'Proceeding');
    assert.deepEqual(events, ['response 100', 'response 180']);
  });

  for (const from of ['Trying', 'Proceeding'] as const) {
    test(`${from} → Completed on 200-699, resp. to TU; E and F stop, K armed`, () => {
      const { txn, req, events } = start();
      if (from === 'Proceeding') txn.receiveResponse(response(req, 100));
      txn.receiveResponse(response(req, 200));
      assert.equal(txn.state, 'Completed');
      assert.equal(events.at(-1), 'response 200');
      assert.deepEqual(txn.timers.armed(), ['K']);
    });
  }

  test('Completed: response retransmissions are absorbed (not to TU) and flagged', () => {
    const { txn, req, events } = start();
    assert.equal(txn.receiveResponse(response(req, 404)), false);
    assert.equal(txn.receiveResponse(response(req, 404)), true);
    assert.equal(txn.receiveResponse(response(req, 100)), false);
    assert.deepEqual(events, ['response 404']);
  });

  test('Timer E in Trying: retransmissions at 500, 1500, 3500, 7500, 11500… (doubling, capped at T2); F at 64·T1', () => {
    const { txn, sink, clock, events } = start();
    clock.advance(31_999);
    assert.deepEqual(sink.times(), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    clock.advance(1);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(events, ['timeout', 'terminated']);
    assert.deepEqual(clock.pending(), []);
  });

  test('Timer E in Proceeding: reset to T2 on each firing', () => {
    const { txn, sink, clock, req } = start();
    clock.advance(600); // sends at 0, 500; E re-armed for 1000 → due 1500
    txn.receiveResponse(response(req, 100));
    clock.advance(10_000); // 1500, then every T2: 5500, 9500
    assert.deepEqual(sink.times(), [0, 500, 1500, 5500, 9500]);
  });

  test('Timer E is not armed on a reliable transport; F is', () => {
    const { txn, sink, clock, events } = start('tcp');
    assert.deepEqual(txn.timers.armed(), ['F']);
    clock.advance(32_000);
    assert.deepEqual(sink.firstWords(), ['BYE']);
    assert.deepEqual(events, ['timeout', 'terminated']);
  });

  test('Timer F fires in Proceeding too', () => {
    const { txn, clock, req, events } = start();
    txn.receiveResponse(response(req, 100));
    clock.advance(32_000);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(events, ['response 100', 'timeout', 'terminated']);
  });

  test('Timer K: T4 (5 s) on an unreliable transport, 0 on a reliable one', () => {
    const u = start('udp');
    u.txn.receiveResponse(response(u.req, 200));
    u.clock.advance(4999);
    assert.equal(u.txn.state, 'Completed');
    u.clock.advance(1);
    assert.equal(u.txn.state, 'Terminated');
    const r = start('tcp');
    r.txn.receiveResponse(response(r.req, 200));
    assert.equal(r.txn.state, 'Completed');
    r.clock.advance(0);
    assert.equal(r.txn.state, 'Terminated');
    assert.deepEqual(r.clock.pending(), []);
  });

  test('§17.1.4: transport error in Trying or Proceeding informs TU, Terminated', () => {
    const a = start();
    a.sink.fail = 'sync';
    a.clock.advance(500); // retransmission fails
    assert.equal(a.txn.state, 'Terminated');
    assert.deepEqual(a.events, ['transport-error', 'terminated']);
    const b = start();
    b.txn.receiveResponse(response(b.req, 100));
    b.sink.fail = 'throw';
    b.clock.advance(1500);
    assert.equal(b.txn.state, 'Terminated');
    assert.deepEqual(b.events, ['response 100', 'transport-error', 'terminated']);
    assert.deepEqual(b.clock.pending(), []);
  });

  test('an ACK or an INVITE does not make a non-INVITE client transaction', () => {
    const env = setup();
    assert.equal(codeOf(() => new NonInviteClientTransaction(request({ method: 'ACK' }), env.opts)), 'TXN_BAD_MESSAGE');
    assert.equal(codeOf(() => new NonInviteClientTransaction(request({ method: 'INVITE' }), env.opts)), 'TXN_BAD_MESSAGE');
  });
});
