// sipclf gen: deterministic, time-ordered, realistic mix, every record valid CLF carrying its whole message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRecord } from '../../src/clf/decode.js';
import { decodeOptionalValue } from '../../src/clf/optional.js';
import { TAG_MESSAGE } from '../../src/clf/record.js';
import { generateClf, generateRecords } from '../../src/gen/generator.js';
import { parseMessage } from '../../src/sip/parser.js';

describe('generateRecords', () => {
  const records = [...generateRecords({ records: 3000, seed: 42, logmeShare: 0.2 })];

  test('the requested count, in time order', () => {
    assert.equal(records.length, 3000);
    for (let i = 1; i < records.length; i++) assert.ok((records[i]?.timestamp ?? 0) >= (records[i - 1]?.timestamp ?? 0), `record ${i} in order`);
  });

  test('same seed, same output; another seed, another output', () => {
    const a = [...generateClf({ records: 200, seed: 5 })].join('');
    assert.equal([...generateClf({ records: 200, seed: 5 })].join(''), a);
    assert.notEqual([...generateClf({ records: 200, seed: 6 })].join(''), a);
  });

  test('every encoded record decodes and its Tag 02 message parses and matches the mandatory fields', () => {
    for (const text of generateClf({ records: 500, seed: 9 })) {
      const r = decodeRecord(text);
      const whole = r.optional.find((f) => f.tag === TAG_MESSAGE && f.vendor === 0);
      assert.ok(whole !== undefined, 'Tag 02 present');
      const msg = parseMessage(Buffer.from(decodeOptionalValue(whole), 'latin1'));
      msg.checkAll();
      assert.equal(r.callId, msg.callId);
      assert.equal(r.cseq, `${msg.cseq?.seq} ${msg.cseq?.method}`);
      assert.equal(r.isRequest, msg.isRequest);
    }
  });

  test('a realistic mix: calls, forks, cancels, failures, registrations, keep-alives, retransmissions, log-me', () => {
    const methods = new Set(records.map((r) => String(r.cseq).split(' ')[1]));
    for (const m of ['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS']) assert.ok(methods.has(m), `has ${m}`);
    const statuses = new Set(records.filter((r) => !r.isRequest).map((r) => String(r.status)));
    for (const s of ['100', '180', '200', '401', '487']) assert.ok(statuses.has(s), `has ${s}`);
    assert.ok([...statuses].some((s) => /^[456]\d\d$/.test(s) && s !== '401' && s !== '487'), 'has a failure status');
    assert.ok(records.some((r) => r.retransmission === 'D'), 'has a retransmission');
    assert.ok(records.some((r) => r.direction === 'S') && records.some((r) => r.direction === 'R'));
    const marked = records.filter((r) => r.optional.some((f) => f.tag === TAG_MESSAGE && decodeOptionalValue(f).includes(';logme'))).length;
    assert.ok(marked > 0 && marked < records.length, `some but not all records marked (${marked})`);
  });
});
