// Property tests (fast-check): encode/decode round trips over hostile values, the optional-field helpers'
// inverse, and that arbitrary or mutated input only ever makes decodeRecord throw the project's own error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ClfDecodeError } from '../../src/errors.js';
import { decodeRecord, field } from '../../src/clf/decode.js';
import { cutUtf8, encodeRecord } from '../../src/clf/encode.js';
import { decodeOptionalValue, messageField } from '../../src/clf/optional.js';
import { MANDATORY_FIELDS, MAX_FIELD_BYTES, type ClfRecord } from '../../src/clf/record.js';
import { big, binary, record } from './arbitraries.js';

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
