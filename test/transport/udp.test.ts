// UDP over 127.0.0.1 and ::1: receive and send round trips, received/rport, malformed input, floods, limits.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { parseMessage } from '../../src/sip/parser.js';
import { TransportLayer } from '../../src/transport/index.js';
import { UdpPeer, collect, request, response, waitFor } from './helpers.js';

for (const family of [4, 6] as const) {
  const ip = family === 6 ? '::1' : '127.0.0.1';
  const listen = family === 6 ? 'udp:[::1]:0' : 'udp:127.0.0.1:0';

  test(`UDP/IPv${family}: request in with received/rport stamped, response out to the rport`, async () => {
    const layer = new TransportLayer({ listeners: [listen] });
    const [local] = await layer.start();
    assert.ok(local);
    const got = collect(layer);
    const peer = new UdpPeer(family);
    await peer.bind();
    try {
      const host = family === 6 ? '[::1]' : '127.0.0.1';
      // sent-by names port 5999 but the packet comes from the peer's port: rport makes the response go there.
      const req = request({ via: `SIP/2.0/UDP ${host}:5999;rport;branch=z9hG4bK-u${family}` });
      await peer.send(req, local.port);
      await waitFor(() => got.length === 1, 3000, 'the request');
      const m = got[0];
      assert.ok(m);
      assert.deepEqual(m.source, { transport: 'udp', host: ip, port: peer.port });
      assert.deepEqual(m.local, local);
      assert.equal(m.connectionId, undefined);
      assert.ok(Math.abs(m.receivedAt - Date.now()) < 5000);
      assert.deepEqual(m.original.raw, req, 'the original is the bytes as received');
      assert.equal(m.message.topVia?.rport, peer.port);
      assert.equal(m.message.topVia?.received, ip);
      // The UAS answers with the stamped Via: §18.2.2 + RFC 3581 §4 send it to received:rport.
      const res = response(m.message.getAll('Via')[0] ?? '');
      const r = await layer.reply(m, res);
      assert.deepEqual(r.remote, { transport: 'udp', host: ip, port: peer.port });
      await waitFor(() => peer.got.length === 1, 3000, 'the response');
      assert.deepEqual(peer.got[0], res);
      const s = layer.stats();
      assert.deepEqual(s.received.udp, { messages: 1, requests: 1, responses: 0, bytes: req.length });
      assert.equal(s.sent.udp.responses, 1);
      assert.deepEqual(s.via, { received: 1, rport: 1 });
    } finally {
      await peer.close();
      await layer.close();
    }
  });

  test(`UDP/IPv${family}: send() a request to a peer and receive its response`, async () => {
    const layer = new TransportLayer({ listeners: [listen] });
    const [local] = await layer.start();
    assert.ok(local);
    const got = collect(layer);
    const peer = new UdpPeer(family);
    const port = await peer.bind();
    try {
      const req = request({ via: `SIP/2.0/UDP ${family === 6 ? '[::1]' : '127.0.0.1'}:${local.port};branch=z9hG4bK-s${family}` });
      const r = await layer.send(req, { transport: 'udp', host: ip, port });
      assert.deepEqual(r, { transport: 'udp', local, remote: { transport: 'udp', host: ip, port }, connectionId: undefined });
      await waitFor(() => peer.got.length === 1);
      const res = response(parseMessage(peer.got[0] ?? Buffer.alloc(0)).getAll('Via')[0] ?? '');
      await peer.send(res, local.port);
      await waitFor(() => got.length === 1);
      assert.equal(got[0]?.message.status, 200);
      assert.equal(got[0]?.message, got[0]?.original, 'responses are not stamped');
    } finally {
      await peer.close();
      await layer.close();
    }
  });
}

test('UDP: a malformed request gets a 400 with a Warning, counted by code; an unanswerable one is dropped', async () => {
  const layer = new TransportLayer({ listeners: ['udp:127.0.0.1:0'], warnAgent: 'test-proxy' });
  const [local] = await layer.start();
  assert.ok(local);
  const got = collect(layer);
  const problems: string[] = [];
  layer.on('problem', (p) => problems.push(p.code));
  const peer = new UdpPeer();
  await peer.bind();
  try {
    const bad = Buffer.from(request().toString().replace('Max-Forwards: 70', 'Max-Forwards 70'));
    await peer.send(bad, local.port);
    await waitFor(() => peer.got.length === 1, 3000, 'the 400');
    const res = parseMessage(peer.got[0] ?? Buffer.alloc(0));
    assert.equal(res.status, 400);
    assert.equal(res.callId, 'call-1@test');
    assert.match(res.get('Warning') ?? '', /^399 test-proxy "Malformed message: SIP_BAD_HEADER_LINE: /);
    assert.ok(res.toTag !== undefined && res.toTag.length > 0);
    // Parsed, but no Call-ID: answered through buildErrorResponse.
    await peer.send(Buffer.from(request().toString().replace('Call-ID: call-1@test\r\n', '')), local.port);
    await waitFor(() => peer.got.length === 2, 3000, 'the second 400');
    const res2 = parseMessage(peer.got[1] ?? Buffer.alloc(0));
    assert.equal(res2.status, 400);
    assert.match(res2.get('Warning') ?? '', /Missing Call-ID/);
    // Unanswerable: garbage, a malformed response, a malformed ACK.
    await peer.send(Buffer.from('hello world\r\n\r\n'), local.port);
    await peer.send(Buffer.from('SIP/2.0 200 OK\r\nVia SIP/2.0/UDP x\r\n\r\n'), local.port);
    await peer.send(Buffer.from(bad.toString().replace(/OPTIONS/g, 'ACK')), local.port);
    // A CRLF keep-alive datagram: counted, never passed up or answered.
    await peer.send(Buffer.from('\r\n\r\n'), local.port);
    await waitFor(() => layer.stats().rejected.dropped === 3 && layer.stats().keepalives.datagrams === 1, 3000, 'the drops');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(peer.got.length, 2);
    assert.equal(got.length, 0);
    const s = layer.stats();
    assert.deepEqual(s.parseErrors, { SIP_BAD_HEADER_LINE: 3, SIP_MISSING_HEADER: 1, SIP_BAD_START_LINE: 1 });
    assert.deepEqual(s.rejected, { answered: 2, dropped: 3, rateLimited: 0 });
    assert.ok(problems.includes('SIP_BAD_HEADER_LINE') && problems.includes('SIP_MISSING_HEADER'));
  } finally {
    await peer.close();
    await layer.close();
  }
});

test('UDP: an oversize datagram fails with SIP_LIMIT_MESSAGE_SIZE and is answered 513', async () => {
  const layer = new TransportLayer({ listeners: ['udp:127.0.0.1:0'], limits: { maxMessageBytes: 1000 } });
  const [local] = await layer.start();
  assert.ok(local);
  const peer = new UdpPeer();
  await peer.bind();
  try {
    await peer.send(request({ body: 'x'.repeat(2000), extra: ['Content-Type: text/plain'] }), local.port);
    await waitFor(() => peer.got.length === 1, 3000, 'the 513');
    assert.equal(parseMessage(peer.got[0] ?? Buffer.alloc(0)).status, 513);
    assert.deepEqual(layer.stats().parseErrors, { SIP_LIMIT_MESSAGE_SIZE: 1 });
  } finally {
    await peer.close();
    await layer.close();
  }
});

test('UDP: a burst of 2,000 garbage datagrams, then a valid request is still served', async () => {
  const layer = new TransportLayer({ listeners: ['udp:127.0.0.1:0'] });
  const [local] = await layer.start();
  assert.ok(local);
  const got = collect(layer);
  const peer = new UdpPeer();
  await peer.bind();
  try {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) {
      const n = 1 + (i % 1400);
      const junk = i % 3 === 0 ? randomBytes(n) : Buffer.from(`${'INVITE sip:x SIP/2.0\r\nVia: '.slice(0, i % 30)}${'\x00\xff'.repeat(n % 50)}`, 'latin1');
      await peer.send(junk, local.port);
      // Sender and receiver share this event loop: let the receiver run, as a remote flood would.
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    // Like a UAC's Timer A retransmissions: the request is repeated until it is served.
    const valid = request({ callId: 'after-flood' });
    const deadline = Date.now() + 10_000;
    while (!got.some((m) => m.message.callId === 'after-flood')) {
      if (Date.now() > deadline) assert.fail(`no answer after the flood: ${JSON.stringify(layer.stats().parseErrors)}`);
      await peer.send(valid, local.port);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const s = layer.stats();
    const errors = Object.values(s.parseErrors).reduce((a, b) => a + b, 0);
    assert.ok(errors >= 1900, `most garbage counted as parse errors (${errors})`);
    assert.ok(got.every((m) => m.message.callId === 'after-flood'));
    assert.ok(ms < 10_000, `bounded time: ${ms} ms`);
  } finally {
    await peer.close();
    await layer.close();
  }
});

test('UDP: error responses are rate limited (errorResponsesPerSecond)', async () => {
  const layer = new TransportLayer({ listeners: ['udp:127.0.0.1:0'], errorResponsesPerSecond: 3 });
  const [local] = await layer.start();
  assert.ok(local);
  const peer = new UdpPeer();
  await peer.bind();
  try {
    const bad = Buffer.from(request().toString().replace('Max-Forwards: 70', 'Max-Forwards 70'));
    for (let i = 0; i < 10; i++) await peer.send(bad, local.port);
    await waitFor(() => layer.stats().parseErrors['SIP_BAD_HEADER_LINE'] === 10);
    const s = layer.stats();
    assert.ok(s.rejected.answered <= 4, `answered ${s.rejected.answered}`);
    assert.equal(s.rejected.answered + s.rejected.rateLimited, 10);
  } finally {
    await peer.close();
    await layer.close();
  }
});

test('UDP: a message listener that throws is counted, and the layer keeps serving', async () => {
  const layer = new TransportLayer({ listeners: ['udp:127.0.0.1:0'] });
  const [local] = await layer.start();
  assert.ok(local);
  let calls = 0;
  layer.on('message', () => {
    calls++;
    throw new Error('boom');
  });
  const peer = new UdpPeer();
  await peer.bind();
  try {
    await peer.send(request(), local.port);
    await peer.send(request({ callId: 'second' }), local.port);
    await waitFor(() => calls === 2);
    assert.equal(layer.stats().handlerErrors, 2);
    assert.equal(layer.stats().errors['TRANSPORT_HANDLER'], 2);
  } finally {
    await peer.close();
    await layer.close();
  }
});
