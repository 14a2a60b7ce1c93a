// fast-check: random interleavings of received messages, TU actions, transport errors and timer firings
// never throw anything but SipclfError, never leave a timer armed on a Terminated transaction, never send
// after termination, and always end Terminated once the TU has done its part (a final response for a
// server transaction, the 487 that follows a CANCEL for an INVITE client stuck in Proceeding) and time passes;
// and a transaction holds its request exactly until it completes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SipclfError } from '../../src/errors.js';
import { ManualClock } from '../../src/transaction/clock.js';
import { InviteClientTransaction } from '../../src/transaction/invite-client.js';
import { InviteServerTransaction } from '../../src/transaction/invite-server.js';
import { TransactionManager } from '../../src/transaction/manager.js';
import { NonInviteClientTransaction } from '../../src/transaction/non-invite-client.js';
import { NonInviteServerTransaction } from '../../src/transaction/non-invite-server.js';
import { resolveTimers } from '../../src/transaction/timers.js';
import type { SipMessage } from '../../src/sip/message.js';
import type { AnyTransaction, TransportName } from '../../src/transaction/types.js';
import { RecordingSink, request, response, target } from './util.js';

type Event =
  | { t: 'response'; status: number; tag: string }
  | { t: 'retransmit' }
  | { t: 'ack'; tag: string }
  | { t: 'respond'; status: number }
  | { t: 'advance'; ms: number }
  | { t: 'fail'; mode: 'sync' | 'async' | 'throw' | false }
  | { t: 'flush' }
  | { t: 'terminate' };

const status = fc.constantFrom(100, 180, 183, 200, 202, 302, 404, 486, 487, 503, 603);
const tag = fc.constantFrom('tt1', 'tt2');
const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('response' as const), status, tag }) },
  { weight: 2, arbitrary: fc.constant({ t: 'retransmit' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('ack' as const), tag }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('respond' as const), status }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40_000 })) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fail' as const), mode: fc.constantFrom('sync' as const, 'async' as const, 'throw' as const, false as const) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'terminate' as const }) },
);

/** Lets the project's errors through — except TXN_ILLEGAL_TRANSITION, which would be a bug of the layer. */
function onlyOurErrors(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SipclfError) || err.code === 'TXN_ILLEGAL_TRANSITION') throw err;
  }
}

/** The request each transaction was made from: transactions release theirs once they complete. */
const origin = new WeakMap<object, SipMessage>();
function reqOf(txn: AnyTransaction): SipMessage {
  const r = origin.get(txn);
  assert.ok(r !== undefined, 'transaction made by this test');
  return r;
}

/** Transaction.request is held exactly until the machine no longer needs it (Completed and later). */
function assertHeld(txn: AnyTransaction): void {
  const waiting = txn.state === 'Completed' || txn.state === 'Confirmed' || txn.state === 'Accepted' || txn.state === 'Terminated';
  assert.equal(txn.request === undefined, waiting, `${txn.kind} in ${txn.state}: request ${txn.request === undefined ? 'released' : 'held'}`);
}

function make(kind: number, transport: TransportName, clock: ManualClock, sink: RecordingSink): AnyTransaction {
  const opts = { sink, clock, timers: resolveTimers(), target: target(transport) };
  const method = kind < 2 ? 'INVITE' : 'OPTIONS';
  const req = request({ method, transport: transport.toUpperCase() });
  const txn =
    kind === 0
      ? new InviteClientTransaction(req, opts)
      : kind === 1
        ? new InviteServerTransaction(req, opts)
        : kind === 2
          ? new NonInviteClientTransaction(req, opts)
          : new NonInviteServerTransaction(req, opts);
  origin.set(txn, req);
  return txn;
}

function apply(txn: AnyTransaction, e: Event, clock: ManualClock, sink: RecordingSink): void {
  const req = reqOf(txn);
  switch (e.t) {
    case 'response':
      if (txn.kind === 'invite-client' || txn.kind === 'non-invite-client') txn.receiveResponse(response(req, e.status, e.tag));
      break;
    case 'retransmit':
      if (txn.kind === 'invite-server' || txn.kind === 'non-invite-server') txn.receiveRequest(req);
      break;
    case 'ack':
      if (txn.kind === 'invite-server') txn.receiveAck(request({ method: 'ACK', toTag: e.tag }));
      break;
    case 'respond':
      if (txn.kind === 'invite-server' || txn.kind === 'non-invite-server') txn.respond(response(req, e.status));
      break;
    case 'advance':
      clock.advance(e.ms);
      break;
    case 'fail':
      sink.fail = e.mode;
      break;
    case 'flush':
      sink.flushErrors();
      break;
    case 'terminate':
      txn.terminate();
      break;
  }
}

test('property: any interleaving keeps the machine sound and ends Terminated with no timer left', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3 }), fc.constantFrom<TransportName>('udp', 'tcp'), fc.array(event, { maxLength: 40 }), (kind, transport, events) => {
      const clock = new ManualClock();
      const sink = new RecordingSink(clock);
      const txn = make(kind, transport, clock, sink);
      if (txn.kind === 'invite-client' || txn.kind === 'non-invite-client' || txn.kind === 'invite-server') onlyOurErrors(() => txn.start());
      for (const e of events) {
        onlyOurErrors(() => apply(txn, e, clock, sink));
        assertHeld(txn);
        if (txn.terminated) {
          assert.deepEqual(clock.pending(), [], `timers left after termination (${txn.kind})`);
          const sent = sink.sent.length;
          onlyOurErrors(() => apply(txn, e, clock, sink));
          assert.equal(sink.sent.length, sent, 'nothing is sent after termination');
        }
      }
      // The TU does its part, then enough time passes.
      sink.fail = false;
      sink.flushErrors();
      if (txn.kind === 'invite-server' || txn.kind === 'non-invite-server') txn.respond(response(reqOf(txn), 500));
      if (txn.kind === 'invite-client' && txn.state === 'Proceeding') txn.receiveResponse(response(reqOf(txn), 487));
      if (txn.kind === 'invite-server' && txn.state === 'Completed' && events.length % 2 === 0) txn.receiveAck(request({ method: 'ACK', toTag: 'tt1' }));
      clock.advance(200_000);
      assert.equal(txn.state, 'Terminated', `${txn.kind} over ${transport}`);
      assert.deepEqual(clock.pending(), []);
    }),
    { numRuns: 1500 },
  );
});

type MEvent =
  | { t: 'request'; method: string; branch: number; cookie: boolean }
  | { t: 'response'; status: number; branch: number; method: string }
  | { t: 'create'; method: string; branch: number }
  | { t: 'respond'; pick: number; status: number }
  | { t: 'advance'; ms: number };

const methods = fc.constantFrom('INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS');
const mevent: fc.Arbitrary<MEvent> = fc.oneof(
  fc.record({ t: fc.constant('request' as const), method: methods, branch: fc.integer({ min: 0, max: 3 }), cookie: fc.boolean() }),
  fc.record({ t: fc.constant('response' as const), status, branch: fc.integer({ min: 0, max: 3 }), method: methods }),
  fc.record({ t: fc.constant('create' as const), method: methods, branch: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ t: fc.constant('respond' as const), pick: fc.nat(), status }),
  fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
);

test('property: the manager under random traffic throws only SipclfError and forgets everything in the end', () => {
  fc.assert(
    fc.property(fc.array(mevent, { maxLength: 60 }), (events) => {
      const clock = new ManualClock();
      const sink = new RecordingSink(clock);
      const m = new TransactionManager({ sink, clock });
      const servers: AnyTransaction[] = [];
      const clients: AnyTransaction[] = [];
      const from = target('udp', '198.51.100.7', 5062);
      for (const e of events) {
        onlyOurErrors(() => {
          if (e.t === 'request') {
            const req = request({ method: e.method, branch: e.cookie ? `z9hG4bK-${e.branch}` : null, cseq: e.branch + 1, toTag: e.method === 'ACK' ? 'tt1' : undefined });
            const r = m.receiveRequest(req, from);
            if (r.kind === 'request' || r.kind === 'cancel') origin.set(r.txn, req);
            assert.equal(r.retransmission, r.kind === 'retransmission' || (r.kind !== 'request' && r.kind !== 'cancel' && r.retransmission));
            if (r.txn !== undefined) servers.push(r.txn);
          } else if (e.t === 'response') {
            m.receiveResponse(response(request({ method: e.method, branch: `z9hG4bK-${e.branch}` }), e.status));
          } else if (e.t === 'create') {
            const req = request({ method: e.method, branch: `z9hG4bK-${e.branch}` });
            const txn = m.createClient(req, target());
            origin.set(txn, req);
            clients.push(txn);
          } else if (e.t === 'respond') {
            const txn = servers[e.pick % Math.max(1, servers.length)];
            if (txn !== undefined && (txn.kind === 'invite-server' || txn.kind === 'non-invite-server')) txn.respond(response(reqOf(txn), e.status));
          } else {
            clock.advance(e.ms);
          }
        });
      }
      for (const txn of servers) if (txn.kind === 'invite-server' || txn.kind === 'non-invite-server') txn.respond(response(reqOf(txn), 500));
      for (const txn of clients) if (txn.kind === 'invite-client' && txn.state === 'Proceeding') m.receiveResponse(response(reqOf(txn), 487));
      clock.advance(200_000);
      assert.deepEqual(m.stats().clients + m.stats().servers, 0);
      assert.deepEqual(clock.pending(), []);
    }),
    { numRuns: 500 },
  );
});
