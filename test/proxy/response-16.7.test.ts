// RFC 3261 §16.7 response processing in a response context: forwarding rules, best-response selection
// (the whole table), challenge aggregation, 6xx, and §16.8 Timer C, §16.9 transport errors, §16.10 CANCEL.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResponseContext, forward, selectBest } from '../../src/proxy/index.js';
import type { ProxyAction } from '../../src/proxy/index.js';
import { parseMessage } from '../../src/sip/parser.js';
import { SELF, headerLines, req, resp, startLine } from './util.js';

/** A context for an INVITE forked to `n` contacts; returns it and the forwarded requests. */
function fork(n: number, method = 'INVITE'): { ctx: ResponseContext; out: Array<ReturnType<typeof forward>> } {
  const r = req({ method });
  const ctx = new ResponseContext(r, { timerC: 200_000 });
  const out = [];
  for (let i = 0; i < n; i++) {
    const f = forward(r, { uri: `sip:bob@198.51.100.${i + 1}`, routeSet: [], source: 'registrar' }, SELF, { recordRoute: false, stateless: false });
    ctx.addBranch(f, 0);
    out.push(f);
  }
  ctx.close();
  return { ctx, out };
}

function statuses(actions: readonly ProxyAction[]): Array<number | string> {
  return actions.map((a) => (a.type === 'response' ? a.response.status : a.type === 'cancel' ? `CANCEL ${a.branch}` : `terminate ${a.branch}`));
}

describe('§16.7 step 6: best-response selection table', () => {
  const cases: Array<[string, number[], ReturnType<typeof selectBest>]> = [
    ['no final response → 408', [], { generate: 408 }],
    ['6xx is chosen over anything (MUST)', [486, 603, 302], { index: 1 }],
    ['first 6xx when several', [404, 600, 606], { index: 1 }],
    ['lowest class: 3xx before 4xx and 5xx', [500, 486, 302], { index: 2 }],
    ['lowest class: 4xx before 5xx', [500, 404], { index: 1 }],
    ['4xx: 401 preferred', [404, 480, 401], { index: 2 }],
    ['4xx: 407 preferred over 486', [486, 407], { index: 1 }],
    ['4xx: 415 preferred', [404, 415], { index: 1 }],
    ['4xx: 420 preferred', [404, 420], { index: 1 }],
    ['4xx: 484 preferred', [404, 484], { index: 1 }],
    ['4xx: 401 before 407 before 484', [484, 407, 401], { index: 2 }],
    ['4xx without preference: the first received', [486, 404, 480], { index: 0 }],
    ['RFC example: 503, 407, 501, 404 → 407', [503, 407, 501, 404], { index: 1 }],
    ['only 503 → generate 500', [503], { generate: 500 }],
    ['503s only → generate 500', [503, 503], { generate: 500 }],
    ['5xx with a non-503: that one, never the 503', [503, 502], { index: 1 }],
    ['2xx is lowest if stored', [486, 200], { index: 1 }],
  ];
  for (const [name, input, expected] of cases) test(name, () => assert.deepEqual(selectBest(input), expected));
});

describe('§16.7 step 5: what is forwarded at once', () => {
  test('100 is never forwarded; 180 is, with our Via popped', () => {
    const { ctx, out } = fork(2);
    assert.deepEqual(ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 100), 1), []);
    const a = ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 180), 1);
    assert.deepEqual(statuses(a), [180]);
    const sent = a[0]?.type === 'response' ? a[0].response.bytes : Buffer.alloc(0);
    assert.deepEqual(parseMessage(sent).getAll('Via'), ['SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKua1']);
  });
  test('2xx forwarded at once; pending branches then CANCELled; later 2xx to INVITE still forwarded', () => {
    const { ctx, out } = fork(3);
    ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 180), 1);
    const a = ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 200), 2);
    assert.deepEqual(statuses(a), [200, `CANCEL ${out[1]!.branch}`]);
    // branch 2 had no provisional: its CANCEL waits for one (§9.1)
    assert.deepEqual(statuses(ctx.onResponse(out[2]!.branch, resp(out[2]!.bytes, 183), 3)), [`CANCEL ${out[2]!.branch}`]);
    assert.deepEqual(statuses(ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 200, { toTag: 'uas2' }), 4)), [200]);
    assert.deepEqual(statuses(ctx.onResponse(out[2]!.branch, resp(out[2]!.bytes, 487), 5)), []);
    assert.equal(ctx.settled, true);
  });
  test('non-INVITE: exactly one final response forwarded', () => {
    const { ctx, out } = fork(2, 'MESSAGE');
    assert.deepEqual(statuses(ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 202), 1)), [202]);
    assert.deepEqual(statuses(ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 200), 1)), []);
  });
  test('finals are held until every branch completed, then the best goes', () => {
    const { ctx, out } = fork(3);
    assert.deepEqual(statuses(ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 486), 1)), []);
    assert.deepEqual(statuses(ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 404), 1)), []);
    assert.deepEqual(statuses(ctx.onResponse(out[2]!.branch, resp(out[2]!.bytes, 302), 1)), [302]);
    assert.deepEqual(statuses(ctx.onResponse(out[2]!.branch, resp(out[2]!.bytes, 180), 1)), []); // after a final
  });
  test('6xx: pending branches cancelled, no new branch, forwarded when all done', () => {
    const { ctx, out } = fork(2);
    ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 180), 1);
    assert.deepEqual(statuses(ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 603), 2)), [`CANCEL ${out[1]!.branch}`]);
    assert.equal(ctx.canAddBranch, false);
    assert.deepEqual(statuses(ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 487), 3)), [603]);
  });
  test('a response with only our Via was for this element: not forwarded; a final one still ends its branch, so the context answers upstream', () => {
    for (const method of ['INVITE', 'MESSAGE']) {
      const { ctx, out } = fork(1, method);
      const onlyOurs = (status: number): ReturnType<typeof parseMessage> =>
        parseMessage(Buffer.from(resp(out[0]!.bytes, status).raw.toString().replace(/Via: SIP\/2\.0\/UDP 198[^\r]*\r\n/, '')));
      assert.deepEqual(ctx.onResponse(out[0]!.branch, onlyOurs(180), 1), [], method);
      assert.equal(ctx.settled, false);
      // As if the branch had timed out: no response of its own to forward, the 408 the context makes instead.
      assert.deepEqual(statuses(ctx.onResponse(out[0]!.branch, onlyOurs(486), 2)), [408], method);
      assert.equal(ctx.settled, true, method);
    }
  });
  test('unknown branch: nothing (the caller forwards statelessly, §16.7)', () => {
    assert.deepEqual(fork(1).ctx.onResponse('z9hG4bKnope', resp(req(), 200), 1), []);
  });
});

describe('§16.7 steps 6–7: generated responses and challenges', () => {
  test('401 and 407 challenges are aggregated into the chosen one', () => {
    const { ctx, out } = fork(3);
    ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 407, { extra: ['Proxy-Authenticate: Digest realm="a"'] }), 1);
    ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 404), 1);
    const a = ctx.onResponse(out[2]!.branch, resp(out[2]!.bytes, 401, { extra: ['WWW-Authenticate: Digest realm="b"', 'WWW-Authenticate: Digest realm="c"'] }), 1);
    assert.deepEqual(statuses(a), [401]);
    const lines = headerLines(a[0]?.type === 'response' ? a[0].response.bytes : Buffer.alloc(0));
    assert.deepEqual(lines.filter((l) => /authenticate/i.test(l)), ['WWW-Authenticate: Digest realm="b"', 'WWW-Authenticate: Digest realm="c"', 'Proxy-Authenticate: Digest realm="a"']);
  });
  test('RFC 7989 §7: an aggregated 401/407 goes up with local-uuid nil (remote and logme kept); one not aggregated keeps its own', () => {
    const A = 'a'.repeat(32);
    const B1 = 'b'.repeat(32);
    const B2 = 'c'.repeat(32);
    const sidOf = (a: ReturnType<ReturnType<typeof fork>['ctx']['onResponse']>): string | undefined =>
      (a[0]?.type === 'response' ? parseMessage(a[0].response.bytes) : undefined)?.get('Session-ID');
    {
      const { ctx, out } = fork(2);
      ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 407, { extra: ['Proxy-Authenticate: Digest realm="a"', `Session-ID: ${B1};remote=${A};logme`] }), 1);
      const a = ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 401, { extra: ['WWW-Authenticate: Digest realm="b"', `Session-ID: ${B2};remote=${A};logme;x=1`] }), 1);
      assert.deepEqual(statuses(a), [401]);
      assert.equal(sidOf(a), `00000000000000000000000000000000;remote=${A};logme;x=1`);
    }
    {
      // Only one challenge among the finals: nothing aggregated, the Session-ID is the UAS's own.
      const { ctx, out } = fork(2);
      ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 404, { extra: [`Session-ID: ${B1};remote=${A}`] }), 1);
      const a = ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 401, { extra: ['WWW-Authenticate: Digest realm="b"', `Session-ID: ${B2};remote=${A}`] }), 1);
      assert.equal(sidOf(a), `${B2};remote=${A}`);
    }
  });
  test('only a 503 → the proxy sends 500 (keeping the To tag)', () => {
    const { ctx, out } = fork(1);
    const a = ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 503, { toTag: 'u503' }), 1);
    assert.deepEqual(statuses(a), [500]);
    const m = parseMessage(a[0]?.type === 'response' ? a[0].response.bytes : Buffer.alloc(0));
    assert.equal(startLine(m.raw), 'SIP/2.0 500 Server Internal Error');
    assert.equal(m.toTag, 'u503');
    assert.equal(m.getAll('Via').length, 1);
  });
  test('§16.9 transport error counts as 503 → 500; timeouts store nothing → 408', () => {
    const a = fork(2);
    assert.deepEqual(a.ctx.onTransportError(a.out[0]!.branch), []);
    assert.deepEqual(statuses(a.ctx.onTransportError(a.out[1]!.branch)), [500]);
    const b = fork(1);
    assert.deepEqual(statuses(b.ctx.onTimeout(b.out[0]!.branch)), [408]);
  });
});

describe('§16.8 Timer C', () => {
  test('armed > 3 min for INVITE, reset by 101–199 but not by 100', () => {
    const { ctx, out } = fork(1);
    assert.equal(ctx.nextTimerC(), 200_000);
    ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 100), 50_000);
    assert.equal(ctx.nextTimerC(), 200_000);
    ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 180), 50_000);
    assert.equal(ctx.nextTimerC(), 250_000);
    assert.equal(new ResponseContext(req(), { timerC: 1000 }).addBranch({ ...out[0]!, branch: 'z9hG4bKx' }, 0).method, 'INVITE');
  });
  test('a too-short Timer C is raised above 3 minutes; none for non-INVITE', () => {
    const ctx = new ResponseContext(req(), { timerC: 1000 });
    ctx.addBranch({ branch: 'z9hG4bKb', nextHop: { transport: 'udp', host: 'h', port: 5060 }, bytes: req().raw }, 0);
    assert.ok((ctx.nextTimerC() ?? 0) > 180_000);
    assert.equal(fork(1, 'OPTIONS').ctx.nextTimerC(), undefined);
  });
  test('fires after a provisional → CANCEL; fires again → terminate and 408', () => {
    const { ctx, out } = fork(1);
    ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 180), 0);
    assert.deepEqual(ctx.dueTimerC(199_999), []);
    assert.deepEqual(statuses(ctx.dueTimerC(200_000)), [`CANCEL ${out[0]!.branch}`]);
    assert.deepEqual(statuses(ctx.dueTimerC(400_000)), [`terminate ${out[0]!.branch}`, 408]);
  });
  test('fires with no provisional → terminate, as if 408', () => {
    const { ctx, out } = fork(1);
    assert.deepEqual(statuses(ctx.dueTimerC(200_000)), [`terminate ${out[0]!.branch}`, 408]);
    assert.equal(ctx.nextTimerC(), undefined);
  });
});

describe('§16.10 CANCEL', () => {
  test('200 to the CANCEL at once, CANCEL to branches with a provisional, owed to the others', () => {
    const { ctx, out } = fork(2);
    ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 180), 1);
    const cancel = req({ method: 'CANCEL' });
    const { ok, actions } = ctx.onCancel(cancel);
    assert.equal(ok.status, 200);
    assert.equal(startLine(ok.bytes), 'SIP/2.0 200 OK');
    assert.equal(parseMessage(ok.bytes).cseq?.method, 'CANCEL');
    assert.deepEqual(statuses(actions), [`CANCEL ${out[0]!.branch}`]);
    assert.equal(ctx.canAddBranch, false);
    assert.deepEqual(statuses(ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 180), 2)), [`CANCEL ${out[1]!.branch}`, 180]);
  });
  test('a branch owed a CANCEL that completes first gets none, even when a late provisional follows (its bytes are gone)', () => {
    const { ctx, out } = fork(2);
    ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 180), 1);
    ctx.onCancel(req({ method: 'CANCEL' })); // branch 1: no provisional yet, CANCEL owed
    assert.deepEqual(statuses(ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 486), 2)), []);
    // (the client transaction absorbs such a 1xx; the context must not try to CANCEL with bytes it dropped)
    const late1xx = ctx.onResponse(out[1]!.branch, resp(out[1]!.bytes, 180), 3);
    assert.deepEqual(late1xx.filter((a) => a.type === 'cancel'), [], 'no CANCEL for a completed branch');
    // after the final response upstream, later 2xx of other forks are still forwarded (§16.7 step 5)
    assert.deepEqual(statuses(ctx.onResponse(out[0]!.branch, resp(out[0]!.bytes, 200, { toTag: 'a' }), 4)), [200]);
    const late = fork(2);
    late.ctx.onResponse(late.out[0]!.branch, resp(late.out[0]!.bytes, 200, { toTag: 'a' }), 1);
    assert.deepEqual(statuses(late.ctx.onResponse(late.out[1]!.branch, resp(late.out[1]!.bytes, 200, { toTag: 'b' }), 2)), [200], 'a second fork\'s 2xx after the context settled');
  });
  test('§9.1: the CANCEL mirrors the forwarded INVITE', () => {
    const r = req({ routes: ['<sip:p2.example.org;lr>'], extra: ['Require: 100rel', 'Proxy-Require: x'] });
    const ctx = new ResponseContext(r);
    const f = forward(r, { uri: 'sip:bob@198.51.100.1', routeSet: [], source: 'route' }, SELF, { recordRoute: true, stateless: false });
    ctx.addBranch(f, 0);
    ctx.onResponse(f.branch, resp(f.bytes, 183), 1);
    const a = ctx.onCancel(req({ method: 'CANCEL' })).actions[0];
    assert.ok(a?.type === 'cancel');
    const c = parseMessage(a.request.bytes);
    const inv = parseMessage(f.bytes);
    assert.equal(c.requestUri, inv.requestUri);
    assert.deepEqual(c.getAll('Via'), [`SIP/2.0/UDP 192.0.2.10:5060;branch=${f.branch}`]);
    assert.deepEqual([c.get('From'), c.get('To'), c.callId, c.cseq], [inv.get('From'), inv.get('To'), inv.callId, { seq: 1, method: 'CANCEL' }]);
    assert.deepEqual(c.getAll('Route'), inv.getAll('Route'));
    assert.equal(c.has('Require') || c.has('Proxy-Require') || c.has('Record-Route'), false);
    assert.deepEqual(a.request.nextHop, f.nextHop);
    assert.equal(a.request.branch, f.branch);
  });
});
