// ProxyServer end to end on 127.0.0.1 with hand-made UDP user agents: forwarding edits, responses back,
// 100 Trying, errors (483, 482, 404), registrar + forking with CANCEL of the loser, 2xx ACK and BYE by Route.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { ProxyServer } from '../../src/proxy/server.js';
import type { SipMessage } from '../../src/sip/message.js';
import { TestUa, register, request } from './server-ua.js';

describe('ProxyServer over UDP', () => {
  let proxy: ProxyServer;
  let pport: number;
  let uac: TestUa;
  let uas: TestUa;
  let uas2: TestUa;

  before(async () => {
    uac = await TestUa.open();
    uas = await TestUa.open();
    uas2 = await TestUa.open();
    proxy = await ProxyServer.start({
      listen: ['udp:127.0.0.1:0'],
      routes: [`example.net=127.0.0.1:${uas.port}`],
      domains: ['example.com'],
      timers: { T1: 50 },
    });
    pport = proxy.addresses()[0]?.port ?? 0;
  });

  after(async () => {
    await proxy.close();
    uac.close();
    uas.close();
    uas2.close();
  });

  it('forwards an INVITE (Via pushed, Record-Route, Max-Forwards − 1), answers 100, relays 180/200 with our Via popped, ACK and BYE by Route', async () => {
    uac.send(request(uac, { ruri: 'sip:bob@example.net', callId: 'basic' }), pport);
    const trying = await uac.response(100, 'INVITE');
    assert.equal(trying.values('Via').length, 1);
    const inv = await uas.request('INVITE');
    const vias = inv.values('Via');
    assert.equal(vias.length, 2);
    assert.match(vias[0] ?? '', new RegExp(`^SIP/2.0/UDP 127.0.0.1:${pport};branch=z9hG4bK`));
    assert.match(vias[1] ?? '', /received=127.0.0.1/);
    assert.equal(inv.get('Max-Forwards'), '69');
    const rr = inv.get('Record-Route');
    assert.equal(rr, `<sip:127.0.0.1:${pport};lr>`);
    assert.equal(inv.get('Route'), `<sip:127.0.0.1:${uas.port};lr>`);
    uas.reply(inv, 180, 'Ringing', 'b1', [], pport);
    const ringing = await uac.response(180);
    assert.equal(ringing.values('Via').length, 1);
    uas.reply(inv, 200, 'OK', 'b1', [`Contact: <sip:bob@127.0.0.1:${uas.port}>`], pport);
    const ok = await uac.response(200, 'INVITE');
    assert.equal(ok.values('Via').length, 1);
    assert.equal(ok.get('Record-Route'), rr);
    // ACK and BYE: Request-URI = the callee's Contact, Route = the Record-Route.
    const inDialog = { ruri: `sip:bob@127.0.0.1:${uas.port}`, callId: 'basic', toTag: 'b1', routes: [rr ?? ''] };
    uac.send(request(uac, { ...inDialog, method: 'ACK' }), pport);
    const ack = await uas.request('ACK');
    assert.equal(ack.values('Via').length, 2);
    assert.equal(ack.get('Route'), undefined, 'our Route value popped');
    uac.send(request(uac, { ...inDialog, method: 'BYE', cseq: 2 }), pport);
    const bye = await uas.request('BYE');
    assert.equal(bye.get('Max-Forwards'), '69');
    uas.reply(bye, 200, 'OK', undefined, [], pport);
    await uac.response(200, 'BYE');
  });

  it('routes an in-dialog request without Route by its Request-URI (SIPp built-in uac)', async () => {
    uac.send(request(uac, { method: 'BYE', ruri: 'sip:bob@example.net', callId: 'noroute', toTag: 'x', cseq: 3 }), pport);
    const bye = await uas.request('BYE', (m) => m.callId === 'noroute');
    uas.reply(bye, 200, 'OK', undefined, [], pport);
    await uac.response(200, 'BYE');
  });

  it('RFC 3261 §16.3: a Route that does not parse gets 400 with a Warning (after the 100 for an INVITE): its transaction is answered, not left waiting', async () => {
    const before = proxy.stats.errors['SIP_BAD_HEADER_VALUE'] ?? 0;
    for (const [method, callId] of [
      ['INVITE', 'badroute-i'],
      ['MESSAGE', 'badroute-m'],
    ] as const) {
      const branch = `z9hG4bK-${callId}`;
      uac.send(request(uac, { method, ruri: 'sip:bob@example.net', callId, branch, routes: ['<sip:x'] }), pport);
      const r = await uac.response(400, method);
      assert.equal(r.callId, callId);
      assert.match(r.get('Warning') ?? '', /^399 sipclf "/);
      // The ACK of the 400 (same branch, §17.1.1.3) is absorbed by the server transaction, never parsed further.
      if (method === 'INVITE') uac.send(request(uac, { method: 'ACK', ruri: 'sip:bob@example.net', callId, branch, toTag: r.toTag, routes: ['<sip:x'] }), pport);
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(proxy.stats.errors['SIP_BAD_HEADER_VALUE'], before + 2);
  });

  it('answers 483 when Max-Forwards is 0', async () => {
    uac.send(request(uac, { method: 'OPTIONS', ruri: 'sip:bob@example.net', maxForwards: 0, callId: 'mf0' }), pport);
    const r = await uac.response(483);
    assert.equal(r.callId, 'mf0');
  });

  it('answers 404 for an unknown user of its own domain', async () => {
    uac.send(request(uac, { method: 'OPTIONS', ruri: 'sip:nobody@example.com', callId: 'nf' }), pport);
    const r = await uac.response(404);
    assert.equal(r.callId, 'nf');
  });

  it('§9.2: a CANCEL of an INVITE this proxy answered itself gets 200; one matching no INVITE transaction 481', async () => {
    const branch = 'z9hG4bK-cancel-answered';
    uac.send(request(uac, { ruri: 'sip:nobody@example.com', callId: 'cx', branch }), pport);
    const nf = await uac.response(404, 'INVITE');
    uac.send(request(uac, { method: 'CANCEL', ruri: 'sip:nobody@example.com', callId: 'cx', branch }), pport);
    assert.equal((await uac.response(200, 'CANCEL')).callId, 'cx');
    uac.send(request(uac, { method: 'ACK', ruri: 'sip:nobody@example.com', callId: 'cx', branch, toTag: nf.toTag }), pport);
    uac.send(request(uac, { method: 'CANCEL', ruri: 'sip:nobody@example.com', callId: 'cy', branch: 'z9hG4bK-cancel-none' }), pport);
    assert.equal((await uac.response(481, 'CANCEL')).callId, 'cy');
  });

  it('answers 482 when a request loops back unchanged', async () => {
    // A Via of ours whose loop part is the hash of this very request: forward it once through a self route.
    const p2 = await ProxyServer.start({ listen: ['udp:127.0.0.1:0'] }); // find a free port, then route the proxy to itself
    const port2 = p2.addresses()[0]?.port ?? 0;
    await p2.close();
    const looping = await ProxyServer.start({ listen: [`udp:127.0.0.1:${port2}`], routes: [`loop.example=127.0.0.1:${port2}`], timers: { T1: 50 } });
    try {
      uac.send(request(uac, { method: 'OPTIONS', ruri: 'sip:x@loop.example', callId: 'loop' }), port2);
      const r = await uac.next((m: SipMessage) => !m.isRequest && m.callId === 'loop' && m.status >= 400, 5000, 'loop error');
      assert.equal(r.status, 482);
    } finally {
      await looping.close();
    }
  });

  it('registers two contacts, forks an INVITE to both, forwards the winner and CANCELs the loser', async () => {
    for (const [i, ua] of [uas, uas2].entries()) {
      uac.send(register(uac, { user: 'bob', contact: `sip:bob@127.0.0.1:${ua.port}`, branch: `z9hG4bKreg${i}`, tag: `r${i}`, callId: `reg${i}` }), pport);
      const ok = await uac.response(200, 'REGISTER');
      assert.equal(ok.values('Contact').length, i + 1);
    }
    uac.send(request(uac, { ruri: 'sip:bob@example.com', callId: 'fork' }), pport);
    const [a, b] = await Promise.all([uas.request('INVITE', (m) => m.callId === 'fork'), uas2.request('INVITE', (m) => m.callId === 'fork')]);
    assert.equal(a.requestUri, `sip:bob@127.0.0.1:${uas.port}`);
    assert.equal(b.requestUri, `sip:bob@127.0.0.1:${uas2.port}`);
    uas2.reply(b, 180, 'Ringing', 'loser', [], pport);
    uas.reply(a, 200, 'OK', 'winner', [`Contact: <sip:bob@127.0.0.1:${uas.port}>`], pport);
    const ok = await uac.response(200, 'INVITE');
    assert.match(ok.get('To') ?? '', /tag=winner/);
    const cancel = await uas2.request('CANCEL', (m) => m.callId === 'fork');
    assert.equal(cancel.topVia?.branch, b.topVia?.branch);
    uas2.reply(cancel, 200, 'OK', 'loser', [], pport);
    uas2.reply(b, 487, 'Request Terminated', 'loser', [], pport);
    const ack = await uas2.request('ACK', (m) => m.callId === 'fork');
    assert.equal(ack.topVia?.branch, b.topVia?.branch, 'the ACK to the 487 is hop by hop');
    await assert.rejects(uac.response(487, 'INVITE', 300), 'the 487 of the cancelled branch is not forwarded');
  });

  it('RFC 3261 §9.1: a losing branch whose UAS goes silent after our CANCEL is ended when the server transaction ends (no client transaction leaks)', async () => {
    for (const [i, ua] of [uas, uas2].entries()) {
      uac.send(register(uac, { user: 'bob', contact: `sip:bob@127.0.0.1:${ua.port}`, branch: `z9hG4bKsilent${i}`, tag: `s${i}`, callId: `silent-reg${i}` }), pport);
      await uac.response(200, 'REGISTER');
    }
    uac.send(request(uac, { ruri: 'sip:bob@example.com', callId: 'silent' }), pport);
    const [a, b] = await Promise.all([uas.request('INVITE', (m) => m.callId === 'silent'), uas2.request('INVITE', (m) => m.callId === 'silent')]);
    uas2.reply(b, 180, 'Ringing', 'gone', [], pport);
    await uac.response(180);
    uas.reply(a, 200, 'OK', 'winner', [`Contact: <sip:bob@127.0.0.1:${uas.port}>`], pport);
    await uac.response(200, 'INVITE');
    await uas2.request('CANCEL', (m) => m.callId === 'silent'); // and then nothing: the phone dropped off
    // Timer L (64·T1 = 3.2 s here) ends the server transaction, and with it the silent branch's INVITE client
    // transaction. Checked on that very transaction (counting all of them would mix in other tests' ones): a
    // final response the phone sends afterwards matches no transaction, so the proxy counts it stray; had the
    // transaction leaked, it would take the response in (and answer it with an ACK).
    await new Promise((r) => setTimeout(r, 4_000));
    const stray = proxy.transactionStats().stray;
    uas2.reply(b, 487, 'Request Terminated', 'gone', [], pport);
    for (let i = 0; i < 40 && proxy.transactionStats().stray === stray; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(proxy.transactionStats().stray, stray + 1, 'the late 487 matched no client transaction');
    await assert.rejects(uas2.request('ACK', (m) => m.callId === 'silent', 300), 'no transaction left to ACK it');
  });

  it('a request our Via pushes past the header limit (256 lines) is answered 500, not left without a transaction', async () => {
    // 8 lines of its own + Content-Length: padded to exactly 256 header lines, which the proxy accepts.
    const base = request(uac, { method: 'OPTIONS', ruri: 'sip:bob@example.net', callId: 'limit' }).split('\r\n').length - 3;
    const extra = Array.from({ length: 256 - base }, (_, i) => `X-Pad-${i}: ${i}`);
    uac.send(request(uac, { method: 'OPTIONS', ruri: 'sip:bob@example.net', callId: 'limit', extra }), pport);
    const res = await uac.response(500, 'OPTIONS');
    assert.equal(res.callId, 'limit');
    await assert.rejects(uas.request('OPTIONS', (m) => m.callId === 'limit', 300), 'nothing forwarded');
    assert.ok((proxy.stats.errors['SIP_LIMIT_HEADER_COUNT'] ?? 0) >= 1, JSON.stringify(proxy.stats.errors));
  });
});
