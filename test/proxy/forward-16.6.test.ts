// RFC 3261 §16.6 request forwarding, steps 1–9: what changes in the copy (Request-URI, Max-Forwards,
// Record-Route, Route, Via, Content-Length) and that every other header line leaves byte-identical.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipclfError } from '../../src/errors.js';
import { forward, loopHash, makeBranch, preprocessRoutes, statelessUnique } from '../../src/proxy/index.js';
import type { Target } from '../../src/proxy/index.js';
import { parseMessage } from '../../src/sip/parser.js';
import { SELF, headerLines, msg, req, reqLines, startLine } from './util.js';

const TO_BOB: Target = { uri: 'sip:bob@198.51.100.7:5062', routeSet: [], source: 'registrar' };
const NO_RR = { recordRoute: false, stateless: false };

describe('§16.6 steps 1–3, 8: the minimal copy', () => {
  test('new Request-URI, Max-Forwards − 1, our Via on top; other lines untouched', () => {
    const r = req({ extra: ['X-Odd:   spaced  value ', 'subject: lower-case name'] });
    const out = forward(r, TO_BOB, SELF, NO_RR);
    assert.equal(startLine(out.bytes), 'INVITE sip:bob@198.51.100.7:5062 SIP/2.0');
    const before = headerLines(r);
    const after = headerLines(out.bytes);
    assert.equal(after[0], `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${out.branch}`);
    assert.deepEqual(after.slice(1), before.map((l) => (l === 'Max-Forwards: 70' ? 'Max-Forwards: 69' : l)));
    assert.deepEqual(out.nextHop, { transport: 'udp', host: '198.51.100.7', port: 5062 });
    assert.equal(out.method, 'INVITE');
  });
  test('step 3: Max-Forwards absent → added with 70', () => {
    const out = forward(req({ maxForwards: null }), TO_BOB, SELF, NO_RR);
    assert.ok(headerLines(out.bytes).includes('Max-Forwards: 70'));
  });
  test('step 2: method and headers are removed from the target URI', () => {
    const out = forward(req(), { ...TO_BOB, uri: 'sip:bob@198.51.100.7;method=INVITE;foo=1?Subject=hi' }, SELF, NO_RR);
    assert.equal(startLine(out.bytes), 'INVITE sip:bob@198.51.100.7;foo=1 SIP/2.0');
  });
  test('the body is forwarded unchanged', () => {
    const body = 'v=0\r\no=- 1 1 IN IP4 198.51.100.1\r\n';
    const out = forward(req({ body, extra: ['Content-Type: application/sdp'] }), TO_BOB, SELF, NO_RR);
    assert.ok(out.bytes.toString().endsWith(`\r\n\r\n${body}`));
  });
  test('step 8: each stateful attempt gets a new branch with the same loop part', () => {
    const r = req();
    const a = forward(r, TO_BOB, SELF, NO_RR).branch;
    const b = forward(r, TO_BOB, SELF, NO_RR).branch;
    assert.notEqual(a, b);
    assert.equal(a.split('.')[1], b.split('.')[1]);
    assert.equal(forward(r, TO_BOB, SELF, { ...NO_RR, branch: 'z9hG4bKgiven' }).branch, 'z9hG4bKgiven');
  });
});

describe('§16.6 step 4: Record-Route', () => {
  test('inserted before existing values, SIP URI with lr', () => {
    const r = msg(reqLines({ extra: ['Record-Route: <sip:p0.example.org;lr>'] }));
    const out = forward(r, TO_BOB, SELF, { recordRoute: true, stateless: false });
    const lines = headerLines(out.bytes);
    const i = lines.indexOf('Record-Route: <sip:192.0.2.10:5060;lr>');
    assert.ok(i >= 0);
    assert.equal(lines[i + 1], 'Record-Route: <sip:p0.example.org;lr>');
    assert.deepEqual(out.recordRoute, ['<sip:192.0.2.10:5060;lr>']);
  });
  test('SIPS Request-URI → SIPS Record-Route, TLS next hop', () => {
    const out = forward(req({ ruri: 'sips:bob@example.com' }), { uri: 'sips:bob@198.51.100.7', routeSet: [], source: 'registrar' }, SELF, { recordRoute: true, stateless: false });
    assert.deepEqual(out.recordRoute, ['<sips:192.0.2.10:5061;lr>']);
    assert.deepEqual(out.nextHop, { transport: 'tls', host: '198.51.100.7', port: 5061 });
    assert.match(headerLines(out.bytes)[0] ?? '', /^Via: SIP\/2\.0\/TLS 192\.0\.2\.10:5061;branch=/);
  });
  test('different arrival interface → double Record-Route, outgoing first', () => {
    const out = forward(req(), { uri: 'sip:bob@198.51.100.7;transport=tcp', routeSet: [], source: 'registrar' }, SELF, {
      recordRoute: true,
      stateless: false,
      arrival: { transport: 'udp', host: '192.0.2.10', port: 5060 },
    });
    assert.deepEqual(out.recordRoute, ['<sip:192.0.2.10:5060;transport=tcp;lr>', '<sip:192.0.2.10:5060;lr>']);
    const lines = headerLines(out.bytes);
    const i = lines.indexOf('Record-Route: <sip:192.0.2.10:5060;transport=tcp;lr>');
    assert.equal(lines[i + 1], 'Record-Route: <sip:192.0.2.10:5060;lr>');
  });
});

describe('§16.6 steps 6–7: Route post-processing and next hop', () => {
  test('local policy (outbound proxy) pushed on top; next hop is that Route', () => {
    const out = forward(req({ ruri: 'sip:x@elsewhere.test', routes: ['<sip:p9.example.org;lr>'] }), { uri: 'sip:x@elsewhere.test', routeSet: ['sip:10.0.0.1:5080;lr'], source: 'default' }, SELF, NO_RR);
    const lines = headerLines(out.bytes);
    assert.deepEqual(lines.filter((l) => l.startsWith('Route:')), ['Route: <sip:10.0.0.1:5080;lr>', 'Route: <sip:p9.example.org;lr>']);
    assert.deepEqual(out.nextHop, { transport: 'udp', host: '10.0.0.1', port: 5080 });
  });
  test('our own Route value popped, next hop from the remaining loose Route', () => {
    const r = req({ ruri: 'sip:bob@198.51.100.7', routes: ['<sip:192.0.2.10;lr>, <sip:p2.example.org:5070;transport=tcp;lr>'], toTag: 't' });
    const out = forward(preprocessRoutes(r, SELF), { uri: 'sip:bob@198.51.100.7', routeSet: [], source: 'route' }, SELF, NO_RR);
    assert.deepEqual(headerLines(out.bytes).filter((l) => l.startsWith('Route:')), ['Route: <sip:p2.example.org:5070;transport=tcp;lr>']);
    assert.deepEqual(out.nextHop, { transport: 'tcp', host: 'p2.example.org', port: 5070 });
  });
  test('strict router next: Request-URI appended as last Route, first Route becomes the Request-URI', () => {
    const r = req({ ruri: 'sip:bob@198.51.100.7', routes: ['<sip:strict.example.org>', '<sip:p3.example.org;lr>'], toTag: 't' });
    const out = forward(preprocessRoutes(r, SELF), { uri: 'sip:bob@198.51.100.7', routeSet: [], source: 'route' }, SELF, NO_RR);
    assert.equal(startLine(out.bytes), 'INVITE sip:strict.example.org SIP/2.0');
    assert.deepEqual(headerLines(out.bytes).filter((l) => l.startsWith('Route:')), ['Route: <sip:p3.example.org;lr>', 'Route: <sip:bob@198.51.100.7>']);
    assert.deepEqual(out.nextHop, { transport: 'udp', host: 'strict.example.org', port: 5060 });
    assert.equal(out.requestUri, 'sip:strict.example.org');
  });
  test('maddr gives the next hop address', () => {
    const out = forward(req(), { uri: 'sip:bob@example.com;maddr=203.0.113.4', routeSet: [], source: 'maddr' }, SELF, NO_RR);
    assert.equal(out.nextHop.host, '203.0.113.4');
  });
  test('no interface for the transport, or a non-SIP hop → PROXY_NO_NEXT_HOP', () => {
    const udpOnly = { interfaces: [{ transport: 'udp' as const, host: '192.0.2.10', port: 5060 }] };
    const isNoHop = (e: unknown): boolean => e instanceof SipclfError && e.code === 'PROXY_NO_NEXT_HOP';
    assert.throws(() => forward(req(), { uri: 'sip:b@h;transport=tcp', routeSet: [], source: 'registrar' }, udpOnly, NO_RR), isNoHop);
    assert.throws(() => forward(req(), { uri: 'tel:+1555', routeSet: [], source: 'request-uri' }, SELF, NO_RR), isNoHop);
    assert.throws(() => forward(req(), { uri: 'sip:b@h;transport=sctp', routeSet: [], source: 'registrar' }, SELF, NO_RR), isNoHop);
  });
});

describe('§16.6 step 9: Content-Length on streams', () => {
  const noCl = msg(reqLines().filter((l) => !l.startsWith('Content-Length')));
  test('added for TCP when absent', () => {
    const out = forward(noCl, { uri: 'sip:bob@198.51.100.7;transport=tcp', routeSet: [], source: 'registrar' }, SELF, NO_RR);
    assert.ok(headerLines(out.bytes).includes('Content-Length: 0'));
    assert.match(headerLines(out.bytes)[0] ?? '', /^Via: SIP\/2\.0\/TCP /);
  });
  test('not added for UDP', () => {
    const out = forward(noCl, TO_BOB, SELF, NO_RR);
    assert.ok(!headerLines(out.bytes).some((l) => l.startsWith('Content-Length')));
  });
});

describe('§16.11: stateless branch determinism', () => {
  test('retransmissions get the same branch; the hash of the received branch is used', () => {
    const a = forward(req(), TO_BOB, SELF, { recordRoute: true, stateless: true });
    const b = forward(parseMessage(Buffer.from(req().raw)), TO_BOB, SELF, { recordRoute: true, stateless: true });
    assert.equal(a.branch, b.branch);
    assert.deepEqual(a.bytes, b.bytes);
    assert.equal(a.branch, makeBranch(statelessUnique(req()), loopHash(req())));
  });
  test('CANCEL and ACK of the INVITE map to the INVITE branch', () => {
    const inv = forward(req(), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch;
    assert.equal(forward(req({ method: 'CANCEL' }), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch, inv);
    assert.equal(forward(req({ method: 'ACK' }), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch, inv);
    // The ACK of a non-2xx carries the To tag of the response (§17.1.1.3), the INVITE none: same branch still.
    assert.equal(forward(req({ method: 'ACK', toTag: 'uas1' }), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch, inv);
    // In a dialog (a re-INVITE answered 491): the re-INVITE and its ACK both carry the To tag.
    const reinv = forward(req({ toTag: 'd1', cseq: 5 }), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch;
    assert.equal(forward(req({ method: 'ACK', toTag: 'd1', cseq: 5 }), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch, reinv);
    // The same for RFC 2543 senders (no magic cookie: UNIQUE hashes the top Via and the fields).
    const old = { vias: ['SIP/2.0/UDP 198.51.100.1:5060'], cseq: 6 };
    const oldInv = forward(req(old), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch;
    assert.equal(forward(req({ ...old, method: 'ACK', toTag: 'uas1' }), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch, oldInv);
  });
  test('a new transaction (other CSeq / received branch) gets another branch', () => {
    const a = forward(req(), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch;
    assert.notEqual(forward(req({ cseq: 2, vias: ['SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKua2'] }), TO_BOB, SELF, { recordRoute: false, stateless: true }).branch, a);
  });
  test('RFC 2543 request (no cookie): hash of top Via, tags, Call-ID, CSeq number, Request-URI', () => {
    const old = (cseq: number): ReturnType<typeof req> => req({ vias: ['SIP/2.0/UDP 198.51.100.1:5060'], cseq });
    assert.equal(statelessUnique(old(1)), statelessUnique(old(1)));
    assert.notEqual(statelessUnique(old(1)), statelessUnique(old(2)));
  });
});
