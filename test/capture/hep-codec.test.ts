// HEP v3 codec (src/capture/hep.ts): the spec's example packet, a round trip for every generic chunk type,
// vendor/unknown/repeated chunks kept raw, compressed payloads, each malformation with its own code and
// offset, the TCP framer, and properties: arbitrary bytes give only HepError, quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeHep, encodeHep, hepPayload, HepError, GENERIC_CHUNKS, type HepPacket, type ChunkKind } from '../../src/capture/hep.js';
import { HepStreamFramer } from '../../src/capture/hep-stream.js';

const VECTORS = join(import.meta.dirname, '..', '..', '..', 'test', 'vectors', 'hep');

function hexFile(name: string): Buffer {
  const text = readFileSync(join(VECTORS, name), 'utf8');
  return Buffer.from(
    text
      .split('\n')
      .map((l) => l.replace(/#.*/, ''))
      .join('')
      .replace(/\s+/g, ''),
    'hex',
  );
}

function throwsHep(fn: () => unknown, code: string, offset?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HepError, `expected HepError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (offset !== undefined) assert.equal(e.offset, offset, e.message);
    return true;
  });
}

/** A packet from raw chunks [vendor, type, value] with a correct total length (or `total` when given). */
function raw(chunks: readonly (readonly [number, number, Buffer | number[]])[], opts: { total?: number; chunkLen?: (i: number, len: number) => number } = {}): Buffer {
  const parts: Buffer[] = [];
  chunks.forEach(([v, t, value], i) => {
    const val = Buffer.from(value);
    const h = Buffer.alloc(6);
    h.writeUInt16BE(v, 0);
    h.writeUInt16BE(t, 2);
    h.writeUInt16BE(opts.chunkLen ? opts.chunkLen(i, 6 + val.length) : 6 + val.length, 4);
    parts.push(h, val);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.from('HEP3\0\0', 'latin1');
  head.writeUInt16BE(opts.total ?? 6 + body.length, 4);
  return Buffer.concat([head, body]);
}

test('the spec example packet decodes to the values the spec states and encodes back byte for byte', () => {
  const b = hexFile('spec-example.hex');
  assert.equal(b.length, 113);
  const p = decodeHep(b);
  assert.deepEqual(p, {
    magic: 'HEP3',
    ipFamily: 2,
    ipProtocol: 17,
    srcIPv4: '212.202.0.1',
    dstIPv4: '82.116.0.211',
    srcPort: 12010,
    dstPort: 5060,
    timeSec: 1313440459,
    timeUsec: 120000,
    protocolType: 1,
    captureId: 228,
    payload: Buffer.from('INVITE sip:bob'),
  });
  assert.deepEqual(encodeHep(p), b);
});

const SAMPLE: Record<ChunkKind, readonly unknown[]> = {
  u8: [0, 1, 17, 255],
  u16: [0, 5060, 0xffff],
  u32: [0, 1313440459, 0xffffffff],
  u64: [0n, 0x0000a1b2c3d4e5f6n, 0xffffffffffffffffn],
  ipv4: ['0.0.0.0', '127.0.0.1', '212.202.0.1', '255.255.255.255'],
  ipv6: ['::', '::1', '2001:db8::5060', 'fe80::1:2:3:4', '2001:db8:1:2:3:4:5:6'],
  bytes: [Buffer.alloc(0), Buffer.from('node1'), Buffer.from([0, 0xff, 0x80, 0x0a])],
};

test('every generic chunk type round-trips with edge values, alone and all together', () => {
  const all: Record<string, unknown> = {};
  for (const c of GENERIC_CHUNKS) {
    for (const v of SAMPLE[c.kind]) {
      const p = { magic: 'HEP3', [c.name]: v } as HepPacket;
      const b = encodeHep(p);
      assert.deepEqual(decodeHep(b), p, `${c.name} = ${String(v)}`);
      assert.equal(b.readUInt16BE(8), c.type, c.name);
      assert.deepEqual(encodeHep(decodeHep(b)), b);
    }
    all[c.name] = SAMPLE[c.kind][1];
  }
  const p = { magic: 'EEP3', ...all, extra: [{ vendor: 2, type: 0x0020, value: Buffer.from('kamailio vendor chunk') }] } as HepPacket;
  const b = encodeHep(p);
  assert.equal(b.toString('latin1', 0, 4), 'EEP3');
  assert.equal(b.readUInt16BE(4), b.length);
  assert.deepEqual(decodeHep(b), p);
});

test('an IPv6 address is decoded to RFC 5952 text whatever text it was encoded from', () => {
  const b = encodeHep({ srcIPv6: '2001:0DB8:0000:0000:0000:0000:0000:0001', dstIPv6: '[::ffff:192.0.2.1]' });
  const p = decodeHep(b);
  assert.equal(p.srcIPv6, '2001:db8::1');
  assert.equal(p.dstIPv6, '::ffff:192.0.2.1');
});

test('vendor chunks, unassigned generic types and repeated generic chunks are kept raw, in order', () => {
  const b = raw([
    [0, 7, [0x13, 0xc4]],
    [3, 1, Buffer.from('opensips')],
    [0, 0x0019, [1, 2, 3]],
    [0, 7, [0x13, 0xc5]],
    [0, 0x7fff, []],
  ]);
  const p = decodeHep(b);
  assert.equal(p.srcPort, 5060);
  assert.deepEqual(p.extra, [
    { vendor: 3, type: 1, value: Buffer.from('opensips') },
    { vendor: 0, type: 0x0019, value: Buffer.from([1, 2, 3]) },
    { vendor: 0, type: 7, value: Buffer.from([0x13, 0xc5]) },
    { vendor: 0, type: 0x7fff, value: Buffer.alloc(0) },
  ]);
  assert.deepEqual(decodeHep(encodeHep(p)), p);
});

test('decoded buffers are copies: reusing the packet buffer does not change the packet', () => {
  const b = encodeHep({ payload: Buffer.from('OPTIONS sip:a SIP/2.0\r\n\r\n'), extra: [{ vendor: 9, type: 9, value: Buffer.from('x') }] });
  const p = decodeHep(b);
  b.fill(0);
  assert.equal(p.payload?.toString(), 'OPTIONS sip:a SIP/2.0\r\n\r\n');
  assert.equal(p.extra?.[0]?.value.toString(), 'x');
});

test('compressed payload (0x0010): gzip, zlib and raw deflate inflate; garbage and bombs give HEP_BAD_PAYLOAD', () => {
  const sip = Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n');
  for (const z of [gzipSync(sip), deflateSync(sip), deflateRawSync(sip)]) {
    const p = decodeHep(encodeHep({ compressedPayload: z }));
    assert.deepEqual(p.compressedPayload, z);
    assert.deepEqual(hepPayload(p), sip);
  }
  assert.deepEqual(hepPayload({ payload: sip, compressedPayload: Buffer.from('ignored') }), sip);
  assert.equal(hepPayload({}), undefined);
  throwsHep(() => hepPayload({ compressedPayload: Buffer.from([0x1f, 0x8b, 1, 2, 3]) }), 'HEP_BAD_PAYLOAD');
  const bomb = gzipSync(Buffer.alloc(5_000_000));
  assert.ok(bomb.length < 65_000);
  throwsHep(() => hepPayload({ compressedPayload: bomb }, 65_535), 'HEP_BAD_PAYLOAD');
});

test('malformed packets: each violation has its own code and the byte offset', () => {
  const good = raw([
    [0, 1, [2]],
    [0, 15, Buffer.from('hello')],
  ]);
  throwsHep(() => decodeHep(Buffer.alloc(0)), 'HEP_TRUNCATED', 0);
  throwsHep(() => decodeHep(Buffer.from('HEP')), 'HEP_TRUNCATED', 3);
  throwsHep(() => decodeHep(Buffer.from('HEP3\x00')), 'HEP_TRUNCATED', 5);
  throwsHep(() => decodeHep(Buffer.from('HEX3\x00\x06', 'latin1')), 'HEP_NOT_HEP', 2);
  throwsHep(() => decodeHep(Buffer.from('INVITE sip:bob SIP/2.0\r\n')), 'HEP_NOT_HEP', 0);
  // HEP v2 header: version 2, header length 28, AF_INET, UDP, ports, addresses, time, capture id.
  throwsHep(() => decodeHep(Buffer.from([2, 28, 2, 17, 0x13, 0xc4, 0x13, 0xc4, 127, 0, 0, 1, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), 'HEP_UNSUPPORTED_VERSION', 0);
  throwsHep(() => decodeHep(Buffer.from([1, 16, 2, 17])), 'HEP_UNSUPPORTED_VERSION', 0);
  throwsHep(() => decodeHep(raw([], { total: 5 })), 'HEP_BAD_LENGTH', 4);
  throwsHep(() => decodeHep(good.subarray(0, good.length - 1)), 'HEP_TRUNCATED', good.length - 1);
  throwsHep(() => decodeHep(Buffer.concat([good, Buffer.from([0])])), 'HEP_BAD_LENGTH', good.length);
  // Zero-length chunk: must stop, not spin.
  throwsHep(() => decodeHep(raw([[0, 1, [2]], [0, 15, []]], { chunkLen: (i, l) => (i === 1 ? 0 : l) })), 'HEP_CHUNK_TOO_SHORT', 13);
  throwsHep(() => decodeHep(raw([[0, 15, [1, 2, 3]]], { chunkLen: () => 5 })), 'HEP_CHUNK_TOO_SHORT', 6);
  // Overlong chunk: length past the total.
  throwsHep(() => decodeHep(raw([[0, 1, [2]], [0, 15, Buffer.from('abc')]], { chunkLen: (i, l) => (i === 1 ? l + 1 : l) })), 'HEP_CHUNK_OVERLONG', 13);
  throwsHep(() => decodeHep(raw([[0, 15, Buffer.from('abc')]], { chunkLen: () => 0xffff })), 'HEP_CHUNK_OVERLONG', 6);
  // Trailing bytes that cannot hold a chunk header.
  const tail = Buffer.concat([good, Buffer.from([0, 0, 0])]);
  tail.writeUInt16BE(tail.length, 4);
  throwsHep(() => decodeHep(tail), 'HEP_CHUNK_TRUNCATED', good.length);
  // Generic chunks of the wrong size for their type.
  throwsHep(() => decodeHep(raw([[0, 3, [127, 0, 1]]])), 'HEP_BAD_CHUNK', 6);
  throwsHep(() => decodeHep(raw([[0, 1, [2, 0]]])), 'HEP_BAD_CHUNK', 6);
  throwsHep(() => decodeHep(raw([[0, 5, [0, 1, 2, 3]]])), 'HEP_BAD_CHUNK', 6);
  throwsHep(() => decodeHep(raw([[0, 0x14, [1, 2, 3, 4, 5, 6]]])), 'HEP_BAD_CHUNK', 6);
  // An empty packet (header only) is valid.
  assert.deepEqual(decodeHep(raw([])), { magic: 'HEP3' });
});

test('encodeHep refuses values out of range and packets over 65535 bytes (HEP_ENCODE)', () => {
  throwsHep(() => encodeHep({ ipFamily: 256 }), 'HEP_ENCODE');
  throwsHep(() => encodeHep({ srcPort: -1 }), 'HEP_ENCODE');
  throwsHep(() => encodeHep({ timeSec: 1.5 }), 'HEP_ENCODE');
  throwsHep(() => encodeHep({ srcIPv4: '1.2.3' }), 'HEP_ENCODE');
  throwsHep(() => encodeHep({ srcIPv6: 'not:an:address:x' }), 'HEP_ENCODE');
  throwsHep(() => encodeHep({ srcMac: -1n }), 'HEP_ENCODE');
  throwsHep(() => encodeHep({ payload: Buffer.alloc(65530) }), 'HEP_ENCODE');
  throwsHep(() => encodeHep({ payload: Buffer.alloc(40000), correlationId: Buffer.alloc(30000) }), 'HEP_ENCODE');
  throwsHep(() => encodeHep({ extra: [{ vendor: 70000, type: 1, value: Buffer.alloc(0) }] }), 'HEP_ENCODE');
  assert.equal(encodeHep({ payload: Buffer.alloc(65535 - 12) }).length, 65535);
});

test('TCP framing: packets cut by total length at every split point; garbage stops the framer', () => {
  const pkts = [encodeHep({ captureId: 1, payload: Buffer.from('a') }), encodeHep({ nodeName: Buffer.from('n2') }), encodeHep({})];
  const stream = Buffer.concat(pkts);
  for (let cut = 0; cut <= stream.length; cut++) {
    const f = new HepStreamFramer();
    const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
    assert.deepEqual(got, pkts, `cut at ${cut}`);
    assert.equal(f.buffered, 0);
  }
  const byByte = new HepStreamFramer();
  const got: Buffer[] = [];
  for (const b of stream) got.push(...byByte.push(Buffer.from([b])));
  assert.deepEqual(got, pkts);
  const bad = new HepStreamFramer();
  assert.deepEqual(bad.push(Buffer.concat([pkts[0] as Buffer, Buffer.from('GET / HTTP/1.1\r\n')])), [pkts[0]]);
  assert.equal(bad.failed?.code, 'HEP_NOT_HEP');
  assert.deepEqual(bad.push(pkts[1] as Buffer), []);
  const early = new HepStreamFramer();
  early.push(Buffer.from('XY'));
  assert.equal(early.failed?.code, 'HEP_NOT_HEP');
  const zero = new HepStreamFramer();
  zero.push(Buffer.from('HEP3\x00\x00', 'latin1'));
  assert.equal(zero.failed?.code, 'HEP_BAD_LENGTH');
});

const arbPacket: fc.Arbitrary<HepPacket> = fc.record(
  {
    magic: fc.constantFrom('HEP3' as const, 'EEP3' as const),
    ipFamily: fc.constantFrom(2, 10),
    ipProtocol: fc.integer({ min: 0, max: 255 }),
    srcIPv4: fc.ipV4(),
    dstIPv6: fc.ipV6().map((s) => decodeHep(encodeHep({ dstIPv6: s })).dstIPv6 as string),
    srcPort: fc.integer({ min: 0, max: 65535 }),
    timeSec: fc.integer({ min: 0, max: 0xffffffff }),
    captureId: fc.integer({ min: 0, max: 0xffffffff }),
    srcMac: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
    authKey: fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)),
    payload: fc.uint8Array({ maxLength: 3000 }).map((u) => Buffer.from(u)),
    nodeName: fc.string({ maxLength: 20 }).map((s) => Buffer.from(s)),
    extra: fc.array(
      fc.record({ vendor: fc.integer({ min: 1, max: 0xffff }), type: fc.integer({ min: 0, max: 0xffff }), value: fc.uint8Array({ maxLength: 50 }).map((u) => Buffer.from(u)) }),
      { maxLength: 4 },
    ),
  },
  { requiredKeys: ['magic'] },
);

test('property: decode(encode(p)) equals p for arbitrary packets', () => {
  fc.assert(
    fc.property(arbPacket, (p) => {
      // fast-check builds null-prototype records; the decoder builds plain objects.
      const norm: HepPacket = { ...p };
      if (p.extra !== undefined && p.extra.length > 0) norm.extra = p.extra.map((x) => ({ ...x }));
      else delete norm.extra;
      assert.deepEqual(decodeHep(encodeHep(p)), norm);
    }),
    { numRuns: 300 },
  );
});

function onlyHepErrors(b: Buffer): void {
  try {
    decodeHep(b);
  } catch (e) {
    if (!(e instanceof HepError)) throw e;
    assert.ok(e.offset >= 0 && e.offset <= b.length, `offset ${e.offset} of ${b.length}`);
  }
}

test('property: arbitrary bytes, and arbitrary chunks under a valid header, give a packet or a HepError, quickly', () => {
  const t0 = performance.now();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (u) => onlyHepErrors(Buffer.from(u))), { numRuns: 2000 });
  // A valid header whose total length matches, then random chunk bytes: exercises the chunk walk.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('HEP3', 'EEP3'), (u, magic) => {
      const b = Buffer.concat([Buffer.from(`${magic}\0\0`, 'latin1'), Buffer.from(u)]);
      b.writeUInt16BE(b.length, 4);
      onlyHepErrors(b);
    }),
    { numRuns: 3000 },
  );
  // Mutations of a valid packet: one byte changed.
  const valid = encodeHep({ ipFamily: 2, srcIPv4: '10.0.0.1', srcPort: 5060, timeSec: 1, payload: Buffer.from('BYE sip:x SIP/2.0\r\n\r\n'), nodeName: Buffer.from('n') });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, v) => {
      const b = Buffer.from(valid);
      b[i] = v;
      onlyHepErrors(b);
    }),
    { numRuns: 2000 },
  );
  // Framing never throws either.
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 10 }), (parts) => {
      const f = new HepStreamFramer();
      for (const p of parts) for (const pkt of f.push(Buffer.from(p))) onlyHepErrors(pkt);
    }),
    { numRuns: 1000 },
  );
  assert.ok(performance.now() - t0 < 20_000, 'bounded time');
});

test('worst case: a 65535-byte packet of minimal (6-byte) chunks decodes in bounded time', () => {
  const n = Math.floor((65535 - 6) / 6);
  const b = Buffer.alloc(6 + n * 6);
  b.write('HEP3', 0, 'latin1');
  b.writeUInt16BE(b.length, 4);
  for (let i = 0; i < n; i++) {
    b.writeUInt16BE(0x00ff, 6 + i * 6);
    b.writeUInt16BE(6, 6 + i * 6 + 4);
  }
  const t0 = performance.now();
  const p = decodeHep(b);
  assert.equal(p.extra?.length, n);
  assert.ok(performance.now() - t0 < 1000);
});

test('the seen-mask covers types from 0x0020: a repeated 0x0020 goes to extra, and 0x0021 is not taken for 0x0001', () => {
  const b = raw([
    [0, 0x0001, [2]],
    [0, 0x0021, [0, 90]],
    [0, 0x0020, [1, 44]],
    [0, 0x0020, [1, 45]],
  ]);
  const p = decodeHep(b);
  assert.equal(p.ipFamily, 2);
  assert.equal(p.rFactor, 90);
  assert.equal(p.mos, 300);
  assert.deepEqual(p.extra, [{ vendor: 0, type: 0x0020, value: Buffer.from([1, 45]) }]);
});
