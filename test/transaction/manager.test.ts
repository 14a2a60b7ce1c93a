// TransactionManager: §17.1.3 and §17.2.3 matching (with and without the magic cookie), ACK and CANCEL
// (§9.2) matching, retransmission flags for the CLF (O / D), stray responses (RFC 6026 §7.3), lifecycle.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/transaction/clock.js';
import { TransactionManager, type RequestResult } from '../../src/transaction/manager.js';
import { responseTarget } from '../../src/transaction/matching.js';
import type { TimerConfig } from '../../src/transaction/timers.js';
import type { ServerTransaction, ServerTransactionUser } from '../../src/transaction/types.js';
import { RecordingSink, codeOf, request, response, target } from './util.js';

function manager(timers: Partial<TimerConfig> = {}, serverUser?: ServerTransactionUser) {
  const clock = new ManualClock();
  const sink = new RecordingSink(clock);
  const m = new TransactionManager({ sink, clock, timers, ...(serverUser === undefined ? {} : { serverUser }) });
  return { clock, sink, m };
}

const from = target('udp', '198.51.100.7', 5062);

/** The server transaction of a new request. */
function fresh(r: RequestResult): ServerTransaction {
  assert.equal(r.kind, 'request');
  if (r.kind !== 'request') throw new Error('not a new request');
  return r.txn;
}

describe('§17.1.3: matching responses to client transactions', () => {
  test('branch and CSeq method: the INVITE and its CANCEL share a branch but not a transaction', () => {
    const { m } = manager();
    const invite = request({ branch: 'z9hG4bK-x' });
    const cancel = request({ method: 'CANCEL', branch: 'z9hG4bK-x' });
    const got: string[] = [];
    const ti = m.createClient(invite, target(), { onResponse: (r) => got.push(`invite ${r.status}`) });
    const tc = m.createClient(cancel, target(), { onResponse: (r) => got.push(`cancel ${r.status}`) });
    assert.equal(m.receiveResponse(response(cancel, 200)).txn, tc);
    assert.equal(m.receiveResponse(response(invite, 487)).txn, ti);
    assert.deepEqual(got, ['cancel 200', 'invite 487']);
  });

  test('a response with another branch, or another method, is stray (RFC 6026 §7.3: drop it)', () => {
    const { m } = manager();
    const invite = request({ branch: 'z9hG4bK-x' });
    m.createClient(invite, target());
    assert.equal(m.receiveResponse(response(request({ branch: 'z9hG4bK-y' }), 200)).txn, undefined);
    assert.equal(m.receiveResponse(response(request({ method: 'BYE', branch: 'z9hG4bK-x' }), 200)).txn, undefined);
    assert.equal(m.stats().stray, 2);
  });

  test('a second client transaction with the same branch and method is TXN_EXISTS; an ACK is TXN_BAD_MESSAGE', () => {
    const { m } = manager();
    m.createClient(request(), target());
    assert.equal(codeOf(() => m.createClient(request(), target())), 'TXN_EXISTS');
    assert.equal(codeOf(() => m.createClient(request({ method: 'ACK' }), target())), 'TXN_BAD_MESSAGE');
    assert.equal(codeOf(() => m.receiveResponse(request())), 'TXN_BAD_MESSAGE');
  });

  test('a terminated client transaction is forgotten: later responses are stray', () => {
    const { m, clock } = manager();
    const bye = request({ method: 'BYE' });
    m.createClient(bye, target());
    m.receiveResponse(response(bye, 200));
    assert.equal(m.stats().clients, 1);
    clock.advance(5000); // Timer K
    assert.equal(m.stats().clients, 0);
    assert.equal(m.receiveResponse(response(bye, 200)).txn, undefined);
    m.createClient(bye, target()); // the key is free again
  });

  test('retransmission flags of responses: 1xx byte-identical, 2xx same To tag, any later non-2xx final', () => {
    const { m } = manager();
    const invite = request();
    m.createClient(invite, target());
    const flags = [
      response(invite, 100),
      response(invite, 180),
      response(invite, 180),
      response(invite, 180, 'tt1', 'Contact: <sip:other@host>'),
      response(invite, 200, 'a'),
      response(invite, 200, 'a'),
      response(invite, 200, 'b'),
    ].map((r) => m.receiveResponse(r).retransmission);
    assert.deepEqual(flags, [false, false, true, false, false, true, false]);
  });
});

describe('§17.2.3: matching requests to server transactions', () => {
  test('magic cookie: branch + sent-by + method; a retransmission is absorbed and flagged', () => {
    const { m, sink } = manager();
    const a = m.receiveRequest(request(), from);
    assert.equal(a.kind, 'request');
    assert.equal(a.retransmission, false);
    a.txn.respond(response(request(), 180));
    const b = m.receiveRequest(request(), from);
    assert.equal(b.kind, 'retransmission');
    assert.equal(b.txn, a.txn);
    assert.equal(b.retransmission, true);
    assert.deepEqual(sink.firstWords(), ['180', '180'], 'the last provisional re-sent');
  });

  test('magic cookie: another sent-by, another branch or another method is a new transaction', () => {
    const { m } = manager();
    const first = m.receiveRequest(request(), from).txn;
    for (const other of [
      request({ sentBy: 'other.example.com:5060' }),
      request({ sentBy: 'client.example.com:5070' }),
      request({ branch: 'z9hG4bK-bbb' }),
      request({ method: 'OPTIONS' }),
    ]) {
      assert.notEqual(fresh(m.receiveRequest(other, from)), first);
    }
    assert.equal(m.stats().servers, 5);
  });

  test('magic cookie: sent-by without a port equals sent-by with the default port 5060', () => {
    const { m } = manager();
    const a = m.receiveRequest(request({ sentBy: 'client.example.com' }), from);
    const b = m.receiveRequest(request({ sentBy: 'client.example.com:5060' }), from);
    assert.equal(b.kind, 'retransmission');
    assert.equal(b.txn, a.txn);
  });

  test('matching ignores Request-URI, tags and Call-ID when the cookie is present (branch is the identifier)', () => {
    const { m } = manager();
    const a = m.receiveRequest(request(), from);
    assert.equal(m.receiveRequest(request({ uri: 'sip:carol@example.net', callId: 'x' }), from).txn, a.txn);
  });

  test('RFC 2543 fallback (no cookie): Request-URI, To tag, From tag, Call-ID, CSeq and top Via must all match', () => {
    const { m } = manager();
    const base = { branch: null } as const;
    const a = m.receiveRequest(request(base), from);
    assert.equal(m.receiveRequest(request(base), from).kind, 'retransmission');
    for (const diff of [{ uri: 'sip:x@y' }, { toTag: 'zz' }, { fromTag: 'f9' }, { callId: 'c9' }, { cseq: 2 }, { sentBy: 'h9' }]) {
      assert.notEqual(fresh(m.receiveRequest(request({ ...base, ...diff }), from)), a.txn, JSON.stringify(diff));
    }
    // A non-cookie branch counts as part of the top Via.
    assert.equal(m.receiveRequest(request({ branch: '1234' }), from).kind, 'request');
    assert.equal(m.receiveRequest(request({ branch: '1234' }), from).kind, 'retransmission');
  });

  test('the magic cookie alone ("z9hG4bK") is not an RFC 3261 branch: the RFC 2543 rules apply', () => {
    const { m } = manager();
    m.receiveRequest(request({ branch: 'z9hG4bK' }), from);
    assert.equal(m.receiveRequest(request({ branch: 'z9hG4bK', callId: 'other' }), from).kind, 'request');
  });

  test('a request without Via or CSeq is TXN_BAD_MESSAGE (the caller validates first)', () => {
    const { m } = manager();
    assert.equal(codeOf(() => m.receiveRequest(response(request(), 200), from)), 'TXN_BAD_MESSAGE');
  });
});

describe('§17.2.3 ACK matching: within the transaction for non-2xx, outside it for 2xx (RFC 6026)', () => {
  test('ACK to a non-2xx (same branch) is absorbed: Completed → Confirmed, first O then D', () => {
    const { m } = manager();
    const r = { txn: fresh(m.receiveRequest(request(), from)) };
    r.txn.respond(response(request(), 486));
    const ack = request({ method: 'ACK', toTag: 'tt1' });
    const a1 = m.receiveRequest(ack, from);
    assert.equal(a1.kind, 'ack-absorbed');
    assert.equal(a1.txn, r.txn);
    assert.equal(a1.retransmission, false);
    assert.equal(r.txn.state, 'Confirmed');
    assert.equal(m.receiveRequest(ack, from).retransmission, true);
  });

  test('ACK to a 2xx (new branch) matches no transaction and goes to the TU; its retransmission is flagged', () => {
    const { m, clock } = manager();
    const r = { txn: fresh(m.receiveRequest(request(), from)) };
    r.txn.respond(response(request(), 200));
    const ack = request({ method: 'ACK', branch: 'z9hG4bK-ack2xx', toTag: 'tt1' });
    const a1 = m.receiveRequest(ack, from);
    assert.deepEqual([a1.kind, a1.txn, a1.retransmission], ['ack', undefined, false]);
    assert.equal(m.receiveRequest(ack, from).retransmission, true);
    clock.advance(32_000); // forgotten after Timer L
    assert.equal(m.receiveRequest(ack, from).retransmission, false);
  });

  test('the memory of 2xx ACKs is bounded (maxAckMemory): the oldest is forgotten first', () => {
    const clock = new ManualClock();
    const m = new TransactionManager({ sink: new RecordingSink(clock), clock, maxAckMemory: 2 });
    const ack = (n: number) => request({ method: 'ACK', branch: `z9hG4bK-ack${n}`, toTag: 'tt1' });
    for (const n of [1, 2, 3]) assert.equal(m.receiveRequest(ack(n), from).retransmission, false);
    assert.equal(m.receiveRequest(ack(3), from).retransmission, true);
    assert.equal(m.receiveRequest(ack(1), from).retransmission, false, 'forgotten');
  });

  test('RFC 6026 §6: an RFC 2543 ACK matching an Accepted transaction is passed to the TU, not absorbed', () => {
    const acks: string[] = [];
    const { m } = manager({}, { onAck: (a) => acks.push(a.method) });
    const inv = request({ branch: null });
    const r = { txn: fresh(m.receiveRequest(inv, from)) };
    r.txn.respond(response(inv, 200, 'tt9'));
    const a = m.receiveRequest(request({ method: 'ACK', branch: null, toTag: 'tt9' }), from);
    assert.equal(a.kind, 'ack');
    assert.equal(a.txn, r.txn);
    assert.deepEqual(acks, ['ACK']);
    assert.equal(r.txn.state, 'Accepted');
  });

  test('RFC 2543 ACK: the To tag must equal the tag of the response sent; CSeq number, not method, is compared', () => {
    const { m } = manager();
    const inv = request({ branch: null });
    const r = { txn: fresh(m.receiveRequest(inv, from)) };
    r.txn.respond(response(inv, 486, 'tt9'));
    assert.equal(m.receiveRequest(request({ method: 'ACK', branch: null, toTag: 'other' }), from).kind, 'ack');
    assert.equal(r.txn.state, 'Completed');
    const a = m.receiveRequest(request({ method: 'ACK', branch: null, toTag: 'tt9' }), from);
    assert.equal(a.kind, 'ack-absorbed');
    assert.equal(r.txn.state, 'Confirmed');
  });
});

describe('§9.2 CANCEL matching', () => {
  test('a CANCEL gets its own server transaction and names the INVITE transaction it cancels', () => {
    const { m } = manager();
    const inv = m.receiveRequest(request(), from);
    const c = m.receiveRequest(request({ method: 'CANCEL' }), from);
    assert.equal(c.kind, 'cancel');
    if (c.kind !== 'cancel') return;
    assert.equal(c.target, inv.txn);
    assert.notEqual(c.txn, inv.txn);
    assert.equal(c.txn.method, 'CANCEL');
    c.txn.respond(response(request({ method: 'CANCEL' }), 200));
    const again = m.receiveRequest(request({ method: 'CANCEL' }), from);
    assert.equal(again.kind, 'retransmission');
    assert.equal(again.txn, c.txn);
  });

  test('a CANCEL matching nothing has no target (the TU answers 481)', () => {
    const { m } = manager();
    m.receiveRequest(request(), from);
    const c = m.receiveRequest(request({ method: 'CANCEL', branch: 'z9hG4bK-zzz' }), from);
    assert.equal(c.kind === 'cancel' ? c.target : 'x', undefined);
  });

  test('RFC 2543 CANCEL: matched by Request-URI, tags, Call-ID, CSeq number and top Via', () => {
    const { m } = manager();
    const inv = m.receiveRequest(request({ branch: null }), from);
    const c = m.receiveRequest(request({ method: 'CANCEL', branch: null }), from);
    assert.equal(c.kind === 'cancel' ? c.target : undefined, inv.txn);
    const d = m.receiveRequest(request({ method: 'CANCEL', branch: null, cseq: 9 }), from);
    assert.equal(d.kind === 'cancel' ? d.target : 'x', undefined);
  });
});

describe('server transactions from the manager', () => {
  test('responses go back per §18.2.2 / RFC 3581: sent-by port without rport, source port with rport, connection on TCP', () => {
    assert.deepEqual(responseTarget(request(), from), { transport: 'udp', host: '198.51.100.7', port: 5060 });
    assert.deepEqual(responseTarget(request({ sentBy: 'c.example.com' }), from), { transport: 'udp', host: '198.51.100.7', port: 5060 });
    assert.deepEqual(responseTarget(request({ rport: true }), from), from);
    const tcp = target('tcp', '198.51.100.7', 40000);
    assert.deepEqual(responseTarget(request({ transport: 'TCP' }), tcp), tcp);
    const { m, sink } = manager();
    fresh(m.receiveRequest(request({ rport: true }), from)).respond(response(request(), 404));
    assert.deepEqual(sink.sent[0]?.target, from);
  });

  test('the INVITE server transaction sends 100 (Trying) after 200 ms; terminated transactions are forgotten', () => {
    const { m, sink, clock } = manager();
    const r = { txn: fresh(m.receiveRequest(request(), from)) };
    clock.advance(200);
    assert.deepEqual(sink.firstWords(), ['100']);
    r.txn.respond(response(request(), 200));
    clock.advance(32_000);
    assert.equal(m.stats().servers, 0);
    assert.equal(m.receiveRequest(request(), from).kind, 'request', 'after Timer L a retransmission is new (RFC 6026 §3)');
  });

  test('terminateAll clears every transaction and timer', () => {
    const { m, clock } = manager();
    m.receiveRequest(request(), from);
    m.receiveRequest(request({ method: 'OPTIONS', branch: null }), from);
    m.createClient(request({ branch: 'z9hG4bK-c' }), target());
    m.terminateAll();
    assert.deepEqual(m.stats(), { clients: 0, servers: 0, stray: 0 });
    assert.deepEqual(clock.pending(), []);
  });
});

describe('CLF flag of sent messages (onSend observer)', () => {
  test('first sends are originals; Timer A/G retransmissions, re-sent responses and ACKs, repeated 2xx are duplicates', () => {
    const clock = new ManualClock();
    const sink = new RecordingSink(clock);
    const log: string[] = [];
    const m = new TransactionManager({
      sink,
      clock,
      timers: { trying: false },
      onSend: (bytes, _t, retransmission) => log.push(`${bytes.toString('latin1').split(' ')[bytes[0] === 0x53 ? 1 : 0] ?? ''}:${retransmission ? 'D' : 'O'}`),
    });
    const invite = request({ branch: 'z9hG4bK-c1' });
    m.createClient(invite, target());
    clock.advance(600); // INVITE at 0, Timer A at 500
    m.receiveResponse(response(invite, 486));
    m.receiveResponse(response(invite, 486));
    assert.deepEqual(log.splice(0), ['INVITE:O', 'INVITE:D', 'ACK:O', 'ACK:D']);

    const s = fresh(m.receiveRequest(request(), from));
    s.respond(response(request(), 180));
    m.receiveRequest(request(), from);
    s.respond(response(request(), 486));
    clock.advance(500); // Timer G
    m.receiveRequest(request(), from);
    assert.deepEqual(log.splice(0), ['180:O', '180:D', '486:O', '486:D', '486:D']);

    const a = fresh(m.receiveRequest(request({ branch: 'z9hG4bK-s2' }), from));
    const ok = response(request(), 200, 'a');
    a.respond(ok);
    a.respond(ok);
    a.respond(response(request(), 200, 'b'));
    assert.deepEqual(log, ['200:O', '200:D', '200:O']);
  });
});

