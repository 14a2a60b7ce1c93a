// Network decoding on crafted captures (built with our own frame builder): every link type, VLAN tags,
// IPv6 extension headers, IPv4/IPv6 fragment reassembly (any order, duplicates, overlaps, timeout),
// non-SIP traffic, the port filter, snapshot-length cuts, and arbitrary bytes (fast-check).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ipv4Fragment, udpFrames } from '../../src/capture/net-build.js';
import { A4, A6, B4, B6, decode, sipText } from './net-helpers.js';
import { collect, once, type Frame } from './pcap-helpers.js';

const messages = (events: readonly { type: string; message?: string }[]): string[] => events.flatMap((e) => (e.type === 'error' && e.message !== undefined ? [e.message] : []));

function ipOf(frame: Buffer): Buffer {
  return frame.subarray(14);
}

test('link types: Ethernet with 802.1Q/QinQ, SLL, SLL2, NULL in both byte orders, LOOP, raw 101/12/14/228/229', () => {
  const v4 = (udpFrames(A4, B4, sipText('v4'), 1)[0]) as Buffer;
  const v6 = (udpFrames(A6, B6, sipText('v6'), 1)[0]) as Buffer;
  const vlan = (ip: Buffer, et: number): Buffer => Buffer.concat([Buffer.alloc(12, 0xaa), Buffer.from([0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 20]), Buffer.from([et >> 8, et & 255]), ip]);
  const sll = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 6]), Buffer.alloc(8), Buffer.from([0x86, 0xdd]), ipOf(v6)]);
  const sll2 = Buffer.concat([Buffer.from([0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6]), Buffer.alloc(8), ipOf(v4)]);
  const nullLE = (af: number, ip: Buffer): Buffer => Buffer.concat([Buffer.from([af, 0, 0, 0]), ip]);
  const nullBE = (af: number, ip: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, af]), ip]);
  const cases: Array<[number, Buffer, string]> = [
    [1, v4, 'v4'],
    [1, v6, 'v6'],
    [1, vlan(ipOf(v4), 0x0800), 'v4'],
    [1, vlan(ipOf(v6), 0x86dd), 'v6'],
    [113, sll, 'v6'],
    [276, sll2, 'v4'],
    [0, nullLE(2, ipOf(v4)), 'v4'],
    [0, nullLE(30, ipOf(v6)), 'v6'],
    [0, nullBE(24, ipOf(v6)), 'v6'],
    [108, nullBE(2, ipOf(v4)), 'v4'],
    [101, ipOf(v4), 'v4'],
    [12, ipOf(v6), 'v6'],
    [14, ipOf(v4), 'v4'],
    [228, ipOf(v4), 'v4'],
    [229, ipOf(v6), 'v6'],
  ];
  for (const [lt, frame, id] of cases) {
    const r = decode(lt, [{ data: frame }]);
    assert.deepEqual([r.ids, r.codes], [[id], []], `link type ${lt}`);
  }
  const r = decode(1, [{ data: Buffer.concat([Buffer.alloc(12), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]) }]);
  assert.deepEqual([r.ids, r.codes, r.x.stats.nonIp], [[], [], 1]);
  const u = decode(147, [{ data: v4 }, { data: v4 }]);
  assert.deepEqual([u.ids, u.codes], [[], ['CAPTURE_UNSUPPORTED_LINK']]);
});

test('IPv6 extension headers (hop-by-hop, destination options, routing) are walked; SIP addresses are RFC 5952 text', () => {
  const frame = (udpFrames(A6, B6, sipText('ext'), 1)[0]) as Buffer;
  const ip = ipOf(frame);
  const exts = Buffer.concat([Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]), Buffer.from([43, 0, 1, 4, 0, 0, 0, 0]), Buffer.from([17, 0, 0, 0, 0, 0, 0, 0])]);
  const hdr = Buffer.from(ip.subarray(0, 40));
  hdr[6] = 0;
  hdr.writeUInt16BE(ip.length - 40 + exts.length, 4);
  const r = decode(101, [{ data: Buffer.concat([hdr, exts, ip.subarray(40)]) }]);
  assert.deepEqual([r.ids, r.codes], [['ext'], []]);
  const p = r.events[0];
  assert.ok(p?.type === 'sip');
  assert.deepEqual([p.src, p.dst, p.family], [{ ip: '2001:db8::1', port: 5060 }, { ip: '2001:db8::2', port: 5070 }, 6]);
});

test('fragment reassembly: IPv4 and IPv6, in any order, with duplicates', () => {
  for (const [a, b] of [
    [A4, B4],
    [A6, B6],
  ] as const) {
    const frags = udpFrames(a, b, sipText('frag', 3000), 77, { mtu: 576 });
    assert.ok(frags.length >= 6);
    fc.assert(
      fc.property(fc.shuffledSubarray(frags.map((_, i) => i), { minLength: frags.length, maxLength: frags.length }), fc.array(fc.nat(frags.length - 1), { maxLength: 3 }), (order, dups) => {
        const list = [...order, ...dups].map((i) => ({ data: frags[i] as Buffer }));
        const r = decode(1, list);
        assert.deepEqual([r.ids, r.codes, r.x.stats.fragments.reassembled], [['frag'], [], 1]);
      }),
      { numRuns: 40 },
    );
  }
});

test('fragments: a new datagram reusing a completed one\'s Identification within the timeout is reassembled too; late copies are still absorbed', () => {
  for (const [a, b] of [
    [A4, B4],
    [A6, B6],
  ] as const) {
    // The IPv4 Identification wraps in seconds on a busy trunk: the same id, 5 s of capture time apart.
    const one = udpFrames(a, b, sipText('one', 2000), 77, { mtu: 576 }).map((d) => ({ data: d, tsNs: 1_000_000_000n }));
    const two = udpFrames(a, b, sipText('two', 2500), 77, { mtu: 576 }).map((d) => ({ data: d, tsNs: 6_000_000_000n }));
    const copies = one.map((f) => ({ ...f, tsNs: 2_000_000_000n })); // a capture point that saw them twice
    const r = decode(1, [...one, ...copies, ...two]);
    assert.deepEqual([r.ids, r.codes, r.x.stats.fragments.reassembled], [['one', 'two'], [], 2]);
  }
});

test('fragments: a new datagram\'s fragment that matches an old one only in its first bytes is not taken for a late copy', () => {
  for (const [a, b] of [
    [A4, B4],
    [A6, B6],
  ] as const) {
    // Same Identification, same length, the same 'x' padding at the start of every middle fragment: only a
    // byte further into the second fragment (UDP payload offset 800) differs from the finished datagram's.
    const one = udpFrames(a, b, sipText('one', 2000), 77, { mtu: 576 });
    const text = sipText('two', 2000);
    text[800] = 0x79; // 'y'
    const two = udpFrames(a, b, text, 77, { mtu: 576 });
    assert.ok(two.length >= 3);
    // The second fragment comes first (reordered): it must start a reassembly, not be absorbed as a duplicate.
    const frames = [...one, two[1] as Buffer, two[0] as Buffer, ...two.slice(2)].map((d) => ({ data: d, tsNs: 1_000_000_000n }));
    const r = decode(1, frames);
    assert.deepEqual([r.ids, r.codes, r.x.stats.fragments.reassembled], [['one', 'two'], [], 2]);
  }
});

test('overlapping fragments: agreeing bytes are accepted, conflicting ones abandon the datagram (either order)', () => {
  const udp = ipOf((udpFrames(A4, B4, sipText('ovl', 100), 5, { fragment: false })[0]) as Buffer).subarray(20);
  const f = (off: number, more: boolean, data: Buffer): Frame => ({ data: ipv4Fragment(A4.ip, B4.ip, 17, 9, off, more, data) });
  const agree = [f(0, true, udp.subarray(0, 96)), f(48, true, udp.subarray(48, 160)), f(160, false, udp.subarray(160))];
  assert.deepEqual(decode(1, agree).ids, ['ovl']);
  assert.deepEqual(decode(1, [...agree].reverse()).ids, ['ovl']);
  const evil = Buffer.from(udp.subarray(48, 160));
  evil[10] = 0x41;
  const conflict = [f(0, true, udp.subarray(0, 96)), f(48, true, evil), f(160, false, udp.subarray(160))];
  for (const list of [conflict, [...conflict].reverse()]) {
    const r = decode(1, list);
    assert.deepEqual([r.ids, r.codes], [[], ['CAPTURE_FRAGMENT_OVERLAP']]);
  }
});

test('fragments: missing pieces time out (capture time) or are reported at the end; limits drop the oldest', () => {
  const frags = udpFrames(A4, B4, sipText('late', 2000), 3, { mtu: 576 });
  const late = decode(1, [
    { data: frags[0] as Buffer, tsNs: 1_000_000_000n },
    ...frags.slice(1).map((d) => ({ data: d, tsNs: 40_000_000_000n })),
  ]);
  assert.deepEqual([late.ids, late.codes], [[], ['CAPTURE_FRAGMENT_DROPPED', 'CAPTURE_FRAGMENT_DROPPED']]);
  const missing = decode(1, frags.slice(1).map((d) => ({ data: d })));
  assert.deepEqual([missing.ids, missing.codes], [[], ['CAPTURE_FRAGMENT_DROPPED']]);
  const two = [...udpFrames(A4, B4, sipText('one', 2000), 1, { mtu: 576 }), ...udpFrames(A4, B4, sipText('two', 2000), 2, { mtu: 576 })];
  const half = two.length / 2;
  const interleaved = [two[0], ...two.slice(half)].map((d) => ({ data: d as Buffer }));
  const lim = decode(1, interleaved, { fragments: { maxDatagrams: 1 } });
  assert.deepEqual([lim.ids, lim.codes], [['two'], ['CAPTURE_FRAGMENT_DROPPED']]);
});

test('fragments: a flood for one datagram is cut at 64 kept, and the byte bound holds for every fragment kept', () => {
  // 200 eight-byte fragments at distinct offsets, never completed: each kept one would be compared with every other.
  const flood = Array.from({ length: 200 }, (_, k) => ({ data: ipv4Fragment(A4.ip, B4.ip, 17, 42, k * 8, true, Buffer.alloc(8, k)), tsNs: 1_000_000_000n }));
  // (all in one second of capture time: the reassembly timeout does not end the flood early)
  const after = udpFrames(A4, B4, sipText('after', 2000), 43, { mtu: 576 }).map((d) => ({ data: d, tsNs: 2_000_000_000n }));
  const r = decode(1, [...flood, ...after]);
  assert.deepEqual([r.ids, r.codes], [['after'], ['CAPTURE_FRAGMENT_DROPPED']]);
  assert.match(messages(r.events)[0] ?? '', /more than 64 fragments/);
  // A 2,000-byte datagram in ~550-byte fragments against a 1,000-byte bound: its second fragment does not fit.
  const big = udpFrames(A4, B4, sipText('big', 2000), 44, { mtu: 576 }).map((d) => ({ data: d }));
  const b = decode(1, big, { fragments: { maxBytes: 1000 } });
  assert.deepEqual([b.ids, b.codes], [[], ['CAPTURE_FRAGMENT_DROPPED']]);
  assert.match(messages(b.events)[0] ?? '', /over its 1000-byte bound/);
});

test('non-SIP traffic is skipped and counted, without errors: DNS, random UDP, CRLF keep-alives, ICMP; ports filter', () => {
  const dns = Buffer.from('1234010000010000000000000377777706676f6f676c6503636f6d0000010001', 'hex');
  const frames: Frame[] = [
    { data: (udpFrames({ ip: A4.ip, port: 40000 }, { ip: B4.ip, port: 53 }, dns, 1)[0]) as Buffer },
    { data: (udpFrames(A4, B4, Buffer.from('HEP3 is not SIP at all'), 2)[0]) as Buffer },
    { data: (udpFrames(A4, B4, Buffer.from('\r\n\r\n'), 3)[0]) as Buffer },
    { data: (udpFrames(A4, B4, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 4)[0]) as Buffer },
    { data: (udpFrames(A4, B4, sipText('yes'), 5)[0]) as Buffer },
  ];
  const icmp = Buffer.from(frames[0]?.data ?? Buffer.alloc(0));
  icmp[14 + 9] = 1;
  frames.push({ data: icmp });
  const r = decode(1, frames);
  assert.deepEqual([r.ids, r.codes], [['yes'], []]);
  assert.deepEqual([r.x.stats.nonSip, r.x.stats.keepalives, r.x.stats.otherProtocol, r.x.stats.sip], [3, 1, 1, 1]);
  assert.deepEqual(decode(1, frames, { ports: [5080] }).ids, []);
  assert.deepEqual(decode(1, frames, { ports: [5070] }).ids, ['yes']);
});

test('a SIP datagram cut by the snapshot length is an error with its packet number; malformed headers too', () => {
  const full = (udpFrames(A4, B4, sipText('cut', 500), 1)[0]) as Buffer;
  const r = decode(1, [{ data: full.subarray(0, 300), origLen: full.length }]);
  assert.deepEqual([r.ids, r.codes], [[], ['CAPTURE_PACKET_CUT']]);
  const e = r.events[0];
  assert.ok(e?.type === 'error' && e.packetIndex === 1 && /packet 1/.test(e.message));
  const badIhl = Buffer.from(full);
  badIhl[14] = 0x43;
  assert.deepEqual(decode(1, [{ data: badIhl }]).codes, ['CAPTURE_BAD_PACKET']);
  assert.deepEqual(decode(1, [{ data: full.subarray(0, 20) }]).codes, ['CAPTURE_BAD_PACKET']);
});

test('fast-check: arbitrary bytes, and valid files of arbitrary frames, give only events — no throw, bounded time', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
      const { sip, errors } = await collect(once(Buffer.from(bytes)));
      assert.equal(sip.length, 0);
      assert.ok(errors.length >= 1 && errors.every((e) => e.type === 'error'));
    }),
    { numRuns: 200 },
  );
  const t0 = Date.now();
  fc.assert(
    fc.property(fc.constantFrom(0, 1, 12, 101, 108, 113, 228, 229, 276), fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (lt, frames) => {
      const r = decode(lt, frames.map((d) => ({ data: d })));
      assert.ok(r.events.every((e) => e.type === 'error' || e.type === 'sip'));
    }),
    { numRuns: 500 },
  );
  assert.ok(Date.now() - t0 < 20_000);
});

test('IPv4 endpoints are shared objects per address and port (frozen), with the same text as before', () => {
  const frames = [...udpFrames(A4, B4, sipText('a'), 1), ...udpFrames(B4, A4, sipText('b'), 2), ...udpFrames(A4, B4, sipText('c'), 3)];
  const r = decode(1, frames.map((data) => ({ data })));
  const [a, b, c] = r.events;
  assert.ok(a?.type === 'sip' && b?.type === 'sip' && c?.type === 'sip');
  assert.deepEqual([a.src, a.dst], [b.dst, b.src]);
  assert.equal(a.src, c.src, 'one object per endpoint');
  assert.equal(a.src, b.dst);
  assert.ok(Object.isFrozen(a.src));
  assert.deepEqual(a.src, { ip: '192.0.2.1', port: 5060 });
});

test('the endpoint cache is bounded and never mixes endpoints up: 3000 sources, each seen twice', () => {
  const frames: Buffer[] = [];
  const want: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 3000; i++) {
      const src = { ip: Uint8Array.from([10, (i >> 8) & 255, i & 255, round + 1]), port: 5060 + (i % 7) };
      frames.push(...udpFrames(src, B4, sipText(`c${i}`), i + 1));
      want.push(`10.${(i >> 8) & 255}.${i & 255}.${round + 1}:${5060 + (i % 7)}`);
    }
  }
  const r = decode(1, frames.map((data) => ({ data })));
  const got = r.events.map((e) => (e.type === 'sip' ? `${e.src.ip}:${e.src.port}` : e.code));
  assert.deepEqual(got, want);
});

test('the endpoint cache keys on address and port: one source address, alternating ports', () => {
  const frames: Buffer[] = [];
  const want: string[] = [];
  for (let i = 0; i < 20; i++) {
    const port = i % 2 === 0 ? 5060 : 5061;
    frames.push(...udpFrames({ ip: A4.ip, port }, { ip: B4.ip, port: 5070 + (i % 2) }, sipText(`p${i}`), i + 1));
    want.push(`192.0.2.1:${port} > 192.0.2.2:${5070 + (i % 2)}`);
  }
  const r = decode(1, frames.map((data) => ({ data })));
  const got = r.events.map((e) => (e.type === 'sip' ? `${e.src.ip}:${e.src.port} > ${e.dst.ip}:${e.dst.port}` : e.code));
  assert.deepEqual(got, want);
});
