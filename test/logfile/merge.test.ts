// The merge helpers (src/logfile/merge.ts): textual labelling proven against the codec (both pointer
// bases, with and without optional fields), the timestamp read, and the k-way merge itself — order,
// stability, labels kept, dedup per entity, damage and disorder — on in-memory streams.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeRecord } from '../../src/clf/decode.js';
import { encodeRecord, hex4 } from '../../src/clf/encode.js';
import { entityField, headerField, messageField, vendorField } from '../../src/clf/optional.js';
import { SIPCLF_PEN, VTAG_ENTITY, type ClfRecord, type OptionalField } from '../../src/clf/record.js';
import { ClfDecodeError } from '../../src/errors.js';
import {
  appendOptional,
  entityLabelField,
  entityLabelOf,
  labelRecord,
  mergeRecords,
  optionalStart,
  recordTimestamp,
  type MergeEvent,
  type MergeInput,
} from '../../src/logfile/merge.js';

function base(over: Partial<ClfRecord> = {}): ClfRecord {
  return {
    timestamp: 1_767_603_600_000,
    isRequest: true,
    retransmission: 'O',
    direction: 'R',
    transport: 'U',
    encrypted: false,
    cseq: '1 INVITE',
    status: null,
    requestUri: 'sip:bob@example.com',
    destination: '192.0.2.10:5060',
    source: '198.51.100.20:5080',
    toUri: 'sip:bob@example.com',
    toTag: null,
    fromUri: 'sip:alice@example.com',
    fromTag: 'a1',
    callId: 'c1@example.com',
    serverTxn: 'z9hG4bK1',
    clientTxn: null,
    optional: [],
    ...over,
  };
}

/** The same record with its 13 pointers rewritten 0-based (RFC 6873 §4.1 prose), lower-case hex for good measure. */
function zeroBased(rec: string, lower = false): string {
  let ptrs = '';
  for (let i = 0; i < 13; i++) {
    const h = hex4(parseInt(rec.slice(8 + 4 * i, 12 + 4 * i), 16) - 1);
    ptrs += lower ? h.toLowerCase() : h;
  }
  return rec.slice(0, 8) + ptrs + rec.slice(60);
}

const ENTITY = (f: OptionalField): boolean => f.tag === VTAG_ENTITY && f.vendor === SIPCLF_PEN;

const text = fc.string({ maxLength: 24 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));
const labelArb = fc.oneof(
  fc.constantFrom('edge', 'border-a', 'b\tc', 'ü-proxy', '\x01ctl', 'x'.repeat(300)),
  fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }).map((s) => Buffer.from(s, 'utf8').latin1Slice()),
);
const optArb = fc
  .array(
    fc.oneof(
      text.map((v) => headerField('Subject', ' ' + v).field),
      text.map((v) => messageField(`OPTIONS sip:x SIP/2.0\r\nX: ${v}\r\n\r\n`).field),
      fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99_999_999 }), text).map(([t, p, v]) => vendorField(t, p, v).field),
    ),
    { maxLength: 3 },
  )
  .filter((fs) => !fs.some(ENTITY));
const recArb = fc
  .record({ ts: fc.integer({ min: 0, max: 9_999_999_999_999 }), callId: text, optional: optArb })
  .map(({ ts, callId, optional }) => base({ timestamp: ts, callId: callId === '' ? null : callId, optional }));

describe('labelling: textual append equals the codec', () => {
  test('property: decode(label(r)) = decode(r) + the 10@32473 field, bytes kept, 1-based and 0-based pointers', () => {
    fc.assert(
      fc.property(recArb, labelArb, fc.boolean(), (r, label, lower) => {
        const one = encodeRecord(r);
        const want = entityField(label).field;
        for (const rec of [one, zeroBased(one, lower)]) {
          const before = decodeRecord(rec);
          const labelled = labelRecord(rec, entityLabelField(label));
          assert.deepEqual(decodeRecord(labelled), { ...before, optional: [...before.optional, want] });
          // Only the Record Length changed: the index pointers and every byte of the record are kept.
          assert.equal(labelled.slice(7, rec.length - 1), rec.slice(7, rec.length - 1));
          assert.equal(parseInt(labelled.slice(1, 7), 16), labelled.length);
          assert.equal(entityLabelOf(labelled), want.value);
          assert.equal(entityLabelOf(rec), undefined);
          // A record that carries a label keeps it: labelling again changes nothing.
          assert.equal(labelRecord(labelled, entityLabelField('other')), labelled);
          assert.equal(recordTimestamp(labelled), r.timestamp);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a record without optional fields: the Optional Fields Start pointer pointed at the final LF, now at the new TAB', () => {
    for (const rec of [encodeRecord(base()), zeroBased(encodeRecord(base()))]) {
      const p = optionalStart(rec);
      assert.equal(p, rec.length - 1);
      const labelled = labelRecord(rec, entityLabelField('edge'));
      assert.equal(optionalStart(labelled), p);
      assert.equal(labelled[p], '\t');
      assert.equal(labelled.slice(p), '\t10@00032473,0004,00,edge\n');
      assert.deepEqual(decodeRecord(labelled).optional, [{ tag: 10, vendor: 32473, base64: false, value: 'edge' }]);
    }
  });

  test('a record with optional fields: the label goes last, after them', () => {
    const rec = encodeRecord(base({ optional: [headerField('Subject', ' hi').field, vendorField(7, 32473, 'x').field] }));
    const labelled = labelRecord(rec, entityLabelField('border'));
    assert.ok(labelled.endsWith('\t07@00032473,0001,00,x\t10@00032473,0006,00,border\n'));
  });

  test('an existing label is found wherever it is among the optional fields, and kept', () => {
    const rec = encodeRecord(base({ optional: [entityField('core').field, headerField('Subject', ' s').field] }));
    assert.equal(entityLabelOf(rec), 'core');
    assert.equal(labelRecord(rec, entityLabelField('edge')), rec);
  });

  test('label text is written with the optional-field rules: TAB → SP, unprintable → base64', () => {
    assert.equal(entityLabelField('a\tb'), '\t10@00032473,0003,00,a b');
    assert.equal(entityLabelField('\x01'), '\t10@00032473,0004,01,AQ==');
    assert.throws(() => entityLabelField(''), { code: 'CLI_USAGE' });
    assert.throws(() => entityLabelField('x'.repeat(5000)), { code: 'CLF_VALUE_TOO_LONG' });
  });

  test('a bad Optional Fields Start pointer is CLF_BAD_POINTER; appendOptional refuses a record past 0xFFFFFF bytes', () => {
    const rec = encodeRecord(base());
    const bad = rec.slice(0, 56) + '0060' + rec.slice(60); // points into a mandatory field
    assert.throws(() => labelRecord(bad, entityLabelField('e')), (e: unknown) => e instanceof ClfDecodeError && e.code === 'CLF_BAD_POINTER');
    assert.throws(() => labelRecord(rec.slice(0, 8) + '0099' + rec.slice(12), entityLabelField('e')), { code: 'CLF_BAD_POINTER' });
    assert.throws(() => appendOptional(rec, 'x'.repeat(0xffffff)), { code: 'CLF_RECORD_TOO_LONG' });
  });
});

describe('recordTimestamp', () => {
  test('reads bytes 61-74 as the codec does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999_999 }), (ts) => {
        assert.equal(recordTimestamp(encodeRecord(base({ timestamp: ts }))), ts);
      }),
    );
  });

  test('-1 for anything but 10 digits, ".", 3 digits', () => {
    const rec = encodeRecord(base());
    for (const [at, c] of [
      [61, 'x'],
      [70, ' '],
      [71, ','],
      [74, 'a'],
    ] as const) {
      assert.equal(recordTimestamp(rec.slice(0, at) + c + rec.slice(at + 1)), -1, `byte ${at}`);
    }
    assert.equal(recordTimestamp(rec.slice(0, 70)), -1);
  });
});

/** A stream input of records (binary strings). */
function input(name: string, recs: readonly string[], label = name): MergeInput {
  return { source: Readable.from([Buffer.from(recs.join(''), 'latin1')]), name, label };
}

function at(ts: number, id: string, optional: OptionalField[] = []): string {
  return encodeRecord(base({ timestamp: ts, callId: id, optional }));
}

async function merged(inputs: MergeInput[], dedup = false): Promise<{ events: MergeEvent[]; ids: string[] }> {
  const events: MergeEvent[] = [];
  const ids: string[] = [];
  for await (const ev of mergeRecords(inputs, { dedup })) {
    events.push(ev);
    if (ev.type === 'record') {
      const d = decodeRecord(ev.text);
      ids.push(`${String(d.callId)}/${d.optional.find(ENTITY)?.value ?? '?'}`);
    }
  }
  return { events, ids };
}

describe('mergeRecords', () => {
  test('k-way by time; equal timestamps in input order (file, then record): stable', async () => {
    const a = input('a', [at(1000, 'a1'), at(2000, 'a2'), at(2000, 'a3'), at(5000, 'a4')]);
    const b = input('b', [at(0, 'b0'), at(2000, 'b1'), at(2000, 'b2'), at(3000, 'b3')]);
    const c = input('c', [at(2000, 'c1'), at(6000, 'c2')]);
    const { ids } = await merged([a, b, c]);
    assert.deepEqual(ids, ['b0/b', 'a1/a', 'a2/a', 'a3/a', 'b1/b', 'b2/b', 'c1/c', 'b3/b', 'a4/a', 'c2/c']);
    // Same inputs, other file order: the ties follow the file order.
    const again = await merged([input('c', [at(2000, 'c1')]), input('a', [at(2000, 'a2'), at(2000, 'a3')])]);
    assert.deepEqual(again.ids, ['c1/c', 'a2/a', 'a3/a']);
  });

  test('records that carry a label keep it; the summary counts them', async () => {
    const m = mergeRecords([input('merged', [at(1, 'x', [entityField('core').field]), at(2, 'y')], 'merged')]);
    const ids: string[] = [];
    for await (const ev of m) if (ev.type === 'record') ids.push(String(decodeRecord(ev.text).optional.find(ENTITY)?.value));
    assert.deepEqual(ids, ['core', 'merged']);
    assert.equal(m.summary.inputs[0]?.kept, 1);
  });

  test('--dedup drops byte-identical records of the same entity only', async () => {
    const recs = [at(1, 'r1'), at(2, 'r2'), at(2, 'r3'), at(4, 'r4')];
    const same = mergeRecords([input('x', recs, 'edge'), input('y', recs, 'edge')], { dedup: true });
    const n: string[] = [];
    for await (const ev of same) if (ev.type === 'record') n.push(String(decodeRecord(ev.text).callId));
    assert.deepEqual(n, ['r1', 'r2', 'r3', 'r4']);
    assert.equal(same.summary.duplicates, 4);
    assert.equal(same.summary.inputs[1]?.duplicates, 4);
    const other = await merged([input('x', recs, 'edge'), input('y', recs, 'core')], true);
    assert.deepEqual(other.ids, ['r1/edge', 'r1/core', 'r2/edge', 'r3/edge', 'r2/core', 'r3/core', 'r4/edge', 'r4/core']);
    const off = await merged([input('x', recs, 'edge'), input('y', recs, 'edge')], false);
    assert.equal(off.ids.length, 8);
  });

  test('--dedup memory is bounded: past dedupMaxBytes of records at one timestamp, records are not remembered, and counted', async () => {
    // Six different records at one timestamp, each input twice; room to remember two of them.
    const recs = [at(5, 'a'), at(5, 'b'), at(5, 'c'), at(5, 'd'), at(5, 'e'), at(5, 'f')];
    const probe = mergeRecords([input('p', recs.slice(0, 1), 'edge')]);
    let one = 0;
    for await (const ev of probe) if (ev.type === 'record') one = ev.text.length;
    const m = mergeRecords([input('x', recs, 'edge'), input('y', recs, 'edge')], { dedup: true, dedupMaxBytes: 2 * one });
    const ids: string[] = [];
    for await (const ev of m) if (ev.type === 'record') ids.push(String(decodeRecord(ev.text).callId));
    // x's a and b are remembered, so y's a and b are dropped; c-f of both inputs are kept: 6 + 4 records.
    assert.deepEqual(ids, ['a', 'b', 'c', 'd', 'e', 'f', 'c', 'd', 'e', 'f']);
    assert.equal(m.summary.duplicates, 2);
    assert.equal(m.summary.unchecked, 8);
    // Nothing is unchecked with room for all: every duplicate dropped.
    const all = mergeRecords([input('x', recs, 'edge'), input('y', recs, 'edge')], { dedup: true, dedupMaxBytes: 6 * one });
    let n = 0;
    for await (const ev of all) if (ev.type === 'record') n++;
    assert.equal(n, 6);
    assert.equal(all.summary.unchecked, 0);
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(() => mergeRecords([input('x', recs, 'edge')], { dedup: true, dedupMaxBytes: bad }), { code: 'CONFIG_INVALID' });
    }
  });

  test('an input out of time order stays a merge: its late records are counted and reported, not sorted', async () => {
    const m = mergeRecords([input('a', [at(10, 'a1'), at(30, 'a2'), at(20, 'a3'), at(40, 'a4')]), input('b', [at(25, 'b1')])]);
    const out: string[] = [];
    const disorder: MergeEvent[] = [];
    for await (const ev of m) {
      if (ev.type === 'record') out.push(String(decodeRecord(ev.text).callId));
      else disorder.push(ev);
    }
    assert.deepEqual(out, ['a1', 'b1', 'a2', 'a3', 'a4']);
    assert.equal(disorder.length, 1);
    assert.deepEqual(disorder[0], { type: 'disorder', input: 0, file: 'a', offset: 2 * at(10, 'a1').length, timestamp: 20, previous: 30 });
    assert.equal(m.summary.inputs[0]?.outOfOrder, 1);
  });

  test('damaged regions and unreadable timestamps are reported with their offsets and skipped', async () => {
    const r1 = at(1, 'r1');
    const r2 = at(2, 'r2');
    const badTs = at(3, 'r3').replace('0000000000.003', '000000000x.003');
    const r4 = at(4, 'r4');
    const garbage = 'garbage\n';
    const m = mergeRecords([input('a', [r1, garbage, r2, badTs, r4])]);
    const evs: MergeEvent[] = [];
    for await (const ev of m) evs.push(ev);
    const problems = evs.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? [e.file, e.offset, e.at, e.code] : []));
    const badAt = r1.length + garbage.length + r2.length;
    assert.deepEqual(problems, [
      ['a', r1.length, r1.length, 'CLF_BAD_VERSION'],
      ['a', badAt, badAt + 61 + 9, 'CLF_BAD_TIMESTAMP'], // the 'x' in 000000000x.003
    ]);
    assert.equal(evs.filter((e) => e.type === 'record').length, 3);
    assert.equal(m.summary.damaged, 2);
    assert.equal(m.summary.written, 3);
    // The defect's own offset too (what `sipclf cat` prints): with full validation, a bad flag byte inside a record.
    const flags = r2.slice(0, 76) + 'X' + r2.slice(77);
    const full = mergeRecords([input('a', [r1, flags, r4])], { reader: { validate: 'full' } });
    const found: MergeEvent[] = [];
    for await (const ev of full) if (ev.type === 'error') found.push(ev);
    assert.deepEqual(
      found.map((e) => (e.type === 'error' ? [e.offset, e.at, e.code] : [])),
      [[r1.length, r1.length + 76, 'CLF_BAD_FLAGS']],
    );
  });

  test('a missing file is one IO_READ problem; the other inputs are merged', async () => {
    const m = mergeRecords([{ source: '/nonexistent/x.clf', name: '/nonexistent/x.clf', label: 'x' }, input('b', [at(1, 'b1')])]);
    const evs: MergeEvent[] = [];
    for await (const ev of m) evs.push(ev);
    assert.deepEqual(
      evs.map((e) => e.type),
      ['error', 'record'],
    );
    assert.equal(m.summary.inputs[0]?.unreadable, true);
  });
});
