// readRecords on damaged logs: each damage is reported with its code and offset, the reader resynchronises
// on the next valid record (RFC 6873 §6) and every intact record after the damage is still returned.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { readRecords, type ReaderOptions, type RecordEvent } from '../../src/logfile/reader.js';
import { bin, brief, collect, log } from './reader-util.js';

const read = (text: string, opts?: ReaderOptions): Promise<RecordEvent[]> => collect(readRecords(Readable.from([bin(text)]), opts));
const { recs, offsets, text: LOG } = log(8);
const R = (i: number): string => recs[i] as string;
const O = (i: number): number => offsets[i] as number;
const rs = (from: number, to = recs.length): unknown[] => recs.slice(from, to).map((r, k) => ['r', O(from + k), r]);

describe('readRecords: damage is reported and skipped', () => {
  test('a torn last record (kill -9): CLF_TRUNCATED at its offset, the records before intact', async () => {
    const text = LOG.slice(0, O(7) + 100);
    const evs = await read(text);
    assert.deepEqual(brief(evs), [...rs(0, 7), ['e', O(7), 'CLF_TRUNCATED', 100]]);
    for (const cut of [1, 7, 8, 60, 61, 62, R(7).length - 1]) {
      const last = (await read(LOG.slice(0, O(7) + cut))).at(-1);
      assert.ok(last?.type === 'error' && last.code === 'CLF_TRUNCATED' && last.offset === O(7) && last.skipped === cut, `cut at ${cut}`);
    }
  });

  test('missing final LF: CLF_MISSING_LF at the record, which is skipped; the next records follow', async () => {
    const text = LOG.slice(0, O(4) - 1) + 'X' + LOG.slice(O(4));
    const evs = await read(text);
    assert.deepEqual(brief(evs), [...rs(0, 3), ['e', O(3), 'CLF_MISSING_LF', R(3).length], ...rs(4)]);
    assert.ok(evs[3]?.type === 'error' && evs[3].at === O(4) - 1);
  });

  test('missing LF at byte 60 of the index line', async () => {
    const text = LOG.slice(0, O(2) + 60) + ' ' + LOG.slice(O(2) + 61);
    assert.deepEqual(brief(await read(text)), [...rs(0, 2), ['e', O(2), 'CLF_MISSING_LF', R(2).length], ...rs(3)]);
  });

  test('garbage between records: CLF_BAD_VERSION at its first byte, skipped = its length', async () => {
    const junk = 'some garbage\nwith lines\n\n';
    const text = LOG.slice(0, O(5)) + junk + LOG.slice(O(5));
    const evs = await read(text);
    assert.deepEqual(brief(evs), [...rs(0, 5), ['e', O(5), 'CLF_BAD_VERSION', junk.length], ...rs(5).map((e) => ['r', (e as [string, number])[1] + junk.length, (e as unknown[])[2]])]);
  });

  test('a bogus huge length is refused before buffering (CLF_LIMIT_RECORD_SIZE) and the next records follow', async () => {
    const text = LOG.slice(0, O(2)) + 'AFFFFFF' + LOG.slice(O(2) + 7);
    const evs = await read(text, { chunkBytes: 64 });
    assert.deepEqual(brief(evs), [...rs(0, 2), ['e', O(2), 'CLF_LIMIT_RECORD_SIZE', R(2).length], ...rs(3)]);
    assert.ok(evs[2]?.type === 'error' && evs[2].at === O(2) + 1);
  });

  test('a wrong length within the cap: buffered up to maxRecordBytes, then CLF_MISSING_LF or CLF_TRUNCATED', async () => {
    const long = LOG.slice(0, O(2)) + 'A000400' + LOG.slice(O(2) + 7); // 1024 bytes: past the record, within the log
    assert.deepEqual(brief(await read(long)), [...rs(0, 2), ['e', O(2), 'CLF_MISSING_LF', R(2).length], ...rs(3)]);
    const past = LOG.slice(0, O(2)) + 'A00FFFF' + LOG.slice(O(2) + 7); // past the end of the log
    assert.deepEqual(brief(await read(past)), [...rs(0, 2), ['e', O(2), 'CLF_TRUNCATED', R(2).length], ...rs(3)]);
  });

  test('a file that starts mid-record: the partial record is one error at offset 0', async () => {
    for (const cut of [1, 30, 61, 100]) {
      const evs = await read(LOG.slice(cut));
      assert.deepEqual(brief(evs), [['e', 0, (evs[0] as { code: string }).code, R(0).length - cut], ...rs(1).map((e) => ['r', (e as [string, number])[1] - cut, (e as unknown[])[2]])]);
    }
  });

  test('a torn record followed by a restarted writer: CLF_TRUNCATED, the next record is not swallowed', async () => {
    // Torn after 170 bytes: its declared final LF then falls on the next record's index-line LF.
    const k = R(2).length - 61;
    const text = LOG.slice(0, O(2) + k) + LOG.slice(O(3));
    const evs = await read(text);
    assert.deepEqual(brief(evs), [...rs(0, 2), ['e', O(2), 'CLF_TRUNCATED', k], ...rs(3).map((e) => ['r', (e as [string, number])[1] - (R(2).length - k), (e as unknown[])[2]])]);
  });

  test('stray LF in a field: frame mode sees a torn record, full mode reports it', async () => {
    const text = LOG.slice(0, O(1) + 100) + '\n' + LOG.slice(O(1) + 101);
    const evs = await read(text, { validate: 'full' });
    assert.deepEqual(brief(evs), [...rs(0, 1), ['e', O(1), (evs[1] as { code: string }).code, R(1).length], ...rs(2)]);
  });
});

describe('readRecords: properties under random damage (fast-check)', () => {
  const damaged = fc
    .array(fc.record({ at: fc.nat({ max: LOG.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 })
    .map((flips) => {
      const b = bin(LOG);
      for (const f of flips) b[f.at] = f.byte;
      return b;
    });

  test('never throws; records and skipped regions tile the input; every intact record is returned', async () => {
    await fc.assert(
      fc.asyncProperty(damaged, fc.constantFrom<'frame' | 'full'>('frame', 'full'), async (b, validate) => {
        const text = b.latin1Slice(0, b.length);
        const reader = readRecords(Readable.from([b]), { validate, chunkBytes: 97 });
        const evs = await collect(reader);
        let at = 0;
        for (const e of evs) {
          assert.equal(e.offset, at, 'events tile the input');
          at += e.type === 'record' ? e.text.length : e.skipped;
          if (e.type === 'error') assert.ok(e.skipped > 0 && e.at >= e.offset && e.at <= b.length);
        }
        assert.equal(at, b.length);
        const got = new Set(evs.flatMap((e) => (e.type === 'record' ? [e.offset] : [])));
        for (let i = 0; i < recs.length; i++) {
          if (text.slice(O(i), O(i) + R(i).length) === R(i)) assert.ok(got.has(O(i)), `intact record ${i} returned`);
        }
        assert.equal(reader.summary.bytesSkipped + evs.reduce((n, e) => n + (e.type === 'record' ? e.text.length : 0), 0), b.length);
      }),
      { numRuns: 300 },
    );
  });

  test('arbitrary bytes: no throw, the events tile the input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 300 }), async (u, chunkBytes) => {
        const b = Buffer.from(u);
        const evs = await collect(readRecords(Readable.from([b]), { chunkBytes }));
        assert.equal(evs.reduce((n, e) => n + (e.type === 'record' ? e.text.length : e.skipped), 0), b.length);
      }),
      { numRuns: 200 },
    );
  });
});
