// HepCollector in-process on 127.0.0.1 with ephemeral ports: HEP over UDP and TCP into CLF files (0600,
// one record per message, neutral viewpoint), auth key, per-agent streams, bad input counted, overload
// dropped and counted in bounded memory, /metrics and /health, and `sipclf capture` as a real process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeOptionalValue } from '../../src/clf/index.js';
import { HepCollector, parseHepListen, type HepCollectorOptions } from '../../src/capture/hep-collector.js';
import { validateHepOptions } from '../../src/capture/hep-options.js';
import { allRecords, hepOf, readClfFiles, sipRequest, tempDir, waitFor } from './hep-helpers.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'sipclf.js');

// A failed assertion must not leave sockets open (the runner would wait for them).
const started: HepCollector[] = [];
after(() => Promise.all(started.map((c) => c.close())));

async function start(o: Partial<HepCollectorOptions> = {}): Promise<{ c: HepCollector; dir: string; udp: number; tcp: number; http: number }> {
  const dir = tempDir('hep');
  const c = await HepCollector.start({
    listen: [
      { transport: 'udp', host: '127.0.0.1', port: 0 },
      { transport: 'tcp', host: '127.0.0.1', port: 0 },
    ],
    out: dir,
    metrics: { host: '127.0.0.1', port: 0 },
    ...o,
  });
  started.push(c);
  const port = (t: string): number => c.addresses.find((a) => a.transport === t)?.port ?? -1;
  return { c, dir, udp: port('udp'), tcp: port('tcp'), http: port('http') };
}

async function sendUdp(port: number, packets: readonly Buffer[], pace = 200): Promise<void> {
  const s = createSocket('udp4');
  for (let i = 0; i < packets.length; i++) {
    await new Promise<void>((r, j) => s.send(packets[i] as Buffer, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    if (i % pace === pace - 1) await new Promise((r) => setImmediate(r));
  }
  s.close();
}

async function sendTcp(port: number, data: Buffer, pieces = 7): Promise<void> {
  const sock = connect(port, '127.0.0.1');
  // The collector may close the connection at any time (bad input): listen for it from the start.
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  sock.on('error', () => undefined);
  await once(sock, 'connect');
  const step = Math.ceil(data.length / pieces);
  for (let i = 0; i < data.length; i += step) {
    sock.write(data.subarray(i, i + step));
    await new Promise((r) => setTimeout(r, 2));
  }
  sock.end();
  await closed;
}

test('parseHepListen accepts udp/tcp with IPv4, names and [IPv6], refuses the rest', () => {
  assert.deepEqual(parseHepListen('udp:127.0.0.1:9060'), { transport: 'udp', host: '127.0.0.1', port: 9060 });
  assert.deepEqual(parseHepListen('tcp:[::1]:0'), { transport: 'tcp', host: '::1', port: 0 });
  assert.deepEqual(parseHepListen('tcp:localhost:9061'), { transport: 'tcp', host: 'localhost', port: 9061 });
  for (const bad of ['sctp:127.0.0.1:9060', 'udp:127.0.0.1', 'udp:127.0.0.1:70000', 'udp:::1:9060', '127.0.0.1:9060']) {
    assert.throws(() => parseHepListen(bad), { code: 'CONFIG_INVALID' }, bad);
  }
});

test('an empty auth key is refused (an empty 0x000e chunk would match it): CONFIG_INVALID', () => {
  const listen = [parseHepListen('udp:127.0.0.1:0')];
  for (const authKey of ['', Buffer.alloc(0)]) assert.throws(() => validateHepOptions({ listen, out: '/nonexistent', authKey }), { code: 'CONFIG_INVALID', message: /authKey: empty/ });
  assert.doesNotThrow(() => validateHepOptions({ listen, out: '/nonexistent', authKey: 'k' }));
  // tcpStallMs: a positive integer a Node timer can hold.
  for (const tcpStallMs of [0, 1.5, 2_147_483_648]) {
    assert.throws(() => validateHepOptions({ listen, out: '/nonexistent', tcpStallMs }), { code: 'CONFIG_INVALID', message: /tcpStallMs: .* is not an integer from 1 to 2147483647/ });
  }
  assert.doesNotThrow(() => validateHepOptions({ listen, out: '/nonexistent', tcpStallMs: 2_147_483_647 }));
});

test('HEP over UDP and TCP → one CLF record per message, files 0600, neutral viewpoint, Tag 02 = the message', async () => {
  const { c, dir, udp, tcp } = await start();
  const N = 300;
  const udpPkts = Array.from({ length: N }, (_, i) => hepOf(sipRequest(i)));
  const tcpPkts = Array.from({ length: N }, (_, i) =>
    // TCP packets: IPv6 addresses, TCP protocol, some with the payload compressed.
    hepOf(sipRequest(N + i), {
      srcIPv4: undefined,
      dstIPv4: undefined,
      ipFamily: 10,
      ipProtocol: 6,
      srcIPv6: '2001:db8::1',
      dstIPv6: '2001:db8::2',
      ...(i % 2 === 0 ? { payload: undefined, compressedPayload: gzipSync(sipRequest(N + i)) } : {}),
    }),
  );
  await Promise.all([sendUdp(udp, udpPkts), sendTcp(tcp, Buffer.concat(tcpPkts), 13)]);
  await waitFor(() => c.stats().written === 2 * N, 10_000, `${2 * N} records (${JSON.stringify(c.stats())})`);
  await c.close();
  const s = c.stats();
  assert.deepEqual(s.packets, { udp: N, tcp: N });
  assert.equal(s.dropped, 0);
  assert.deepEqual(s.errors, {});
  assert.equal(s.agents['id-2001']?.written, 2 * N);
  const files = readClfFiles(dir);
  assert.ok(files.length >= 1);
  for (const f of files) assert.equal(f.mode, 0o600, f.path);
  const recs = files.flatMap((f) => f.records);
  assert.equal(recs.length, 2 * N);
  const ids = new Set(recs.map((r) => r.callId));
  for (let i = 0; i < 2 * N; i++) assert.ok(ids.has(`call-${i}@test`), `call-${i}`);
  for (const r of recs) {
    const i = Number(/call-(\d+)@/.exec(String(r.callId))?.[1]);
    const method = ['INVITE', 'BYE', 'OPTIONS'][i % 3] as string;
    assert.equal(r.cseq, `${i + 1} ${method}`);
    assert.equal(r.direction, 'R');
    assert.equal(r.retransmission, 'S');
    assert.equal(r.timestamp, 1_767_600_000_123);
    const tag2 = r.optional.find((o) => o.tag === 2 && o.vendor === 0);
    assert.ok(tag2 !== undefined);
    assert.equal(decodeOptionalValue(tag2), sipRequest(i).latin1Slice());
    const entity = r.optional.find((o) => o.tag === 10 && o.vendor === 32473);
    assert.equal(entity?.value, 'id-2001');
    if (i < N) {
      assert.deepEqual([r.source, r.destination, r.transport], ['10.0.0.1:5060', '10.0.0.2:5070', 'U']);
    } else {
      assert.deepEqual([r.source, r.destination, r.transport], ['[2001:db8::1]:5060', '[2001:db8::2]:5070', 'T']);
    }
  }
});

test('SDP key material is masked with X before it is logged (RFC 8497 §8.2), kept as captured with keepKeys', async () => {
  const sdp = 'v=0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\r\n';
  const msg = Buffer.from(
    'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-k\r\nFrom: <sip:alice@example.com>;tag=k\r\n' +
      `To: <sip:bob@example.com>\r\nCall-ID: keys@test\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`,
    'latin1',
  );
  for (const keepKeys of [false, true]) {
    const { c, dir, udp } = await start(keepKeys ? { keepKeys } : {});
    await sendUdp(udp, [hepOf(msg)]);
    await waitFor(() => c.stats().written === 1, 10_000, `1 record (${JSON.stringify(c.stats())})`);
    await c.close();
    const [rec] = readClfFiles(dir).flatMap((f) => f.records);
    const tag2 = rec?.optional.find((o) => o.tag === 2 && o.vendor === 0);
    assert.ok(tag2 !== undefined);
    const logged = decodeOptionalValue(tag2);
    if (keepKeys) assert.equal(logged, msg.latin1Slice());
    else {
      assert.equal(logged, msg.latin1Slice().replace('1 AES_CM_128_HMAC_SHA1_80 inline:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', 'X'.repeat(65)));
      assert.ok(!logged.includes('inline:'));
    }
  }
});

test('auth key: matching packets are logged, missing or wrong keys dropped and counted', async () => {
  const { c, dir, udp } = await start({ authKey: 's3cret' });
  await sendUdp(udp, [
    hepOf(sipRequest(0), { authKey: Buffer.from('s3cret') }),
    hepOf(sipRequest(1), { authKey: Buffer.from('wrong!') }),
    hepOf(sipRequest(2)),
    hepOf(sipRequest(3), { authKey: Buffer.from('s3cret-longer') }),
    hepOf(sipRequest(4), { authKey: Buffer.from('s3cret') }),
  ]);
  await waitFor(() => c.stats().packets.udp === 5);
  await c.close();
  const s = c.stats();
  assert.equal(s.written, 2);
  assert.equal(s.errors['HEP_AUTH_FAILED'], 3);
  assert.equal(s.agents['unauthenticated']?.errors['HEP_AUTH_FAILED'], 3);
  assert.deepEqual(
    allRecords(dir).map((r) => r.callId),
    ['call-0@test', 'call-4@test'],
  );
});

test('--per-agent: one stream per node name / capture id, in DIR/AGENT/', async () => {
  const { c, dir, udp } = await start({ perAgent: true });
  const pkts: Buffer[] = [];
  for (let i = 0; i < 30; i++) {
    const agent = i % 3 === 0 ? { nodeName: Buffer.from('edge-a') } : i % 3 === 1 ? { captureId: 2002 } : { nodeName: Buffer.from('border b/../x') };
    pkts.push(hepOf(sipRequest(i), agent));
  }
  await sendUdp(udp, pkts);
  await waitFor(() => c.stats().written === 30);
  await c.close();
  const files = readClfFiles(dir);
  const byDir = new Map<string, string[]>();
  for (const f of files) {
    const agent = f.path.slice(dir.length + 1).split('/')[0] as string;
    byDir.set(agent, [...(byDir.get(agent) ?? []), ...f.records.map((r) => String(r.callId))]);
    assert.equal(f.mode, 0o600);
  }
  assert.deepEqual([...byDir.keys()].sort(), ['border_b_.._x', 'edge-a', 'id-2002']);
  assert.equal(byDir.get('edge-a')?.length, 10);
  assert.ok(byDir.get('id-2002')?.includes('call-1@test'));
  assert.equal(c.stats().agents['edge-a']?.written, 10);
});

test('bad HEP and non-SIP payloads are counted per code; the collector keeps going', async () => {
  const { c, udp, tcp } = await start();
  const bad = [
    Buffer.from('garbage'),
    Buffer.from([2, 28, 2, 17]),
    hepOf(sipRequest(0)).subarray(0, 40),
    hepOf(Buffer.from('{"rtcp":"json"}'), { protocolType: 5 }),
    hepOf(Buffer.from('not a sip message at all')),
    hepOf(Buffer.alloc(0), { payload: undefined, keepAlive: 30 }),
    hepOf(Buffer.alloc(0), { payload: undefined, compressedPayload: Buffer.from('xx') }),
    hepOf(sipRequest(7)),
  ];
  await sendUdp(udp, bad);
  // A TCP stream that turns into garbage: the good packet before it is logged, the connection closed.
  await sendTcp(tcp, Buffer.concat([hepOf(sipRequest(8)), Buffer.from('GET /metrics HTTP/1.1\r\n\r\n')]), 1);
  await waitFor(() => c.stats().written === 2);
  await c.close();
  const e = c.stats().errors;
  assert.equal(e['HEP_NOT_HEP'], 2);
  assert.equal(e['HEP_UNSUPPORTED_VERSION'], 1);
  assert.equal(e['HEP_TRUNCATED'], 1);
  assert.equal(e['HEP_NOT_SIP'], 1);
  assert.equal(
    Object.entries(e)
      .filter(([k]) => k.startsWith('SIP_'))
      .reduce((n, [, v]) => n + v, 0),
    1,
    JSON.stringify(e),
  );
  assert.equal(e['HEP_NO_PAYLOAD'], 1);
  assert.equal(e['HEP_BAD_PAYLOAD'], 1);
});

test('TCP: a packet not complete tcpStallMs after its first byte (stalled or trickled) closes its connection (HEP_TRUNCATED); idle between packets does not', async () => {
  const { c, tcp } = await start({ tcpStallMs: 300 });
  const open = async (): Promise<{ sock: ReturnType<typeof connect>; closed: Promise<number> }> => {
    const sock = connect(tcp, '127.0.0.1');
    sock.on('error', () => undefined);
    const t0 = Date.now();
    const closed = new Promise<number>((r) => sock.once('close', () => r(Date.now() - t0)));
    await once(sock, 'connect');
    return { sock, closed };
  };
  const stalled = await open();
  const idle = await open();
  const pkt = hepOf(sipRequest(30));
  stalled.sock.write(Buffer.concat([hepOf(sipRequest(31)), pkt.subarray(0, 20)])); // one whole packet, then 20 bytes of the next
  idle.sock.write(pkt); // whole: nothing held
  assert.ok((await stalled.closed) >= 300);
  // Trickled a byte every 100 ms: never 300 ms silent, but not complete 300 ms after its first byte.
  const trickle = await open();
  let sent = 0;
  const drip = setInterval(() => {
    if (!trickle.sock.destroyed && sent < pkt.length) trickle.sock.write(pkt.subarray(sent, ++sent));
  }, 100);
  const lasted = await trickle.closed;
  clearInterval(drip);
  assert.ok(lasted >= 300 && sent < 10, `closed after ${lasted} ms, ${sent} bytes`);
  await new Promise((r) => setTimeout(r, 500)); // the idle one outlives its own stall window
  assert.equal(idle.sock.destroyed, false);
  assert.equal(c.stats().tcpConnections, 1);
  idle.sock.write(hepOf(sipRequest(32)));
  idle.sock.end();
  await idle.closed;
  await waitFor(() => c.stats().written === 3);
  assert.equal(c.stats().errors['HEP_TRUNCATED'], 2);
  await c.close();
});

test('overload: a flood into a tiny queue and a tiny writer buffer is dropped and counted, memory stays bounded', async () => {
  const queueBytes = 64 * 1024;
  const { c } = await start({ queueBytes, writer: { highWaterMark: 4096, maxQueueBytes: 16 * 1024 } });
  const N = 50_000;
  const pkt = hepOf(sipRequest(1));
  let maxQueue = 0;
  const heap0 = process.memoryUsage().heapUsed;
  // Synchronous bursts (as fast as a socket could deliver them), with a turn of the event loop between.
  for (let i = 0; i < N; i++) {
    c.ingest(pkt, 'udp');
    if (i % 5000 === 4999) {
      maxQueue = Math.max(maxQueue, c.stats().queueBytes);
      await new Promise((r) => setImmediate(r));
    }
  }
  const heapGrowth = process.memoryUsage().heapUsed - heap0;
  await c.close();
  const s = c.stats();
  const a = s.agents['id-2001'];
  assert.ok(a !== undefined);
  assert.equal(a.received, N);
  assert.ok(s.dropped > 0, 'some packets dropped');
  assert.equal(a.written + a.droppedQueue + a.droppedWriter, N, JSON.stringify(a));
  assert.equal(s.errors['HEP_DROPPED'], s.dropped);
  assert.ok(maxQueue <= queueBytes, `queue ${maxQueue} ≤ ${queueBytes}`);
  assert.ok(heapGrowth < 64 * 1024 * 1024, `heap grew ${heapGrowth} bytes`);
});

test('/metrics exposes per-agent counters; /health answers; other paths 404', async () => {
  const { c, udp, http } = await start({ authKey: 'k' });
  await sendUdp(udp, [
    ...Array.from({ length: 5 }, (_, i) => hepOf(sipRequest(i), { authKey: Buffer.from('k'), nodeName: Buffer.from('kam1') })),
    hepOf(sipRequest(9), { authKey: Buffer.from('x') }),
    Buffer.from('junk'),
  ]);
  await waitFor(() => c.stats().packets.udp === 7);
  const m = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
  assert.match(m, /^sipclf_hep_written_total\{agent="kam1"\} 5$/m);
  assert.match(m, /^sipclf_hep_received_total\{agent="kam1"\} 5$/m);
  assert.match(m, /^sipclf_hep_errors_total\{agent="unauthenticated",code="HEP_AUTH_FAILED"\} 1$/m);
  assert.match(m, /^sipclf_hep_errors_total\{agent="unknown",code="HEP_NOT_HEP"\} 1$/m);
  assert.match(m, /^sipclf_hep_dropped_total\{agent="kam1",reason="queue"\} 0$/m);
  assert.match(m, /^sipclf_hep_packets_total\{transport="udp"\} 7$/m);
  assert.match(m, /^sipclf_hep_queue_bytes 0$/m);
  const h = (await (await fetch(`http://127.0.0.1:${http}/health`)).json()) as { status: string; written: number };
  assert.equal(h.status, 'ok');
  assert.equal(h.written, 5);
  assert.equal((await fetch(`http://127.0.0.1:${http}/nope`)).status, 404);
  await c.close();
});

test('sipclf capture as a process: listens where told, logs, SIGTERM flushes and exits 0 with a summary', async () => {
  const dir = tempDir('hep-cli');
  const child = spawn(process.execPath, [BIN, 'capture', '--hep', 'udp:127.0.0.1:0', '--hep', 'tcp:127.0.0.1:0', '--out', dir, '--metrics', '127.0.0.1:0', '--interval', '1h'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor(() => /viewpoint/.test(err), 10_000, `startup: ${err}`);
  assert.match(err, /neutral HEP mirror/);
  const udp = Number(/listening on udp:127\.0\.0\.1:(\d+)/.exec(err)?.[1]);
  const tcp = Number(/listening on tcp:127\.0\.0\.1:(\d+)/.exec(err)?.[1]);
  assert.match(err, /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
  await sendUdp(udp, Array.from({ length: 20 }, (_, i) => hepOf(sipRequest(i))));
  await sendTcp(tcp, Buffer.concat(Array.from({ length: 20 }, (_, i) => hepOf(sipRequest(20 + i)))));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, err);
  assert.match(err, /SIGTERM: 40 packets \(udp 20, tcp 20\), 40 records written, 0 dropped/);
  const recs = allRecords(dir);
  assert.equal(recs.length, 40);
  assert.deepEqual(new Set(recs.map((r) => r.callId)).size, 40);
});

test('sipclf capture: usage errors exit 2', async () => {
  const child = spawn(process.execPath, [BIN, 'capture', '--out', tempDir('hep-usage')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 2);
  assert.match(err, /CLI_USAGE/);
});
