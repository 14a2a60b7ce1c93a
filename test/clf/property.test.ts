// Property tests (fast-check): encode/decode round trips over hostile values, the optional-field helpers'
// inverse, and that arbitrary or mutated input only ever makes decodeRecord throw the project's own error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ClfDecodeError } from '../../src/errors.js';
import { decodeRecord, field } from '../../src/clf/decode.js';
import { cutUtf8, encodeRecord } from '../../src/clf/encode.js';
import { bodyField, decodeOptionalValue, headerField, messageField, vendorField } from '../../src/clf/optional.js';
import { MANDATORY_FIELDS, MAX_FIELD_BYTES, UNPARSEABLE, type ClfRecord, type ClfValue, type OptionalField } from '../../src/clf/record.js';

/** Binary strings biased towards what breaks CLF: TAB, CR, LF, lone -/?, escapes, non-UTF-8 octets. */
const piece = fc.oneof(
  fc.constantFrom('\t', '\r', '\n', '\r\n', '-', '?', '%2D', '%3F', '%0D%0A', '\xff', '\xc3\xa9', '\xe2\x82', '\x00', '\x7f', ' '),
  fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
);
const binary = (maxLength: number) => fc.array(piece, { maxLength }).map((a) => a.join(''));
const big = fc.oneof(binary(40), fc.integer({ min: 4000, max: 5200 }).map((n) => 'a\r\n\t'.repeat(n / 4)), binary(40).map((s) => s.repeat(130)));
const value: fc.Arbitrary<ClfValue> = fc.oneof(fc.constant(null), fc.constant(UNPARSEABLE), binary(30), fc.constantFrom('-', '?', '%2D', '%3F', ''));

const optional: fc.Arbitrary<OptionalField[]> = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom('Contact', 'Via', 'Subject'), big).map(([n, v]) => headerField(n, v)),
      big.map((b) => bodyField('application/sdp', b)),
      big.map((m) => messageField(m)),
      fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99_999_999 }), binary(20)).map(([t, p, v]) => vendorField(t, p, v)),
    ),
    { maxLength: 3 },
  )
  .map((cs) => cs.flatMap((c) => (c.marker === undefined ? [c.field] : [c.field, c.marker])));

const record: fc.Arbitrary<ClfRecord> = fc.record({
  timestamp: fc.integer({ min: 0, max: 9_999_999_999_999 }),
  isRequest: fc.boolean(),
  retransmission: fc.constantFrom('O', 'D', 'S'),
  direction: fc.constantFrom('S', 'R'),
  transport: fc.constantFrom('U', 'T', 'S', 'W'),
  encrypted: fc.boolean(),
  cseq: value,
  status: value,
  requestUri: value,
  destination: value,
  source: value,
  toUri: fc.oneof(value, big),
  toTag: value,
  fromUri: value,
  fromTag: value,
  callId: fc.oneof(value, big),
  serverTxn: value,
  clientTxn: value,
  optional,
});

/**
 * What a record reads back as: each mandatory string value gets TAB/CR/LF → SP and the 4096-byte cap
 * (cut at a UTF-8 character boundary); `%2D` / `%3F` alone read back as `-` / `?` (RFC 6873 §4.3 gives
 * no way to log those literal texts). Optional fields are already in their written form.
 */
function normalize(r: ClfRecord): ClfRecord {
  const out: Record<string, unknown> = { ...r };
  for (const k of MANDATORY_FIELDS) {
    const v = r[k];
    if (typeof v !== 'string') continue;
    const w = cutUtf8(v.replace(/[\t\r\n]/g, ' '), MAX_FIELD_BYTES);
    out[k] = w === '%2D' ? '-' : w === '%3F' ? '?' : w;
  }
  return out as unknown as ClfRecord;
}

describe('property: round trips', () => {
  test('decodeRecord(encodeRecord(r)) deep-equals normalize(r); index access agrees', () => {
    fc.assert(
      fc.property(record, (r) => {
        const s = encodeRecord(r);
        const d = decodeRecord(s);
        assert.deepEqual(d, normalize(r));
        assert.equal(field(s, 0, 'callId'), d.callId);
        assert.equal(encodeRecord(d), s);
      }),
      { numRuns: 300 },
    );
  });
  test('decodeOptionalValue(messageField(x)) = x with TAB → SP when written as text; a prefix when capped', () => {
    fc.assert(
      fc.property(big, (x) => {
        const { field: f, marker } = messageField(x);
        assert.ok(f.value.length <= MAX_FIELD_BYTES);
        const expected = f.base64 ? x : x.replaceAll('\t', ' ');
        const got = decodeOptionalValue(f);
        if (marker === undefined) assert.equal(got, expected);
        else {
          assert.ok(expected.startsWith(got));
          assert.equal(marker.value, `02@00000000 ${x.length}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: hostile input', () => {
  const ownError = (e: unknown): boolean => e instanceof ClfDecodeError;
  test('arbitrary strings only ever throw ClfDecodeError', () => {
    const prefix = fc.constantFrom('', 'A', 'A000100,', 'A0000FF,0053');
    fc.assert(
      fc.property(prefix, fc.oneof(fc.string({ maxLength: 400 }), binary(200)), fc.nat(5), (p, s, off) => {
        try {
          decodeRecord(p + s, off);
        } catch (e) {
          assert.ok(ownError(e), String(e));
        }
      }),
      { numRuns: 500 },
    );
  });
  test('single-byte mutations of a valid record decode or throw ClfDecodeError', () => {
    fc.assert(
      fc.property(record, fc.nat(), fc.integer({ min: 0, max: 255 }), (r, at, c) => {
        const s = encodeRecord(r);
        const i = at % s.length;
        const m = s.slice(0, i) + String.fromCharCode(c) + s.slice(i + 1);
        try {
          decodeRecord(m);
          for (const name of MANDATORY_FIELDS) field(m, 0, name);
        } catch (e) {
          assert.ok(ownError(e), String(e));
        }
      }),
      { numRuns: 300 },
    );
  });
});
