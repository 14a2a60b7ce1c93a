/**
 * One ClfWriter per directory and pattern (src/logfile/writer-lock.ts): a second live writer is refused with
 * IO_LOCKED, in this process, in its logging worker thread or in another process; a lock left by a dead
 * writer (its pid gone or reused, this pid from an earlier run, or, from another host, not renewed for
 * STALE_MS) is replaced with a warning.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { isSipclfError } from '../../src/errors.js';
import { lockPath, STALE_MS, startOf } from '../../src/logfile/writer-lock.js';
import { ClfWriter } from '../../src/logfile/writer.js';
import { LogWorker } from '../../src/msglog/log-worker-client.js';
import { makeRecord, modeOf, openW, readAll, withDir } from './writer-util.js';

const PATTERN = 'l-%n.clf';
const locked = (e: unknown): boolean => isSipclfError(e) && e.code === 'IO_LOCKED';

/** The lock line a writer of this process writes: `pid host boot-id pid-ns start`. */
async function ownLine(dir: string): Promise<string[]> {
  const w = await ClfWriter.open({ dir, pattern: 'probe-%n.clf' });
  const f = readFileSync(lockPath(dir, 'probe-%n.clf'), 'latin1').trim().split(' ');
  await w.close();
  return f;
}
const line = (f: readonly string[]): string => `${f.join(' ')}\n`;

/** A pid that was alive a moment ago and is not now (a child that has exited and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('ClfWriter: one writer per directory and pattern', () => {
  it('a second writer on the same directory and pattern is refused; another pattern is not; close() releases', () =>
    withDir(async (dir) => {
      const a = await ClfWriter.open({ dir, pattern: PATTERN });
      const lock = lockPath(dir, PATTERN);
      assert.equal(modeOf(lock), 0o600);
      // pid, host, boot id, pid namespace, start time (the last three from /proc, on Linux as here).
      assert.match(readFileSync(lock, 'latin1'), new RegExp(`^${process.pid} ${hostname().replace(/[.]/g, '\\.')} [0-9a-f-]{36} \\d+ \\d+\\n$`));
      await assert.rejects(ClfWriter.open({ dir, pattern: PATTERN }), (e) => locked(e) && /in use for 'l-%n\.clf' by another writer \(pid \d+/.test((e as Error).message));
      const other = await ClfWriter.open({ dir, pattern: 'm-%n.clf' });
      a.write(makeRecord(0));
      await a.close();
      assert.equal(existsSync(lock), false);
      const b = await ClfWriter.open({ dir, pattern: PATTERN });
      b.write(makeRecord(1));
      await Promise.all([b.close(), other.close()]);
      assert.deepEqual(readAll(dir).seqs, [0, 1]);
    }));

  it("refuses a writer while the proxy's logging worker thread holds the directory (same pid, same process)", () =>
    withDir(async (dir) => {
      const lw = await LogWorker.open({ writer: { dir } });
      try {
        await assert.rejects(ClfWriter.open({ dir }), locked);
      } finally {
        await lw.close();
      }
      const w = await ClfWriter.open({ dir });
      await w.close();
    }));

  it('replaces the lock of a process that is gone, with an IO_LOCKED warning', () =>
    withDir(async (dir) => {
      const pid = deadPid();
      const f = await ownLine(dir);
      writeFileSync(lockPath(dir, PATTERN), line([String(pid), ...f.slice(1)]), { mode: 0o600 });
      const { w, warnings } = await openW({ dir, pattern: PATTERN });
      await new Promise((r) => setImmediate(r)); // open()'s warnings are emitted once listeners can hear them
      await w.close();
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]?.code, 'IO_LOCKED');
      assert.match(warnings[0]?.message ?? '', new RegExp(`replaced the stale lock .* of pid ${pid} .*: its process ${pid} is gone`));
    }));

  it("replaces a lock holding this process's pid from an earlier run (a container restarted as pid 1)", () =>
    withDir(async (dir) => {
      const f = await ownLine(dir);
      writeFileSync(lockPath(dir, PATTERN), line([...f.slice(0, 4), String(Number(f[4]) - 1)]), { mode: 0o600 });
      const { w, warnings } = await openW({ dir, pattern: PATTERN });
      await new Promise((r) => setImmediate(r));
      await w.close();
      assert.match(warnings[0]?.message ?? '', /from an earlier run/);
    }));

  it('a live pid with another start time is another process (pid reused): stale; with its own start time: live, however old', () =>
    withDir(async (dir) => {
      const f = await ownLine(dir);
      const lock = lockPath(dir, PATTERN);
      const parent = String(process.ppid);
      const parentStart = startOf(process.ppid) as string;
      writeFileSync(lock, line([parent, f[1] as string, f[2] as string, f[3] as string, String(Number(parentStart) + 1)]), { mode: 0o600 });
      const { w, warnings } = await openW({ dir, pattern: PATTERN });
      await new Promise((r) => setImmediate(r));
      await w.close();
      assert.match(warnings[0]?.message ?? '', new RegExp(`pid ${parent} is now another process`));
      // The parent as it is, its lock not renewed for an hour (stopped with Ctrl-Z, say): still its.
      writeFileSync(lock, line([parent, f[1] as string, f[2] as string, f[3] as string, parentStart]), { mode: 0o600 });
      const old = new Date(Date.now() - 3_600_000);
      utimesSync(lock, old, old);
      await assert.rejects(ClfWriter.open({ dir, pattern: PATTERN }), locked);
    }));

  it('another host: refused while the lock is renewed, replaced once it is older than STALE_MS', () =>
    withDir(async (dir) => {
      const lock = lockPath(dir, PATTERN);
      // Another boot id: its pid means nothing here, only the heartbeat does.
      writeFileSync(lock, `1 other-host.example 00000000-0000-4000-8000-000000000000 4026531836 12345\n`, { mode: 0o600 });
      await assert.rejects(ClfWriter.open({ dir, pattern: PATTERN }), (e) => locked(e) && /pid 1 on other-host\.example/.test((e as Error).message));
      const old = new Date(Date.now() - STALE_MS - 5000);
      utimesSync(lock, old, old);
      const { w, warnings } = await openW({ dir, pattern: PATTERN });
      await new Promise((r) => setImmediate(r));
      await w.close();
      assert.match(warnings[0]?.message ?? '', /not renewed for \d+ s/);
    }));

  it('an unreadable lock (empty: its writer died while creating it) is refused until it is stale', () =>
    withDir(async (dir) => {
      const lock = lockPath(dir, PATTERN);
      writeFileSync(lock, '', { mode: 0o600 });
      await assert.rejects(ClfWriter.open({ dir, pattern: PATTERN }), (e) => locked(e) && /an unreadable holder/.test((e as Error).message));
      const old = new Date(Date.now() - STALE_MS - 5000);
      utimesSync(lock, old, old);
      const w = await ClfWriter.open({ dir, pattern: PATTERN });
      await w.close();
    }));

  it('a writer in another process holds the directory until it exits', () =>
    withDir(async (dir) => {
      const mod = join(import.meta.dirname, '..', '..', 'src', 'logfile', 'writer.js');
      // The child opens a writer and prints its pid, then waits for stdin to close (no close(): like a crash).
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, ['--input-type=module', '-e', `const { ClfWriter } = await import(${JSON.stringify(mod)}); await ClfWriter.open({ dir: ${JSON.stringify(dir)} }); process.stdout.write('ready'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`], { stdio: ['pipe', 'pipe', 'inherit'] });
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.once('data', () => resolve());
          child.once('exit', (c) => reject(new Error(`child exited ${c}`)));
        });
        await assert.rejects(ClfWriter.open({ dir }), (e) => locked(e) && new RegExp(`pid ${child.pid}`).test((e as Error).message));
      } finally {
        child.stdin.end();
        await new Promise((r) => child.once('close', r));
      }
      // Exited without close(): its lock is left, and replaced since its pid is gone.
      const { w, warnings } = await openW({ dir });
      await new Promise((r) => setImmediate(r));
      await w.close();
      assert.match(warnings[0]?.message ?? '', /is gone/);
    }));
});
