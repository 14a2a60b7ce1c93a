// pcap and pcapng reading: the committed tcpdump/SIPp fixtures against tshark's dissection (stored next to
// them), timestamps to the nanosecond, gzip and any chunking, pcapng sections in both byte orders with
// if_tsresol, and the file-level errors (every truncation point, corrupt headers).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PcapParser } from '../../src/capture/pcap-parse.js';
import { readPackets } from '../../src/capture/pcap-read.js';
import type { Packet, PacketEvent } from '../../src/capture/pcap-types.js';
import { chunked, collect, ngBlock, ngSection, once, parseTsharkRows, pcapFile, rowOf, vector } from './pcap-helpers.js';

const FIXTURES = ['sipp-udp4.pcap', 'sipp-tcp6-ns.pcap', 'sipp-tcp4.pcapng', 'sipp-udp6-sll2.pcap'];

for (const name of FIXTURES) {
  test(`${name}: the same SIP messages as tshark (frame, Call-ID, method, status) and the same timestamps`, async () => {
    const text = readFileSync(vector(`${name}.tshark.txt`), 'utf8');
    const expected = parseTsharkRows(text, true);
    const { sip, errors } = await collect(vector(name));
    assert.deepEqual(errors, []);
    assert.equal(sip.length, 12);
    assert.deepEqual(sip.map(rowOf), expected);
    // frame.time_epoch is seconds with 9 decimals: compare to tsNs exactly.
    const times = text.trim().split('\n').map((l) => l.split('|')[1] ?? '');
    assert.deepEqual(
      sip.map((p) => `${p.tsNs / 1_000_000_000n}.${String(p.tsNs % 1_000_000_000n).padStart(9, '0')}`),
      times,
    );
    for (const p of sip) assert.ok(Math.abs(p.ts - Number(p.tsNs) / 1e6) < 0.001);
  });
}

test('gzip input is detected by its magic, whatever the name; chunk boundaries do not matter', async () => {
  const raw = readFileSync(vector('sipp-tcp4.pcapng'));
  const want = (await collect(vector('sipp-tcp4.pcapng'))).sip.map(rowOf);
  assert.deepEqual((await collect(once(gzipSync(raw)))).sip.map(rowOf), want);
  for (const sizes of [[1], [3, 7, 1], [4096], [27, 100, 5]]) {
    const got = await collect(chunked(raw, sizes));
    assert.deepEqual(got.errors, []);
    assert.deepEqual(got.sip.map(rowOf), want, `chunks ${sizes.join(',')}`);
  }
});

function parseAll(b: Buffer, maxPacketBytes?: number): PacketEvent[] {
  const p = new PcapParser(maxPacketBytes === undefined ? undefined : { maxPacketBytes });
  const out: PacketEvent[] = [];
  p.push(b, out);
  p.end(out);
  return out;
}

test('readPackets: classic pcap in both byte orders, µs and ns, keeps link type, lengths and exact time', async () => {
  const frames = [
    { data: Buffer.from('aaaa'), tsNs: 1_700_000_000_123_456_789n, origLen: 60 },
    { data: Buffer.from('bb'), tsNs: 1_700_000_001_000_000_001n },
  ];
  for (const be of [false, true]) {
    for (const ns of [false, true]) {
      const events: PacketEvent[] = [];
      for await (const e of readPackets(once(pcapFile(113, frames, { ns, be })))) events.push(e);
      const pk = events as Packet[];
      assert.equal(pk.length, 2);
      assert.deepEqual(pk.map((p) => [p.index, p.linkType, p.data.toString(), p.origLen]), [
        [1, 113, 'aaaa', 60],
        [2, 113, 'bb', 2],
      ]);
      assert.equal(pk[0]?.tsNs, ns ? 1_700_000_000_123_456_789n : 1_700_000_000_123_456_000n);
      assert.equal(pk[1]?.offset, 24 + 16 + 4);
    }
  }
});

test('pcapng: sections in both byte orders, interfaces per section, if_tsresol 10^-n and 2^-n, SPB, skipped blocks', () => {
  const file = Buffer.concat([
    ngSection(true, [['idb', 1, undefined], ['idb', 101, 9], ['nrb'], ['epb', 0, 1_700_000_000_000_001n, 'us'], ['epb', 1, 1_700_000_000_000_000_007n, 'ns'], ['spb', 'simple']]),
    ngSection(false, [['idb', 228, 0x80 | 10], ['epb', 0, 1024n * 5n + 512n, 'bin']]),
  ]);
  const ev = parseAll(file);
  assert.deepEqual(
    ev.map((e) => (e.type === 'packet' ? [e.index, e.linkType, e.data.toString(), e.tsNs, e.interfaceId] : e.code)),
    [
      [1, 1, 'us', 1_700_000_000_000_001_000n, 0],
      [2, 101, 'ns', 1_700_000_000_000_000_007n, 1],
      [3, 1, 'simple', 0n, 0],
      [4, 228, 'bin', 5_500_000_000n, 0],
    ],
  );
});

test('pcapng: unknown interface, short or mismatched blocks, bad byte-order magic', () => {
  const good = ngSection(true, [['idb', 1, undefined], ['epb', 3, 0n, 'x'], ['epb', 0, 0n, 'y']]);
  assert.deepEqual(
    parseAll(good).map((e) => (e.type === 'packet' ? e.index : `${e.code}@${e.packetIndex}`)),
    ['CAPTURE_BAD_RECORD@1', 2],
  );
  const badTrailer = Buffer.from(good);
  badTrailer.writeUInt32LE(999, badTrailer.length - 4);
  const ev = parseAll(badTrailer);
  assert.equal(ev.at(-1)?.type, 'error');
  assert.ok(ev.at(-1)?.type === 'error' && ev.at(-1)?.type === 'error' && (ev.at(-1) as { fatal: boolean }).fatal);
  const badBom = Buffer.from(good);
  badBom.writeUInt32LE(0x12345678, 8);
  assert.deepEqual(parseAll(badBom).map((e) => e.type === 'error' && e.code), ['CAPTURE_BAD_HEADER']);
  const oddLen = Buffer.from(good);
  oddLen.writeUInt32LE(30, good.indexOf(Buffer.from([1, 0, 0, 0]), 20) + 4);
  assert.ok(parseAll(oddLen).some((e) => e.type === 'error' && e.code === 'CAPTURE_BAD_RECORD' && e.fatal));
});

test('pcapng: a section describing more than 65,536 interfaces stops the read (the table would grow without bound)', () => {
  const idb = ngBlock(true, 1, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]));
  const head = ngSection(true, [['idb', 1, undefined], ['epb', 0, 0n, 'first']]);
  const ev = parseAll(Buffer.concat([head, Buffer.concat(Array.from({ length: 65_536 }, () => idb)), ngSection(true, [])]));
  assert.deepEqual(ev.map((e) => (e.type === 'packet' ? e.data.toString() : e.code)), ['first', 'CAPTURE_BAD_RECORD']);
  const last = ev.at(-1);
  assert.ok(last?.type === 'error' && last.fatal && /more than 65536 interfaces/.test(last.message));
});

test('not a capture, wrong version, insane captured length: one fatal error, packets before it kept', () => {
  assert.deepEqual(parseAll(Buffer.from('INVITE sip:a SIP/2.0\r\n')).map((e) => e.type === 'error' && e.code), ['CAPTURE_NOT_A_CAPTURE']);
  assert.deepEqual(parseAll(Buffer.alloc(0)).map((e) => e.type === 'error' && e.code), ['CAPTURE_TRUNCATED']);
  const f = pcapFile(1, [{ data: Buffer.alloc(10) }, { data: Buffer.alloc(10) }]);
  const v3 = Buffer.from(f);
  v3.writeUInt16LE(3, 4);
  assert.deepEqual(parseAll(v3).map((e) => e.type === 'error' && e.code), ['CAPTURE_BAD_HEADER']);
  const huge = Buffer.from(f);
  huge.writeUInt32LE(0x7fffffff, 24 + 16 + 10 + 8);
  const ev = parseAll(huge);
  assert.deepEqual(ev.map((e) => (e.type === 'packet' ? e.index : `${e.code}@${e.packetIndex}:${e.offset}`)), [1, 'CAPTURE_BAD_RECORD@2:50']);
});

test('every truncation point of a capture: the whole packets before it, then one CAPTURE_TRUNCATED (none at a boundary)', () => {
  for (const name of ['sipp-udp4.pcap', 'sipp-tcp4.pcapng']) {
    const full = readFileSync(vector(name));
    const all = parseAll(full) as Packet[];
    const ends = new Set(all.map((p) => p.offset));
    for (let n = 0; n < full.length; n++) {
      const ev = parseAll(full.subarray(0, n));
      const packets = ev.filter((e): e is Packet => e.type === 'packet');
      const errors = ev.filter((e) => e.type === 'error');
      assert.ok(packets.every((p, i) => p.index === i + 1 && p.data.equals(all[i]?.data ?? Buffer.alloc(1))), `${name} cut at ${n}`);
      const boundary = n >= 24 && (ends.has(n) || (name.endsWith('ng') && errors.length === 0));
      if (boundary) continue;
      assert.equal(errors.length, 1, `${name} cut at ${n}: ${JSON.stringify(errors)}`);
      const e = errors[0];
      assert.ok(e?.type === 'error' && e.code === 'CAPTURE_TRUNCATED' && e.fatal && e.packetIndex === packets.length + 1, `${name} cut at ${n}`);
    }
  }
});

test('maxPacketBytes: an oversized pcapng packet block is skipped unbuffered, reading goes on', () => {
  const big = 'z'.repeat(5000);
  const f = ngSection(true, [['idb', 1, undefined], ['epb', 0, 0n, big], ['epb', 0, 0n, 'after']]);
  const ev = parseAll(f, 1000);
  assert.deepEqual(ev.map((e) => (e.type === 'packet' ? `${e.index}:${e.data.toString()}` : `${e.code}@${e.packetIndex}`)), ['CAPTURE_BAD_RECORD@1', '2:after']);
});

test('classic pcap, both byte orders: seconds from 2^31 stay unsigned; a captured length from 0x80000000 is too large, not negative', () => {
  for (const be of [false, true]) {
    const sec = 2 ** 31 + 5;
    const f = pcapFile(1, [{ data: Buffer.alloc(10, 1), tsNs: BigInt(sec) * 1_000_000_000n + 123_456_000n }, { data: Buffer.alloc(10, 2) }], { be });
    const ev = parseAll(f);
    const p = ev[0];
    assert.ok(p?.type === 'packet', `${be ? 'BE' : 'LE'}: first packet read`);
    assert.equal(p.tsNs, BigInt(sec) * 1_000_000_000n + 123_456_000n);
    assert.equal(p.ts, sec * 1000 + 123.456);
    const huge = Buffer.from(f);
    if (be) huge.writeUInt32BE(0x80000000, 24 + 16 + 10 + 8);
    else huge.writeUInt32LE(0x80000000, 24 + 16 + 10 + 8);
    const bad = parseAll(huge);
    assert.deepEqual(bad.map((e) => (e.type === 'packet' ? e.index : `${e.code}@${e.packetIndex}:${e.offset}`)), [1, 'CAPTURE_BAD_RECORD@2:50'], be ? 'BE' : 'LE');
    const e = bad[1];
    assert.ok(e?.type === 'error' && e.message.includes('captured length 2147483648'), e?.type === 'error' ? e.message : 'no error');
  }
});
