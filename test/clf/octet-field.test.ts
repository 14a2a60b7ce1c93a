// octetMessageField (src/clf/octet-field.ts), the fast Tag 02 path, against messageField (optional.ts), the
// reference: for any octets it either declines (undefined) or gives exactly messageField's Value, and it declines
// exactly when messageField would base64, cut, or replace a TAB. encodeRecordInto writes the same bytes as
// encodeRecord for a record holding such a field, at every alignment of the octets in memory.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { encodeRecord } from '../../src/clf/encode.js';
import { encodeRecordInto } from '../../src/clf/encode-into.js';
import { OctetValueField, crlfOffsets, octetMessageField } from '../../src/clf/octet-field.js';
import { messageField } from '../../src/clf/optional.js';
import { MAX_FIELD_BYTES, type ClfRecord } from '../../src/clf/record.js';
import { RFC6873_S5 } from './fixtures.js';

/** Octets at `shift` bytes into a larger allocation: the Int32 word scan must not depend on alignment. */
function placed(bytes: Uint8Array, shift: number): Buffer {
  const host = Buffer.alloc(bytes.length + 8, 0x00);
  host.set(bytes, shift);
  return host.subarray(shift, shift + bytes.length);
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).latin1Slice(0, b.byteLength);

/** What the reference does with these octets: the text Value, or undefined when the fast path must decline. */
function reference(b: Uint8Array): string | undefined {
  const s = latin1(b);
  if (s.indexOf('\t') >= 0) return undefined; // TAB → SP: left to the slow path
  const c = messageField(s, b);
  if (c.field.base64 || c.marker !== undefined) return undefined;
  return c.field.value;
}

/** Octets that hit every branch: CR, LF, CRLF, TAB, `%0D%0A` and parts of it, DEL, controls, UTF-8 and broken UTF-8. */
const piece = fc.oneof(
  fc.constantFrom('\r\n', '\r\n', '\r\n', '\r', '\n', '\t', '%0D%0A', '%0D', '%', '0A', '\x7f', '\x00', '\x1f', ' ', 'é', '€', '\xff', '\xc3'),
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', ':', ';', '=', ' ', '<', '>', '@', '.'), maxLength: 40 }),
);
const octets = fc.array(piece, { maxLength: 60 }).map((parts) => {
  // Code points above 0xFF as UTF-8, the rest as single octets.
  const chunks = parts.map((p) => ([...p].some((ch) => ch.charCodeAt(0) > 0xff) || p === 'é' ? Buffer.from(p, 'utf8') : Buffer.from(p, 'latin1')));
  return new Uint8Array(Buffer.concat(chunks));
});

/** Any valid record will do: the RFC 6873 §5 one (test/clf/fixtures.ts), its optional field replaced. */
const RECORD = RFC6873_S5;

describe('octetMessageField: the fast Tag 02 path', () => {
  test('declines or agrees with messageField, at every alignment (fast-check)', () => {
    fc.assert(
      fc.property(octets, fc.integer({ min: 0, max: 7 }), (raw, shift) => {
        const b = placed(raw, shift);
        const fast = octetMessageField(b);
        const want = reference(b);
        assert.equal(fast === undefined, want === undefined, `declines exactly when the reference must (${JSON.stringify(latin1(b))})`);
        if (fast !== undefined) {
          assert.equal(fast.value, want);
          assert.equal(fast.writtenLength, (want as string).length);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('encodeRecordInto writes what encodeRecord writes for a record holding the field', () => {
    fc.assert(
      fc.property(octets, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 5 }), (raw, shift, at) => {
        const f = octetMessageField(placed(raw, shift));
        if (f === undefined) return;
        const r: ClfRecord = { ...RECORD, optional: [f] };
        const buf = Buffer.alloc(at + 8192, 0xa5);
        const n = encodeRecordInto(r, buf, at);
        const want = Buffer.from(encodeRecord({ ...RECORD, optional: [{ tag: 2, vendor: 0, base64: false, value: f.value }] }), 'latin1');
        assert.equal(n, want.length);
        assert.deepEqual(buf.subarray(at, at + n), want);
        assert.ok(buf.subarray(at + n).every((x) => x === 0xa5), 'nothing written after the record');
      }),
      { numRuns: 1000 },
    );
  });

  test('a typical message: CRLFs written %0D%0A, the LF offsets noted', () => {
    const msg = Buffer.from('OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n', 'latin1');
    const f = octetMessageField(msg);
    assert.ok(f instanceof OctetValueField);
    assert.deepEqual(f.lfs, [34, 70, 89, 91]);
    assert.equal(f.value, 'OPTIONS sip:b@example.com SIP/2.0%0D%0AVia: SIP/2.0/UDP h;branch=z9hG4bK1%0D%0AContent-Length: 0%0D%0A%0D%0A');
    assert.equal(f.tag, 2);
    assert.equal(f.vendor, 0);
    assert.equal(f.base64, false);
  });

  test('declines: lone CR, lone LF, CR at the very end, TAB, NUL, DEL, literal %0D%0A, invalid UTF-8, over the 4096-byte cap', () => {
    const no = ['a\rb', 'a\nb', 'ab\r', '\nab', 'a\tb', 'a\x00b', 'a\x7fb', 'x%0D%0Ay', 'caf\xe9'];
    for (const s of no) assert.equal(octetMessageField(Buffer.from(s, 'latin1')), undefined, JSON.stringify(s));
    assert.equal(crlfOffsets(Buffer.from('a\r', 'latin1'), 'a\r'), undefined);
    // UTF-8 is text; 4096 written bytes is the cap: 4090 octets + one CRLF = 4090 + 4 written … just within.
    assert.ok(octetMessageField(Buffer.from('café €', 'utf8')) instanceof OctetValueField);
    const atCap = Buffer.from('x'.repeat(MAX_FIELD_BYTES - 6) + '\r\n', 'latin1');
    assert.equal(octetMessageField(atCap)?.writtenLength, MAX_FIELD_BYTES);
    const over = Buffer.from('x'.repeat(MAX_FIELD_BYTES - 5) + '\r\n', 'latin1');
    assert.equal(octetMessageField(over), undefined);
  });
});
