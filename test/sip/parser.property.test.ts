// Property tests: arbitrary and mutated bytes raise only the project's own parse errors, in bounded time;
// editing then re-parsing keeps every untouched header byte-exact.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { SipclfError, SipParseError } from '../../src/errors.js';
import { MessageEditor } from '../../src/sip/editor.js';
import type { SipMessage } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';

const VECTORS = join(import.meta.dirname, '..', '..', '..', 'test', 'vectors', 'rfc4475');
const corpus = readdirSync(VECTORS)
  .filter((f) => f.endsWith('.dat'))
  .map((f) => readFileSync(join(VECTORS, f)));

/** Parse and touch every accessor; only SipParseError may escape. */
function exercise(bytes: Uint8Array): void {
  let msg: SipMessage;
  try {
    msg = parseMessage(bytes);
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
    return;
  }
  const lazy: Array<() => unknown> = [
    () => msg.uri(), () => msg.vias(), () => msg.from(), () => msg.to(), () => msg.contacts(), () => msg.routes(),
    () => msg.recordRoutes(), () => msg.require(), () => msg.proxyRequire(), () => msg.supported(), () => msg.contentType(),
    () => msg.referTo(), () => msg.targetDialog(), () => msg.replaces(), () => msg.join(), () => msg.checkAll(),
    () => msg.sessionId, () => msg.topVia, () => msg.cseq, () => msg.callId, () => msg.headers(), () => msg.values('via'),
  ];
  void msg.method;
  void msg.reason;
  for (const f of lazy) {
    try {
      f();
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
    }
  }
}

const runs = process.env['CI'] === 'true' ? 3000 : 1000;

test('arbitrary bytes only ever raise SipParseError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => exercise(b)), { numRuns: runs });
});

test('arbitrary SIP-ish text only ever raises SipParseError', () => {
  const line = fc.stringMatching(/^[A-Za-z0-9 :;,<>"@=.\\\-\t/[\]%?]{0,60}$/);
  const msg = fc.tuple(fc.constantFrom('INVITE sip:a@b SIP/2.0', 'SIP/2.0 200 OK', 'X y z'), fc.array(line, { maxLength: 20 }), fc.string());
  fc.assert(
    fc.property(msg, ([start, lines, body]) => exercise(Buffer.from(`${start}\r\n${lines.join('\r\n')}\r\n\r\n${body}`))),
    { numRuns: runs },
  );
});

test('RFC 4475 vectors with random byte mutations only raise SipParseError', () => {
  const mutation = fc.tuple(fc.nat(corpus.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }));
  fc.assert(
    fc.property(mutation, ([which, edits]) => {
      const b = Buffer.from(corpus[which] as Buffer);
      for (const [pos, val] of edits) b[pos % b.length] = val;
      exercise(b);
    }),
    { numRuns: runs },
  );
});

test('truncations of every vector only raise SipParseError', () => {
  for (const v of corpus) for (let n = 0; n <= v.length; n++) exercise(v.subarray(0, n));
});

test('pathological inputs finish in bounded time', () => {
  const cases = [
    Buffer.from(`INVITE sip:a@b SIP/2.0\r\n${'X: a\r\n'.repeat(250)}\r\n`),
    Buffer.from(`INVITE sip:a@b SIP/2.0\r\nFrom: ${'"a'.repeat(4000)}\r\n\r\n`),
    Buffer.from(`INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h${';a'.repeat(4000)}\r\n\r\n`),
    Buffer.from(`INVITE sip:a@b SIP/2.0\r\nX: a${'\r\n b'.repeat(2000)}\r\n\r\n`),
    Buffer.alloc(65535, 0x0d),
  ];
  for (const c of cases) {
    const t0 = process.hrtime.bigint();
    exercise(c);
    // Generous bound: a regression to quadratic behaviour takes seconds on these inputs.
    assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 1000, 'finished within a second');
  }
});

test('editing then re-parsing keeps every untouched header byte-exact', () => {
  const parsable = corpus.flatMap((v) => {
    try {
      const m = parseMessage(v);
      m.checkAll();
      return m.isRequest && m.viaCount > 0 ? [v] : [];
    } catch {
      return [];
    }
  });
  assert.ok(parsable.length >= 10, `enough valid requests to edit (${parsable.length})`);
  fc.assert(
    fc.property(fc.nat(parsable.length - 1), fc.subarray(['via', 'mf', 'rr', 'hdr', 'uri'] as const, { minLength: 1 }), (which, ops) => {
      const msg = parseMessage(parsable[which] as Buffer);
      const e = new MessageEditor(msg);
      const touched = new Set<string>();
      for (const op of ops) {
        if (op === 'via') e.pushVia('SIP/2.0/UDP proxy.invalid;branch=z9hG4bKprop');
        if (op === 'rr') e.insertRecordRoute('<sip:proxy.invalid;lr>');
        if (op === 'hdr') e.addHeader('X-Prop', 'yes');
        if (op === 'uri') e.setRequestUri('sip:rewritten@proxy.invalid');
        if (op === 'mf') {
          try {
            e.decrementMaxForwards();
            touched.add('max-forwards');
          } catch (err) {
            if (!(err instanceof SipclfError)) throw err;
          }
        }
      }
      const again = parseMessage(e.toBuffer());
      const after = new Set(again.headers().map((h) => h.raw.toString('latin1')));
      for (const h of msg.headers()) {
        if (touched.has(h.canonical.toLowerCase())) continue;
        assert.ok(after.has(h.raw.toString('latin1')), `untouched header kept byte-exact: ${h.name}`);
      }
      assert.deepEqual(again.body, msg.body);
    }),
    { numRuns: 300 },
  );
});
