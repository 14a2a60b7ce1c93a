/**
 * ClfWriter across process boundaries (src/logfile/writer.ts, writer-signals.ts): a child writing records
 * continuously is SIGKILLed and the files must hold only whole records in order plus at most one torn
 * record at the very end (RFC 6873 §4 Record Length framing); installSignalHandlers() flushes on SIGTERM,
 * then lets the signal (or the application's own exit code, or process.exitCode) through. The child is
 * test/fixtures/writer-child.mjs, always killed by the end of each test.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ClfWriter } from '../../src/logfile/writer.js';
import { makeRecord, readAll, root, withDir } from './writer-util.js';

const CHILD = join(root, 'test', 'fixtures', 'writer-child.mjs');

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Run the child fixture; `drive` gets it once it printed `line`. The child is SIGKILLed after `limitMs` or
 * when `drive` throws, whatever happens, and the result is how it exited.
 */
async function runChild(args: string[], line: string, drive: (c: ChildProcess) => Promise<void>, limitMs = 15_000): Promise<Exit> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const guard = setTimeout(() => child.kill('SIGKILL'), limitMs);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes(`${line}\n`)) resolve();
      });
      void exited.then((e) => reject(new Error(`child exited (${e.code ?? e.signal ?? ''}) before "${line}": ${stderr}`)));
    });
    await drive(child);
    return await exited;
  } finally {
    clearTimeout(guard);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
}

describe('ClfWriter: crash (SIGKILL)', () => {
  it('leaves whole records in order and at most one torn record at the end', () =>
    withDir(async (dir) => {
      const exit = await runChild(['crash', dir], 'ready', async (c) => {
        await sleep(300);
        c.kill('SIGKILL');
      });
      assert.equal(exit.signal, 'SIGKILL');
      const { seqs, torn, files } = readAll(dir); // throws on any framing error or torn record mid-stream
      assert.ok(seqs.length > 1000, `only ${seqs.length} records`);
      assert.deepEqual(seqs, range(0, seqs.length)); // no gap, no duplicate, in order across files
      assert.ok(files.length > 1, 'the child rotates by size');
      assert.ok(torn < makeRecord(seqs.length, 49).length, `torn tail of ${torn} bytes is more than one record`);
    }));
});

describe('ClfWriter: installSignalHandlers()', () => {
  it('flushes on SIGTERM and then dies of SIGTERM', () =>
    withDir(async (dir) => {
      const exit = await runChild(['signal', dir, '20000'], 'wrote', async (c) => {
        c.kill('SIGTERM');
        await Promise.resolve();
      });
      assert.deepEqual(exit, { code: null, signal: 'SIGTERM' });
      assert.deepEqual(readAll(dir).seqs, range(0, 20_000));
    }));

  it("flushes on SIGTERM but leaves the exit to the application's own listener", () =>
    withDir(async (dir) => {
      const exit = await runChild(['app-signal', dir, '20000'], 'wrote', async (c) => {
        c.kill('SIGTERM');
        await Promise.resolve();
      });
      assert.deepEqual(exit, { code: 7, signal: null });
      assert.deepEqual(readAll(dir).seqs, range(0, 20_000));
    }));

  it('closes on beforeExit and keeps process.exitCode', () =>
    withDir(async (dir) => {
      const child = spawn(process.execPath, [CHILD, 'exit', dir, '20000'], { stdio: 'ignore' });
      const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const exit = await new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      clearTimeout(guard);
      assert.deepEqual(exit, { code: 3, signal: null });
      assert.deepEqual(readAll(dir).seqs, range(0, 20_000));
    }));

  it('removes its listeners on close() and with the returned function', () =>
    withDir(async (dir) => {
      const before = ['SIGTERM', 'SIGINT', 'beforeExit'].map((e) => process.listenerCount(e));
      const a = await ClfWriter.open({ dir, pattern: 'a-%n.clf' });
      const b = await ClfWriter.open({ dir, pattern: 'b-%n.clf' });
      a.installSignalHandlers();
      const undo = b.installSignalHandlers({ signals: ['SIGTERM'] });
      assert.equal(process.listenerCount('SIGTERM'), (before[0] ?? 0) + 1); // one shared listener
      await a.close();
      assert.equal(process.listenerCount('SIGTERM'), (before[0] ?? 0) + 1); // b still registered
      undo();
      assert.deepEqual(['SIGTERM', 'SIGINT', 'beforeExit'].map((e) => process.listenerCount(e)), before);
      await b.close();
    }));
});
