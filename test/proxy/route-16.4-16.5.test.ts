// RFC 3261 §16.4 route information preprocessing and §16.5 target determination: own Route values popped,
// a strict router's Request-URI restored, our maddr stripped; then the routing order of routes.ts —
// Route header → maddr → local domain + registrar → static route → default outbound proxy → 404 / 480.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipclfError } from '../../src/errors.js';
import { Registrar, Router, parseNextHop, parseStaticRoute, preprocessRoutes, routeUriOf, targets } from '../../src/proxy/index.js';
import type { RouteDecision } from '../../src/proxy/index.js';
import { SELF, msg, req } from './util.js';

function targetsOf(d: RouteDecision): string[] {
  assert.ok('targets' in d, `expected targets, got ${'error' in d ? d.error.code : ''}`);
  return d.targets.map((t) => `${t.source} ${t.uri}${t.routeSet.length > 0 ? ` via ${t.routeSet.join(',')}` : ''}`);
}

function errorOf(d: RouteDecision): number | undefined {
  return 'error' in d ? d.error.status : undefined;
}

describe('§16.4 preprocessing', () => {
  test('the first Route value naming this proxy is popped (by forward), the rest kept', () => {
    const p = preprocessRoutes(req({ routes: ['<sip:192.0.2.10;lr>', '<sip:p2.example.org;lr>'] }), SELF);
    assert.equal(p.popRoutes, 1);
    assert.deepEqual(p.routes.map((r) => r.uri.raw), ['sip:p2.example.org;lr']);
    assert.equal(p.msg, p.received); // no re-parse for the common case
  });
  test('our alias and a double Record-Route (two values of ours) are both popped', () => {
    const p = preprocessRoutes(req({ routes: ['<sip:proxy.example.com;lr>, <sip:192.0.2.10:5060;transport=tcp;lr>', '<sip:x.example.org;lr>'] }), SELF);
    assert.equal(p.popRoutes, 2);
    assert.equal(p.routes.length, 1);
  });
  test('a Route to another port of the same host is not ours', () => {
    assert.equal(preprocessRoutes(req({ routes: ['<sip:192.0.2.10:5070;lr>'] }), SELF).popRoutes, 0);
  });
  test('strict router upstream: Request-URI is our Record-Route value → last Route value becomes the Request-URI', () => {
    const r = req({ ruri: 'sip:192.0.2.10;lr', routes: ['<sip:p2.example.org;lr>', '<sip:bob@198.51.100.7>'] });
    const p = preprocessRoutes(r, SELF);
    assert.equal(p.strictRouted, true);
    assert.equal(p.msg.requestUri, 'sip:bob@198.51.100.7');
    assert.deepEqual(p.msg.getAll('Route'), ['<sip:p2.example.org;lr>']);
    assert.equal(p.loopHash.length, 16);
  });
  test('strict-router rewrite of a multi-value Route line keeps the other values', () => {
    const r = req({ ruri: 'sip:192.0.2.10;lr', routes: ['<sip:p2.example.org;lr>, <sip:bob@198.51.100.7>'] });
    const p = preprocessRoutes(r, SELF);
    assert.equal(p.msg.requestUri, 'sip:bob@198.51.100.7');
    assert.deepEqual(p.msg.values('Route'), ['<sip:p2.example.org;lr>']);
  });
  test('our maddr is stripped with its port and transport; another maddr is kept', () => {
    const p = preprocessRoutes(req({ ruri: 'sip:bob@example.com;maddr=192.0.2.10;transport=udp' }), SELF, SELF.interfaces[0]);
    assert.equal(p.maddrStripped, true);
    assert.equal(p.msg.requestUri, 'sip:bob@example.com');
    const q = preprocessRoutes(req({ ruri: 'sip:bob@example.com;maddr=203.0.113.1' }), SELF);
    assert.equal(q.maddrStripped, false);
  });
  test('maddr ours but received on another transport: kept (must be forwarded to it)', () => {
    const p = preprocessRoutes(req({ ruri: 'sip:bob@example.com;maddr=192.0.2.10;transport=tcp' }), SELF, SELF.interfaces[0]);
    assert.equal(p.maddrStripped, false);
  });
});

describe('static route and next hop syntax', () => {
  test('parseNextHop', () => {
    assert.deepEqual(parseNextHop('127.0.0.1:5070'), { transport: 'udp', host: '127.0.0.1', port: 5070 });
    assert.deepEqual(parseNextHop('gw.example.net;transport=TLS'), { transport: 'tls', host: 'gw.example.net', port: 5061 });
    assert.deepEqual(parseNextHop('[2001:db8::1]:5080;transport=tcp'), { transport: 'tcp', host: '2001:db8::1', port: 5080 });
    for (const bad of ['', 'a b', 'h:0', 'h:99999', 'h;transport=sctp', 'h:5060;foo=1']) {
      assert.throws(() => parseNextHop(bad), (e: unknown) => e instanceof SipclfError && e.code === 'PROXY_BAD_ROUTE', bad);
    }
  });
  test('parseStaticRoute', () => {
    assert.deepEqual(parseStaticRoute('example.net=127.0.0.1:5070'), { match: { domain: 'example.net' }, nextHop: { transport: 'udp', host: '127.0.0.1', port: 5070 } });
    assert.deepEqual(parseStaticRoute('user:+1555=gw:5060;transport=tcp').match, { userPrefix: '+1555' });
    assert.deepEqual(parseStaticRoute('.example.org=h').match, { domain: '.example.org' });
    for (const bad of ['example.net', '=h', 'user:=h', 'ex ample=h']) assert.throws(() => parseStaticRoute(bad), /PROXY_BAD_ROUTE|static route/);
  });
  test('routeUriOf gives a loose-routing URI', () => {
    assert.equal(routeUriOf({ transport: 'udp', host: '10.0.0.1', port: 5070 }), 'sip:10.0.0.1:5070;lr');
    assert.equal(routeUriOf({ transport: 'tcp', host: '2001:db8::1', port: 5060 }), 'sip:[2001:db8::1]:5060;transport=tcp;lr');
  });
});

describe('§16.5 targets: the routing order', () => {
  const now = 1_000_000;
  const registrar = new Registrar({ domains: ['example.com'], clock: () => now });
  const reg = (user: string, contact: string, expires = 600, q?: string): void => {
    const r = msg([
      'REGISTER sip:example.com SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKr' + user + contact.length,
      'Max-Forwards: 70',
      `From: <sip:${user}@example.com>;tag=r1`,
      `To: <sip:${user}@example.com>`,
      `Call-ID: reg-${user}`,
      `CSeq: ${registrar.snapshot().length + 1} REGISTER`,
      `Contact: <${contact}>;expires=${expires}${q === undefined ? '' : `;q=${q}`}`,
      'Content-Length: 0',
    ]);
    assert.equal(registrar.handleRegister(r, now).status, 200);
  };
  reg('bob', 'sip:bob@198.51.100.7:5062', 600, '0.5');
  reg('bob', 'sip:bob@198.51.100.8', 600, '0.9');
  reg('gone', 'sip:gone@198.51.100.9', 600);
  reg('gone', 'sip:gone@198.51.100.9', 0); // registered once, binding removed: a known AOR without binding
  const router = new Router({
    self: SELF,
    registrar,
    routes: [parseStaticRoute('example.net=127.0.0.1:5070'), parseStaticRoute('.example.org=10.0.0.2'), parseStaticRoute('user:+1555=10.0.0.3;transport=tcp'), parseStaticRoute('user:+15551=10.0.0.4')],
    defaultProxy: parseNextHop('outbound.example.com:5080'),
  });
  const route = (ruri: string, routes: string[] = []): RouteDecision => targets(preprocessRoutes(req({ ruri, routes }), SELF), router, now);

  test('1. a remaining Route header: the Request-URI as is, no policy', () => {
    assert.deepEqual(targetsOf(route('sip:bob@example.com', ['<sip:p2.example.org;lr>'])), ['route sip:bob@example.com']);
  });
  test('   …but our own Route is popped first, then routing continues', () => {
    assert.deepEqual(targetsOf(route('sip:x@example.net', ['<sip:192.0.2.10;lr>'])), ['static sip:x@example.net via sip:127.0.0.1:5070;lr']);
  });
  test('2. maddr: the Request-URI is the only target', () => {
    assert.deepEqual(targetsOf(route('sip:bob@example.com;maddr=203.0.113.1')), ['maddr sip:bob@example.com;maddr=203.0.113.1']);
  });
  test('3. local domain: every live binding, highest q first (parallel fork)', () => {
    assert.deepEqual(targetsOf(route('sip:bob@EXAMPLE.com;user=phone')), ['registrar sip:bob@198.51.100.8', 'registrar sip:bob@198.51.100.7:5062']);
  });
  test('4. static routes: user prefix (longest) before domain; domain suffix', () => {
    assert.deepEqual(targetsOf(route('sip:+15551234@example.com')), ['static sip:+15551234@example.com via sip:10.0.0.4:5060;lr']);
    assert.deepEqual(targetsOf(route('sip:+15559@example.net')), ['static sip:+15559@example.net via sip:10.0.0.3:5060;transport=tcp;lr']);
    assert.deepEqual(targetsOf(route('sip:x@a.b.example.org')), ['static sip:x@a.b.example.org via sip:10.0.0.2:5060;lr']);
    assert.deepEqual(targetsOf(route('tel:+1555-000')), ['static tel:+1555-000 via sip:10.0.0.3:5060;transport=tcp;lr']);
  });
  test('5. foreign domain: through the default outbound proxy', () => {
    assert.deepEqual(targetsOf(route('sip:y@elsewhere.test')), ['default sip:y@elsewhere.test via sip:outbound.example.com:5080;lr']);
  });
  test('5. foreign domain without a default: straight to the Request-URI; reject mode → 404', () => {
    const r = new Router({ self: SELF, registrar });
    assert.deepEqual(targetsOf(r.route('sip:y@elsewhere.test', false)), ['request-uri sip:y@elsewhere.test']);
    assert.equal(errorOf(new Router({ self: SELF, foreignDomains: 'reject' }).route('sip:y@elsewhere.test', false)), 404);
  });
  test('6. local domain, known AOR without binding → 480; unknown → 404', () => {
    assert.equal(errorOf(route('sip:gone@example.com')), 480);
    assert.equal(errorOf(route('sip:nobody@example.com')), 404);
  });
  test('expired bindings are not targets', () => {
    const later = targets(preprocessRoutes(req({ ruri: 'sip:bob@example.com' }), SELF), router, now + 601_000);
    assert.equal(errorOf(later), 480);
  });
  test('tel URI without a route and without default → 404', () => {
    assert.equal(errorOf(new Router({ self: SELF }).route('tel:+4420', false)), 404);
  });
});
