// TCP over 127.0.0.1 and ::1: framing across writes, keep-alives, responses on the same connection,
// connection reuse, framing errors closing one connection only, connection limits and idle timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseMessage } from '../../src/sip/parser.js';
import { TransportLayer } from '../../src/transport/index.js';
import { TcpPeer, collect, request, response, waitFor } from './helpers.js';

for (const family of [4, 6] as const) {
  const ip = family === 6 ? '::1' : '127.0.0.1';
  test(`TCP/IPv${family}: request in, response back over the same connection (§18.2.2)`, async () => {
    const layer = new TransportLayer({ listeners: [family === 6 ? 'tcp:[::1]:0' : 'tcp:127.0.0.1:0'] });
    const [local] = await layer.start();
    assert.ok(local);
    const got = collect(layer);
    const peer = new TcpPeer(local.port, ip);
    try {
      await peer.connected();
      // sent-by names a port nobody listens on: only the open connection can carry the response.
      peer.socket.write(request({ via: `SIP/2.0/TCP ${family === 6 ? '[::1]' : '127.0.0.1'}:1;branch=z9hG4bK-t${family}` }));
      await waitFor(() => got.length === 1);
      const m = got[0];
      assert.ok(m);
      assert.equal(m.transport, 'tcp');
      assert.deepEqual(m.source, { transport: 'tcp', host: ip, port: peer.socket.localPort });
      assert.equal(typeof m.connectionId, 'number');
      assert.equal(m.message.topVia?.received, undefined, 'sent-by host is the source address: no received (§18.2.1)');
      const res = response(m.message.getAll('Via')[0] ?? '');
      const r = await layer.reply(m, res);
      assert.equal(r.connectionId, m.connectionId);
      await waitFor(() => peer.text.length === res.length);
      assert.equal(peer.text, res.toString('latin1'));
      assert.equal(layer.stats().connections.accepted, 1);
    } finally {
      peer.close();
      await layer.close();
    }
  });
}

test('TCP: framing is the same wherever the stream is split across writes', async () => {
  const layer = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'] });
  const [local] = await layer.start();
  assert.ok(local);
  const got = collect(layer);
  const msgs = [request({ callId: 'f1', body: 'v=0\r\n', extra: ['Content-Type: application/sdp'] }), request({ callId: 'f2' }), request({ callId: 'f3', body: 'hello', extra: ['Content-Type: text/plain'] })];
  const stream = Buffer.concat([Buffer.from('\r\n'), msgs[0] ?? Buffer.alloc(0), msgs[1] ?? Buffer.alloc(0), msgs[2] ?? Buffer.alloc(0)]);
  try {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 6 }), async (cuts) => {
        const before = got.length;
        const peer = new TcpPeer(local.port);
        await peer.connected();
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        for (let i = 1; i < points.length; i++) {
          peer.socket.write(stream.subarray(points[i - 1], points[i]));
          await new Promise((r) => setTimeout(r, 1));
        }
        await waitFor(() => got.length === before + 3, 3000, 'three messages');
        assert.deepEqual(got.slice(before).map((m) => m.original.callId), ['f1', 'f2', 'f3']);
        assert.deepEqual(got.slice(before).map((m) => m.original.raw), msgs);
        peer.close();
      }),
      { numRuns: 25 },
    );
    await waitFor(() => layer.stats().connections.open === 0);
  } finally {
    await layer.close();
  }
});

test('TCP: CRLF CRLF ping is answered with a CRLF pong (RFC 5626 §3.5.1) and never passed up', async () => {
  const layer = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'] });
  const [local] = await layer.start();
  assert.ok(local);
  const got = collect(layer);
  const peer = new TcpPeer(local.port);
  try {
    await peer.connected();
    peer.socket.write('\r\n\r\n');
    await waitFor(() => peer.text === '\r\n', 3000, 'the pong');
    peer.socket.write('\r\n\r\n\r\n\r\n');
    await waitFor(() => peer.text === '\r\n\r\n\r\n', 3000, 'two more pongs');
    assert.equal(got.length, 0);
    assert.deepEqual(layer.stats().keepalives, { pings: 3, pongsSent: 3, pongs: 0, datagrams: 0 });
    assert.equal(layer.stats().received.tcp.messages, 0);
  } finally {
    peer.close();
    await layer.close();
  }
});

test('TCP: a framing error closes that connection only; a parse error on a framed message gets a 400 and keeps it', async () => {
  const layer = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'] });
  const [local] = await layer.start();
  assert.ok(local);
  const got = collect(layer);
  const good = new TcpPeer(local.port);
  const bad = new TcpPeer(local.port);
  try {
    await Promise.all([good.connected(), bad.connected()]);
    // Framed fine (Content-Length present) but unparseable header line: 400 on the same connection.
    bad.socket.write(Buffer.from(request().toString().replace('Max-Forwards: 70', 'Max-Forwards 70')));
    await waitFor(() => bad.text.includes('\r\n\r\n'), 3000, 'the 400');
    assert.equal(parseMessage(Buffer.from(bad.text, 'latin1')).status, 400);
    assert.equal(bad.closed, false);
    // No Content-Length on a stream: framing error, the connection is closed (RFC 3261 §18.3).
    bad.socket.write(request({ contentLength: false }));
    await waitFor(() => bad.closed, 3000, 'the close');
    good.socket.write(request({ callId: 'still-here' }));
    await waitFor(() => got.length === 1);
    assert.equal(got[0]?.message.callId, 'still-here');
    const s = layer.stats();
    assert.deepEqual(s.parseErrors, { SIP_BAD_HEADER_LINE: 1, SIP_MISSING_CONTENT_LENGTH: 1 });
    assert.equal(s.connections.closed, 1);
    assert.equal(s.connections.open, 1);
  } finally {
    good.close();
    bad.close();
    await layer.close();
  }
});

test('TCP: an oversize message fails with SIP_LIMIT_MESSAGE_SIZE before its body is buffered', async () => {
  const layer = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'], limits: { maxMessageBytes: 2000 } });
  const [local] = await layer.start();
  assert.ok(local);
  const peer = new TcpPeer(local.port);
  try {
    await peer.connected();
    peer.socket.write(request({ body: 'x'.repeat(5000), extra: ['Content-Type: text/plain'] }));
    await waitFor(() => peer.closed);
    assert.deepEqual(layer.stats().parseErrors, { SIP_LIMIT_MESSAGE_SIZE: 1 });
  } finally {
    peer.close();
    await layer.close();
  }
});

test('TCP: requests to the same target reuse one connection; the peer can answer on it', async () => {
  const server = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'] });
  const client = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'] });
  const [srv] = await server.start();
  const [cli] = await client.start();
  assert.ok(srv && cli);
  const atServer = collect(server);
  const atClient = collect(client);
  try {
    const target = { transport: 'tcp' as const, host: '127.0.0.1', port: srv.port };
    const via = (n: number): string => `SIP/2.0/TCP 127.0.0.1:${cli.port};branch=z9hG4bK-r${n}`;
    const [a, b] = await Promise.all([client.send(request({ via: via(1), callId: 'r1' }), target), client.send(request({ via: via(2), callId: 'r2' }), target)]);
    const c = await client.send(request({ via: via(3), callId: 'r3' }), target);
    assert.equal(a.connectionId, b.connectionId, 'concurrent sends share the connection being opened');
    assert.equal(a.connectionId, c.connectionId);
    await waitFor(() => atServer.length === 3);
    assert.equal(client.stats().connections.connected, 1);
    assert.equal(server.stats().connections.accepted, 1);
    // The server answers through the sink the transaction layer uses: target = the request's source.
    const first = atServer[0];
    assert.ok(first);
    let failed: Error | undefined;
    server.sink().send(response(first.message.getAll('Via')[0] ?? '', 'r1'), first.source, true, (e) => (failed = e));
    await waitFor(() => atClient.length === 1);
    assert.equal(failed, undefined);
    assert.equal(atClient[0]?.connectionId, a.connectionId);
    // In-dialog request from the server side to the client's address reuses the accepted connection.
    const back = await server.send(request({ via: `SIP/2.0/TCP 127.0.0.1:${srv.port};branch=z9hG4bK-b`, method: 'BYE' }), first.source);
    assert.equal(back.connectionId, first.connectionId);
    await waitFor(() => atClient.length === 2);
    assert.equal(server.stats().connections.accepted, 1);
    assert.equal(server.stats().connections.connected, 0);
    assert.ok(server.stats().connections.reused >= 2);
  } finally {
    await client.close();
    await server.close();
  }
});

test('TCP: when the connection is gone, a response goes to received + sent-by port (§18.2.2)', async () => {
  const server = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'] });
  const client = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'] });
  const [srv] = await server.start();
  const [cli] = await client.start();
  assert.ok(srv && cli);
  const atServer = collect(server);
  const atClient = collect(client);
  try {
    const sent = await client.send(request({ via: `SIP/2.0/TCP 127.0.0.1:${cli.port};branch=z9hG4bK-g` }), { transport: 'tcp', host: '127.0.0.1', port: srv.port });
    await waitFor(() => atServer.length === 1);
    const m = atServer[0];
    assert.ok(m && sent.connectionId !== undefined);
    // The connection goes away; the server must open one to received + the sent-by port (the client's listener).
    const res = response(m.message.getAll('Via')[0] ?? '');
    assert.ok(m.connectionId !== undefined && server.closeConnection(m.connectionId));
    await waitFor(() => server.stats().connections.closed === 1 && client.stats().connections.closed === 1);
    const r = await server.reply(m, res);
    assert.notEqual(r.connectionId, m.connectionId);
    assert.deepEqual(r.remote, { transport: 'tcp', host: '127.0.0.1', port: cli.port });
    await waitFor(() => atClient.length === 1);
    assert.equal(atClient[0]?.message.status, 200);
  } finally {
    await client.close();
    await server.close();
  }
});

test('TCP: maxConnections refuses the connection beyond it; idle connections are closed', async () => {
  const layer = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'], maxConnections: 2, idleTimeoutMs: 150 });
  const [local] = await layer.start();
  assert.ok(local);
  const peers = [new TcpPeer(local.port), new TcpPeer(local.port), new TcpPeer(local.port)];
  try {
    await Promise.all(peers.map((p) => p.connected()));
    await waitFor(() => layer.stats().connections.accepted + layer.stats().connections.refused === 3);
    const s = layer.stats();
    assert.equal(s.connections.accepted, 2);
    assert.equal(s.connections.refused, 1);
    assert.equal(s.errors['TRANSPORT_CONNECTION_LIMIT'], 1);
    await waitFor(() => layer.stats().connections.idleClosed === 2, 3000, 'the idle timeout');
    await waitFor(() => peers.every((p) => p.closed));
    assert.equal(layer.stats().connections.open, 0);
  } finally {
    for (const p of peers) p.close();
    await layer.close();
  }
});

test('TCP: a peer reset is counted (TRANSPORT_CONNECTION_RESET), the layer keeps serving', async () => {
  const layer = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'] });
  const [local] = await layer.start();
  assert.ok(local);
  const got = collect(layer);
  const peer = new TcpPeer(local.port);
  try {
    await peer.connected();
    peer.socket.write('INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;bra');
    await new Promise((r) => setTimeout(r, 20));
    peer.socket.resetAndDestroy();
    await waitFor(() => layer.stats().connections.closed === 1);
    const other = new TcpPeer(local.port);
    await other.connected();
    other.socket.write(request());
    await waitFor(() => got.length === 1);
    other.close();
    const s = layer.stats();
    assert.ok((s.errors['TRANSPORT_CONNECTION_RESET'] ?? 0) + (s.parseErrors['SIP_NO_HEADER_END'] ?? 0) >= 1, JSON.stringify(s));
  } finally {
    peer.close();
    await layer.close();
  }
});

test('RFC 3261 §18.1.1 size rule (option): a large request for UDP goes over TCP with its Via changed, else UDP', async () => {
  const udp = new TransportLayer({ listeners: ['udp:127.0.0.1:0'] });
  const port = (await udp.start())[0]?.port ?? 0;
  const tcp = new TransportLayer({ listeners: [`tcp:127.0.0.1:${port}`] });
  await tcp.start();
  const client = new TransportLayer({ listeners: ['udp:127.0.0.1:0'], udpMaxRequestBytes: 1300 });
  await client.start();
  const atUdp = collect(udp);
  const atTcp = collect(tcp);
  try {
    const big = request({ via: 'SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-big', body: 'x'.repeat(2000), extra: ['Content-Type: text/plain'] });
    const r = await client.send(big, { transport: 'udp', host: '127.0.0.1', port });
    assert.equal(r.transport, 'tcp');
    await waitFor(() => atTcp.length === 1);
    assert.equal(atTcp[0]?.original.topVia?.transport, 'TCP', '"the value in the top Via MUST be changed"');
    assert.equal(client.stats().sizeRule.toTcp, 1);
    // Small requests stay on UDP.
    assert.equal((await client.send(request(), { transport: 'udp', host: '127.0.0.1', port })).transport, 'udp');
    // No TCP there: connection refused, the request is retried over UDP as it was.
    await tcp.close();
    const r2 = await client.send(big, { transport: 'udp', host: '127.0.0.1', port });
    assert.equal(r2.transport, 'udp');
    await waitFor(() => atUdp.length === 2);
    assert.equal(atUdp[1]?.original.topVia?.transport, 'UDP');
    assert.equal(client.stats().sizeRule.udpFallback, 1);
  } finally {
    await client.close();
    await tcp.close();
    await udp.close();
  }
});
