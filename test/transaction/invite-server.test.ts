// INVITE server transaction: RFC 3261 §17.2.1 Figure 7 as replaced by RFC 6026 §8.6 (Figure 7), §7.1 (Figures 1, 2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from '../../src/sip/parser.js';
import { InviteServerTransaction } from '../../src/transaction/invite-server.js';
import type { TimerConfig } from '../../src/transaction/timers.js';
import type { ServerTransactionUser } from '../../src/transaction/types.js';
import { codeOf, request, response, responseBytes, setup } from './util.js';

function start(transport: 'udp' | 'tcp' = 'udp', timers: Partial<TimerConfig> = {}) {
  const env = setup(transport, timers);
  const events: string[] = [];
  const user: ServerTransactionUser = {
    onAck: (a) => events.push(`ack ${a.method}`),
    onTimeout: () => events.push('timeout'),
    onTransportError: () => events.push('transport-error'),
    onTerminated: () => events.push('terminated'),
  };
  const invite = request({ extraVia: true });
  const txn = new InviteServerTransaction(invite, env.opts, user);
  txn.start();
  const ack = request({ method: 'ACK', toTag: 'tt1' });
  return { ...env, events, invite, txn, ack };
}

describe('RFC 3261 §17.2.1 Figure 7 (RFC 6026 §8.6): INVITE server transaction', () => {
  test('INVITE: Proceeding; 100 (Trying) sent after 200 ms when the TU is silent (§17.2.1)', () => {
    const { txn, sink, clock, invite } = start();
    assert.equal(txn.state, 'Proceeding');
    clock.advance(199);
    assert.equal(sink.sent.length, 0);
    clock.advance(1);
    assert.deepEqual(sink.firstWords(), ['100']);
    const trying = parseMessage(sink.sent[0]?.bytes ?? Buffer.alloc(0));
    assert.deepEqual(trying.getAll('Via'), invite.getAll('Via'));
    assert.equal(trying.toTag, undefined, 'no To tag on the 100 (SHOULD NOT)');
    assert.equal(trying.callId, invite.callId);
    assert.deepEqual(trying.cseq, invite.cseq);
  });

  test('no 100 (Trying) when the TU sends a provisional within 200 ms; trying: 0 sends it at once; false never', () => {
    const a = start();
    a.txn.respond(response(a.invite, 180));
    a.clock.advance(1000);
    assert.deepEqual(a.sink.firstWords(), ['180']);
    const b = start('udp', { trying: 0 });
    assert.deepEqual(b.sink.firstWords(), ['100']);
    const c = start('udp', { trying: false });
    c.clock.advance(1000);
    assert.equal(c.sink.sent.length, 0);
  });

  test('Proceeding: 101-199 from TU sent, state unchanged; INVITE retransmission re-sends the latest provisional', () => {
    const { txn, sink, invite } = start();
    assert.equal(txn.receiveRequest(invite), true);
    assert.equal(sink.sent.length, 0, 'nothing to re-send yet');
    txn.respond(response(invite, 180));
    txn.respond(response(invite, 183));
    txn.receiveRequest(invite);
    assert.equal(txn.state, 'Proceeding');
    assert.deepEqual(sink.firstWords(), ['180', '183', '183']);
  });

  test('Proceeding → Completed on 300-699 from TU: response sent, Timers G and H', () => {
    const { txn, sink, invite } = start();
    assert.equal(txn.respond(responseBytes(invite, 486)), true);
    assert.equal(txn.state, 'Completed');
    assert.deepEqual(sink.firstWords(), ['486']);
    assert.deepEqual(txn.timers.armed().sort(), ['G', 'H']);
    assert.equal(txn.finalStatus, 486);
    assert.equal(txn.finalToTag, 'tt1', 'parsed from the bytes on demand');
  });

  test('Completed: INVITE retransmission re-sends the response', () => {
    const { txn, sink, invite } = start();
    txn.respond(response(invite, 404));
    txn.receiveRequest(invite);
    assert.deepEqual(sink.firstWords(), ['404', '404']);
  });

  test('Timer G: response retransmitted at 500, 1500, 3500, 7500, 11500… (T1 doubling, capped at T2); Timer H at 64·T1', () => {
    const { txn, sink, clock, invite, events } = start();
    txn.respond(response(invite, 486));
    clock.advance(31_999);
    assert.deepEqual(sink.times(), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    clock.advance(1);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(events, ['timeout', 'terminated']);
    assert.deepEqual(clock.pending(), []);
  });

  test('Timer G is not armed on a reliable transport; H is', () => {
    const { txn, invite } = start('tcp');
    txn.respond(response(invite, 486));
    assert.deepEqual(txn.timers.armed(), ['H']);
  });

  test('Completed → Confirmed on ACK: G and H stop, Timer I = T4; ACK and INVITE absorbed in Confirmed', () => {
    const { txn, sink, clock, invite, ack, events } = start();
    txn.respond(response(invite, 486));
    assert.equal(txn.receiveAck(ack), false);
    assert.equal(txn.state, 'Confirmed');
    assert.deepEqual(txn.timers.armed(), ['I']);
    assert.equal(txn.receiveAck(ack), true);
    txn.receiveRequest(invite);
    clock.advance(4999);
    assert.deepEqual(sink.firstWords(), ['486']);
    assert.equal(txn.state, 'Confirmed');
    clock.advance(1);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(events, ['terminated']);
  });

  test('Timer I is 0 on a reliable transport', () => {
    const { txn, clock, invite, ack } = start('tcp');
    txn.respond(response(invite, 486));
    txn.receiveAck(ack);
    clock.advance(0);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(clock.pending(), []);
  });

  test('RFC 6026 Figure 1: Proceeding → Accepted on 2xx from TU: sent once, never retransmitted by the transaction, Timer L', () => {
    const { txn, sink, clock, invite } = start();
    txn.respond(response(invite, 200));
    assert.equal(txn.state, 'Accepted');
    assert.deepEqual(txn.timers.armed(), ['L']);
    clock.advance(10_000);
    assert.deepEqual(sink.firstWords(), ['200']);
  });

  test('RFC 6026 §7.1 Accepted: INVITE absorbed, 2xx from TU sent, ACK to TU, other responses discarded', () => {
    const { txn, sink, invite, ack, events } = start();
    txn.respond(response(invite, 200));
    txn.receiveRequest(invite);
    assert.equal(txn.respond(response(invite, 200)), true);
    assert.equal(txn.respond(response(invite, 486)), false);
    assert.equal(txn.respond(response(invite, 180)), false);
    txn.receiveAck(ack);
    txn.receiveAck(ack);
    assert.deepEqual(sink.firstWords(), ['200', '200']);
    assert.deepEqual(events, ['ack ACK', 'ack ACK']);
    assert.equal(txn.state, 'Accepted');
  });

  test('Timer L: 64·T1 for all transports, then Terminated', () => {
    for (const t of ['udp', 'tcp'] as const) {
      const { txn, clock, invite } = start(t);
      txn.respond(response(invite, 200));
      clock.advance(31_999);
      assert.equal(txn.state, 'Accepted', t);
      clock.advance(1);
      assert.equal(txn.state, 'Terminated', t);
      assert.deepEqual(clock.pending(), [], t);
    }
  });

  test('RFC 6026 Figure 2: a transport error informs the TU and leaves the state unchanged (Proceeding, Completed, Accepted)', () => {
    for (const status of [180, 486, 200]) {
      const { txn, sink, invite, events } = start();
      sink.fail = 'sync';
      const before = status < 200 ? 'Proceeding' : status < 300 ? 'Accepted' : 'Completed';
      txn.respond(response(invite, status));
      assert.equal(txn.state, before);
      assert.deepEqual(events, ['transport-error']);
    }
  });

  test('Completed and Confirmed discard responses from the TU; ACK in Proceeding is dropped', () => {
    const { txn, invite, ack, sink } = start();
    assert.equal(txn.receiveAck(ack), false);
    assert.equal(txn.state, 'Proceeding');
    txn.respond(response(invite, 500));
    assert.equal(txn.respond(response(invite, 200)), false);
    txn.receiveAck(ack);
    assert.equal(txn.respond(response(invite, 500)), false);
    assert.deepEqual(sink.firstWords(), ['500']);
  });

  test('responses are checked: a request or a status outside 100-699 is TXN_BAD_MESSAGE', () => {
    const { txn, invite } = start();
    assert.equal(codeOf(() => txn.respond(invite)), 'TXN_BAD_MESSAGE');
    assert.equal(codeOf(() => txn.respond(Buffer.from('SIP/2.0 700 X\r\n\r\n'))), 'TXN_BAD_MESSAGE');
    assert.equal(codeOf(() => txn.respond(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))), 'TXN_BAD_MESSAGE');
    assert.equal(codeOf(() => new InviteServerTransaction(request({ method: 'BYE' }), setup().opts)), 'TXN_BAD_MESSAGE');
  });
});
