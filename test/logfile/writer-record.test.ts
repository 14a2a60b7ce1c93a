/**
 * ClfWriter.writeRecord (src/logfile/writer.ts, writer-slab.ts): records encoded by encodeRecordInto into
 * the writer's slabs reach the file byte for byte as write(encodeRecord(r)) would write them, in call order
 * with write() strings and Buffers, across slab boundaries and batches in flight; rotation stays between
 * records; backpressure, drops and errors behave as for write().
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { decodeRecord } from '../../src/clf/decode.js';
import { encodeRecord } from '../../src/clf/encode.js';
import type { ClfRecord } from '../../src/clf/record.js';
import { SipclfError } from '../../src/errors.js';
import { makeRecord, openW, range, readAll, root, withDir } from './writer-util.js';

/** Record `seq` as a model: encodes to makeRecord(seq, pad) (the fixture's frame walker reads its seq). */
const model = (seq: number, pad = 0): ClfRecord => decodeRecord(makeRecord(seq, pad));
/** The same with a Tag 02-sized optional field, so that records are ~1-5 KB. */
const big = (seq: number, size: number): ClfRecord => ({
  ...model(seq),
  optional: [{ tag: 2, vendor: 0, base64: false, value: `INVITE sip:${seq}@example.com SIP/2.0%0D%0A`.padEnd(size, 'x') }],
});

/** The log files' bytes, concatenated in name order (one file unless rotated). */
const filesBytes = (dir: string): string =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.clf'))
    .sort()
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('');

describe('ClfWriter.writeRecord', () => {
  it('writes encodeRecord bytes, in call order with write(string) and write(Buffer), across slabs and batches', () =>
    withDir(async (dir) => {
      // batchBytes 4096: the slab is 4 KiB, so records of 1-5 KB fill slabs, straddle them and get their own.
      const { w, errors } = await openW({ dir, fsync: 'none', batchBytes: 4096 });
      const expected: string[] = [];
      for (let i = 0; i < 3000; i++) {
        if (i % 7 === 3) {
          const s = makeRecord(i);
          expected.push(s);
          w.write(i % 2 === 0 ? Buffer.from(s, 'latin1') : s);
        } else {
          const r = i % 5 === 0 ? big(i, 1000 + (i % 4500)) : model(i, i % 30);
          expected.push(encodeRecord(r));
          w.writeRecord(r);
        }
        // Let batches go out while more records are encoded: a slab being written must not be overwritten.
        if (i % 97 === 0) await new Promise((r) => setImmediate(r));
      }
      await w.close();
      // Byte equality with the expected concatenation: order, framing and every byte of every record.
      assert.equal(filesBytes(dir), expected.join(''));
      const s = w.stats();
      assert.equal(s.records, 3000);
      assert.equal(s.bytes, expected.join('').length);
      assert.equal(s.dropped + s.lost + s.queueRecords + s.queueBytes, 0);
      assert.deepEqual(errors, []);
    }));

  it('a batch that is one run of a slab is written from it: records keep their bytes while more are encoded', () =>
    withDir(async (dir) => {
      // batchBytes 4096: 4 KiB slabs, so each round of ~45 KB fills and replaces several (a full slab reused
      // from offset 0 would overwrite records still queued or being written).
      const { w } = await openW({ dir, fsync: 'every', batchBytes: 4096 });
      const expected: string[] = [];
      for (let round = 0; round < 20; round++) {
        for (let i = round * 50; i < round * 50 + 50; i++) {
          const r = big(i, 700);
          expected.push(encodeRecord(r));
          w.writeRecord(r);
        }
        const f = w.flush();
        // Encoded while the previous records' write and fsync are in flight.
        for (let i = 10_000 + round; i < 10_001 + round; i++) {
          const r = model(i);
          expected.push(encodeRecord(r));
          w.writeRecord(r);
        }
        await f;
      }
      await w.close();
      assert.equal(filesBytes(dir), expected.join(''));
    }));

  it('size rotation stays between records: whole records, files within maxBytes', () =>
    withDir(async (dir) => {
      const { w } = await openW({ dir, pattern: 's-%n.clf', maxBytes: 5000 });
      for (let i = 0; i < 200; i++) w.writeRecord(model(i, i % 40));
      await w.close();
      const { seqs, files, perFile, torn } = readAll(dir);
      assert.deepEqual(seqs, range(0, 200));
      assert.equal(torn, 0);
      assert.ok(files.length > 5);
      for (const [f, size] of perFile) assert.ok(size <= 5000, `${f}: ${size} bytes`);
    }));

  it("returns false above highWaterMark, emits 'drain', drops and counts beyond maxQueueBytes, like write()", () =>
    withDir(async (dir) => {
      const len = makeRecord(10).length;
      const { w } = await openW({ dir, highWaterMark: 4096, maxQueueBytes: 16_384 });
      const results = range(10, 100).map((i) => w.writeRecord(model(i)));
      assert.equal(results.indexOf(false), Math.floor(4096 / len));
      const accepted = Math.floor(16_384 / len);
      assert.equal(w.stats().dropped, 90 - accepted);
      assert.equal(w.stats().queueBytes, accepted * len);
      await once(w, 'drain');
      assert.equal(w.writeRecord(model(1000)), true);
      await w.close();
      assert.deepEqual(readAll(dir).seqs, [...range(10, 10 + accepted), 1000]);
    }));

  it('throws the encoder error for a record the format cannot hold and queues nothing; after close() drops', () =>
    withDir(async (dir) => {
      const { w, errors } = await openW({ dir });
      w.writeRecord(model(0));
      assert.throws(
        () => w.writeRecord({ ...model(1), timestamp: -1 }),
        (e: unknown) => e instanceof SipclfError && e.code === 'CLF_TIMESTAMP_RANGE',
      );
      assert.throws(
        () => w.writeRecord({ ...model(1), optional: [{ tag: 2, vendor: 0, base64: false, value: 'a\nb' }] }),
        (e: unknown) => e instanceof SipclfError && e.code === 'CLF_BAD_VALUE',
      );
      assert.equal(w.stats().queueRecords, 1);
      w.writeRecord(model(2));
      await w.close();
      assert.equal(w.writeRecord(model(3)), false);
      assert.equal(w.stats().dropped, 1);
      assert.deepEqual(errors.map((e) => e.code), ['IO_WRITER_CLOSED']);
      assert.deepEqual(readAll(dir).seqs, [0, 2]);
    }));

  it('SIGKILL while records are encoded into slabs and written from them: whole records in order, at most one torn at the end', () =>
    withDir(async (dir) => {
      // The child writes records 0, 1, 2, … with writeRecord (honouring 'drain', rotating by size) until killed.
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `
          const { ClfWriter } = await import(${JSON.stringify(join(root, 'dist/src/logfile/writer.js'))});
          const { decodeRecord } = await import(${JSON.stringify(join(root, 'dist/src/clf/decode.js'))});
          const { makeRecord } = await import(${JSON.stringify(join(root, 'test/fixtures/writer-records.mjs'))});
          const w = await ClfWriter.open({ dir: process.argv[1], pattern: 'k-%n.clf', maxBytes: 200000, fsync: 'none', highWaterMark: 65536, batchBytes: 8192 });
          let seq = 0;
          const pump = () => {
            for (let i = 0; i < 2000; i++) {
              if (!w.writeRecord(decodeRecord(makeRecord(seq, seq++ % 50)))) return void w.once('drain', pump);
            }
            setImmediate(pump);
          };
          pump();
          await w.flush();
          process.stdout.write('ready\\n');
          `,
          dir,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => (d.toString().includes('ready') ? resolve() : undefined));
          void exited.then(() => reject(new Error('child exited before "ready"')));
        });
        await new Promise((r) => setTimeout(r, 300));
        child.kill('SIGKILL');
        assert.equal(await exited, 'SIGKILL');
      } finally {
        clearTimeout(guard);
        child.kill('SIGKILL');
      }
      const { seqs, torn, files } = readAll(dir); // throws on a framing error or a torn record mid-stream
      assert.ok(seqs.length > 1000, `only ${seqs.length} records`);
      assert.deepEqual(seqs, range(0, seqs.length));
      assert.ok(files.length > 1, 'the child rotates by size');
      assert.ok(torn < makeRecord(seqs.length, 49).length, `torn tail of ${torn} bytes is more than one record`);
    }));
});
