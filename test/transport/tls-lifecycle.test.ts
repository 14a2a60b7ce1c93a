// TLS with a self-signed certificate; start/close lifecycle: EADDRINUSE, no handles left, sends after close.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { SipclfError } from '../../src/errors.js';
import { TransportLayer } from '../../src/transport/index.js';
import { TcpPeer, UdpPeer, collect, netHandles, request, response, selfSigned, waitFor } from './helpers.js';

let cert: ReturnType<typeof selfSigned>;
before(() => {
  cert = selfSigned();
});
after(() => cert.cleanup());

for (const family of [4, 6] as const) {
  const ip = family === 6 ? '::1' : '127.0.0.1';
  test(`TLS/IPv${family}: layer to layer with a self-signed certificate, response on the same connection`, async () => {
    const server = new TransportLayer({ listeners: [{ listen: family === 6 ? 'tls:[::1]:0' : 'tls:127.0.0.1:0', tls: { cert: cert.cert, key: cert.key } }] });
    const client = new TransportLayer({ listeners: ['udp:127.0.0.1:0'], tls: { ca: cert.cert } });
    const [srv] = await server.start();
    await client.start();
    assert.ok(srv);
    const atServer = collect(server);
    const atClient = collect(client);
    try {
      const r = await client.send(request({ via: `SIP/2.0/TLS client.invalid;branch=z9hG4bK-tls${family}` }), { transport: 'tls', host: ip, port: srv.port });
      assert.equal(r.transport, 'tls');
      await waitFor(() => atServer.length === 1);
      const m = atServer[0];
      assert.ok(m);
      assert.equal(m.transport, 'tls');
      assert.equal(m.message.topVia?.received, ip, 'a name in sent-by: received added');
      await server.reply(m, response(m.message.getAll('Via')[0] ?? ''));
      await waitFor(() => atClient.length === 1);
      assert.equal(atClient[0]?.connectionId, r.connectionId);
      assert.equal(server.stats().received.tls.requests, 1);
      assert.equal(client.stats().sent.tls.requests, 1);
    } finally {
      await client.close();
      await server.close();
    }
  });
}

test('TLS: an untrusted server certificate fails with TRANSPORT_TLS; a plain-TCP client is dropped by the handshake', async () => {
  const server = new TransportLayer({ listeners: [{ listen: 'tls:127.0.0.1:0', tls: { cert: cert.cert, key: cert.key } }], connectTimeoutMs: 500 });
  const client = new TransportLayer({ listeners: ['udp:127.0.0.1:0'] });
  const [srv] = await server.start();
  await client.start();
  assert.ok(srv);
  try {
    await assert.rejects(client.send(request(), { transport: 'tls', host: '127.0.0.1', port: srv.port }), (e: unknown) => e instanceof SipclfError && e.code === 'TRANSPORT_TLS');
    assert.equal(client.stats().errors['TRANSPORT_TLS'], 1);
    const plain = new TcpPeer(srv.port);
    await plain.connected();
    plain.socket.write(request());
    await waitFor(() => plain.closed, 3000, 'the handshake failure');
    await waitFor(() => (server.stats().errors['TRANSPORT_TLS'] ?? 0) >= 1);
    // A node TLS client trusting the certificate gets a pong to its ping.
    const sock = tls.connect({ host: '127.0.0.1', port: srv.port, ca: readFileSync(cert.cert) });
    let text = '';
    sock.on('data', (b: Buffer) => (text += b.toString()));
    await new Promise<void>((r) => sock.once('secureConnect', () => r()));
    sock.write('\r\n\r\n');
    await waitFor(() => text === '\r\n');
    sock.destroy();
  } finally {
    await client.close();
    await server.close();
  }
});

test('TLS: a missing certificate file is CONFIG_INVALID naming the option and path', async () => {
  const layer = new TransportLayer({ listeners: [{ listen: 'tls:127.0.0.1:0', tls: { cert: '/nonexistent/cert.pem', key: cert.key } }] });
  await assert.rejects(layer.start(), (e: unknown) => e instanceof SipclfError && e.code === 'CONFIG_INVALID' && /^listeners\[0\]\.tls\.cert: cannot read \/nonexistent\/cert\.pem/.test(e.message));
});

test('start: an address in use is TRANSPORT_BIND naming it; listeners bound before are closed again', async () => {
  const first = new TransportLayer({ listeners: ['udp:127.0.0.1:0', 'tcp:127.0.0.1:0'] });
  const [, tcp] = await first.start();
  assert.ok(tcp);
  const base = netHandles();
  const second = new TransportLayer({ listeners: ['udp:127.0.0.1:0', `tcp:127.0.0.1:${tcp.port}`] });
  await assert.rejects(second.start(), (e: unknown) => e instanceof SipclfError && e.code === 'TRANSPORT_BIND' && e.message.includes(`listeners[1]: cannot listen on tcp:127.0.0.1:${tcp.port}: address already in use (EADDRINUSE)`));
  await waitFor(() => netHandles() === base, 3000, 'the udp listener of the failed start to close');
  await first.close();
});

test('close(): every socket of the layer is closed, no handle is left; sending afterwards is TRANSPORT_CLOSED', async () => {
  await new Promise((r) => setTimeout(r, 50));
  const base = netHandles();
  const a = new TransportLayer({ listeners: ['udp:127.0.0.1:0', 'udp:[::1]:0', 'tcp:127.0.0.1:0', 'tcp:[::1]:0', { listen: 'tls:127.0.0.1:0', tls: { cert: cert.cert, key: cert.key } }] });
  const b = new TransportLayer({ listeners: ['tcp:127.0.0.1:0'], tls: { ca: cert.cert } });
  const addrs = await a.start();
  await b.start();
  const tcp4 = addrs[2];
  const tls4 = addrs[4];
  assert.ok(tcp4 && tls4);
  // Open connections both ways, a raw TCP client and a UDP peer.
  await b.send(request(), tcp4);
  await b.send(request(), tls4);
  const raw = new TcpPeer(tcp4.port);
  await raw.connected();
  const udp = new UdpPeer();
  await udp.bind();
  await udp.close();
  await waitFor(() => a.stats().connections.open === 3);
  assert.ok(netHandles() > base);
  await Promise.all([a.close(), b.close()]);
  await waitFor(() => raw.closed);
  await waitFor(() => netHandles() === base, 3000, `handles to return to ${base}: ${JSON.stringify(process.getActiveResourcesInfo())}`);
  assert.equal(a.stats().connections.open, 0);
  await assert.rejects(a.send(request(), tcp4), (e: unknown) => e instanceof SipclfError && e.code === 'TRANSPORT_CLOSED');
  let failed: Error | undefined;
  a.sink().send(request(), tcp4, true, (e) => (failed = e));
  await waitFor(() => failed !== undefined);
  assert.equal((failed as SipclfError).code, 'TRANSPORT_CLOSED');
});
