// CLF ↔ JSON Lines: lossless for every field (docs/reference/clf-json.md), schema errors name the path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SipclfError } from '../../src/errors.js';
import { decodeRecord } from '../../src/clf/decode.js';
import { encodeRecord } from '../../src/clf/encode.js';
import { recordFromJson, recordFromJsonLine, recordToJson, recordToJsonLine } from '../../src/clf/json.js';
import { messageField } from '../../src/clf/optional.js';
import { UNPARSEABLE, type ClfRecord } from '../../src/clf/record.js';
import { generateClf } from '../../src/gen/generator.js';
import { RFC6873_S5 } from './fixtures.js';

const base: ClfRecord = RFC6873_S5;

describe('CLF JSON Lines', () => {
  test('the RFC 6873 §5 record maps to the documented shape', () => {
    const j = recordToJson(base);
    assert.equal(j.time, '2012-02-09T20:59:13.010Z');
    assert.equal(j.type, 'request');
    assert.equal(j.status, null);
    assert.equal(j.toTag, null);
    assert.equal(j.callId, 'DL70dff590c1-1079051554@example.com');
    assert.deepEqual(recordFromJson(j), base);
  });

  test('unparseable and non-UTF-8 fields survive', () => {
    const r: ClfRecord = { ...base, toUri: UNPARSEABLE, callId: 'caf\xe9\xff@x', fromTag: '-' };
    const j = recordToJson(r);
    assert.deepEqual(j.unparseable, ['toUri']);
    assert.equal(j.callId, null);
    assert.ok(j.binary?.callId !== undefined);
    assert.equal(j.fromTag, '-');
    assert.deepEqual(recordFromJsonLine(recordToJsonLine(r)), r);
  });

  test('UTF-8 text is shown as text', () => {
    const r: ClfRecord = { ...base, fromUri: Buffer.from('sip:zoë@example.com').latin1Slice() };
    assert.equal(recordToJson(r).fromUri, 'sip:zoë@example.com');
    assert.deepEqual(recordFromJson(recordToJson(r)), r);
  });

  test('Tag 02 keeps the value as written and adds the decoded message as text', () => {
    const { field } = messageField('OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n\r\n');
    const r: ClfRecord = { ...base, optional: [field] };
    const j = recordToJson(r);
    assert.equal(j.optional[0]?.value, 'OPTIONS sip:a@b SIP/2.0%0D%0Al: 0%0D%0A%0D%0A');
    assert.equal(j.optional[0]?.text, 'OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n\r\n');
    assert.deepEqual(recordFromJson(j), r);
  });

  test('CLF → JSONL → CLF is byte-exact on generated logs', () => {
    for (const text of generateClf({ records: 300, seed: 11, logmeShare: 0.3 })) {
      assert.equal(encodeRecord(recordFromJsonLine(recordToJsonLine(decodeRecord(text)))), text);
    }
  });

  test('property: arbitrary records round-trip through JSON', () => {
    const bin = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).latin1Slice());
    const value = fc.oneof(bin, fc.constant(null), fc.constant(UNPARSEABLE));
    const opt = fc.record({ tag: fc.integer({ min: 0, max: 99 }), vendor: fc.integer({ min: 0, max: 99999999 }), base64: fc.boolean(), value: bin }).map((o) => ({ ...o }));
    const rec = fc.record({
      timestamp: fc.integer({ min: 0, max: 9_999_999_999_999 }),
      isRequest: fc.boolean(),
      retransmission: fc.constantFrom('O', 'D', 'S'),
      direction: fc.constantFrom('S', 'R'),
      transport: fc.constantFrom('U', 'T', 'S', 'W'),
      encrypted: fc.boolean(),
      cseq: value, status: value, requestUri: value, destination: value, source: value, toUri: value, toTag: value,
      fromUri: value, fromTag: value, callId: value, serverTxn: value, clientTxn: value,
      optional: fc.array(opt, { maxLength: 3 }),
    }).map((r) => ({ ...r })) as fc.Arbitrary<ClfRecord>;
    fc.assert(fc.property(rec, (r) => assert.deepEqual(recordFromJsonLine(recordToJsonLine(r)), r)), { numRuns: 500 });
  });

  test('schema errors carry CLF_BAD_JSON and the path', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /^\$: /],
      [{ ...recordToJson(base), timestamp: -1 }, /^timestamp: /],
      [{ ...recordToJson(base), direction: 'X' }, /^direction: /],
      [{ ...recordToJson(base), callId: 5 }, /^callId: /],
      [{ ...recordToJson(base), optional: [{ tag: 100, vendor: 0, base64: false, value: '' }] }, /^optional\[0\]\.tag: /],
      [{ ...recordToJson(base), optional: [{ tag: 1, vendor: 0, base64: false }] }, /^optional\[0\]: needs value/],
      [{ ...recordToJson(base), unparseable: ['nope'] }, /^unparseable: /],
    ];
    for (const [input, msg] of cases) {
      assert.throws(() => recordFromJson(input), (e) => e instanceof SipclfError && e.code === 'CLF_BAD_JSON' && msg.test(e.message));
    }
    assert.throws(() => recordFromJsonLine('{not json'), (e) => e instanceof SipclfError && e.code === 'CLF_BAD_JSON');
  });
});
