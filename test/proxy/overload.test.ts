// Overload control (src/proxy/overload.ts): the controller on given utilizations, its configuration checks,
// and the proxy over UDP on 127.0.0.1 — stateful and stateless — answering 503 to new requests while
// shedding and still forwarding in-dialog requests, ACK and CANCEL, REGISTERs for its registrar.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { isSipclfError } from '../../src/errors.js';
import { parseProxyConfig } from '../../src/proxy/config.js';
import { OverloadControl, OVERLOAD_DEFAULTS, resolveOverload, type OverloadSample } from '../../src/proxy/overload.js';
import { TransportLayer } from '../../src/transport/index.js';
import { UdpProbe } from '../../src/transport/udp-probe.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { TestUa, register, request } from './server-ua.js';

/** A window of a proxy without UDP listeners: utilization decides. */
const u = (utilization: number): OverloadSample => ({ utilization });
/** A window of a proxy with UDP listeners: the queueing delay decides. */
const q = (queueDelayMs: number, utilization = 1): OverloadSample => ({ utilization, queueDelayMs });

/** Rejections among `n` calls of shed(). */
function rejections(c: OverloadControl, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (c.shed()) k++;
  return k;
}

function configError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => isSipclfError(e) && e.code === 'CONFIG_INVALID' && message.test(e.message));
}

describe('UdpProbe (transport/udp-probe.ts)', () => {
  it('measures the longest wait since the last reading, the age of the oldest probe not read back, and skips lost ones', () => {
    let t = 1000;
    const p = new UdpProbe(() => t);
    assert.equal(p.delay(), undefined, 'nothing sent yet');
    const a = p.next();
    t += 30;
    assert.equal(p.delay(), undefined, 'no probe came back yet: no measurement (a firewall may drop them)');
    t += 20;
    p.arrived(a);
    assert.equal(p.delay(), 50, 'read back after 50 ms');
    assert.equal(p.delay(), 0, 'a new measurement: nothing sent since');
    const lost = p.next();
    t += 100;
    const b = p.next();
    const c = p.next();
    t += 100;
    assert.equal(p.delay(), 200, 'the oldest not read back');
    t += 5;
    p.arrived(b); // `lost` never comes: the kernel dropped it
    assert.equal(p.delay(), 105, 'b waited 105 ms; c (105 ms in flight) is no older');
    t += 10;
    p.arrived(lost); // a stale duplicate of an older probe is ignored
    p.arrived(c);
    assert.equal(p.delay(), 115);
    assert.ok(p.matches(a, 5060, 5060));
    assert.ok(!p.matches(a, 5061, 5060), 'not from the listener itself');
    const forged = Buffer.from(a);
    forged[0] = (forged[0] as number) ^ 1;
    assert.ok(!p.matches(forged, 5060, 5060), 'not the token');
  });

  it('through a real UDP listener: the probe is read back, never delivered as a message, and sees a blocked loop', async () => {
    const layer = new TransportLayer({ listeners: ['udp:127.0.0.1:0'] });
    let messages = 0;
    layer.on('message', () => messages++);
    await layer.start();
    try {
      layer.probeUdp();
      await new Promise((r) => setTimeout(r, 50));
      layer.probeUdp();
      await new Promise((r) => setTimeout(r, 50));
      const idle = layer.udpQueueDelay() ?? -1;
      assert.ok(idle >= 0 && idle < 40, `idle delay ${idle} ms`);
      layer.probeUdp();
      const until = performance.now() + 150; // the loop is busy: the probe waits in the kernel
      while (performance.now() < until);
      await new Promise((r) => setTimeout(r, 20));
      const busy = layer.udpQueueDelay() ?? -1;
      assert.ok(busy >= 140, `delay after a 150-ms block: ${busy} ms`);
      assert.equal(messages, 0);
      assert.deepEqual(layer.stats().parseErrors, {});
    } finally {
      await layer.close();
    }
  });
});

describe('OverloadControl', () => {
  it('sheds nothing while the loop has room, nor during a burst shorter than sustainWindows', () => {
    const c = new OverloadControl();
    for (let i = 0; i < 100; i++) c.update(u(0.97));
    assert.equal(c.fraction, 0);
    for (let i = 0; i < OVERLOAD_DEFAULTS.sustainWindows - 1; i++) c.update(u(1));
    c.update(u(0.5)); // the burst ends one window short
    for (let i = 0; i < OVERLOAD_DEFAULTS.sustainWindows - 1; i++) c.update(u(1));
    assert.equal(c.fraction, 0);
    assert.equal(rejections(c, 1000), 0);
    assert.equal(c.stats.overloadedWindows, 2 * (OVERLOAD_DEFAULTS.sustainWindows - 1));
  });

  it('after sustainWindows saturated windows rejects exactly the fraction, deterministically', () => {
    const c = new OverloadControl();
    for (let i = 0; i < OVERLOAD_DEFAULTS.sustainWindows; i++) c.update(u(0.99));
    assert.equal(c.fraction, 0.05);
    assert.equal(rejections(c, 19), 0);
    assert.equal(rejections(c, 1), 1, 'every 20th');
    assert.equal(rejections(c, 2000), 100);
    assert.equal(c.stats.rejected, 101);
  });

  it('without UDP: rises by step per saturated window up to maxFraction, falls by step per window below high, to 0', () => {
    const c = new OverloadControl({ sustainWindows: 1, step: 0.1, maxFraction: 0.5 });
    c.update(u(1));
    assert.equal(c.fraction, 0.1);
    for (let i = 0; i < 10; i++) c.update(u(1));
    assert.equal(c.fraction, 0.5);
    assert.equal(rejections(c, 1000), 500);
    c.update(u(0.9));
    assert.equal(c.fraction, 0.4);
    for (let i = 0; i < 4; i++) c.update(u(0.2));
    assert.equal(c.fraction, 0);
    assert.equal(rejections(c, 1000), 0);
    // Shedding again needs sustainWindows saturated windows again.
    c.update(u(1));
    assert.equal(c.fraction, 0.1);
  });

  it('with UDP listeners the queueing delay decides: a saturated loop without backlog is not shed', () => {
    const c = new OverloadControl({ sustainWindows: 2, maxQueueDelayMs: 200 });
    for (let i = 0; i < 50; i++) c.update(q(199, 1));
    assert.equal(c.fraction, 0, 'busy 100 % at capacity, but nothing waits long');
    assert.equal(c.stats.overloadedWindows, 0);
    for (let i = 0; i < 10; i++) c.update(q(5000, 0.3));
    assert.equal(c.stats.overloadedWindows, 0, 'a probe out while the loop idles was lost, not queued');
    c.update(q(100));
    c.update(q(250));
    c.update(q(400));
    // The backlog grew 300 ms in two 100-ms windows (from 100 ms before them): 2.5 times the work that gets
    // done arrives, reject 1.5/2.5 of it.
    assert.equal(c.fraction, 0.6);
    assert.equal(c.stats.queueDelayMs, 400);
    c.update(q(300));
    assert.equal(c.fraction, 0.6, 'overloaded but draining: held');
    c.update(q(310));
    assert.equal(c.fraction, 0.65, 'growing a little: at least step more');
    c.update(q(400));
    const near = (x: number, y: number, why: string): void => assert.ok(Math.abs(x - y) < 1e-9, `${why}: ${x} ≠ ${y}`);
    near(c.fraction, 1 - 0.35 / 1.9, 'grew 90 ms: the estimate 1 − 0.35 / 1.9 is above 0.65 + step');
    c.update(q(50, 1));
    near(c.fraction, 1 - 0.35 / 1.9 - 0.01, 'no backlog but busy all the window: step / 5');
    c.update(q(50, 0.5));
    near(c.fraction, 1 - 0.35 / 1.9 - 0.06, 'idle time: step');
    c.update(q(Number.POSITIVE_INFINITY));
    assert.equal(c.stats.queueDelayMs, 0, 'a non-finite delay reads as none');
  });

  it('with enabled: false measures but never sheds; non-finite utilization counts as idle', () => {
    const c = new OverloadControl({ enabled: false, sustainWindows: 1 });
    for (let i = 0; i < 50; i++) c.update(u(1));
    assert.equal(c.fraction, 0);
    assert.equal(c.stats.overloadedWindows, 50);
    assert.equal(rejections(c, 100), 0);
    const d = new OverloadControl({ sustainWindows: 1 });
    d.update(u(Number.NaN));
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
      proxy.overload.update(u(1));
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
      if (stateless) {
        // A CANCEL has no To tag but ends work already begun: forwarded like any request (§16.11), never shed.
        uac.send(request(uac, { method: 'CANCEL', ruri: 'sip:bob@example.net', callId: `cancel-${stateless}` }), pport);
        await uas.request('CANCEL', (m) => m.callId === `cancel-${stateless}`);
      }
      // Not forwarded: the UAS saw none of the shed requests.
      assert.equal(uas.inbox.filter((m) => m.isRequest && (m.callId === `shed-${stateless}` || m.callId === `opt-${stateless}`)).length, 0);
      // A REGISTER for the proxy's own registrar is not new work downstream: answered.
      uac.send(register(uac, { user: 'carol', contact: `sip:carol@127.0.0.1:${uac.port}`, branch: `z9hG4bKovl${stateless ? 's' : 'f'}`, tag: 'ovl', callId: `ovl-reg-${stateless}`, expires: 60 }), pport);
      await uac.response(200, 'REGISTER');
      assert.equal(proxy.stats.errors['PROXY_OVERLOADED'], 2);
      assert.equal(proxy.overload.stats.rejected, 2);
    });

    it('forwards new requests again once the loop has room', async () => {
      for (let i = 0; i < 5; i++) proxy.overload.update(u(0.1));
      assert.equal(proxy.overload.fraction, 0);
      uac.send(request(uac, { method: 'OPTIONS', ruri: 'sip:bob@example.net', callId: `back-${stateless}` }), pport);
      const opt = await uas.request('OPTIONS', (m) => m.callId === `back-${stateless}`);
      uas.reply(opt, 200, 'OK', 'o1', [], pport);
      await uac.response(200, 'OPTIONS');
    });
  });
}
