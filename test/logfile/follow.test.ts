// followRecords: appended records are delivered, across a rotation (rename + new file) and a truncation, in
// order, until the AbortSignal ends the generator. Every wait is bounded.
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, mkdirSync, openSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { followRecords, type FollowOptions } from '../../src/logfile/follow.js';
import type { RecordEvent } from '../../src/logfile/reader.js';
import { bin, log, rec, tempDir } from './reader-util.js';

/** Writes `text` at offset 0 of the existing file without truncating it (the file never shrinks). */
function overwrite(path: string, text: string): void {
  const fd = openSync(path, 'r+');
  try {
    const b = bin(text);
    writeSync(fd, b, 0, b.length, 0);
  } finally {
    closeSync(fd);
  }
}

/** Next `n` events, or a failure after `ms`. */
async function take(it: AsyncIterator<RecordEvent>, n: number, ms = 5000): Promise<RecordEvent[]> {
  const out: RecordEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out with ${out.length}/${n} events`)), ms);
  });
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done === true) break;
      out.push(r.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

const texts = (evs: readonly RecordEvent[]): string[] => evs.map((e) => (e.type === 'record' ? e.text : `error ${e.code}`));

for (const watch of [true, false]) {
  describe(`followRecords (fs.watch ${watch ? 'on' : 'off, polling only'})`, () => {
    const opts = (signal: AbortSignal): FollowOptions => ({ signal, pollMs: 20, watch });

    test('appends after the start, then a rotation: old file finished, new file from its start, then abort', { timeout: 20_000 }, async (t) => {
      const path = join(tempDir(t), 'sip.clf');
      writeFileSync(path, bin(log(2).text)); // already there: not delivered (tail -f -n 0)
      const ac = new AbortController();
      const reader = followRecords(path, opts(ac.signal));
      const it = reader[Symbol.asyncIterator]();
      const first = it.next(); // starts the generator: it opens the file at its end
      for (let i = 0; reader.summary.files === 0; i++) {
        assert.ok(i < 500, 'the follower opened the file');
        await new Promise((r) => setTimeout(r, 10));
      }
      appendFileSync(path, bin(rec(2) + rec(3)));
      const got = [(await first).value as RecordEvent, ...(await take(it, 1))];
      assert.deepEqual(texts(got), [rec(2), rec(3)]);
      assert.equal(got[0]?.offset, log(2).text.length);

      // A record written in two parts is delivered once, whole.
      appendFileSync(path, bin(rec(4).slice(0, 70)));
      await new Promise((r) => setTimeout(r, 60));
      appendFileSync(path, bin(rec(4).slice(70)));
      assert.deepEqual(texts(await take(it, 1)), [rec(4)]);

      // Rotation: rename, a last record lands in the old file, then the new file appears.
      renameSync(path, `${path}.1`);
      appendFileSync(`${path}.1`, bin(rec(5)));
      writeFileSync(path, bin(rec(6) + rec(7)));
      const rotated = await take(it, 3);
      assert.deepEqual(texts(rotated), [rec(5), rec(6), rec(7)]);
      assert.deepEqual(rotated.map((e) => e.offset), [log(5).text.length, 0, rec(6).length]);

      ac.abort();
      const end = await take(it, 1);
      assert.deepEqual(end, []);
      assert.equal(reader.summary.records, 6);
      assert.equal(reader.summary.files, 2);
    });

    test('fromStart, a file that appears later, truncation in place, and a torn tail before rotation', { timeout: 20_000 }, async (t) => {
      const path = join(tempDir(t), 'later.clf');
      const ac = new AbortController();
      const it = followRecords(path, { ...opts(ac.signal), fromStart: true })[Symbol.asyncIterator]();
      const first = it.next();
      await new Promise((r) => setTimeout(r, 60));
      writeFileSync(path, bin(rec(0) + rec(1)));
      assert.deepEqual(texts([(await first).value as RecordEvent, ...(await take(it, 1))]), [rec(0), rec(1)]);

      truncateSync(path, 0);
      await new Promise((r) => setTimeout(r, 100));
      appendFileSync(path, bin(rec(2)));
      const after = await take(it, 1);
      assert.deepEqual(texts(after), [rec(2)]);
      assert.equal(after[0]?.offset, 0);

      appendFileSync(path, bin(rec(3).slice(0, 90))); // the writer dies mid-record, then rotates
      await new Promise((r) => setTimeout(r, 60));
      renameSync(path, `${path}.1`);
      writeFileSync(path, bin(rec(4)));
      const torn = await take(it, 2);
      assert.deepEqual(texts(torn), ['error CLF_TRUNCATED', rec(4)]);
      assert.equal(torn[0]?.offset, rec(2).length);
      ac.abort();
      assert.deepEqual(await take(it, 1), []);
    });
  });
}

test('followRecords: truncated and grown back past the read position between two looks: read again from 0, no damage', { timeout: 20_000 }, async (t) => {
  const path = join(tempDir(t), 'regrow.clf');
  writeFileSync(path, bin(rec(0) + rec(1)));
  const ac = new AbortController();
  t.after(() => ac.abort());
  // Polling only, and slowly: the rewrite below lands between two looks.
  const it = followRecords(path, { signal: ac.signal, pollMs: 300, watch: false, fromStart: true })[Symbol.asyncIterator]();
  assert.deepEqual(texts(await take(it, 2)), [rec(0), rec(1)]);
  const longer = rec(10) + rec(11) + rec(12);
  assert.ok(longer.length > rec(0).length + rec(1).length);
  overwrite(path, longer); // the new records over the old from offset 0: the file is never smaller at a look
  const again = await take(it, 3);
  assert.deepEqual(texts(again), [rec(10), rec(11), rec(12)]);
  assert.equal(again[0]?.offset, 0);
  ac.abort();
  assert.deepEqual(await take(it, 1), []);
});

test('followRecords: the same from the end of a file shorter than 256 bytes, with a record held half-read', { timeout: 20_000 }, async (t) => {
  const path = join(tempDir(t), 'small.clf');
  assert.ok(rec(0).length < 256); // the first bytes known are what the file had
  writeFileSync(path, bin(rec(0)));
  const ac = new AbortController();
  t.after(() => ac.abort());
  const reader = followRecords(path, { signal: ac.signal, pollMs: 300, watch: false });
  const it = reader[Symbol.asyncIterator]();
  const pending = it.next();
  for (let i = 0; reader.summary.files === 0; i++) {
    assert.ok(i < 500, 'the follower opened the file');
    await new Promise((r) => setTimeout(r, 10));
  }
  appendFileSync(path, bin(rec(1).slice(0, 100))); // read, held: a record not complete yet
  for (let i = 0; reader.summary.bytes < 100; i++) {
    assert.ok(i < 1000, 'the follower read the half record');
    await new Promise((r) => setTimeout(r, 10));
  }
  overwrite(path, rec(20) + rec(21));
  const got = [(await pending).value as RecordEvent, ...(await take(it, 2))];
  // The half record held from before is reported torn; the new file is read from 0.
  assert.deepEqual(texts(got), ['error CLF_TRUNCATED', rec(20), rec(21)]);
  assert.deepEqual(got.map((e) => e.offset), [rec(0).length, 0, rec(20).length]);
  assert.equal(reader.summary.files, 2, 'a restart counts as another input');
  ac.abort();
  assert.deepEqual(await take(it, 1), []);
});

/** Waits until `cond()` holds, or fails after ~5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; !cond(); i++) {
    assert.ok(i < 500, what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The followed file's directory swapped for a plain file, then put back: stat and open of the path fail with
 * ENOTDIR meanwhile (a system call failing on a file being read, which root's permissions cannot produce).
 */
function swapAway(dir: string): () => void {
  renameSync(dir, `${dir}.away`);
  writeFileSync(dir, 'not a directory');
  return () => {
    rmSync(dir);
    renameSync(`${dir}.away`, dir);
  };
}

/**
 * A follower that has read two records and half of a third, then meets a failing system call (the directory
 * swapped away): returns it with the IO_READ event that reported the failure and `restore` to put the directory back.
 */
async function halfRecordThenFailure(t: TestContext) {
  const dir = join(tempDir(t), 'logs');
  mkdirSync(dir);
  const path = join(dir, 'sip.clf');
  writeFileSync(path, bin(rec(0) + rec(1)));
  const ac = new AbortController();
  t.after(() => ac.abort());
  const reader = followRecords(path, { signal: ac.signal, fromStart: true, pollMs: 20, watch: false });
  const it = reader[Symbol.asyncIterator]();
  assert.deepEqual(texts(await take(it, 2)), [rec(0), rec(1)]);
  const pending = it.next(); // the generator runs while a next() waits
  appendFileSync(path, bin(rec(2).slice(0, 100))); // read and held: a record not complete yet
  await until(() => reader.summary.bytes >= rec(0).length + rec(1).length + 100, 'the follower read the half record');
  const restore = swapAway(dir);
  const e = (await pending).value as RecordEvent | undefined;
  return { path, ac, reader, it, restore, e };
}

describe('followRecords after a system call fails on the file', () => {
  test('the same file again: reading resumes where it stopped, with the record it held; nothing is delivered twice', { timeout: 20_000 }, async (t) => {
    const { path, ac, reader, it, restore, e } = await halfRecordThenFailure(t);
    assert.ok(e?.type === 'error' && e.code === 'IO_READ' && /ENOTDIR/.test(e.message), JSON.stringify(e));
    assert.equal(e.offset, rec(0).length + rec(1).length + 100, 'the error names how far the file was read');
    restore();
    appendFileSync(path, bin(rec(2).slice(100) + rec(3)));
    // Errors of the open while the directory was away may come first; then exactly the new records.
    const rest: RecordEvent[] = [];
    while (rest.filter((x) => x.type === 'record').length < 2) {
      const [x] = await take(it, 1);
      assert.ok(x !== undefined, 'more events');
      rest.push(x);
    }
    const records = rest.filter((x) => x.type === 'record');
    assert.deepEqual(texts(records), [rec(2), rec(3)]);
    assert.deepEqual(records.map((x) => x.offset), [rec(0).length + rec(1).length, rec(0).length + rec(1).length + rec(2).length]);
    assert.ok(rest.every((x) => x.type === 'record' || x.code === 'IO_READ'), texts(rest).join(', '));
    assert.equal(reader.summary.files, 1, 'still the one file');
    ac.abort();
    assert.deepEqual(texts(await take(it, 1)), []);
  });

  test('a second failure on reopening (fstat of the reopened file): the reading it had is kept, nothing delivered twice', { timeout: 20_000 }, async (t) => {
    const { path, ac, reader, it, restore, e } = await halfRecordThenFailure(t);
    assert.ok(e?.type === 'error' && e.code === 'IO_READ', JSON.stringify(e));
    // The next open that succeeds hands back a file whose fstat fails once (EIO, as on a flaky network mount).
    // follow.ts imports `open` by name: the built-in module's named exports follow the patched object once synced.
    const realOpen = fsp.open;
    let failed = 0;
    const patched = async (...args: Parameters<typeof fsp.open>): Promise<fsp.FileHandle> => {
      const fh = await realOpen(...args);
      if (failed === 0) {
        failed++;
        const realStat = fh.stat.bind(fh);
        fh.stat = (() => {
          fh.stat = realStat;
          return Promise.reject(Object.assign(new Error('EIO: i/o error, fstat'), { code: 'EIO', errno: -5, syscall: 'fstat' }));
        }) as typeof fh.stat;
      }
      return fh;
    };
    fsp.open = patched;
    syncBuiltinESMExports();
    t.after(() => {
      fsp.open = realOpen;
      syncBuiltinESMExports();
    });
    restore();
    const next = it.next(); // the generator only runs while a next() waits
    await until(() => failed === 1, 'the follower reopened the file');
    fsp.open = realOpen;
    syncBuiltinESMExports();
    appendFileSync(path, bin(rec(2).slice(100) + rec(3)));
    const first = (await next).value as RecordEvent | undefined;
    assert.ok(first !== undefined, 'an event');
    const rest: RecordEvent[] = [first];
    while (rest.filter((x) => x.type === 'record').length < 2) {
      const [x] = await take(it, 1);
      assert.ok(x !== undefined, 'more events');
      rest.push(x);
    }
    // The fstat failure is reported (IO_READ) with the offset reached, and reading resumes there: no rec(0) again.
    const errors = rest.filter((x) => x.type === 'error');
    assert.ok(errors.some((x) => /EIO/.test(x.message) && x.offset === rec(0).length + rec(1).length + 100), texts(rest).join(', '));
    assert.ok(errors.every((x) => x.code === 'IO_READ'), texts(rest).join(', '));
    const records = rest.filter((x) => x.type === 'record');
    assert.deepEqual(texts(records), [rec(2), rec(3)]);
    assert.deepEqual(records.map((x) => x.offset), [rec(0).length + rec(1).length, rec(0).length + rec(1).length + rec(2).length]);
    assert.equal(reader.summary.files, 1, 'still the one file');
    ac.abort();
  });

  test('another file at the path afterwards: the held record is reported torn, the new file is read from its start', { timeout: 20_000 }, async (t) => {
    const dir = join(tempDir(t), 'logs');
    mkdirSync(dir);
    const path = join(dir, 'sip.clf');
    writeFileSync(path, bin(rec(0)));
    const ac = new AbortController();
    t.after(() => ac.abort());
    const reader = followRecords(path, { signal: ac.signal, fromStart: true, pollMs: 20, watch: false });
    const it = reader[Symbol.asyncIterator]();
    assert.deepEqual(texts(await take(it, 1)), [rec(0)]);
    const pending = it.next();
    appendFileSync(path, bin(rec(1).slice(0, 100)));
    await until(() => reader.summary.bytes >= rec(0).length + 100, 'the follower read the half record');
    const restore = swapAway(dir);
    const e = (await pending).value as RecordEvent | undefined;
    assert.equal(e?.type === 'error' ? e.code : e?.type, 'IO_READ');
    restore();
    rmSync(path);
    writeFileSync(path, bin(rec(5) + rec(6))); // a new inode (the old one is gone, its number may come back: rewritten too)
    const rest: RecordEvent[] = [];
    while (rest.filter((x) => x.type === 'record').length < 2) {
      const [x] = await take(it, 1);
      assert.ok(x !== undefined, 'more events');
      rest.push(x);
    }
    const notOpen = rest.filter((x) => !(x.type === 'error' && x.code === 'IO_READ'));
    assert.deepEqual(texts(notOpen), ['error CLF_TRUNCATED', rec(5), rec(6)]);
    assert.deepEqual(notOpen.map((x) => x.offset), [rec(0).length, 0, rec(5).length]);
    assert.equal(reader.summary.files, 2);
    ac.abort();
  });
});

test('followRecords: an already aborted signal ends at once; invalid pollMs is a RangeError', async (t) => {
  const path = join(tempDir(t), 'x.clf');
  writeFileSync(path, bin(log(1).text));
  const reader = followRecords(path, { signal: AbortSignal.abort(), fromStart: true });
  assert.deepEqual(await take(reader[Symbol.asyncIterator](), 1), []);
  assert.throws(() => followRecords(path, { pollMs: 0 }), RangeError);
});

test('followRecords on a path that cannot be read (a directory): one IO_READ event, then it waits; no throw', async (t) => {
  const dir = tempDir(t);
  const ac = new AbortController();
  const it = followRecords(dir, { signal: ac.signal, fromStart: true, pollMs: 20, watch: false })[Symbol.asyncIterator]();
  const [e] = await take(it, 1);
  assert.ok(e?.type === 'error' && e.code === 'IO_READ' && /EISDIR/.test(e.message), JSON.stringify(e));
  // The same failure on every poll is reported once.
  const more = await take(it, 1, 300).then(
    (evs) => `got ${texts(evs).join(', ')}`,
    (err: Error) => err.message,
  );
  assert.match(more, /timed out with 0\/1 events/);
  ac.abort();
});
