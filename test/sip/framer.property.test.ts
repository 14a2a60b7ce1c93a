/**
 * StreamFramer properties (fast-check): a stream built from known messages and keep-alives frames to exactly
 * those events under any chunking; arbitrary bytes in arbitrary chunks only ever yield well-formed events
 * (errors as events, never an exception), frame the same however they are cut, and keep `buffered` within
 * the message limit.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import fc from 'fast-check';

import { ERRORS, SipParseError } from '../../src/errors.js';
import { StreamFramer } from '../../src/sip/framer.js';
import type { FrameEvent } from '../../src/sip/framer.js';
import type { ParseLimits } from '../../src/sip/limits.js';

// --- helpers ------------------------------------------------------------------------------------------------

/** Cuts `input` at the given points (any numbers; reduced modulo the length and sorted). */
function cut(input: Buffer, points: readonly number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (input.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of at) {
    chunks.push(input.subarray(prev, p));
    prev = p;
  }
  chunks.push(input.subarray(prev));
  return chunks;
}

/** Comparable identity of an event. */
function view(e: FrameEvent): unknown {
  if (e.type === 'error') return { type: 'error', code: e.error.code, offset: e.error.offset, message: e.error.message };
  if (e.type === 'message') return { type: 'message', offset: e.offset, bytes: e.bytes.toString('hex') };
  return { type: e.type, kind: e.kind, offset: e.offset };
}

/** Frames `chunks`, checking the framer's invariants after every push; returns all events including end(). */
function frameChecked(chunks: readonly Buffer[], limits?: Partial<ParseLimits>): FrameEvent[] {
  const max = limits?.maxMessageBytes ?? 65_535;
  const f = new StreamFramer(limits);
  const out: FrameEvent[] = [];
  for (const c of chunks) {
    const wasFailed = f.failed;
    const ev = f.push(c);
    if (wasFailed) assert.deepEqual(ev, [], 'input after a failure is ignored');
    out.push(...ev);
    assert.ok(f.buffered >= 0 && f.buffered <= max + c.length, `buffered ${f.buffered} within the limit`);
    if (f.failed) assert.equal(f.buffered, 0);
  }
  out.push(...f.end());
  assert.deepEqual(f.end(), []);
  return out;
}

/** Checks each event's shape against the stream it came from. */
function assertWellFormed(events: readonly FrameEvent[], stream: Buffer, limits?: Partial<ParseLimits>): void {
  const max = limits?.maxMessageBytes ?? 65_535;
  let pos = 0;
  events.forEach((e, k) => {
    switch (e.type) {
      case 'message':
        assert.ok(e.offset >= pos && e.bytes.length > 0 && e.bytes.length <= max);
        assert.ok(e.bytes.equals(stream.subarray(e.offset, e.offset + e.bytes.length)), 'message bytes are the stream bytes');
        pos = e.offset + e.bytes.length;
        break;
      case 'keepalive':
        assert.ok(e.kind === 'ping' || e.kind === 'pong');
        assert.ok(e.offset >= pos && e.offset < stream.length);
        assert.ok(stream[e.offset] === 0x0d || stream[e.offset] === 0x0a, 'a keep-alive starts with a line end');
        pos = e.offset + 1;
        break;
      case 'error':
        assert.ok(e.error instanceof SipParseError);
        assert.ok(e.error.code in ERRORS);
        assert.ok(e.error.offset >= 0 && e.error.offset <= stream.length);
        assert.equal(k, events.length - 1, 'an error is the last event');
        break;
      default:
        assert.fail(`unknown event ${JSON.stringify(e)}`);
    }
  });
}

const vectorDir = ((): string => {
  const inRepo = fileURLToPath(new URL('../../../test/vectors/rfc4475/', import.meta.url));
  return existsSync(inRepo) ? inRepo : '/work/shared/testdata/rfc4475/';
})();
/** RFC 4475 vectors that are exactly one well-framed message each. */
const goodVectors = ['test.dat', 'wsinv.dat', 'escnull.dat', 'regaut01.dat', 'mpart01.dat', 'insuf.dat', 'unreason.dat', 'intmeth.dat']
  .map((n) => readFileSync(vectorDir + n));

// --- generators ---------------------------------------------------------------------------------------------

const printable = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength }).map((cs) => String.fromCharCode(...cs));

/** A message with a correct Content-Length, in many spellings and line-end styles, with an arbitrary body. */
const synthMessage: fc.Arbitrary<Buffer> = fc
  .record({
    startLine: fc.constantFrom('INVITE sip:a@example.com SIP/2.0', 'SIP/2.0 200 OK', 'X'),
    eol: fc.constantFrom('\r\n', '\n'),
    clName: fc.constantFrom('Content-Length', 'l', 'L', 'content-LENGTH', 'Content-Length \t'),
    clFolded: fc.boolean(),
    clRepeat: fc.boolean(),
    zeros: fc.nat({ max: 3 }),
    before: fc.array(fc.tuple(fc.constantFrom('Subject', 'lr', 'Content-Lengthy', 'Contact', 'C', 'Via'), printable(20), fc.boolean()), {
      maxLength: 4,
    }),
    body: fc.uint8Array({ maxLength: 80 }),
  })
  .map((r) => {
    const n = '0'.repeat(r.zeros) + String(r.body.length);
    const lines: string[] = [r.startLine];
    for (const [name, value, fold] of r.before) lines.push(`${name}: ${value}` + (fold ? `${r.eol} ${value}` : ''));
    lines.push(r.clFolded ? `${r.clName}:${r.eol} ${n}` : `${r.clName}: ${n}`);
    if (r.clRepeat) lines.push(`l:${String(r.body.length)}`);
    const head = lines.map((l) => l + r.eol).join('') + r.eol;
    return Buffer.concat([Buffer.from(head, 'latin1'), r.body]);
  });

const message = fc.oneof(synthMessage, fc.constantFrom(...goodVectors));
/** A run of line ends between messages: each CRLF or bare LF. */
const eolRun = fc.array(fc.constantFrom('\r\n', '\n'), { minLength: 1, maxLength: 5 });

/** A stream of messages with optional keep-alive runs, and the events it must frame to. */
const stream = fc
  .tuple(fc.option(eolRun, { nil: undefined }), fc.array(fc.tuple(message, fc.option(eolRun, { nil: undefined })), { maxLength: 6 }))
  .map(([lead, items]) => {
    const parts: Buffer[] = [];
    const expected: unknown[] = [];
    let at = 0;
    const run = (eols: readonly string[]): void => {
      // RFC 5626 §3.5.1 as framer.ts pairs them: two line ends are a ping, a lone one is a pong.
      let p = at;
      for (let i = 0; i < eols.length; i += 2) {
        const first = eols[i] as string;
        const second = eols[i + 1];
        expected.push({ type: 'keepalive', kind: second === undefined ? 'pong' : 'ping', offset: p });
        p += first.length + (second?.length ?? 0);
      }
      const bytes = Buffer.from(eols.join(''), 'latin1');
      parts.push(bytes);
      at += bytes.length;
    };
    if (lead !== undefined) run(lead);
    for (const [msg, after] of items) {
      expected.push({ type: 'message', offset: at, bytes: msg.toString('hex') });
      parts.push(msg);
      at += msg.length;
      if (after !== undefined) run(after);
    }
    return { bytes: Buffer.concat(parts), expected };
  });

/** Bytes drawn mostly from SIP-ish fragments, so that every framer path is reached. */
const sipish: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      fc.constantFrom('\r', '\n', '\r\n', '\r\n\r\n', ' ', '\t', ':', '-', '0', '7', '99999999999', 'Content-Length', 'l', 'L', 'X: y'),
      fc.constantFrom('INVITE sip:a@b SIP/2.0\r\n', 'Content-Length: 3\r\n', 'l:0\r\n\r\n', ' folded'),
      fc.uint8Array({ maxLength: 8 }).map((u) => Buffer.from(u).toString('latin1')),
    ),
    { maxLength: 60 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

const smallLimits: fc.Arbitrary<Partial<ParseLimits> | undefined> = fc.option(
  fc.record({
    maxMessageBytes: fc.integer({ min: 1, max: 300 }),
    maxLineBytes: fc.integer({ min: 1, max: 60 }),
    maxHeaders: fc.integer({ min: 0, max: 6 }),
  }),
  { nil: undefined },
);

const cuts = fc.array(fc.nat(), { maxLength: 20 });

// --- properties ---------------------------------------------------------------------------------------------

void describe('StreamFramer properties', () => {
  void it('a stream of messages and keep-alives frames to exactly them under any chunking', () => {
    fc.assert(
      fc.property(stream, cuts, ({ bytes, expected }, points) => {
        const events = frameChecked(cut(bytes, points));
        assert.deepEqual(events.map(view), expected);
        assertWellFormed(events, bytes);
      }),
      { numRuns: 300 },
    );
  });

  void it('SIP-ish bytes under small limits: well-formed events, the same under any chunking', () => {
    fc.assert(
      fc.property(sipish, cuts, smallLimits, (bytes, points, limits) => {
        const whole = frameChecked([bytes], limits);
        const split = frameChecked(cut(bytes, points), limits);
        assert.deepEqual(split.map(view), whole.map(view));
        assertWellFormed(split, bytes, limits);
      }),
      { numRuns: 1000 },
    );
  });

  void it('arbitrary bytes in arbitrary chunks never throw and frame the same however cut', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), cuts, smallLimits, (u, points, limits) => {
        const bytes = Buffer.from(u);
        const whole = frameChecked([bytes], limits);
        const split = frameChecked(cut(bytes, points), limits);
        assert.deepEqual(split.map(view), whole.map(view));
        assertWellFormed(split, bytes, limits);
      }),
      { numRuns: 500 },
    );
  });

  void it('large inputs terminate quickly and stay within the limit', () => {
    // 4 MiB of random bytes (fails at the first limit), then 20,000 messages in 1,000-byte chunks.
    const noise = Buffer.alloc(4 << 20);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.imul(i, 2_654_435_761) >>> 24;
    const one = Buffer.concat([goodVectors[0] as Buffer, Buffer.from('\r\n\r\n')]);
    const many = Buffer.concat(Array.from({ length: 20_000 }, () => one));
    const t0 = performance.now();
    const noiseEvents = frameChecked(cut(noise, Array.from({ length: 4096 }, (_, k) => k * 1024)));
    assert.equal(noiseEvents.at(-1)?.type, 'error');
    const chunks = cut(many, Array.from({ length: Math.ceil(many.length / 1000) }, (_, k) => k * 1000));
    const events = frameChecked(chunks);
    const ms = performance.now() - t0;
    assert.equal(events.filter((e) => e.type === 'message').length, 20_000);
    assert.equal(events.filter((e) => e.type === 'keepalive').length, 20_000);
    assert.ok(ms < 5_000, `took ${ms.toFixed(0)} ms`);
  });
});
