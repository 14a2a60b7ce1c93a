/**
 * StreamFramer (src/sip/framer.ts): Content-Length framing on streams (RFC 3261 §18.3), keep-alives
 * (RFC 5626 §3.5.1), limits, failure, and invariance under any chunking, on hand-made cases and on the
 * RFC 4475 torture messages.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { ErrorCode } from '../../src/errors.js';
import { StreamFramer } from '../../src/sip/framer.js';
import type { FrameEvent } from '../../src/sip/framer.js';
import type { ParseLimits } from '../../src/sip/limits.js';

// --- helpers ------------------------------------------------------------------------------------------------

type Ev =
  | { type: 'message'; offset: number; text: string }
  | { type: 'keepalive'; kind: 'ping' | 'pong'; offset: number }
  | { type: 'error'; code: ErrorCode; offset: number };

/** Comparable view of an event (bytes as latin1 text, errors as code + offset). */
function view(e: FrameEvent): Ev {
  if (e.type === 'message') return { type: 'message', offset: e.offset, text: e.bytes.toString('latin1') };
  if (e.type === 'keepalive') return { type: 'keepalive', kind: e.kind, offset: e.offset };
  return { type: 'error', code: e.error.code, offset: e.error.offset };
}

/** Everything a framer emits for `chunks` followed by end(). */
function frame(chunks: readonly Buffer[], limits?: Partial<ParseLimits>): FrameEvent[] {
  const f = new StreamFramer(limits);
  const out: FrameEvent[] = [];
  for (const c of chunks) out.push(...f.push(c));
  out.push(...f.end());
  return out;
}

/** Full identity of an event: type, offset, exact bytes, error code, offset and message. */
function fullView(e: FrameEvent): unknown {
  if (e.type === 'error') return { type: 'error', code: e.error.code, offset: e.error.offset, message: e.error.message };
  return e;
}

function b(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** A request with the given header lines and body; `eol` is the line end used throughout. */
function msg(headers: readonly string[], body = '', eol = '\r\n'): string {
  return ['OPTIONS sip:u@example.com SIP/2.0', 'Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK1', ...headers]
    .map((l) => l + eol)
    .join('') + eol + body;
}

/** Offset of the first header line after the Via in `msg(...)`. */
const HDR = msg([]).length - 2;
const M1 = msg(['Content-Length: 4'], 'abcd');
const M2 = msg(['l: 0']);

const m = (offset: number, text: string): Ev => ({ type: 'message', offset, text });
const ping = (offset: number): Ev => ({ type: 'keepalive', kind: 'ping', offset });
const pong = (offset: number): Ev => ({ type: 'keepalive', kind: 'pong', offset });
const err = (code: ErrorCode, offset: number): Ev => ({ type: 'error', code, offset });

/** Every way of cutting `input` in two, plus one byte at a time, must give `expected` exactly. */
function assertChunkingInvariant(input: Buffer, limits?: Partial<ParseLimits>): FrameEvent[] {
  const whole = frame([input], limits);
  const expected = whole.map(fullView);
  for (let cut = 0; cut <= input.length; cut++) {
    const split = frame([input.subarray(0, cut), input.subarray(cut)], limits).map(fullView);
    assert.deepEqual(split, expected, `split at ${cut}`);
  }
  const bytes: Buffer[] = [];
  for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1));
  assert.deepEqual(frame(bytes, limits).map(fullView), expected, 'one byte per chunk');
  return whole;
}

// --- table-driven cases ---------------------------------------------------------------------------------------

interface Case {
  name: string;
  input: string | readonly string[];
  limits?: Partial<ParseLimits>;
  expected: readonly Ev[];
}

const longLine = (n: number): string => 'X-Long: ' + 'a'.repeat(n - 8);

const cases: readonly Case[] = [
  { name: 'single message', input: M1, expected: [m(0, M1)] },
  { name: 'two back-to-back messages in one chunk', input: M1 + M2, expected: [m(0, M1), m(M1.length, M2)] },
  { name: 'message with an empty body', input: M2, expected: [m(0, M2)] },
  { name: 'leading CRLF (a pong) is skipped, never part of the message', input: '\r\n' + M1, expected: [pong(0), m(2, M1)] },
  {
    name: 'leading CRLF×3: a ping then a pong (greedy pairing)',
    input: '\r\n\r\n\r\n' + M1,
    expected: [ping(0), pong(4), m(6, M1)],
  },
  {
    name: 'CRLFCRLF between messages is a ping',
    input: M1 + '\r\n\r\n' + M2,
    expected: [m(0, M1), ping(M1.length), m(M1.length + 4, M2)],
  },
  {
    name: 'CRLF×4 between messages is two pings',
    input: M1 + '\r\n\r\n\r\n\r\n' + M2,
    expected: [m(0, M1), ping(M1.length), ping(M1.length + 4), m(M1.length + 8, M2)],
  },
  {
    name: 'a lone CRLF before a start line is a pong',
    input: M1 + '\r\n' + M2,
    expected: [m(0, M1), pong(M1.length), m(M1.length + 2, M2)],
  },
  { name: 'a lone CRLF at the end of the stream is a pong', input: M1 + '\r\n', expected: [m(0, M1), pong(M1.length)] },
  { name: 'a ping at the end of the stream', input: M1 + '\r\n\r\n', expected: [m(0, M1), ping(M1.length)] },
  { name: 'only keep-alives', input: '\r\n\r\n\r\n', expected: [ping(0), pong(4)] },
  { name: 'bare LF keep-alives pair like CRLF', input: '\n\r\n\n' + M2, expected: [ping(0), pong(3), m(4, M2)] },
  { name: 'empty stream', input: '', expected: [] },
  { name: 'compact l:', input: msg(['l: 3'], 'xyz'), expected: [m(0, msg(['l: 3'], 'xyz'))] },
  { name: 'upper-case compact L:3', input: msg(['L:3'], 'xyz'), expected: [m(0, msg(['L:3'], 'xyz'))] },
  { name: 'mixed-case long name', input: msg(['cONTENT-lENGTH: 3'], 'xyz'), expected: [m(0, msg(['cONTENT-lENGTH: 3'], 'xyz'))] },
  {
    name: 'Content-Length with whitespace before the colon',
    input: msg(['Content-Length \t : 2'], 'ab'),
    expected: [m(0, msg(['Content-Length \t : 2'], 'ab'))],
  },
  {
    name: 'folded header before Content-Length',
    input: msg(['Subject: first', ' second', '\tthird', 'Content-Length: 2'], 'ab'),
    expected: [m(0, msg(['Subject: first', ' second', '\tthird', 'Content-Length: 2'], 'ab'))],
  },
  {
    name: 'folded Content-Length value',
    input: msg(['Content-Length:', '   2  '], 'ab'),
    expected: [m(0, msg(['Content-Length:', '   2  '], 'ab'))],
  },
  {
    name: 'leading zeros and trailing whitespace',
    input: msg(['Content-Length: 0002 \t'], 'ab'),
    expected: [m(0, msg(['Content-Length: 0002 \t'], 'ab'))],
  },
  {
    name: 'repeated Content-Length with equal values',
    input: msg(['Content-Length: 2', 'l: 02'], 'ab'),
    expected: [m(0, msg(['Content-Length: 2', 'l: 02'], 'ab'))],
  },
  {
    name: 'bare LF line ends (LF LF ends the header section)',
    input: msg(['l: 2'], 'ab', '\n') + M2,
    expected: [m(0, msg(['l: 2'], 'ab', '\n')), m(msg(['l: 2'], 'ab', '\n').length, M2)],
  },
  {
    name: 'CRLF inside the body is body, not a line end',
    input: msg(['l: 6'], '\r\n\r\nab'),
    expected: [m(0, msg(['l: 6'], '\r\n\r\nab'))],
  },
  {
    name: 'a CR not followed by LF starts a message',
    input: '\rX\r\nl: 0\r\n\r\n',
    expected: [m(0, '\rX\r\nl: 0\r\n\r\n')],
  },
  {
    name: 'names that only start like Content-Length are other headers',
    input: msg(['Content-Lengthy: 5', 'lr: 5', 'Content: 5']),
    expected: [err('SIP_MISSING_CONTENT_LENGTH', 0)],
  },
  { name: 'missing Content-Length', input: msg(['Subject: x']), expected: [err('SIP_MISSING_CONTENT_LENGTH', 0)] },
  {
    name: 'missing Content-Length on the second message',
    input: M2 + msg([]),
    expected: [m(0, M2), err('SIP_MISSING_CONTENT_LENGTH', M2.length)],
  },
  { name: 'non-numeric Content-Length', input: msg(['Content-Length: abc']), expected: [err('SIP_BAD_CONTENT_LENGTH', HDR)] },
  { name: 'negative Content-Length', input: msg(['Content-Length: -5']), expected: [err('SIP_BAD_CONTENT_LENGTH', HDR)] },
  { name: 'two numbers in Content-Length', input: msg(['l: 1 2']), expected: [err('SIP_BAD_CONTENT_LENGTH', HDR)] },
  { name: 'empty Content-Length', input: msg(['Content-Length:  ']), expected: [err('SIP_BAD_CONTENT_LENGTH', HDR)] },
  {
    name: 'duplicate Content-Length with conflicting values',
    input: msg(['Content-Length: 2', 'Subject: s', 'l: 3'], 'abc'),
    expected: [err('SIP_BAD_CONTENT_LENGTH', HDR + 19 + 12)],
  },
  { name: 'Content-Length above 2^32-1', input: msg(['l: 4294967296']), expected: [err('SIP_SCALAR_RANGE', HDR)] },
  { name: 'out of range, then not a number', input: msg(['l: 99999999999x']), expected: [err('SIP_BAD_CONTENT_LENGTH', HDR)] },
  {
    name: 'oversize: header section without an end beyond maxMessageBytes',
    input: 'OPTIONS sip:u@example.com SIP/2.0\r\n' + 'X: y\r\n'.repeat(20),
    limits: { maxMessageBytes: 100 },
    expected: [err('SIP_LIMIT_MESSAGE_SIZE', 0)],
  },
  {
    name: 'oversize: headers + Content-Length beyond maxMessageBytes, after a good message',
    input: [M2, msg(['Content-Length: 1000'])],
    limits: { maxMessageBytes: 200 },
    expected: [m(0, M2), err('SIP_LIMIT_MESSAGE_SIZE', M2.length)],
  },
  {
    name: 'a message of exactly maxMessageBytes is accepted',
    input: msg(['l: 10'], '0123456789'),
    limits: { maxMessageBytes: msg(['l: 10'], '0123456789').length },
    expected: [m(0, msg(['l: 10'], '0123456789'))],
  },
  {
    name: 'overlong header line',
    input: msg([longLine(101), 'l: 0']),
    limits: { maxLineBytes: 100 },
    expected: [err('SIP_LIMIT_LINE_LENGTH', HDR)],
  },
  {
    name: 'a line of exactly maxLineBytes is accepted',
    input: msg([longLine(100), 'l: 0']),
    limits: { maxLineBytes: 100 },
    expected: [m(0, msg([longLine(100), 'l: 0']))],
  },
  {
    name: 'overlong folded header (continuations count, line ends do not)',
    input: msg(['X-Folded: ' + 'a'.repeat(40), ' ' + 'b'.repeat(50), 'l: 0']),
    limits: { maxLineBytes: 100 },
    expected: [err('SIP_LIMIT_LINE_LENGTH', HDR)],
  },
  {
    name: 'a folded header of exactly maxLineBytes is accepted',
    input: msg(['X-Folded: ' + 'a'.repeat(40), ' ' + 'b'.repeat(49), 'l: 0']),
    limits: { maxLineBytes: 100 },
    expected: [m(0, msg(['X-Folded: ' + 'a'.repeat(40), ' ' + 'b'.repeat(49), 'l: 0']))],
  },
  {
    name: 'overlong start line',
    input: 'OPTIONS sip:' + 'u'.repeat(200) + '@example.com SIP/2.0\r\nl: 0\r\n\r\n',
    limits: { maxLineBytes: 100 },
    expected: [err('SIP_LIMIT_LINE_LENGTH', 0)],
  },
  {
    name: 'too many header lines',
    input: msg(['A: 1', 'B: 2', 'l: 0']),
    limits: { maxHeaders: 3 },
    expected: [err('SIP_LIMIT_HEADER_COUNT', HDR + 6 + 6)],
  },
  {
    name: 'exactly maxHeaders header lines (a folded header counts once)',
    input: msg(['A: 1', ' 1', 'l: 0']),
    limits: { maxHeaders: 3 },
    expected: [m(0, msg(['A: 1', ' 1', 'l: 0']))],
  },
  { name: 'end() inside the start line', input: 'OPTIONS sip:u@exa', expected: [err('SIP_NO_HEADER_END', 0)] },
  { name: 'end() inside the header section', input: M1.slice(0, 90), expected: [err('SIP_NO_HEADER_END', 0)] },
  { name: 'end() after a lone CR', input: M2 + '\r', expected: [m(0, M2), err('SIP_NO_HEADER_END', M2.length)] },
  {
    name: 'end() inside the body',
    input: M2 + '\r\n\r\n' + M1.slice(0, -1),
    expected: [m(0, M2), ping(M2.length), err('SIP_BODY_TRUNCATED', M2.length + 4)],
  },
  {
    name: 'input after a failure is ignored',
    input: [msg(['l: -1']), M1, M2],
    expected: [err('SIP_BAD_CONTENT_LENGTH', HDR)],
  },
];

void describe('StreamFramer: cases', () => {
  for (const c of cases) {
    void it(c.name, () => {
      const chunks = (typeof c.input === 'string' ? [c.input] : c.input).map(b);
      assert.deepEqual(frame(chunks, c.limits).map(view), c.expected);
      assertChunkingInvariant(Buffer.concat(chunks), c.limits);
    });
  }
});

void describe('StreamFramer: behaviour', () => {
  void it('reports limits before the body arrives', () => {
    const f = new StreamFramer({ maxMessageBytes: 200 });
    const ev = f.push(b(msg(['Content-Length: 500'])));
    assert.deepEqual(ev.map(view), [err('SIP_LIMIT_MESSAGE_SIZE', 0)]);
    assert.equal(f.failed, true);
    assert.equal(f.buffered, 0);
  });

  void it('after a failure: push and end return nothing, failed stays set', () => {
    const f = new StreamFramer();
    assert.equal(f.failed, false);
    const ev = f.push(b(msg([])));
    assert.equal(ev.length, 1);
    const e = ev[0];
    assert.ok(e?.type === 'error');
    assert.equal(e.error.code, 'SIP_MISSING_CONTENT_LENGTH');
    assert.equal(e.error.name, 'SipParseError');
    assert.equal(e.error.status, 400);
    assert.equal(f.failed, true);
    assert.deepEqual(f.push(b(M1)), []);
    assert.deepEqual(f.end(), []);
    assert.equal(f.buffered, 0);
  });

  void it('end() is final: later input is ignored, failed only after an error', () => {
    const f = new StreamFramer();
    assert.deepEqual(f.push(b(M1)).map(view), [m(0, M1)]);
    assert.deepEqual(f.end(), []);
    assert.equal(f.failed, false);
    assert.deepEqual(f.push(b(M1)), []);
    assert.deepEqual(f.end(), []);
  });

  void it('buffered counts the bytes of the unfinished message only', () => {
    const f = new StreamFramer();
    assert.equal(f.buffered, 0);
    f.push(b('\r\n\r\n\r\n'));
    assert.equal(f.buffered, 0);
    f.push(b(M1.slice(0, 50)));
    assert.equal(f.buffered, 50);
    f.push(b(M1.slice(50, -2)));
    assert.equal(f.buffered, M1.length - 2);
    assert.deepEqual(f.push(b(M1.slice(-2) + M2.slice(0, 10))).map(view), [m(6, M1)]);
    assert.equal(f.buffered, 10);
  });

  void it('a message inside one chunk is a subarray of it (no copy)', () => {
    const chunk = b(M1 + M2);
    const ev = new StreamFramer().push(chunk);
    assert.equal(ev.length, 2);
    for (const e of ev) {
      assert.ok(e.type === 'message');
      assert.equal(e.bytes.buffer, chunk.buffer);
    }
  });

  void it('messages stay valid after later pushes', () => {
    const f = new StreamFramer();
    const first: FrameEvent[] = [];
    // M1 spans three chunks, so it is joined; M2 then arrives in pieces over reused-looking chunks.
    first.push(...f.push(b(M1.slice(0, 40))), ...f.push(b(M1.slice(40, 100))), ...f.push(b(M1.slice(100) + M2.slice(0, 7))));
    assert.deepEqual(first.map(view), [m(0, M1)]);
    const later = [...f.push(b(M2.slice(7))), ...f.push(b(M1)), ...f.push(b(M1.slice(0, 30)))];
    assert.deepEqual(later.map(view), [m(M1.length, M2), m(M1.length + M2.length, M1)]);
    assert.deepEqual(first.map(view), [m(0, M1)]);
  });

  void it('empty chunks change nothing', () => {
    const f = new StreamFramer();
    assert.deepEqual(f.push(Buffer.alloc(0)), []);
    assert.deepEqual([...f.push(b(M1)), ...f.push(Buffer.alloc(0))].map(view), [m(0, M1)]);
  });
});

// --- RFC 4475 torture messages ------------------------------------------------------------------------------

const vectorDir = ((): string => {
  const inRepo = fileURLToPath(new URL('../../../test/vectors/rfc4475/', import.meta.url));
  return existsSync(inRepo) ? inRepo : '/work/shared/testdata/rfc4475/';
})();
const vectorNames = readdirSync(vectorDir)
  .filter((n) => n.endsWith('.dat'))
  .sort();
const vector = (name: string): Buffer => readFileSync(vectorDir + name);

/**
 * Vectors that are not exactly one well-framed message, with the framer's verdict. All others must frame to
 * exactly one message: the whole file, whose length is header section + Content-Length.
 */
const special: Readonly<Record<string, readonly Ev[]>> = {
  // Content-Length 9999, far more than the 154 body bytes present (RFC 4475 §3.1.2.?, "clerr").
  'clerr.dat': [err('SIP_BODY_TRUNCATED', 0)],
  // Content-Length: -999.
  'ncl.dat': [err('SIP_BAD_CONTENT_LENGTH', 310)],
  // Content-Length: 13 and Content-Length: 5.
  'mcl01.dat': [err('SIP_BAD_CONTENT_LENGTH', 268)],
  // An RFC 2543 request without Content-Length: mandatory on streams (RFC 3261 §18.3).
  'inv2543.dat': [err('SIP_MISSING_CONTENT_LENGTH', 0)],
  // The stored vector ends after its last header line, without the empty line.
  'baddn.dat': [err('SIP_NO_HEADER_END', 0)],
};

/** Header section length and Content-Length of a vector, found independently of the framer. */
function declared(buf: Buffer): { headerEnd: number; contentLength: number } {
  const headerEnd = buf.indexOf('\r\n\r\n') + 4;
  const text = buf.subarray(0, headerEnd).toString('latin1');
  const found = [...text.matchAll(/^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*\r$/gim)].map((x) => Number(x[1]));
  assert.equal(found.length, 1, 'one Content-Length');
  return { headerEnd, contentLength: found[0] as number };
}

void describe('StreamFramer: RFC 4475 vectors', () => {
  void it('finds the vectors', () => {
    assert.ok(vectorNames.length >= 40, `${vectorNames.length} vectors in ${vectorDir}`);
  });

  for (const name of vectorNames) {
    void it(`${name}: frames to its Content-Length, the same under every chunking`, () => {
      const buf = vector(name);
      const events = assertChunkingInvariant(buf);
      const expected = special[name];
      if (expected !== undefined) {
        assert.deepEqual(events.map(view), expected);
      } else if (name === 'dblreq.dat') {
        // A REGISTER (Content-Length: 0), a CRLF, then an INVITE whose body is 5 bytes longer than its
        // Content-Length of 150: on a stream those 5 bytes ("C" CRLF CRLF) start a message of their own.
        const register = declared(buf);
        assert.equal(register.contentLength, 0);
        const invite = declared(buf.subarray(register.headerEnd + 2));
        const inviteEnd = register.headerEnd + 2 + invite.headerEnd + invite.contentLength;
        assert.deepEqual(events.map(view), [
          m(0, buf.subarray(0, register.headerEnd).toString('latin1')),
          pong(register.headerEnd),
          m(register.headerEnd + 2, buf.subarray(register.headerEnd + 2, inviteEnd).toString('latin1')),
          err('SIP_MISSING_CONTENT_LENGTH', inviteEnd),
        ]);
        assert.equal(buf.subarray(inviteEnd).toString('latin1'), 'C\r\n\r\n');
      } else {
        const { headerEnd, contentLength } = declared(buf);
        assert.equal(headerEnd + contentLength, buf.length, 'the vector is one framed message');
        assert.equal(events.length, 1);
        const e = events[0];
        assert.ok(e?.type === 'message');
        assert.equal(e.offset, 0);
        assert.equal(e.bytes.length, headerEnd + contentLength);
        assert.ok(e.bytes.equals(buf));
      }
    });
  }

  void it('a stream of vectors with keep-alives between them frames the same under every chunking', () => {
    const names = ['test.dat', 'wsinv.dat', 'escnull.dat', 'regaut01.dat', 'mpart01.dat', 'insuf.dat', 'unreason.dat'];
    const gaps = ['\r\n\r\n', '\r\n', '', '\r\n\r\n\r\n', '\n', '\r\n\r\n\r\n\r\n'];
    const parts: Buffer[] = [];
    const expected: Ev[] = [];
    let at = 0;
    names.forEach((name, k) => {
      const v = vector(name);
      expected.push(m(at, v.toString('latin1')));
      parts.push(v);
      at += v.length;
      const gap = gaps[k % gaps.length] as string;
      const eols = gap.split('\n').length - 1;
      let p = at;
      for (let i = 0; i + 1 < eols; i += 2) {
        expected.push(ping(p));
        p += gap.startsWith('\r') ? 4 : 2;
      }
      if (eols % 2 === 1) expected.push(pong(p));
      parts.push(b(gap));
      at += gap.length;
    });
    // End on a vector the framer rejects, so the error path is split too.
    const bad = vector('ncl.dat');
    expected.push(err('SIP_BAD_CONTENT_LENGTH', at + 310));
    parts.push(bad);
    const stream = Buffer.concat(parts);
    const events = assertChunkingInvariant(stream);
    assert.deepEqual(events.map(view), expected);
  });
});
