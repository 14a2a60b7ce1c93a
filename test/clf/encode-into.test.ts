// encodeRecordInto (src/clf/encode-into.ts) writes exactly the bytes of encodeRecord (src/clf/encode.ts):
// on the RFC vectors, on valid and on hostile random records (fast-check), and for every error (same code and message,
// thrown before anything is written). A buffer too small gets minus the record length and stays untouched.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SipclfError } from '../../src/errors.js';
import { decodeRecord } from '../../src/clf/decode.js';
import { encodeRecord, type EncodeOptions } from '../../src/clf/encode.js';
import { encodeRecordInto } from '../../src/clf/encode-into.js';
import { MANDATORY_FIELDS, UNPARSEABLE, type ClfRecord, type ClfValue, type OptionalField } from '../../src/clf/record.js';
import { binary, record, value } from './arbitraries.js';
import { RFC6873_S5, RFC7355_WS, RFC7355_WSS, vectorBytes } from './fixtures.js';

type Outcome = { bytes: Buffer } | { code: string; message: string };

function viaString(r: ClfRecord, opts?: EncodeOptions): Outcome {
  try {
    return { bytes: Buffer.from(encodeRecord(r, opts), 'latin1') };
  } catch (e) {
    assert.ok(e instanceof SipclfError, String(e));
    return { code: e.code, message: e.message };
  }
}

/**
 * encodeRecordInto at offset `at` of a buffer filled with 0xA5 and `slack` spare bytes after the record:
 * the bytes it claims, and a check that nothing outside them changed.
 */
function viaBytes(r: ClfRecord, opts: EncodeOptions | undefined, at: number, slack: number, size: number): Outcome {
  const buf = Buffer.alloc(at + size + slack, 0xa5);
  let n: number;
  try {
    n = encodeRecordInto(r, buf, at, opts);
  } catch (e) {
    assert.ok(e instanceof SipclfError, String(e));
    assert.ok(buf.every((b) => b === 0xa5), 'nothing written before a throw');
    return { code: e.code, message: e.message };
  }
  assert.equal(n, size, 'returns the bytes written');
  assert.ok(buf.subarray(0, at).every((b) => b === 0xa5), 'nothing written before offset');
  assert.ok(buf.subarray(at + n).every((b) => b === 0xa5), 'nothing written after the record');
  return { bytes: buf.subarray(at, at + n) };
}

/** Same outcome both ways; when the record encodes, a buffer one byte short gets -length and is untouched. */
function same(r: ClfRecord, opts?: EncodeOptions, at = 3, slack = 5): void {
  const want = viaString(r, opts);
  const size = 'bytes' in want ? want.bytes.length : 64;
  const got = viaBytes(r, opts, at, slack, size);
  if ('bytes' in want && 'bytes' in got) assert.ok(got.bytes.equals(want.bytes), `bytes differ:\n${want.bytes.latin1Slice()}\n${got.bytes.latin1Slice()}`);
  else assert.deepEqual(got, want);
  if ('bytes' in want) {
    const short = Buffer.alloc(at + want.bytes.length - 1, 0x5a);
    assert.equal(encodeRecordInto(r, short, at, opts), -want.bytes.length);
    assert.ok(short.every((b) => b === 0x5a), 'nothing written when it does not fit');
  }
}

const R: ClfRecord = RFC6873_S5;
const opt = (tag: number, vendor: number, v = 'x', base64 = false): ClfRecord => ({ ...R, optional: [{ tag, vendor, base64, value: v }] });

describe('encodeRecordInto: RFC vectors', () => {
  test('RFC 6873 §5 record byte-exact, at offset 0 and inside a buffer', () => {
    const s5 = vectorBytes('rfc6873-s5-clf_record.b64');
    const buf = Buffer.alloc(300);
    assert.equal(encodeRecordInto(R, buf, 0), 256);
    assert.ok(buf.subarray(0, 256).equals(s5));
    assert.equal(encodeRecordInto(R, buf, 45), -256);
    assert.equal(encodeRecordInto(R, buf, 44), 256);
    same(R, undefined, 0, 0);
    same(R, undefined, 17, 100);
  });
  test('RFC 7355 §5.1 WS and §5.2 WSS records byte-exact (the blobs carry one extra LF)', () => {
    for (const [name, model] of [['rfc7355-s5.1-ws.b64', RFC7355_WS], ['rfc7355-s5.2-wss.b64', RFC7355_WSS]] as const) {
      const blob = vectorBytes(name);
      const buf = Buffer.alloc(blob.length);
      const n = encodeRecordInto(model, buf, 0);
      assert.equal(n, blob.length - 1, name);
      assert.ok(buf.subarray(0, n).equals(blob.subarray(0, n)), name);
      assert.deepEqual(decodeRecord(buf.latin1Slice(0, n)), model);
    }
  });
  test('flags, escapes and optional fields of every kind', () => {
    same({ ...R, isRequest: false, retransmission: 'D', direction: 'S', transport: 'T', encrypted: true, status: '200', requestUri: null });
    same({ ...R, retransmission: 'S', transport: 'S', cseq: '-', status: '?', toTag: UNPARSEABLE, callId: 'a\tb\r\nc', fromTag: '%2D' });
    same(opt(0, 0, 'Contact: <sip:bob@192.0.2.4>'));
    same(opt(1, 0, 'AAAA'.repeat(100), true));
    same(opt(99, 99_999_999, 'y'.repeat(0xffff)));
    same({ ...R, optional: [] }, undefined, 0, 0);
  });
  test('a TAB, CR or LF in any one mandatory field (the others clean) becomes SP', () => {
    for (const name of MANDATORY_FIELDS) {
      for (const c of ['\t', '\r', '\n', '\r\n']) {
        same({ ...R, [name]: `a${c}b` });
        same({ ...R, [name]: c });
        same({ ...R, [name]: `${c}x`.repeat(40) });
      }
    }
  });
  test('a mandatory-field pointer above 0x0FFF (a long field under a larger cap)', () => {
    same({ ...R, toUri: 'u'.repeat(5000) }, { maxFieldBytes: 8000 });
    same({ ...R, toUri: 'u\t'.repeat(2500), callId: 'c'.repeat(7000) }, { maxFieldBytes: 8000 });
  });
  test('the 4096-byte cap inside a UTF-8 sequence, a TAB just before the cut', () => {
    for (const v of ['a'.repeat(4094) + '\t\xc3\xa9xyz', 'a'.repeat(4093) + '\t\xe2\x82\xacxyz', 'a'.repeat(4092) + '\t\xf0\x9f\x98\x80xyz', 'a'.repeat(4095) + '\t\xc3\xa9']) {
      same({ ...R, toUri: v });
      same({ ...R, callId: v, fromTag: 'a\tb' });
    }
  });
  test('timestamps: zero, the 13-digit maximum, seconds shared with the previous record', () => {
    for (const timestamp of [0, 1, 999, 1000, 1328821153010, 1328821153011, 9_999_999_999_999]) same({ ...R, timestamp });
  });
});

describe('encodeRecordInto: the same errors as encodeRecord, before writing', () => {
  test('every error code, with its message', () => {
    const cases: [ClfRecord, EncodeOptions | undefined, string][] = [
      [{ ...R, timestamp: -1 }, undefined, 'CLF_TIMESTAMP_RANGE'],
      [{ ...R, timestamp: 1e13 }, undefined, 'CLF_TIMESTAMP_RANGE'],
      [{ ...R, timestamp: 1.5 }, undefined, 'CLF_TIMESTAMP_RANGE'],
      [{ ...R, timestamp: NaN }, undefined, 'CLF_TIMESTAMP_RANGE'],
      [opt(100, 0), undefined, 'CLF_TAG_RANGE'],
      [opt(-1, 0), undefined, 'CLF_TAG_RANGE'],
      [opt(1.5, 0), undefined, 'CLF_TAG_RANGE'],
      [opt(1, 100_000_000), undefined, 'CLF_TAG_RANGE'],
      [opt(1, 0, 'x'.repeat(0x10000)), undefined, 'CLF_VALUE_TOO_LONG'],
      [opt(1, 0, 'a\tb'), undefined, 'CLF_BAD_VALUE'],
      [opt(1, 0, 'a\nb'), undefined, 'CLF_BAD_VALUE'],
      [{ ...R, transport: 'X' as 'U' }, undefined, 'CLF_BAD_VALUE'],
      [{ ...R, retransmission: 'o' as 'O' }, undefined, 'CLF_BAD_VALUE'],
      [{ ...R, optional: Array.from({ length: 300 }, () => ({ tag: 2, vendor: 0, base64: false, value: 'z'.repeat(0xffff) })) }, undefined, 'CLF_RECORD_TOO_LONG'],
      [{ ...R, toUri: 'a'.repeat(40000), callId: 'b'.repeat(40000) }, { maxFieldBytes: 50000 }, 'CLF_POINTER_OVERFLOW'],
      [{ ...R, clientTxn: 'c'.repeat(0xffff) }, { maxFieldBytes: 0x10000 }, 'CLF_POINTER_OVERFLOW'],
      // Several problems at once: the first one encodeRecord checks wins.
      [{ ...R, transport: 'X' as 'U', timestamp: -1 }, undefined, 'CLF_BAD_VALUE'],
      [{ ...R, timestamp: -1, optional: [{ tag: 100, vendor: 0, base64: false, value: '' }] }, undefined, 'CLF_TIMESTAMP_RANGE'],
      [{ ...R, toUri: 'a'.repeat(70000), optional: [{ tag: 100, vendor: 0, base64: false, value: '' }] }, { maxFieldBytes: 1e6 }, 'CLF_POINTER_OVERFLOW'],
    ];
    for (const [r, o, c] of cases) {
      const want = viaString(r, o);
      assert.equal('code' in want && want.code, c);
      same(r, o);
    }
  });
});

/** Any code unit, not just octets: a caller may pass ordinary text by mistake; both encoders keep the low byte. */
const wide: fc.Arbitrary<ClfValue> = fc.oneof(value, fc.string({ maxLength: 20, unit: 'binary' }), fc.constantFrom('\u0109', '\u010a', '\u{1F600}'));
const rawOptional: fc.Arbitrary<OptionalField> = fc.record({
  tag: fc.oneof(fc.integer({ min: 0, max: 99 }), fc.constantFrom(-1, 100, 2.5)),
  vendor: fc.oneof(fc.integer({ min: 0, max: 99_999_999 }), fc.constantFrom(-1, 100_000_000)),
  base64: fc.boolean(),
  value: fc.oneof(binary(30), fc.constantFrom('', 'x'.repeat(0xffff), 'x'.repeat(0x10000))),
});
const hostile: fc.Arbitrary<ClfRecord> = fc
  .tuple(
    record,
    fc.option(fc.constantFrom(-1, 1.5, 1e13, 9_999_999_999_999, 0, 999), { nil: undefined }),
    fc.option(fc.constantFrom('X', 'o', ''), { nil: undefined }),
    fc.option(fc.array(rawOptional, { maxLength: 3 }), { nil: undefined }),
    fc.option(wide, { nil: undefined }),
  )
  .map(([r, timestamp, badFlag, raw, w]) => ({
    ...r,
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(badFlag === undefined ? {} : { direction: badFlag as 'S' }),
    ...(raw === undefined ? {} : { optional: [...r.optional, ...raw] }),
    ...(w === undefined ? {} : { fromUri: w }),
  }));
const options: fc.Arbitrary<EncodeOptions | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(0, 1, 2, 3, 10, 4096, 50000, 2.5, -1).map((maxFieldBytes) => ({ maxFieldBytes })),
);

/** Caps that never make a record of `record` fail (the default keeps every pointer below 0xFFFF). */
const validOptions: fc.Arbitrary<EncodeOptions | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(0, 1, 2, 3, 10, 4096).map((maxFieldBytes) => ({ maxFieldBytes })),
);

describe('encodeRecordInto: property', () => {
  test('bytes === Buffer.from(encodeRecord(r), "latin1") for valid records (every run encodes)', () => {
    fc.assert(
      fc.property(record, validOptions, fc.nat(7), fc.nat(3), (r, o, at, slack) => {
        assert.ok('bytes' in viaString(r, o), 'a valid record encodes');
        same(r, o, at, slack);
      }),
      { numRuns: 600 },
    );
  });
  test('hostile records: the same bytes, or the same SipclfError', () => {
    fc.assert(
      fc.property(hostile, options, fc.nat(7), fc.nat(3), (r, o, at, slack) => same(r, o, at, slack)),
      { numRuns: 600 },
    );
  });
});
