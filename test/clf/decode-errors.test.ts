// Every decode error code of src/clf/decode.ts, each from a crafted record, asserting the specific code and
// the absolute byte offset of the problem (RFC 6873 §4 Figure 1 layout).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClfDecodeError, type ErrorCode } from '../../src/errors.js';
import { decodeRecord, field, optionalFields, recordLengthAt } from '../../src/clf/decode.js';
import { encodeRecord } from '../../src/clf/encode.js';
import type { ClfRecord } from '../../src/clf/record.js';
import { RFC6873_S5 } from './fixtures.js';

const MODEL: ClfRecord = { ...RFC6873_S5, optional: [{ tag: 0, vendor: 0, base64: false, value: 'Contact: <sip:bob@192.0.2.4>' }] };
const GOOD = encodeRecord(MODEL); // 305 bytes; optional field TAB at 255
const OPT = 255;

/** GOOD with `s` written over position `at`. */
function patch(at: number, s: string, rec = GOOD): string {
  return rec.slice(0, at) + s + rec.slice(at + s.length);
}

/** A record whose Record Length is recomputed after `edit` changed its size. */
function relength(rec: string): string {
  return 'A' + rec.length.toString(16).toUpperCase().padStart(6, '0') + rec.slice(7);
}

function throwsAt(fn: () => unknown, code: ErrorCode, offset: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ClfDecodeError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.offset, offset, `${code}: ${e.message}`);
    return true;
  });
}

describe('decodeRecord errors: code and offset', () => {
  test('the crafted base record is valid', () => {
    assert.equal(GOOD.length, 305);
    assert.deepEqual(decodeRecord(GOOD), MODEL);
    assert.deepEqual(decodeRecord('junk' + GOOD, 4), MODEL);
  });
  test('CLF_TRUNCATED: shorter than the header, or than the declared length', () => {
    throwsAt(() => decodeRecord('A0001'), 'CLF_TRUNCATED', 5);
    throwsAt(() => decodeRecord(GOOD.slice(0, 300)), 'CLF_TRUNCATED', 300);
    throwsAt(() => decodeRecord('xx' + GOOD.slice(0, 100), 2), 'CLF_TRUNCATED', 102);
  });
  test('CLF_BAD_VERSION and CLF_UNKNOWN_VERSION', () => {
    throwsAt(() => decodeRecord(patch(0, 'a')), 'CLF_BAD_VERSION', 0);
    throwsAt(() => decodeRecord(patch(0, '1')), 'CLF_BAD_VERSION', 0);
    throwsAt(() => decodeRecord(patch(0, 'B')), 'CLF_UNKNOWN_VERSION', 0);
    throwsAt(() => recordLengthAt('..' + patch(0, 'Z'), 2), 'CLF_UNKNOWN_VERSION', 2);
  });
  test('CLF_BAD_LENGTH: not hex, or below the minimum', () => {
    throwsAt(() => decodeRecord(patch(3, 'G')), 'CLF_BAD_LENGTH', 1);
    throwsAt(() => decodeRecord(patch(1, '00005D')), 'CLF_BAD_LENGTH', 1);
  });
  test('CLF_BAD_DELIMITER: "," at 7, TAB at 75 and 81', () => {
    throwsAt(() => decodeRecord(patch(7, ';')), 'CLF_BAD_DELIMITER', 7);
    throwsAt(() => decodeRecord(patch(75, ' ')), 'CLF_BAD_DELIMITER', 75);
    throwsAt(() => decodeRecord(patch(81, ' ')), 'CLF_BAD_DELIMITER', 81);
  });
  test('CLF_MISSING_LF: at 60 and at the end', () => {
    throwsAt(() => decodeRecord(patch(60, ' ')), 'CLF_MISSING_LF', 60);
    throwsAt(() => decodeRecord(patch(304, ' ')), 'CLF_MISSING_LF', 304);
  });
  test('CLF_BAD_POINTER: CSeq base, not hex, out of range, not increasing, not after a TAB', () => {
    throwsAt(() => decodeRecord(patch(8, '0054')), 'CLF_BAD_POINTER', 8);
    throwsAt(() => decodeRecord(patch(12, '00XC')), 'CLF_BAD_POINTER', 12);
    throwsAt(() => decodeRecord(patch(56, '0200')), 'CLF_BAD_POINTER', 56); // beyond the record
    throwsAt(() => decodeRecord(patch(16, '005C')), 'CLF_BAD_POINTER', 16); // R-URI = Status: not increasing
    throwsAt(() => decodeRecord(patch(16, '005F')), 'CLF_BAD_POINTER', 16); // R-URI one byte late: not after a TAB
    throwsAt(() => decodeRecord(patch(56, '00FF')), 'CLF_BAD_POINTER', 56); // points inside client-txn, not at a TAB
  });
  test('CLF_BAD_TIMESTAMP: digits and the dot', () => {
    throwsAt(() => decodeRecord(patch(63, 'x')), 'CLF_BAD_TIMESTAMP', 63);
    throwsAt(() => decodeRecord(patch(71, ',')), 'CLF_BAD_TIMESTAMP', 71);
    throwsAt(() => decodeRecord(patch(74, ' ')), 'CLF_BAD_TIMESTAMP', 74);
  });
  test('CLF_BAD_FLAGS: each byte from its set', () => {
    throwsAt(() => decodeRecord(patch(76, 'X')), 'CLF_BAD_FLAGS', 76);
    throwsAt(() => decodeRecord(patch(77, 'R')), 'CLF_BAD_FLAGS', 77);
    throwsAt(() => decodeRecord(patch(78, 's')), 'CLF_BAD_FLAGS', 78);
    throwsAt(() => decodeRecord(patch(79, 'X')), 'CLF_BAD_FLAGS', 79);
    throwsAt(() => decodeRecord(patch(80, 'u')), 'CLF_BAD_FLAGS', 80);
  });
  test('CLF_BAD_FIELD_COUNT: a mandatory field holds a TAB', () => {
    // "1 INVITE" → "1\tINVITE": the pointers still frame 12 fields, the first of which now holds a TAB.
    throwsAt(() => decodeRecord(patch(83, '\t')), 'CLF_BAD_FIELD_COUNT', 83);
    throwsAt(() => field(patch(83, '\t'), 0, 'cseq'), 'CLF_BAD_FIELD_COUNT', 83);
  });
  test('CLF_STRAY_LF: an LF inside a mandatory field or an optional value', () => {
    throwsAt(() => decodeRecord(patch(84, '\n')), 'CLF_STRAY_LF', 84);
    throwsAt(() => decodeRecord(patch(OPT + 25, '\n')), 'CLF_STRAY_LF', OPT + 25);
  });
  test('CLF_BAD_OPTIONAL: each element of Tag@Vendor-ID,Length,BEB,', () => {
    throwsAt(() => decodeRecord(patch(OPT + 1, 'x')), 'CLF_BAD_OPTIONAL', OPT + 1);
    throwsAt(() => decodeRecord(patch(OPT + 3, '#')), 'CLF_BAD_OPTIONAL', OPT + 3);
    throwsAt(() => decodeRecord(patch(OPT + 5, 'x')), 'CLF_BAD_OPTIONAL', OPT + 5);
    throwsAt(() => decodeRecord(patch(OPT + 12, ';')), 'CLF_BAD_OPTIONAL', OPT + 12);
    throwsAt(() => decodeRecord(patch(OPT + 14, 'Z')), 'CLF_BAD_OPTIONAL', OPT + 13);
    throwsAt(() => decodeRecord(patch(OPT + 17, ';')), 'CLF_BAD_OPTIONAL', OPT + 17);
    throwsAt(() => decodeRecord(patch(OPT + 18, '02')), 'CLF_BAD_OPTIONAL', OPT + 18);
    throwsAt(() => decodeRecord(patch(OPT + 20, ';')), 'CLF_BAD_OPTIONAL', OPT + 20);
    // Cut short: a TAB then only a few bytes before the final LF.
    throwsAt(() => decodeRecord(relength(GOOD.slice(0, -1) + '\t00@0\n')), 'CLF_BAD_OPTIONAL', 305);
  });
  test('CLF_OPTIONAL_LENGTH: Length differs from the bytes up to the next TAB / final LF', () => {
    throwsAt(() => decodeRecord(patch(OPT + 13, '001D')), 'CLF_OPTIONAL_LENGTH', OPT + 13);
    const lenient = decodeRecord(patch(OPT + 13, '001D'), 0, { lenientLength: true });
    assert.deepEqual(lenient.optional, MODEL.optional);
  });
  test('errors carry the absolute offset when the record starts later in the buffer', () => {
    throwsAt(() => decodeRecord('\n\n' + patch(76, 'X'), 2), 'CLF_BAD_FLAGS', 78);
  });
});

describe('index access validates the pointers it uses', () => {
  test('field() on a record with a corrupt pointer throws CLF_BAD_POINTER', () => {
    throwsAt(() => field(patch(44, '00C8'), 0, 'callId'), 'CLF_BAD_POINTER', 44);
    throwsAt(() => field(patch(48, 'FFFF'), 0, 'callId'), 'CLF_BAD_POINTER', 48);
    assert.equal(field(patch(48, 'FFFF'), 0, 'fromTag'), 'DL88360fa5fc');
  });
  test('optionalFields() checks the Optional Fields Start pointer', () => {
    throwsAt(() => optionalFields(patch(56, '00F8')), 'CLF_BAD_POINTER', 56);
  });
  test('recordLengthAt', () => {
    assert.equal(recordLengthAt(GOOD + GOOD, 305), 305);
  });
});
