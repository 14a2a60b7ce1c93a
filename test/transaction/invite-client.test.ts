// INVITE client transaction: RFC 3261 §17.1.1 Figure 5 as replaced by RFC 6026 §8.4 (Figure 5) and §7.2 (Figure 3).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from '../../src/sip/parser.js';
import { InviteClientTransaction } from '../../src/transaction/invite-client.js';
import type { ClientTransaction, ClientTransactionUser } from '../../src/transaction/types.js';
import { request, response, setup } from './util.js';

function recorder() {
  const events: string[] = [];
  const user: ClientTransactionUser = {
    onResponse: (r) => events.push(`response ${r.status}`),
    onTimeout: () => events.push('timeout'),
    onTransportError: (_t: ClientTransaction, e) => events.push(`transport-error ${e.message}`),
    onTerminated: () => events.push('terminated'),
  };
  return { events, user };
}

function start(transport: 'udp' | 'tcp' = 'udp') {
  const env = setup(transport);
  const rec = recorder();
  const invite = request();
  const txn = new InviteClientTransaction(invite, env.opts, rec.user);
  txn.start();
  return { ...env, ...rec, invite, txn };
}

describe('RFC 3261 §17.1.1.2 Figure 5 (RFC 6026 §8.4): INVITE client transaction', () => {
  test('INVITE from TU: Calling, INVITE sent, Timers A and B armed', () => {
    const { txn, sink } = start();
    assert.equal(txn.state, 'Calling');
    assert.deepEqual(sink.firstWords(), ['INVITE']);
    assert.deepEqual(txn.timers.armed().sort(), ['A', 'B']);
  });

  test('Calling → Proceeding on 1xx (1xx to TU), retransmissions stop', () => {
    const { txn, sink, clock, events, invite } = start();
    txn.receiveResponse(response(invite, 180));
    assert.equal(txn.state, 'Proceeding');
    assert.deepEqual(events, ['response 180']);
    assert.deepEqual(txn.timers.armed(), []);
    clock.advance(40_000);
    assert.deepEqual(sink.firstWords(), ['INVITE']);
    assert.equal(txn.state, 'Proceeding');
  });

  test('Proceeding: further 1xx to TU, state unchanged', () => {
    const { txn, events, invite } = start();
    txn.receiveResponse(response(invite, 100));
    txn.receiveResponse(response(invite, 180));
    txn.receiveResponse(response(invite, 183));
    assert.equal(txn.state, 'Proceeding');
    assert.deepEqual(events, ['response 100', 'response 180', 'response 183']);
  });

  for (const from of ['Calling', 'Proceeding'] as const) {
    test(`${from} → Completed on 300-699: response to TU, ACK sent (§17.1.1.3)`, () => {
      const { txn, sink, events, invite } = start();
      if (from === 'Proceeding') txn.receiveResponse(response(invite, 180));
      txn.receiveResponse(response(invite, 486));
      assert.equal(txn.state, 'Completed');
      assert.deepEqual(sink.firstWords(), ['INVITE', 'ACK']);
      assert.equal(events.at(-1), 'response 486');
      const ack = parseMessage(sink.sent[1]?.bytes ?? Buffer.alloc(0));
      assert.equal(ack.method, 'ACK');
      assert.equal(ack.requestUri, invite.requestUri);
      assert.equal(ack.callId, invite.callId);
      assert.equal(ack.fromTag, invite.fromTag);
      assert.equal(ack.toTag, 'tt1', 'To of the response');
      assert.deepEqual(ack.cseq, { seq: 1, method: 'ACK' });
      assert.equal(ack.viaCount, 1);
      assert.equal(ack.topVia?.branch, invite.topVia?.branch);
      assert.deepEqual(ack.getAll('Route'), invite.getAll('Route'));
      assert.deepEqual(sink.sent[1]?.target, sink.sent[0]?.target, 'same address, port and transport as the INVITE');
    });

    test(`${from} → Accepted on 2xx (RFC 6026 Figure 3): 2xx to TU, no ACK, Timer M`, () => {
      const { txn, sink, events, invite } = start();
      if (from === 'Proceeding') txn.receiveResponse(response(invite, 180));
      txn.receiveResponse(response(invite, 200));
      assert.equal(txn.state, 'Accepted');
      assert.deepEqual(sink.firstWords(), ['INVITE']);
      assert.equal(events.at(-1), 'response 200');
      assert.deepEqual(txn.timers.armed(), ['M']);
    });
  }

  test('Completed: 300-699 retransmission re-sends the ACK, not passed to TU', () => {
    const { txn, sink, events, invite } = start();
    assert.equal(txn.receiveResponse(response(invite, 486)), false);
    assert.equal(txn.receiveResponse(response(invite, 486)), true);
    assert.deepEqual(sink.firstWords(), ['INVITE', 'ACK', 'ACK']);
    assert.deepEqual(events, ['response 486']);
    assert.equal(txn.state, 'Completed');
  });

  test('Completed: 1xx and 2xx are dropped', () => {
    const { txn, sink, events, invite } = start();
    txn.receiveResponse(response(invite, 486));
    txn.receiveResponse(response(invite, 180));
    txn.receiveResponse(response(invite, 200));
    assert.deepEqual(events, ['response 486']);
    assert.deepEqual(sink.firstWords(), ['INVITE', 'ACK']);
  });

  test('Accepted: every 2xx (retransmissions, other forks) to TU; the transaction never ACKs (RFC 6026 §7.2)', () => {
    const { txn, sink, events, invite } = start();
    assert.equal(txn.receiveResponse(response(invite, 200, 'fork1')), false);
    assert.equal(txn.receiveResponse(response(invite, 200, 'fork1')), true);
    assert.equal(txn.receiveResponse(response(invite, 200, 'fork2')), false);
    txn.receiveResponse(response(invite, 486));
    txn.receiveResponse(response(invite, 180));
    assert.deepEqual(events, ['response 200', 'response 200', 'response 200']);
    assert.deepEqual(sink.firstWords(), ['INVITE']);
    assert.equal(txn.state, 'Accepted');
  });

  test('Timer A: retransmissions at 500, 1500, 3500, 7500, 15500, 31500 ms (doubling from T1), Timer B at 64·T1', () => {
    const { txn, sink, clock, events } = start();
    clock.advance(31_999);
    assert.deepEqual(sink.times(), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(txn.state, 'Calling');
    clock.advance(1);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(events, ['timeout', 'terminated']);
    assert.deepEqual(clock.pending(), []);
  });

  test('Timer A is not armed on a reliable transport; Timer B still is', () => {
    const { txn, sink, clock, events } = start('tcp');
    assert.deepEqual(txn.timers.armed(), ['B']);
    clock.advance(32_000);
    assert.deepEqual(sink.firstWords(), ['INVITE']);
    assert.deepEqual(events, ['timeout', 'terminated']);
  });

  test('Timer A with T1 = 100 ms follows T1; B follows 64·T1', () => {
    const env = setup('udp', { T1: 100 });
    const txn = new InviteClientTransaction(request(), env.opts);
    txn.start();
    env.clock.advance(6400);
    assert.deepEqual(env.sink.times(), [0, 100, 300, 700, 1500, 3100, 6300]);
    assert.equal(txn.state, 'Terminated');
  });

  test('Timer D: 32 s on an unreliable transport, then Terminated', () => {
    const { txn, clock, invite, events } = start();
    txn.receiveResponse(response(invite, 503));
    clock.advance(31_999);
    assert.equal(txn.state, 'Completed');
    clock.advance(1);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(events, ['response 503', 'terminated']);
    assert.deepEqual(clock.pending(), []);
  });

  test('Timer D: 0 s on a reliable transport (ACK still sent, RFC 6026 §8.4)', () => {
    const { txn, clock, invite, sink } = start('tcp');
    txn.receiveResponse(response(invite, 404));
    assert.deepEqual(sink.firstWords(), ['INVITE', 'ACK']);
    assert.deepEqual(clock.pending(), [{ label: 'D', due: 0 }]);
    clock.advance(0);
    assert.equal(txn.state, 'Terminated');
  });

  test('Timer M: 64·T1 in Accepted, then Terminated', () => {
    const { txn, clock, invite } = start();
    clock.advance(1000);
    txn.receiveResponse(response(invite, 200));
    clock.advance(31_999);
    assert.equal(txn.state, 'Accepted');
    clock.advance(1);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(clock.pending(), []);
  });

  test('§17.1.4 / Figure 5: transport error in Calling informs TU, Terminated', () => {
    for (const mode of ['sync', 'async', 'throw'] as const) {
      const env = setup();
      const rec = recorder();
      env.sink.fail = mode;
      const txn = new InviteClientTransaction(request(), env.opts, rec.user);
      txn.start();
      env.sink.flushErrors();
      assert.equal(txn.state, 'Terminated', mode);
      assert.deepEqual(rec.events, ['transport-error ECONNREFUSED', 'terminated'], mode);
      assert.deepEqual(env.clock.pending(), [], mode);
    }
  });

  test('RFC 6026 Figure 5: transport error sending the ACK in Completed informs TU, Terminated', () => {
    const { txn, sink, invite, events, clock } = start();
    sink.fail = 'sync';
    txn.receiveResponse(response(invite, 480));
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(events, ['response 480', 'transport-error ECONNREFUSED', 'terminated']);
    assert.deepEqual(clock.pending(), []);
  });

  test('a late transport error after a 1xx (Proceeding) is ignored', () => {
    const env = setup();
    const rec = recorder();
    env.sink.fail = 'async';
    const invite = request();
    const txn = new InviteClientTransaction(invite, env.opts, rec.user);
    txn.start();
    txn.receiveResponse(response(invite, 100));
    env.sink.flushErrors();
    assert.equal(txn.state, 'Proceeding');
  });

  test('terminate() from the TU: Terminated from any state, timers cleared, idempotent', () => {
    const { txn, clock, events } = start();
    txn.terminate();
    txn.terminate();
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(events, ['terminated']);
    assert.deepEqual(clock.pending(), []);
  });
});
