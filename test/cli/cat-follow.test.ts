// `sipclf cat --follow`: a real process follows a growing log and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateClf } from '../../src/gen/generator.js';

const root = join(import.meta.dirname, '..', '..', '..');

test('cat --follow prints records appended after it started, then exits on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-follow-'));
  const file = join(dir, 'live.clf');
  const recs = [...generateClf({ records: 6, seed: 4 })];
  writeFileSync(file, Buffer.from(recs.slice(0, 2).join(''), 'latin1'));
  const child = spawn(process.execPath, [join(root, 'bin', 'sipclf.js'), 'cat', '--follow', '--fields', 'callid', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    const seen = (n: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (out.trim().split('\n').filter(Boolean).length >= n) resolve();
        };
        child.stdout.on('data', (d: string) => {
          out += d;
          check();
        });
        check();
      });
    await new Promise((r) => setTimeout(r, 500)); // let it open the file and seek to its end
    appendFileSync(file, Buffer.from(recs.slice(2).join(''), 'latin1'));
    await seen(4);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    // Like tail -f -n 0: only the 4 appended records.
    assert.equal(out.trim().split('\n').length, 4);
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
