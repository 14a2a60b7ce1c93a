// Overload control (src/proxy/overload.ts): the controller on given utilizations, its configuration checks,
// and the proxy over UDP on 127.0.0.1 — stateful and stateless — answering 503 to new requests while
// shedding and still forwarding in-dialog requests, ACK and CANCEL, REGISTERs for its registrar.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { isSipclfError } from '../../src/errors.js';
import { parseProxyConfig } from '../../src/proxy/config.js';
import { OverloadControl, OVERLOAD_DEFAULTS, resolveOverload } from '../../src/proxy/overload.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { TestUa, request } from './server-ua.js';

/** Rejections among `n` calls of shed(). */
function rejections(c: OverloadControl, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (c.shed()) k++;
  return k;
}

function configError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => isSipclfError(e) && e.code === 'CONFIG_INVALID' && message.test(e.message));
}

describe('OverloadControl', () => {
  it('sheds nothing while the loop has room, nor during a burst shorter than sustainWindows', () => {
    const c = new OverloadControl();
    for (let i = 0; i < 100; i++) c.update(0.97);
    assert.equal(c.fraction, 0);
    for (let i = 0; i < OVERLOAD_DEFAULTS.sustainWindows - 1; i++) c.update(1);
    c.update(0.5); // the burst ends one window short
    for (let i = 0; i < OVERLOAD_DEFAULTS.sustainWindows - 1; i++) c.update(1);
    assert.equal(c.fraction, 0);
    assert.equal(rejections(c, 1000), 0);
    assert.equal(c.stats.overloadedWindows, 2 * (OVERLOAD_DEFAULTS.sustainWindows - 1));
  });

  it('after sustainWindows saturated windows rejects exactly the fraction, deterministically', () => {
    const c = new OverloadControl();
    for (let i = 0; i < OVERLOAD_DEFAULTS.sustainWindows; i++) c.update(0.99);
    assert.equal(c.fraction, 0.05);
    assert.equal(rejections(c, 19), 0);
    assert.equal(rejections(c, 1), 1, 'every 20th');
    assert.equal(rejections(c, 2000), 100);
    assert.equal(c.stats.rejected, 101);
  });

  it('rises by step per saturated window up to maxFraction, falls by step/5 per window below high, to 0', () => {
    const c = new OverloadControl({ sustainWindows: 1, step: 0.1, maxFraction: 0.5 });
    c.update(1);
    assert.equal(c.fraction, 0.1);
    for (let i = 0; i < 10; i++) c.update(1);
    assert.equal(c.fraction, 0.5);
    assert.equal(rejections(c, 1000), 500);
    c.update(0.9);
    assert.equal(c.fraction, 0.48);
    for (let i = 0; i < 24; i++) c.update(0.2);
    assert.equal(c.fraction, 0);
    assert.equal(rejections(c, 1000), 0);
    // Shedding again needs sustainWindows saturated windows again.
    c.update(1);
    assert.equal(c.fraction, 0.1);
  });

  it('with enabled: false measures but never sheds; non-finite utilization counts as idle', () => {
    const c = new OverloadControl({ enabled: false, sustainWindows: 1 });
    for (let i = 0; i < 50; i++) c.update(1);
    assert.equal(c.fraction, 0);
    assert.equal(c.stats.overloadedWindows, 50);
    assert.equal(rejections(c, 100), 0);
    const d = new OverloadControl({ sustainWindows: 1 });
    d.update(Number.NaN);
    assert.equal(d.fraction, 0);
    assert.equal(d.stats.utilization, 0);
  });

  it('gives Retry-After only when configured (RFC 3261 §20.33)', () => {
    assert.deepEqual(new OverloadControl().responseHeaders(), []);
    assert.deepEqual(new OverloadControl({ retryAfterSeconds: 30 }).responseHeaders(), [['Retry-After', '30']]);
  });

  it('rejects bad options with CONFIG_INVALID naming the key', () => {
    configError(() => resolveOverload({ high: 1.5 }), /^overload\.high: not a number from 0.5 to 1$/);
    configError(() => resolveOverload({ windowMs: 2.5 }), /^overload\.windowMs: not an integer/);
    configError(() => resolveOverload({ step: 0 }), /^overload\.step:/);
    configError(() => resolveOverload({ enabled: 'yes' } as never), /^overload\.enabled: not true or false$/);
    configError(() => resolveOverload({ bogus: 1 } as never), /^overload\.bogus: unknown key$/);
    assert.deepEqual(resolveOverload({}), OVERLOAD_DEFAULTS);
  });

  it('is read from the proxy configuration file, checked there with the path', () => {
    const c = parseProxyConfig('overload:\n  high: 0.95\n  retryAfterSeconds: 10\n', 'p.yaml');
    assert.deepEqual(c.overload, { high: 0.95, retryAfterSeconds: 10 });
    configError(() => parseProxyConfig('overload:\n  high: 2\n', 'p.yaml'), /^p\.yaml: overload\.high: not a number/);
    configError(() => parseProxyConfig('overload:\n  hihg: 0.9\n', 'p.yaml'), /^p\.yaml: overload\.hihg: unknown key/);
    configError(() => parseProxyConfig('overload: 3\n', 'p.yaml'), /^p\.yaml: overload: expected a mapping/);
  });
});

for (const stateless of [false, true]) {
  describe(`ProxyServer overload control over UDP (${stateless ? 'stateless' : 'stateful'})`, () => {
    let proxy: ProxyServer;
    let pport: number;
    let uac: TestUa;
    let uas: TestUa;

    before(async () => {
      uac = await TestUa.open();
      uas = await TestUa.open();
      proxy = await ProxyServer.start({
        listen: ['udp:127.0.0.1:0'],
        routes: [`example.net=127.0.0.1:${uas.port}`],
        domains: ['example.com'],
        timers: { T1: 50 },
        stateless,
        // The test drives the controller: a window long enough that the real sampler does not step in.
        overload: { windowMs: 10_000, sustainWindows: 1, step: 1, maxFraction: 1, retryAfterSeconds: 30 },
      });
      pport = proxy.addresses()[0]?.port ?? 0;
    });

    after(async () => {
      await proxy.close();
      uac.close();
      uas.close();
    });

    it('while shedding answers 503 + Retry-After to new requests, forwards in-dialog ones and serves its registrar', async () => {
      proxy.overload.update(1);
      assert.equal(proxy.overload.fraction, 1);
      uac.send(request(uac, { ruri: 'sip:bob@example.net', callId: `shed-${stateless}` }), pport);
      const r = await uac.response(503, 'INVITE');
      assert.equal(r.callId, `shed-${stateless}`);
      assert.equal(r.get('Retry-After'), '30');
      assert.match(r.get('To') ?? '', /;tag=/);
      uac.send(request(uac, { method: 'OPTIONS', ruri: 'sip:bob@example.net', callId: `opt-${stateless}` }), pport);
      await uac.response(503, 'OPTIONS');
      // In dialog (To tag): a call admitted before goes on.
      uac.send(request(uac, { method: 'BYE', ruri: 'sip:bob@example.net', callId: `dlg-${stateless}`, toTag: 'b1', cseq: 2 }), pport);
      const bye = await uas.request('BYE', (m) => m.callId === `dlg-${stateless}`);
      uas.reply(bye, 200, 'OK', undefined, [], pport);
      await uac.response(200, 'BYE');
      // Not forwarded: the UAS saw none of the shed requests.
      assert.equal(uas.inbox.filter((m) => m.isRequest && (m.callId === `shed-${stateless}` || m.callId === `opt-${stateless}`)).length, 0);
      // A REGISTER for the proxy's own registrar is not new work downstream: answered.
      uac.send(
        [
          'REGISTER sip:example.com SIP/2.0',
          `Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bKovl${stateless ? 's' : 'f'};rport`,
          'Max-Forwards: 70',
          `From: <sip:carol@example.com>;tag=ovl`,
          'To: <sip:carol@example.com>',
          `Call-ID: ovl-reg-${stateless}`,
          'CSeq: 1 REGISTER',
          `Contact: <sip:carol@127.0.0.1:${uac.port}>;expires=60`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        pport,
      );
      await uac.response(200, 'REGISTER');
      assert.equal(proxy.stats.errors['PROXY_OVERLOADED'], 2);
      assert.equal(proxy.overload.stats.rejected, 2);
    });

    it('forwards new requests again once the loop has room', async () => {
      for (let i = 0; i < 5; i++) proxy.overload.update(0.1);
      assert.equal(proxy.overload.fraction, 0);
      uac.send(request(uac, { method: 'OPTIONS', ruri: 'sip:bob@example.net', callId: `back-${stateless}` }), pport);
      const opt = await uas.request('OPTIONS', (m) => m.callId === `back-${stateless}`);
      uas.reply(opt, 200, 'OK', 'o1', [], pport);
      await uac.response(200, 'OPTIONS');
    });
  });
}
