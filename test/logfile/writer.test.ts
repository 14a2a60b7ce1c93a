/**
 * ClfWriter (src/logfile/writer.ts): ordering under load, flush, fsync policies, backpressure, errors and
 * closing; rotate.ts names and boundaries. Rotation, gzip, retention and permissions are in
 * writer-files.test.ts, the crash and signal tests in writer-process.test.ts. Records come from
 * test/fixtures/writer-records.mjs (independent of src/clf, plus one test through src/clf/encode.ts) and
 * are checked with its frame walker.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { encodeRecord } from '../../src/clf/encode.js';
import type { ClfRecord } from '../../src/clf/record.js';
import { collisionOf, formatName, intervalStart, nextBoundary, parseInterval, parsePattern, seqOf } from '../../src/logfile/rotate.js';
import { applyRetention } from '../../src/logfile/rotate-maintenance.js';
import { ClfWriter } from '../../src/logfile/writer.js';
import type { WriterOptions } from '../../src/logfile/writer.js';
import { RFC6873_S5 } from '../clf/fixtures.js';

import { checkFrames, makeRecord, makeRecordWithCallId, openW, range, readAll, withDir } from './writer-util.js';

describe('test helper', () => {
  it('reproduces the RFC 6873 §5 record byte for byte and frames it', () => {
    const rfc =
      'A000100,0053005C005E006D007D008F009E00A000BA00C700EB00F70100\n1328821153.010\tRORUU\t1 INVITE\t-\tsip:192.0.2.10\t' +
      '192.0.2.10:5060\t192.0.2.200:56485\tsip:192.0.2.10\t-\tsip:1001@example.com:5060\tDL88360fa5fc\t' +
      'DL70dff590c1-1079051554@example.com\tS1781761-88\tC67651-11\n';
    assert.equal(makeRecordWithCallId('DL70dff590c1-1079051554@example.com'), rfc);
    const two = Buffer.from(makeRecord(7) + makeRecord(8, 300), 'latin1');
    assert.deepEqual(checkFrames(two), { seqs: [7, 8], torn: 0, errors: [] });
    assert.equal(checkFrames(two.subarray(0, two.length - 5)).torn, makeRecord(8, 300).length - 5);
  });
});

describe('rotate.ts: names and boundaries', () => {
  it('formats every token and recognises its own names (with collision suffix and .gz)', () => {
    const t = Date.UTC(2024, 1, 29, 7, 8, 9, 999);
    const p = parsePattern('s-%Y%m%d-%H%M%S-%s-%n-100%%.clf');
    const n = formatName(p, t, 42, 0, true);
    assert.equal(n, `s-20240229-070809-${Math.floor(t / 1000)}-0042-100%.clf`);
    assert.equal(seqOf(p, n), 42);
    assert.equal(seqOf(p, `${n}.gz`), 42);
    assert.equal(seqOf(p, 'other.clf'), -1);
    const q = parsePattern('d-%Y%m%d.clf');
    assert.equal(formatName(q, t, 0, 2, true), 'd-20240229-2.clf');
    assert.ok(q.regex.test('d-20240229-2.clf') && q.regex.test('d-20240229.clf.gz') && !q.regex.test('d-2024022.clf'));
    // Creation order among names of one time: the collision count, not the text (x-10 < x-2 < x as text).
    const order = ['d-20240229-10.clf.gz', 'd-20240229.clf', 'd-20240229-2.clf', 'd-20240229-1.clf.gz']
      .map((n) => ({ n, ...collisionOf(q, n) }))
      .sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0) || a.k - b.k)
      .map((x) => x.n);
    assert.deepEqual(order, ['d-20240229.clf', 'd-20240229-1.clf.gz', 'd-20240229-2.clf', 'd-20240229-10.clf.gz']);
    assert.deepEqual(collisionOf(q, 'd-20240229-3.clf'), { base: 'd-20240229.clf', k: 3 });
    assert.deepEqual(collisionOf(p, n), { base: n, k: 0 });
  });

  it('retention with equal file times deletes collision names in creation order (x, x-1, x-2, x-10)', () =>
    withDir(async (dir) => {
      const q = parsePattern('d-%Y%m%d.clf');
      const names = ['d-20240229.clf', 'd-20240229-1.clf', 'd-20240229-2.clf', 'd-20240229-10.clf'];
      for (const n of names) {
        writeFileSync(join(dir, n), '');
        utimesSync(join(dir, n), 1_700_000_000, 1_700_000_000);
      }
      const deleted = await applyRetention(dir, q, () => false, { maxFiles: 2, maxAgeMs: undefined }, Date.now());
      assert.deepEqual(deleted, ['d-20240229.clf', 'd-20240229-1.clf']);
      assert.deepEqual(readdirSync(dir).sort(), ['d-20240229-10.clf', 'd-20240229-2.clf']);
    }));

  it('aligns intervals to wall-clock boundaries', () => {
    const t = Date.UTC(2024, 0, 1, 10, 59, 59, 500);
    assert.equal(parseInterval('15m'), 900_000);
    assert.equal(parseInterval('1d'), 86_400_000);
    assert.equal(intervalStart(t, parseInterval('15m'), true), Date.UTC(2024, 0, 1, 10, 45));
    assert.equal(nextBoundary(t, parseInterval('1h'), true), Date.UTC(2024, 0, 1, 11));
    assert.equal(nextBoundary(t, parseInterval('1d'), true), Date.UTC(2024, 0, 2));
    assert.equal(nextBoundary(Date.UTC(2024, 0, 1, 11), parseInterval('1h'), true), Date.UTC(2024, 0, 1, 12)); // strictly after
    assert.throws(() => parseInterval('500ms'), { code: 'CONFIG_INVALID' });
    assert.throws(() => parseInterval(999), { code: 'CONFIG_INVALID' });
  });
});

describe('ClfWriter: ordering and flushing', () => {
  it('keeps 100,000 records written in a tight loop in order', () =>
    withDir(async (dir) => {
      const { w, errors } = await openW({ dir, fsync: 'none' });
      for (let i = 0; i < 100_000; i++) w.write(makeRecord(i));
      await w.close();
      const { seqs, torn, files } = readAll(dir);
      assert.equal(files.length, 1);
      assert.equal(torn, 0);
      assert.deepEqual(seqs, range(0, 100_000));
      const s = w.stats();
      assert.equal(s.records, 100_000);
      assert.equal(s.dropped + s.lost + s.queueRecords + s.queueBytes, 0);
      assert.deepEqual(errors, []);
    }));

  it('interleaves string and Buffer records in call order; flush() means written', () =>
    withDir(async (dir) => {
      const { w } = await openW({ dir, fsync: 'none' });
      for (let i = 0; i < 1000; i++) w.write(i % 3 === 0 ? Buffer.from(makeRecord(i), 'latin1') : makeRecord(i));
      await w.flush();
      assert.deepEqual(readAll(dir).seqs, range(0, 1000));
      assert.equal(w.stats().queueRecords, 0);
      await w.close();
    }));

  it('coalesceMs gathers records into one batch: nothing is written inside the window; flush() and close() write at once', () =>
    withDir(async (dir) => {
      const { w } = await openW({ dir, fsync: 'none', coalesceMs: 60_000 });
      for (let i = 0; i < 200; i++) w.write(makeRecord(i));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(readAll(dir).seqs, [], 'still gathering');
      assert.equal(w.stats().queueRecords, 200);
      await w.flush();
      assert.deepEqual(readAll(dir).seqs, range(0, 200));
      for (let i = 200; i < 300; i++) w.write(makeRecord(i));
      const t0 = Date.now();
      await w.close();
      assert.ok(Date.now() - t0 < 5000, 'close() does not wait for the window');
      assert.deepEqual(readAll(dir).seqs, range(0, 300));
      await assert.rejects(openW({ dir, coalesceMs: -1 }), /CONFIG_INVALID|coalesceMs/);
    }));

  for (const fsync of ['none', 'rotate', 'every', 20] as const) {
    it(`loses nothing on close with fsync ${String(fsync)}`, () =>
      withDir(async (dir) => {
        const { w, errors } = await openW({ dir, fsync, maxBytes: 50_000 });
        for (let i = 0; i < 2000; i++) {
          w.write(makeRecord(i));
          if (i % 500 === 0) await new Promise((r) => setTimeout(r, 25));
        }
        await w.close();
        assert.deepEqual(readAll(dir).seqs, range(0, 2000));
        assert.deepEqual(errors, []);
      }));
  }

  it('writes records from src/clf/encode.ts (optional fields, 8-bit bytes) byte for byte', () =>
    withDir(async (dir) => {
      const base: ClfRecord = { ...RFC6873_S5, callId: 'c', optional: [{ tag: 0, vendor: 0, base64: false, value: 'Subject: caf\xc3\xa9' }] };
      const recs = range(0, 50).map((i) => encodeRecord({ ...base, callId: `${i}-enc@example.com` }));
      const { w } = await openW({ dir, pattern: 'enc-%n.clf' });
      for (const r of recs) w.write(r);
      await w.close();
      assert.equal(readFileSync(w.stats().currentFile ?? join(dir, 'enc-0000.clf')).toString('latin1'), recs.join(''));
    }));

  it('rejects a value that is not one record ending in LF (IO_BAD_RECORD)', () =>
    withDir(async (dir) => {
      const { w } = await openW({ dir });
      assert.throws(() => w.write('A000010,no final LF'), { code: 'IO_BAD_RECORD' });
      assert.throws(() => w.write('\n'), { code: 'IO_BAD_RECORD' });
      assert.throws(() => w.write(Buffer.from('1328821153.010\tRORUU\n')), { code: 'IO_BAD_RECORD' });
      await w.close();
    }));
});

describe('ClfWriter: backpressure', () => {
  it("drops a record larger than maxQueueBytes and still emits 'drain'", () =>
    withDir(async (dir) => {
      const { w } = await openW({ dir, highWaterMark: 4096, maxQueueBytes: 4096 });
      assert.equal(w.write(makeRecord(0, 5000)), false);
      await once(w, 'drain');
      assert.equal(w.stats().dropped, 1);
      await w.close();
    }));

  it("returns false above highWaterMark, emits 'drain', drops and counts beyond maxQueueBytes", () =>
    withDir(async (dir) => {
      const len = makeRecord(10).length; // records 10-99 have the same length
      const { w } = await openW({ dir, highWaterMark: 4096, maxQueueBytes: 16_384 });
      const results = range(10, 100).map((i) => w.write(makeRecord(i)));
      const firstFalse = results.indexOf(false);
      assert.equal(firstFalse, Math.floor(4096 / len)); // the record that takes the queue beyond 4096
      const accepted = Math.floor(16_384 / len);
      assert.equal(w.stats().dropped, 90 - accepted);
      assert.equal(w.stats().queueBytes, accepted * len);
      await once(w, 'drain');
      assert.equal(w.stats().queueBytes, 0);
      assert.equal(w.write(makeRecord(1000)), true);
      await w.close();
      assert.deepEqual(readAll(dir).seqs, [...range(10, 10 + accepted), 1000]);
    }));
});

describe('ClfWriter: errors and closing', () => {
  it('reports a failed file creation as IO_WRITE, counts the lost batch, and recovers on the next batch', () =>
    withDir(async (base) => {
      const dir = join(base, 'd');
      const { w, errors } = await openW({ dir, pattern: 'e-%n.clf', maxBytes: 300 }); // one record per file
      w.write(makeRecord(0));
      await w.flush();
      renameSync(dir, `${dir}.away`);
      writeFileSync(dir, ''); // the directory is now a file: creating the next log file fails
      w.write(makeRecord(1));
      await w.flush();
      assert.ok(errors.length > 0 && errors.every((e) => e.code === 'IO_WRITE'));
      assert.equal(w.stats().lost, 1);
      rmSync(dir);
      renameSync(`${dir}.away`, dir);
      w.write(makeRecord(2));
      await w.close();
      assert.deepEqual(readAll(dir).seqs, [0, 2]);
      assert.equal(w.stats().lastError?.code, 'IO_WRITE');
    }));

  it('close() is idempotent; write() after close() drops, counts and reports IO_WRITER_CLOSED once', () =>
    withDir(async (dir) => {
      const { w, errors } = await openW({ dir });
      w.write(makeRecord(0));
      const c1 = w.close();
      assert.equal(w.close(), c1);
      await c1;
      await w.close();
      assert.equal(w.write(makeRecord(1)), false);
      assert.equal(w.write(makeRecord(2)), false);
      assert.deepEqual(errors.map((e) => e.code), ['IO_WRITER_CLOSED']);
      assert.equal(w.stats().dropped, 2);
      assert.equal(w.stats().currentFile, null);
      await w.flush();
      assert.deepEqual(readAll(dir).seqs, [0]);
    }));

  it('rejects invalid options with CONFIG_INVALID', async () => {
    const bad: WriterOptions[] = [
      { dir: '/nonexistent-sipclf', fsync: 'sometimes' as 'none' },
      { dir: '/nonexistent-sipclf', highWaterMark: 10, maxQueueBytes: 5 },
      { dir: '/nonexistent-sipclf', interval: '5x' },
      { dir: '/nonexistent-sipclf', pattern: 'a/%n.clf' },
      { dir: '/nonexistent-sipclf', pattern: 'fixed.clf' },
      { dir: '/nonexistent-sipclf', pattern: '%q-%n.clf' },
    ];
    for (const o of bad) await assert.rejects(ClfWriter.open(o), { code: 'CONFIG_INVALID' }, JSON.stringify(o));
    assert.equal(existsSync('/nonexistent-sipclf'), false);
    assert.ok(statSync('/').isDirectory());
  });
});
