// readRecords streams a 100,000-record, ~200 MB log in bounded memory (one chunk plus one record, not the file).
import assert from 'node:assert/strict';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { matchField, readRecords } from '../../src/logfile/reader.js';
import { bin, rec, tempDir } from './reader-util.js';

const N = 100_000;
const SIZE = 2000; // bytes of Tag 02 message per record

test(`${N} records (~200 MB) read back with bounded memory; a call-id filter finds its one record`, { timeout: 120_000 }, async (t) => {
  const path = join(tempDir(t), 'big.clf');
  const fd = openSync(path, 'w');
  const lengths: number[] = [];
  for (let i = 0; i < N; ) {
    let batch = '';
    for (let k = 0; k < 1000; k++, i++) {
      const r = rec(i, SIZE);
      lengths.push(r.length);
      batch += r;
    }
    writeSync(fd, bin(batch));
  }
  closeSync(fd);
  const size = statSync(path).size;
  assert.ok(size > 200e6, `file is ${size} bytes`);

  const mem = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  global.gc?.();
  const before = mem();
  let peak = 0;
  let n = 0;
  let offset = 0;
  const reader = readRecords(path);
  for await (const ev of reader) {
    assert.equal(ev.type, 'record');
    assert.equal(ev.offset, offset);
    offset += lengths[n] as number;
    if (++n % 1000 === 0) peak = Math.max(peak, mem() - before);
  }
  assert.equal(n, N);
  assert.equal(reader.summary.bytes, size);
  t.diagnostic(`peak heap+buffers growth ${(peak / 1e6).toFixed(1)} MB, file ${(size / 1e6).toFixed(0)} MB`);
  // Yielded records are garbage once consumed; what the reader holds is ~2 MiB. 64 MB allows for GC lag.
  assert.ok(peak < 64e6, `peak growth ${(peak / 1e6).toFixed(1)} MB for a ${(size / 1e6).toFixed(0)} MB file`);

  const hits = [];
  for await (const ev of readRecords(path, matchField('callId', `call-${N - 3}@example.com`))) hits.push(ev);
  assert.deepEqual(
    hits.map((e) => [e.type, e.offset]),
    [['record', lengths.slice(0, N - 3).reduce((a, b) => a + b, 0)]],
  );
});
