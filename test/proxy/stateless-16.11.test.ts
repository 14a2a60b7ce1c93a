// RFC 3261 §16.11 stateless proxy: responses forwarded by Via (ours popped, else discarded), the
// deterministic target choice, and a fast-check property of forward(): the copy re-parses, has one more Via,
// Max-Forwards one less, and every other header line byte-identical.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { forward, forwardResponseStateless, selectStatelessTarget } from '../../src/proxy/index.js';
import type { Target } from '../../src/proxy/index.js';
import { parseMessage } from '../../src/sip/parser.js';
import { SELF, headerLines, msg, req, resp } from './util.js';

describe('§16.11 responses', () => {
  const fwd = forward(req({ vias: ['SIP/2.0/UDP 198.51.100.1:5070;received=203.0.113.7;rport=40000;branch=z9hG4bKua1'] }), { uri: 'sip:bob@198.51.100.9', routeSet: [], source: 'registrar' }, SELF, { recordRoute: false, stateless: true });
  test('our Via popped, sent to the next Via (received, rport)', () => {
    const r = forwardResponseStateless(resp(fwd.bytes, 180), SELF);
    assert.ok('bytes' in r);
    assert.deepEqual(r.destination, { transport: 'udp', host: '203.0.113.7', port: 40000 });
    assert.deepEqual(parseMessage(r.bytes).getAll('Via'), ['SIP/2.0/UDP 198.51.100.1:5070;received=203.0.113.7;rport=40000;branch=z9hG4bKua1']);
  });
  test('not ours → discarded (PROXY_STRAY_RESPONSE)', () => {
    const r = forwardResponseStateless(resp(req(), 200), SELF);
    assert.ok('error' in r && r.error.code === 'PROXY_STRAY_RESPONSE');
  });
  test('ours but nothing after it → for this element, discarded', () => {
    const only = msg(['SIP/2.0 200 OK', `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${fwd.branch}`, 'From: <sip:a@h>;tag=1', 'To: <sip:b@h>;tag=2', 'Call-ID: x', 'CSeq: 1 CANCEL', 'Content-Length: 0']);
    assert.ok('error' in forwardResponseStateless(only, SELF));
  });
  test('sent-by port defaults: TLS 5061', () => {
    const r = forwardResponseStateless(msg(['SIP/2.0 200 OK', 'Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bKa.b', 'Via: SIP/2.0/TLS ua.example.org;branch=z9hG4bKu', 'From: <sip:a@h>;tag=1', 'To: <sip:b@h>;tag=2', 'Call-ID: x', 'CSeq: 1 INVITE', 'Content-Length: 0']), SELF);
    assert.ok('destination' in r);
    assert.deepEqual(r.destination, { transport: 'tls', host: 'ua.example.org', port: 5061 });
  });
});

describe('§16.11 one deterministic target', () => {
  const t = (uri: string, q?: number): Target => (q === undefined ? { uri, routeSet: [], source: 'registrar' } : { uri, routeSet: [], source: 'registrar', q });
  test('highest q, ties by URI, whatever the order', () => {
    const set = [t('sip:b@h', 0.5), t('sip:c@h'), t('sip:a@h'), t('sip:d@h', 0.9)];
    assert.equal(selectStatelessTarget(set)?.uri, 'sip:a@h');
    assert.equal(selectStatelessTarget([...set].reverse())?.uri, 'sip:a@h');
    assert.equal(selectStatelessTarget([]), undefined);
  });
});

const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,11}$/);
const user = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._!~*'+-]{0,11}$/);
const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
const extraHeader = fc.tuple(fc.stringMatching(/^X-[A-Za-z0-9-]{1,10}$/), value).map(([n, v]) => `${n}: ${v}`);

describe('forward() property (fast-check)', () => {
  test('re-parses; one more Via; Max-Forwards − 1; every other header line byte-identical', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('INVITE', 'OPTIONS', 'MESSAGE', 'BYE', 'SUBSCRIBE'),
        user,
        fc.integer({ min: 1, max: 255 }),
        fc.array(token, { minLength: 1, maxLength: 3 }),
        fc.array(extraHeader, { maxLength: 5 }),
        fc.option(token, { nil: undefined }),
        fc.boolean(),
        fc.stringMatching(/^[ -~]{0,40}$/),
        (method, u, mf, branches, extra, toTag, tcp, body) => {
          const vias = branches.map((b, i) => `SIP/2.0/UDP 198.51.100.${i + 1}:5060;branch=z9hG4bK${b}`);
          const r = req({ method, ruri: `sip:${u}@example.net`, maxForwards: mf, vias, extra, ...(toTag === undefined ? {} : { toTag }), body });
          const target: Target = { uri: `sip:${u}@198.51.100.77${tcp ? ';transport=tcp' : ''}`, routeSet: [], source: 'request-uri' };
          const out = forward(r, target, SELF, { recordRoute: false, stateless: false });
          const m = parseMessage(out.bytes);
          assert.equal(m.vias().length, r.vias().length + 1);
          assert.equal(m.maxForwards, mf - 1);
          assert.equal(m.topVia?.branch, out.branch);
          assert.deepEqual(m.body, r.body);
          const before = headerLines(r).filter((l) => !l.startsWith('Max-Forwards:'));
          const after = headerLines(out.bytes).slice(1).filter((l) => !l.startsWith('Max-Forwards:'));
          assert.deepEqual(after, before);
        },
      ),
      { numRuns: 300 },
    );
  });
});
