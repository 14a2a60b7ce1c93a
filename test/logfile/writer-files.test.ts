/**
 * ClfWriter's files (src/logfile/writer.ts, writer-files.ts, rotate*.ts, writer-fs.ts): size and time
 * rotation (injected clock), names and %n, gzip of rotated files, retention by count and age (RFC 8497
 * §8.5), and permissions 0600/0700 whatever the umask (RFC 6872 §10, RFC 8497 §7.4).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, readdirSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { decodeRecord } from '../../src/clf/decode.js';
import { ClfWriter } from '../../src/logfile/writer.js';
import { checkFrames, makeRecord, modeOf, openW, range, readAll, withDir } from './writer-util.js';

describe('ClfWriter: size rotation', () => {
  it('never splits a record and keeps files within maxBytes (a larger record gets a file of its own)', () =>
    withDir(async (dir) => {
      const maxBytes = 5000;
      const { w } = await openW({ dir, pattern: 'r-%n.clf', maxBytes });
      const rotations: string[] = [];
      w.on('rotate', (ev) => rotations.push(ev.previous ?? ''));
      for (let i = 0; i < 300; i++) w.write(makeRecord(i, i === 150 ? 6000 : i % 40));
      await w.close();
      const { seqs, files, perFile } = readAll(dir);
      assert.deepEqual(seqs, range(0, 300));
      for (const [name, size] of perFile) {
        const big = readFileSync(join(dir, name)).length > maxBytes;
        if (big) assert.deepEqual(checkFrames(readFileSync(join(dir, name))).seqs, [150], `${name} (${size} bytes)`);
      }
      assert.equal(rotations.length, files.length - 1);
      assert.equal(w.stats().rotations, files.length - 1);
      assert.equal(w.stats().files, files.length);
    }));

  it("listeners that throw ('rotate', 'drain') lose no record and hang no flush: a process warning each", () =>
    withDir(async (dir) => {
      const w = await ClfWriter.open({ dir, pattern: 't-%n.clf', maxBytes: 3000, highWaterMark: 2000, batchBytes: 4096 });
      const thrown: string[] = [];
      const warned: string[] = [];
      const onWarning = (e: Error): void => void warned.push(e.message);
      process.on('warning', onWarning);
      try {
        w.on('rotate', () => {
          thrown.push('rotate');
          throw new Error('rotate listener bug');
        });
        w.on('drain', () => {
          thrown.push('drain');
          throw new Error('drain listener bug');
        });
        for (let i = 0; i < 200; i++) w.write(makeRecord(i, i % 40));
        await w.flush();
        await w.close();
        await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
      } finally {
        process.off('warning', onWarning);
      }
      assert.deepEqual(readAll(dir).seqs, range(0, 200));
      assert.equal(w.stats().lost, 0);
      assert.ok(thrown.includes('rotate') && thrown.includes('drain'), thrown.join());
      assert.equal(warned.filter((m) => /a '(rotate|drain)' listener threw/.test(m)).length, thrown.length);
    }));

  it('continues %n after the highest existing file, and adds -1 to a colliding name without %n', () =>
    withDir(async (dir) => {
      writeFileSync(join(dir, 'seq-0007.clf'), '');
      const a = await ClfWriter.open({ dir, pattern: 'seq-%n.clf' });
      assert.equal(a.stats().currentFile, join(dir, 'seq-0008.clf'));
      await a.close();
      const t = Date.UTC(2024, 0, 2, 3, 4, 5);
      writeFileSync(join(dir, 'x-20240102-030405.clf'), '');
      const b = await ClfWriter.open({ dir, pattern: 'x-%Y%m%d-%H%M%S.clf', clock: () => t });
      assert.equal(b.stats().currentFile, join(dir, 'x-20240102-030405-1.clf'));
      await b.close();
    }));
});

describe('ClfWriter: time rotation (injected clock)', () => {
  // With writeRecord() a run of records is one slab segment until the boundary splits it.
  for (const via of ['write', 'writeRecord'] as const) {
    it(`rotates on wall-clock boundaries, names files by interval start, creates no empty files (${via})`, () =>
      withDir(async (dir) => {
        let now = Date.UTC(2024, 0, 1, 10, 59, 59);
        const { w } = await openW({ dir, pattern: 't-%Y%m%d-%H%M%S.clf', interval: '1h', clock: () => now });
        const put = (i: number): boolean => (via === 'write' ? w.write(makeRecord(i)) : w.writeRecord(decodeRecord(makeRecord(i))));
        for (const i of [0, 1, 2]) put(i);
        now = Date.UTC(2024, 0, 1, 11, 0, 0);
        for (const i of [3, 4]) put(i);
        now = Date.UTC(2024, 0, 1, 13, 30, 0); // 12:00-13:00 had no records
        put(5);
        await w.close();
        const { files } = readAll(dir);
        assert.deepEqual(files, ['t-20240101-105959.clf', 't-20240101-110000.clf', 't-20240101-130000.clf']);
        assert.deepEqual(
          files.map((f) => checkFrames(readFileSync(join(dir, f))).seqs),
          [[0, 1, 2], [3, 4], [5]],
        );
      }));
  }
});

describe('ClfWriter: gzip and retention', () => {
  it('gzips rotated files (temp + rename, mode 0600, mtime kept) and they gunzip to the records', () =>
    withDir(async (dir) => {
      const { w, errors } = await openW({ dir, pattern: 'g-%n.clf', maxBytes: 4000, gzip: true });
      for (let i = 0; i < 200; i++) w.write(makeRecord(i));
      await w.close();
      const names = readdirSync(dir).sort();
      const gz = names.filter((n) => n.endsWith('.gz'));
      assert.ok(gz.length > 5);
      assert.deepEqual(names.filter((n) => !n.endsWith('.gz')), [names[names.length - 1]]); // only the active file
      assert.ok(names.every((n) => /^g-\d{4}\.clf(\.gz)?$/.test(n)), names.join());
      let all = Buffer.alloc(0);
      for (const n of names) {
        assert.equal(modeOf(join(dir, n)), 0o600);
        const raw = readFileSync(join(dir, n));
        all = Buffer.concat([all, n.endsWith('.gz') ? gunzipSync(raw) : raw]);
      }
      assert.deepEqual(checkFrames(all).seqs, range(0, 200));
      assert.deepEqual(errors, []);
    }));

  it('keeps at most maxFiles rotated files, the newest', () =>
    withDir(async (dir) => {
      const { w } = await openW({ dir, pattern: 'k-%n.clf', maxBytes: 2000, maxFiles: 2, gzip: true });
      for (let i = 0; i < 100; i++) w.write(makeRecord(i));
      await w.close();
      const { files, seqs } = readAll(dir);
      assert.equal(files.length, 3); // 2 rotated + the active one
      assert.equal(seqs[seqs.length - 1], 99);
      assert.deepEqual(seqs, range(100 - seqs.length, 100)); // a contiguous tail
    }));

  it('maxFiles deletes by %n order, not mtime: k-0001 goes first even when its mtime is newer than k-0002', () =>
    withDir(async (dir) => {
      const now = Date.now() / 1000;
      writeFileSync(join(dir, 'k-0001.clf'), makeRecord(1));
      writeFileSync(join(dir, 'k-0002.clf'), makeRecord(2));
      utimesSync(join(dir, 'k-0001.clf'), now, now);
      utimesSync(join(dir, 'k-0002.clf'), now - 3600, now - 3600);
      const { w } = await openW({ dir, pattern: 'k-%n.clf', maxFiles: 1 });
      await w.close();
      assert.deepEqual(readdirSync(dir).sort(), ['k-0002.clf', 'k-0003.clf']);
    }));

  it('deletes rotated files older than maxAgeMs at open and after rotation, and nothing else', () =>
    withDir(async (dir) => {
      const now = Date.now();
      const old = (now - 3 * 3600_000) / 1000;
      writeFileSync(join(dir, 'a-0000.clf'), makeRecord(0));
      writeFileSync(join(dir, 'a-0001.clf.gz'), 'x');
      writeFileSync(join(dir, 'notes.txt'), 'keep me');
      writeFileSync(join(dir, 'a-0002.clf'), makeRecord(2));
      for (const n of ['a-0000.clf', 'a-0001.clf.gz', 'notes.txt']) utimesSync(join(dir, n), old, old);
      const { w } = await openW({ dir, pattern: 'a-%n.clf', maxAgeMs: 3600_000 });
      await w.close();
      assert.deepEqual(readdirSync(dir).sort(), ['a-0002.clf', 'a-0003.clf', 'notes.txt']);
    }));
});

describe('ClfWriter: permissions (RFC 6872 §10, RFC 8497 §7.4)', () => {
  it('creates directories 0700 and files 0600 even with umask 0', () =>
    withDir(async (base) => {
      const saved = process.umask(0);
      try {
        const dir = join(base, 'logs', 'sip');
        const { w } = await openW({ dir, pattern: 'p-%n.clf', maxBytes: 1000, gzip: true, currentLink: 'current.clf' });
        for (let i = 0; i < 20; i++) w.write(makeRecord(i));
        await w.flush();
        assert.equal(readlinkSync(join(dir, 'current.clf')), (w.stats().currentFile ?? '').slice(dir.length + 1));
        await w.close();
        assert.equal(modeOf(dir), 0o700);
        for (const n of readdirSync(dir)) if (n !== 'current.clf') assert.equal(modeOf(join(dir, n)), 0o600, n);
      } finally {
        process.umask(saved);
      }
    }));

  it('refuses a group/world-writable directory, or warns with insecureDir: warn', () =>
    withDir(async (base) => {
      const dir = join(base, 'open');
      mkdirSync(dir);
      chmodSync(dir, 0o777);
      await assert.rejects(ClfWriter.open({ dir }), { code: 'IO_INSECURE_DIR' });
      const { w, warnings } = await openW({ dir, insecureDir: 'warn' });
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings.map((x) => x.code), ['IO_INSECURE_DIR']);
      await w.close();
      chmodSync(dir, 0o755);
      const b = await openW({ dir });
      await new Promise((r) => setImmediate(r));
      assert.match(b.warnings[0]?.message ?? '', /accessible by group or others/);
      await b.w.close();
    }));
});
