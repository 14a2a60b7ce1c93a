// The pieces under the state machines: ManualClock, timer values (RFC 3261 Table 4, RFC 6026 §8.11), the
// stateTransition() guard, the messages the layer builds (§17.1.1.3 ACK, §9.1 CANCEL), statusOf.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from '../../src/sip/parser.js';
import { ManualClock } from '../../src/transaction/clock.js';
import { buildCancel, newBranch, statusOf } from '../../src/transaction/messages.js';
import { NonInviteServerTransaction } from '../../src/transaction/non-invite-server.js';
import { DEFAULT_TIMERS, TimerPlan, TimerSet, resolveTimers } from '../../src/transaction/timers.js';
import type { NonInviteServerState } from '../../src/transaction/non-invite-server-fsm.js';
import { codeOf, request, response, setup } from './util.js';

describe('ManualClock', () => {
  test('fires due timers in order, ties in setting order, honours timers set while firing', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20, 'b');
    clock.setTimeout(() => fired.push('a'), 10, 'a');
    clock.setTimeout(() => fired.push('a2'), 10, 'a2');
    clock.setTimeout(() => clock.setTimeout(() => fired.push('c'), 5, 'c'), 12);
    const cancelled = clock.setTimeout(() => fired.push('x'), 15, 'x');
    clock.clearTimeout(cancelled);
    assert.deepEqual(clock.pending().map((p) => p.label), ['a', 'a2', '', 'b']);
    clock.advance(19);
    assert.deepEqual(fired, ['a', 'a2', 'c']);
    assert.equal(clock.now(), 19);
    clock.runAll();
    assert.deepEqual(fired, ['a', 'a2', 'c', 'b']);
    assert.equal(clock.now(), 20);
    assert.equal(clock.step(), false);
  });
});

describe('RFC 3261 Table 4 and RFC 6026 §8.11: timer values', () => {
  test('defaults: T1 500 ms, T2 4 s, T4 5 s; B F H J L M = 64·T1; D 32 s; I K = T4', () => {
    assert.deepEqual(DEFAULT_TIMERS, {
      T1: 500, T2: 4000, T4: 5000, B: 32_000, D: 32_000, F: 32_000, H: 32_000, I: 5000, J: 32_000, K: 5000, L: 32_000, M: 32_000, trying: 200,
    });
  });

  test('derived timers follow T1 and T4; explicit values win', () => {
    const t = resolveTimers({ T1: 250, T4: 2000, H: 1000 });
    assert.deepEqual([t.B, t.F, t.J, t.L, t.M, t.H, t.I, t.K, t.D], [16_000, 16_000, 16_000, 16_000, 16_000, 1000, 2000, 2000, 32_000]);
  });

  test('D, I, J, K are 0 on reliable transports; A, E, G do not run there', () => {
    const reliable = new TimerPlan(DEFAULT_TIMERS, true);
    const unreliable = new TimerPlan(DEFAULT_TIMERS, false);
    for (const n of ['D', 'I', 'J', 'K'] as const) assert.equal(reliable.initial(n), 0, n);
    assert.deepEqual((['D', 'I', 'J', 'K'] as const).map((n) => unreliable.initial(n)), [32_000, 5000, 32_000, 5000]);
    assert.equal(reliable.retransmits, false);
    assert.equal(unreliable.retransmits, true);
    assert.equal(unreliable.next('A', 4000), 8000, 'A doubles without cap');
    assert.equal(unreliable.next('E', 4000), 4000, 'E capped at T2');
    assert.equal(unreliable.next('G', 1000), 2000);
  });

  test('TimerSet: start re-arms, stopAll clears', () => {
    const clock = new ManualClock();
    const set = new TimerSet(clock);
    set.start('A', 10, () => undefined);
    set.start('A', 20, () => undefined);
    set.start('B', 30, () => undefined);
    assert.deepEqual(clock.pending(), [{ label: 'A', due: 20 }, { label: 'B', due: 30 }]);
    set.stopAll();
    assert.deepEqual(clock.pending(), []);
    assert.deepEqual(set.armed(), []);
  });
});

class Probe extends NonInviteServerTransaction {
  force(to: NonInviteServerState): void {
    this.stateTransition(to);
  }
}

describe('stateTransition() guard', () => {
  test('rejects moves outside the RFC figure with TXN_ILLEGAL_TRANSITION', () => {
    const env = setup();
    const req = request({ method: 'OPTIONS' });
    const p = new Probe(req, env.opts);
    assert.equal(codeOf(() => p.force('Trying')), 'TXN_ILLEGAL_TRANSITION', 'no self-loop declared');
    p.respond(response(req, 200));
    assert.equal(codeOf(() => p.force('Proceeding')), 'TXN_ILLEGAL_TRANSITION', 'Completed → Proceeding');
    p.terminate();
    for (const s of ['Trying', 'Proceeding', 'Completed', 'Terminated'] as const) {
      assert.equal(codeOf(() => p.force(s)), 'TXN_ILLEGAL_TRANSITION', `Terminated → ${s}`);
    }
  });

  test('a response cannot create a transaction', () => {
    const req = request({ method: 'OPTIONS' });
    assert.equal(codeOf(() => new NonInviteServerTransaction(response(req, 200), setup().opts)), 'TXN_BAD_MESSAGE');
  });
});

describe('messages the layer builds', () => {
  test('§9.1 CANCEL: same Request-URI, Call-ID, From, To, CSeq number, one Via = top Via, same Route', () => {
    const invite = request({ extraVia: true });
    const c = parseMessage(buildCancel(invite));
    assert.equal(c.method, 'CANCEL');
    assert.equal(c.requestUri, invite.requestUri);
    assert.deepEqual([c.callId, c.fromTag, c.toTag], [invite.callId, invite.fromTag, invite.toTag]);
    assert.deepEqual(c.cseq, { seq: 1, method: 'CANCEL' });
    assert.equal(c.viaCount, 1);
    assert.equal(c.topVia?.branch, 'z9hG4bK-aaa');
    assert.deepEqual(c.getAll('Route'), invite.getAll('Route'));
    assert.equal(codeOf(() => buildCancel(request({ method: 'ACK' }))), 'TXN_BAD_MESSAGE');
  });

  test('newBranch starts with the magic cookie and is unique', () => {
    const a = newBranch();
    assert.match(a, /^z9hG4bK[0-9a-f]{16}$/);
    assert.notEqual(a, newBranch());
  });

  test('statusOf reads the Status-Code of serialised bytes', () => {
    assert.equal(statusOf(Buffer.from('SIP/2.0 183 Session Progress\r\n')), 183);
    assert.equal(codeOf(() => statusOf(Buffer.from('SIP/2.0 099 X\r\n'))), 'TXN_BAD_MESSAGE');
    assert.equal(codeOf(() => statusOf(Buffer.from('SIP/2.0 2x0 X\r\n'))), 'TXN_BAD_MESSAGE');
    assert.equal(codeOf(() => statusOf(Buffer.from('SIP/2.0'))), 'TXN_BAD_MESSAGE');
  });
});
