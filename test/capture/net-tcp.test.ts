// TCP stream reassembly on crafted segments: any order, retransmissions and partial overlaps, sequence
// wrap, SYN/FIN/RST, messages split anywhere and several per segment, gaps, buffering limits, mid-stream
// starts and non-SIP streams.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, tcpFrame, type FrameAddress } from '../../src/capture/net-build.js';
import { A4, B4, A6, B6, decode, sipText } from './net-helpers.js';

interface Seg {
  seq: number;
  data: Buffer;
  flags: number;
}

/** The segments of a stream starting at `isn` (SYN first), cut at the given sizes, FIN last. */
function stream(msgs: Buffer[], isn: number, sizes: number[], syn = true, fin = true): Seg[] {
  const all = Buffer.concat(msgs);
  const segs: Seg[] = [];
  if (syn) segs.push({ seq: isn, data: Buffer.alloc(0), flags: TCP_SYN });
  let seq = (isn + 1) >>> 0;
  for (let p = 0, i = 0; p < all.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? 100);
    const data = all.subarray(p, p + n);
    segs.push({ seq, data, flags: TCP_PSH | TCP_ACK });
    seq = (seq + data.length) >>> 0;
    p += n;
  }
  if (fin) segs.push({ seq, data: Buffer.alloc(0), flags: TCP_FIN | TCP_ACK });
  return segs;
}

function frames(a: FrameAddress, b: FrameAddress, segs: Seg[]): Array<{ data: Buffer }> {
  return segs.map((s) => ({ data: tcpFrame(a, b, s.seq, 0, s.flags, s.data) }));
}

const messages = (events: readonly { type: string; message?: string }[]): string[] => events.flatMap((e) => (e.type === 'error' && e.message !== undefined ? [e.message] : []));

const MSGS = ['t1', 't2', 't3', 't4'].map((id, i) => sipText(id, i * 150));
const IDS = ['t1', 't2', 't3', 't4'];

test('in order, split at every size, several messages per segment, IPv4 and IPv6; reported at the completing packet', () => {
  for (const [a, b] of [
    [A4, B4],
    [A6, B6],
  ] as const) {
    for (const sizes of [[1], [7, 300], [10_000], [3, 1, 4, 1, 5, 9, 2, 6]]) {
      const r = decode(1, frames(a, b, stream(MSGS, 1000, sizes)));
      assert.deepEqual([r.ids, r.codes], [IDS, []], `sizes ${sizes.join(',')}`);
    }
  }
  const r = decode(1, frames(A4, B4, stream([MSGS[0] as Buffer], 5, [100])));
  const last = r.events.at(-1);
  assert.ok(last?.type === 'sip' && last.transport === 'tcp' && last.index === 1 + Math.ceil((MSGS[0] as Buffer).length / 100));
});

test('fast-check: any order, retransmissions and overlapping re-segmentation, sequence wrap → the same messages', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom(1000, 0xffffffff - 500, 0xffffff00),
      fc.infiniteStream(fc.nat()),
      fc.array(fc.tuple(fc.nat(3000), fc.integer({ min: 1, max: 300 })), { maxLength: 4 }),
      (sizes, isn, rnd, retrans) => {
        const segs = stream(MSGS, isn, sizes);
        const body = segs.slice(1, -1);
        const it = rnd[Symbol.iterator]();
        // Shuffle the data segments (SYN stays first, FIN last), then add retransmitted slices anywhere.
        for (let i = body.length - 1; i > 0; i--) {
          const j = (it.next().value as number) % (i + 1);
          [body[i], body[j]] = [body[j] as Seg, body[i] as Seg];
        }
        const all = Buffer.concat(MSGS);
        for (const [off, len] of retrans) {
          const o = off % all.length;
          const at = (it.next().value as number) % (body.length + 1);
          body.splice(at, 0, { seq: (isn + 1 + o) >>> 0, data: all.subarray(o, o + len), flags: TCP_ACK });
        }
        const r = decode(1, frames(A4, B4, [segs[0] as Seg, ...body, segs.at(-1) as Seg]));
        assert.deepEqual([r.ids, r.codes], [IDS, []]);
      },
    ),
    { numRuns: 150 },
  );
});

test('retransmissions are counted, not delivered twice; a mid-stream capture hunts for the first start line', () => {
  const segs = stream(MSGS, 42, [200]);
  const dup = [...segs.slice(0, 3), segs[1] as Seg, segs[2] as Seg, ...segs.slice(3)];
  const r = decode(1, frames(A4, B4, dup));
  assert.deepEqual([r.ids, r.codes, r.x.stats.tcpStreams.retransmitted], [IDS, [], 2]);
  // Start in the middle of t2: t2 is lost, t3 and t4 are found.
  const all = Buffer.concat(MSGS);
  const t2 = all.indexOf('OPTIONS', (MSGS[0] as Buffer).length);
  const mid = stream([all.subarray(t2 + 40)], 7000, [97], false);
  const m = decode(1, frames(A4, B4, mid));
  assert.deepEqual([m.ids, m.codes], [['t3', 't4'], []]);
});

test('a lost segment: a CAPTURE_TCP_GAP, and framing restarts at the next start line', () => {
  const segs = stream(MSGS, 1, [120]);
  const lost = segs.filter((_, i) => i !== 3);
  const r = decode(1, frames(A4, B4, lost));
  // Segment 3 holds bytes 240-359, inside t2 (bytes 212-575): t2 is lost, the others are not.
  assert.deepEqual([r.ids, r.codes], [['t1', 't3', 't4'], ['CAPTURE_TCP_GAP']]);
  // Same with a tiny per-flow buffer: the gap is declared while reading, not at the end.
  const small = decode(1, frames(A4, B4, lost), { tcp: { maxFlowBytes: 300 } });
  assert.ok(small.codes.includes('CAPTURE_TCP_GAP'));
  assert.ok(small.ids.includes('t4'));
  assert.ok(small.x.buffered === 0);
});

test('segments in descending order reassemble; one-byte floods are bounded by their cost (160 B each) and by 8,192 held', () => {
  // One message, one byte per segment, last byte first: every segment but the first is held until the first comes.
  const segs = stream([sipText('desc')], 5000, [1], true, false);
  const desc = [segs[0] as Seg, ...segs.slice(1).reverse()];
  const r = decode(1, frames(A4, B4, desc));
  assert.deepEqual([r.ids, r.codes], [['desc'], []]);
  // 10,000 one-byte segments, descending, the first byte never sent. Once the bound is crossed the hole is given
  // up and the held bytes delivered; everything after that is behind the stream's position (a retransmission).
  const flood: Seg[] = [{ seq: 1000, data: Buffer.alloc(0), flags: TCP_SYN }];
  for (let k = 10_001; k >= 2; k--) flood.push({ seq: 1000 + k, data: Buffer.from('x'), flags: TCP_ACK });
  // Default 1 MiB per direction, each segment costing 1 + 160 bytes: crossed at the 6,513th.
  const f = decode(1, frames(A4, B4, flood));
  assert.deepEqual([f.ids, f.codes], [[], ['CAPTURE_TCP_GAP']]);
  assert.equal(f.x.stats.tcpStreams.retransmitted, 10_000 - Math.floor((1 << 20) / 161) - 1);
  assert.equal(f.x.buffered, 0);
  // A larger byte bound: the 8,192-segment bound stops it at the 8,193rd.
  const g = decode(1, frames(A4, B4, flood), { tcp: { maxFlowBytes: 1 << 30 } });
  assert.deepEqual([g.ids, g.codes], [[], ['CAPTURE_TCP_GAP']]);
  assert.equal(g.x.stats.tcpStreams.retransmitted, 10_000 - 8193);
});

test('RST ends a stream (an unfinished message is reported); a new SYN on the same 4-tuple starts a new one', () => {
  const one = sipText('one');
  const segs: Seg[] = [
    { seq: 100, data: Buffer.alloc(0), flags: TCP_SYN },
    { seq: 101, data: one.subarray(0, 50), flags: TCP_ACK },
    { seq: 151, data: Buffer.alloc(0), flags: TCP_RST },
    ...stream([sipText('two')], 9000, [64]),
  ];
  const r = decode(1, frames(A4, B4, segs));
  assert.deepEqual([r.ids, r.codes], [['two'], ['SIP_NO_HEADER_END']]);
});

test('a framing error (no Content-Length on a stream) is reported with its packet and framing restarts', () => {
  const bad = Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: bad\r\n\r\n');
  const r = decode(1, frames(A4, B4, stream([bad, sipText('good')], 1, [bad.length])));
  assert.deepEqual([r.ids, r.codes], [['good'], ['SIP_MISSING_CONTENT_LENGTH']]);
});

test('a framing error mid-segment: the messages after it in the same segment are still found, at any cut', () => {
  const bad = Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: bad\r\n\r\n');
  const all = [sipText('before'), bad, sipText('good'), sipText('after')];
  for (const sizes of [[100_000], [bad.length + 30], [7, 300], [1]]) {
    const r = decode(1, frames(A4, B4, stream(all, 1, sizes)));
    assert.deepEqual([r.ids, r.codes], [['before', 'good', 'after'], ['SIP_MISSING_CONTENT_LENGTH']], `sizes ${sizes.join(',')}`);
  }
  // The bad message's bytes are counted as skipped.
  const one = decode(1, frames(A4, B4, stream(all, 1, [100_000])));
  assert.equal(one.x.stats.tcpStreams.bytesSkipped, bad.length);
});

test('a full flow table ends the direction idle longest, not the oldest: a busy trunk survives a flood of SYNs', () => {
  const trunk = stream([sipText('trunk1'), sipText('trunk2')], 5000, [60]);
  const half = Math.floor(trunk.length / 2);
  const list: Array<{ data: Buffer }> = [...frames(A4, B4, trunk.slice(0, half))];
  // SYNs from new ports, the trunk sending a segment between every two of them: the table (4) keeps filling up.
  const rest = trunk.slice(half);
  for (let i = 0; i < 12; i++) {
    list.push(...frames({ ip: A4.ip, port: 40000 + i }, B4, [{ seq: 100 * i, data: Buffer.alloc(0), flags: TCP_SYN }]));
    const seg = rest.shift();
    if (seg !== undefined && i % 2 === 1) list.push(...frames(A4, B4, [seg]));
    else if (seg !== undefined) rest.unshift(seg);
  }
  list.push(...frames(A4, B4, rest));
  const r = decode(1, list.map((f, k) => ({ ...f, tsNs: BigInt(k + 1) * 1_000_000n })), { tcp: { maxFlows: 4 } });
  assert.deepEqual([r.ids, r.codes], [['trunk1', 'trunk2'], []]);
});

test('unfinished messages held by the framers count against maxTotalBytes: past it the largest is dropped (CAPTURE_TCP_GAP)', () => {
  // Three connections each sending a 3,000-byte message in 50-byte segments, interleaved, none finished until
  // the end; a 6,000-byte total bound cannot hold all three at once.
  const per = [0, 1, 2].map((i) => frames({ ip: A4.ip, port: 41000 + i }, B4, stream([sipText(`big${i}`, 3000)], 10 + i, [50])));
  const list: Array<{ data: Buffer }> = [];
  for (let k = 0; k < Math.max(...per.map((p) => p.length)); k++) for (const p of per) if (p[k] !== undefined) list.push(p[k] as { data: Buffer });
  const loose = decode(1, list);
  assert.deepEqual([loose.ids.sort(), loose.codes], [['big0', 'big1', 'big2'], []], 'the default bound holds them');
  const tight = decode(1, list, { tcp: { maxTotalBytes: 6000 } });
  assert.ok(tight.codes.length > 0 && tight.codes.every((c) => c === 'CAPTURE_TCP_GAP'), tight.codes.join(','));
  assert.match(messages(tight.events)[0] ?? '', /an unfinished message of \d+ bytes dropped \(buffering limit reached\)/);
  assert.ok(tight.ids.length < 3);
});

test('non-SIP TCP with packet loss holds nothing out of order (no buffering for a stream that is not SIP)', () => {
  const http = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n' + 'y'.repeat(200_000));
  const segs = stream([http], 1, [1400]);
  // Enough in order for the stream to be found not SIP (huntBytes), then a segment lost for good.
  const lost = segs.splice(60, 1);
  assert.equal(lost.length, 1);
  const r = decode(1, frames(A4, { ip: B4.ip, port: 80 }, segs), { tcp: { huntBytes: 16_384 } });
  assert.deepEqual([r.ids, r.codes], [[], []]);
  assert.equal(r.x.stats.tcpStreams.outOfOrder > 0, true);
  assert.equal(r.x.stats.tcpStreams.gaps, 0, 'no hole given up: nothing was held');
});

test('a segment packed with bad messages: each is reported, the good one after them is found (a loop, no recursion per error)', () => {
  const bad = Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n');
  const n = 2300; // ~60 KB: one TCP segment under the IPv4 64 KiB limit
  const r = decode(1, frames(A4, B4, stream([...Array.from({ length: n }, () => bad), sipText('good')], 1, [100_000])));
  assert.deepEqual(r.ids, ['good']);
  assert.equal(r.codes.length, n);
  assert.ok(r.codes.every((c) => c === 'SIP_MISSING_CONTENT_LENGTH'));
});

test('what follows each framing error in a segment is not copied again per error: copying stays linear in the segment', (t) => {
  const bad = Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n');
  const n = 2300;
  const frameList = frames(A4, B4, stream([...Array.from({ length: n }, () => bad), sipText('good')], 1, [100_000]));
  // Counts the bytes copied by Buffer.from(buffer) during the decode (each copy of the rest of a 60 KB segment
  // after each of 2,300 errors would come to ~66 MB).
  let copied = 0;
  const from = Buffer.from.bind(Buffer) as (...x: unknown[]) => Buffer;
  t.mock.method(Buffer, 'from', (...args: unknown[]) => {
    const a = args[0];
    if (a instanceof Uint8Array && args.length === 1) copied += a.length;
    return from(...args);
  });
  const r = decode(1, frameList);
  t.mock.restoreAll();
  assert.deepEqual(r.ids, ['good']);
  assert.equal(r.codes.length, n);
  assert.ok(copied < 4 * 64 * 1024, `${copied} bytes copied for one ~60 KB segment`);
});

test('a long healthy stream whose segments end mid-message holds one message\'s worth: no gap under a total bound it never needs', () => {
  // 200 messages of ~1,000 bytes in 1,000-byte segments: every segment ends inside a message. The framer lets go
  // of the chunks that held finished messages; a bound of 100 KB must never be reached.
  const msgs = Array.from({ length: 200 }, (_, i) => sipText(`h${i}`, 1001 - sipText(`h${i}`).length - 2)); // the body length has 3 digits, "0" had 1
  assert.ok(msgs.every((m) => m.length === 1001));
  const r = decode(1, frames(A4, B4, stream(msgs, 1, [1000])), { tcp: { maxTotalBytes: 100_000 } });
  assert.deepEqual([r.ids.length, r.codes], [200, []]);
  assert.equal(r.x.stats.tcpStreams.gaps, 0);
});

test('non-SIP TCP (HTTP, binary) is skipped without errors and without buffering', () => {
  const http = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n' + 'y'.repeat(100_000));
  const r = decode(1, frames(A4, { ip: B4.ip, port: 80 }, stream([http], 1, [1400])));
  assert.deepEqual([r.ids, r.codes], [[], []]);
  assert.ok(r.x.stats.tcpStreams.bytesSkipped >= http.length);
});

test('both directions of a connection are separate streams', () => {
  const ab = frames(A4, B4, stream([sipText('ab1'), sipText('ab2')], 10, [90]));
  const ba = frames(B4, A4, stream([sipText('ba1')], 20, [90]));
  const mixed: Array<{ data: Buffer }> = [];
  for (let i = 0; i < Math.max(ab.length, ba.length); i++) {
    const x = ab[i];
    const y = ba[i];
    if (x !== undefined) mixed.push(x);
    if (y !== undefined) mixed.push(y);
  }
  const r = decode(1, mixed);
  assert.deepEqual([r.ids.sort(), r.codes], [['ab1', 'ab2', 'ba1'], []]);
  assert.equal(r.x.stats.tcpStreams.flows, 2);
});
