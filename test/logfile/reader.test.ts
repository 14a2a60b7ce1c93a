// readRecords: records of files, streams and gzip read back exactly, with offsets, names, filters and summary.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeRecord } from '../../src/clf/decode.js';
import { matchField, readRecords, type RecordEvent } from '../../src/logfile/reader.js';
import { bin, brief, collect, log, rec, tempDir } from './reader-util.js';

const records = (evs: readonly RecordEvent[]): string[] => evs.flatMap((e) => (e.type === 'record' ? [e.text] : []));

describe('readRecords: intact logs', () => {
  test('a file of encoded records reads back byte-exact with offsets; decode() and field() use the codec', async (t) => {
    const { text, recs, offsets } = log(50);
    const path = join(tempDir(t), 'a.clf');
    writeFileSync(path, bin(text));
    const reader = readRecords(path);
    const evs = await collect(reader);
    assert.deepEqual(brief(evs), recs.map((r, i) => ['r', offsets[i], r]));
    const first = evs[0];
    assert.ok(first?.type === 'record');
    assert.equal(first.file, path);
    assert.deepEqual(first.decode(), decodeRecord(recs[0] as string));
    assert.equal(first.field('callId'), 'call-0@example.com');
    assert.deepEqual(reader.summary, { records: 50, scanned: 50, errors: 0, bytesSkipped: 0, bytes: text.length, files: 1, byCode: {} });
  });

  test('the summary is also the return value of the generator', async () => {
    const reader = readRecords(Readable.from([bin(log(3).text)]));
    for (;;) {
      const r = await reader.next();
      if (r.done === true) {
        assert.equal(r.value.records, 3);
        assert.equal(r.value, reader.summary);
        break;
      }
    }
  });

  test('any chunking gives the same events (chunkBytes from 1 byte up, stream chunks of every size)', async () => {
    const { text } = log(20);
    const want = brief(await collect(readRecords(Readable.from([bin(text)]))));
    for (const chunkBytes of [1, 7, 61, 62, 100, 4096]) {
      const pieces: Buffer[] = [];
      for (let i = 0; i < text.length; i += chunkBytes) pieces.push(bin(text.slice(i, i + chunkBytes)));
      assert.deepEqual(brief(await collect(readRecords(Readable.from(pieces), { chunkBytes }))), want, `chunks of ${chunkBytes}`);
    }
  });

  test('stdin-like streams carry ReaderOptions.name', async () => {
    const evs = await collect(readRecords(Readable.from([bin(log(2).text)]), { name: '<stdin>' }));
    assert.deepEqual(evs.map((e) => e.file), ['<stdin>', '<stdin>']);
  });

  test('gzip is detected by its magic bytes, not by the name; a stream too; concatenated members read', async (t) => {
    const a = log(10);
    const b = log(5, 10);
    const dir = tempDir(t);
    const path = join(dir, 'rotated.clf'); // no .gz suffix
    writeFileSync(path, Buffer.concat([gzipSync(bin(a.text)), gzipSync(bin(b.text))]));
    assert.deepEqual(records(await collect(readRecords(path))), [...a.recs, ...b.recs]);
    const stream = Readable.from([gzipSync(bin(a.text))]);
    assert.deepEqual(records(await collect(readRecords(stream, { chunkBytes: 64 }))), a.recs);
  });

  test('a torn .gz delivers what it held, then the torn record and IO_READ', async (t) => {
    const { text, recs } = log(40);
    const gz = gzipSync(bin(text));
    const path = join(tempDir(t), 'torn.gz');
    writeFileSync(path, gz.subarray(0, gz.length - 30));
    const evs = await collect(readRecords(path));
    const last = evs.at(-1);
    assert.ok(last?.type === 'error' && last.code === 'IO_READ');
    const got = records(evs);
    assert.deepEqual(got, recs.slice(0, got.length));
  });

  test('several files in order, each event naming its file; a missing one is an IO_READ event', async (t) => {
    const dir = tempDir(t);
    const [p1, p2, p3] = ['1.clf', 'missing.clf', '3.clf'].map((n) => join(dir, n)) as [string, string, string];
    writeFileSync(p1, bin(log(2).text));
    writeFileSync(p3, bin(log(3, 2).text));
    const reader = readRecords([p1, p2, p3]);
    const evs = await collect(reader);
    assert.deepEqual(
      evs.map((e) => [e.type, e.file, e.offset]),
      [
        ['record', p1, 0],
        ['record', p1, rec(0).length],
        ['error', p2, 0],
        ['record', p3, 0],
        ['record', p3, rec(2).length],
        ['record', p3, rec(2).length + rec(3).length],
      ],
    );
    assert.equal(evs[2]?.type === 'error' ? evs[2].code : '', 'IO_READ');
    assert.equal(reader.summary.files, 3);
    assert.deepEqual(reader.summary.byCode, { IO_READ: 1 });
  });

  test('invalid options are a RangeError at once', () => {
    assert.throws(() => readRecords('x', { maxRecordBytes: 10 }), RangeError);
    assert.throws(() => readRecords('x', { maxRecordBytes: 0x1000000 }), RangeError);
    assert.throws(() => readRecords('x', { chunkBytes: 0 }), RangeError);
  });
});

describe('readRecords: filters', () => {
  test('matchField(callId) yields only the matching record; the others are scanned, not yielded', async () => {
    const { text, recs, offsets } = log(30);
    const reader = readRecords(Readable.from([bin(text)]), matchField('callId', 'call-17@example.com'));
    assert.deepEqual(brief(await collect(reader)), [['r', offsets[17], recs[17]]]);
    assert.equal(reader.summary.records, 1);
    assert.equal(reader.summary.scanned, 30);
  });

  test('matchField with null matches `-` fields; with `-` matches the escaped %2D', async () => {
    const { text } = log(4);
    assert.equal(records(await collect(readRecords(Readable.from([bin(text)]), matchField('status', null)))).length, 2);
    assert.equal(records(await collect(readRecords(Readable.from([bin(text)]), matchField('toTag', '-')))).length, 0);
  });

  test('a record with a bad pointer never crashes a filter: it is reported, the rest is read', async () => {
    const { recs, offsets } = log(5);
    // Call-ID pointer (bytes 44-47) of record 2 pointed past the record.
    const bad = (recs[2] as string).slice(0, 44) + 'FFF0' + (recs[2] as string).slice(48);
    const text = [recs[0], recs[1], bad, recs[3], recs[4]].join('');
    const evs = await collect(readRecords(Readable.from([bin(text)]), { filter: (b, at) => matchField('callId', 'call-4@example.com').filter(b, at) }));
    assert.deepEqual(brief(evs), [
      ['e', offsets[2], 'CLF_BAD_POINTER', (recs[2] as string).length],
      ['r', offsets[4], recs[4]],
    ]);
  });

  test('a filter that throws: its error reaches the caller (file and stream alike), not an IO_READ event, no record twice', async (t) => {
    const { text } = log(10);
    const file = join(tempDir(t), 'a.clf');
    writeFileSync(file, bin(text));
    for (const src of [file, Readable.from([bin(text)])]) {
      const seen: string[] = [];
      let calls = 0;
      const boom = new Error('filter bug');
      const reader = readRecords(src, {
        filter: () => {
          if (++calls === 4) throw boom;
          return true;
        },
      });
      await assert.rejects(async () => {
        for await (const ev of reader) {
          assert.equal(ev.type, 'record', `no error event: ${JSON.stringify(ev)}`);
          if (ev.type === 'record') seen.push(ev.text);
        }
      }, boom);
      assert.equal(reader.summary.byCode.IO_READ, undefined);
      // Nothing was scanned again after the throw (the old catch-all finished the input, running the filter
      // over the same records a second time and delivering them twice).
      assert.equal(calls, 4);
      assert.deepEqual(seen, []);
    }
  });

  test('contains skips records without the bytes; validate full reports what the frame check cannot see', async () => {
    const { recs, offsets } = log(4);
    assert.deepEqual(brief(await collect(readRecords(Readable.from([bin(recs.join(''))]), { contains: 'C3\t' }))), [['r', offsets[3], recs[3]]]);
    const flags = (recs[1] as string).slice(0, 76) + 'X' + (recs[1] as string).slice(77); // request/response flag
    const text = [recs[0], flags, recs[2]].join('');
    assert.equal(records(await collect(readRecords(Readable.from([bin(text)])))).length, 3);
    const full = await collect(readRecords(Readable.from([bin(text)]), { validate: 'full' }));
    assert.deepEqual(brief(full), [['r', 0, recs[0]], ['e', offsets[1], 'CLF_BAD_FLAGS', flags.length], ['r', offsets[2], recs[2]]]);
    assert.ok(full[1]?.type === 'error' && full[1].at === (offsets[1] as number) + 76);
  });
});
