// sipclf validate / cat / stats on generated and damaged logs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { recordFromJsonLine } from '../../src/clf/json.js';
import { encodeRecord } from '../../src/clf/encode.js';
import { decodeRecord } from '../../src/clf/decode.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { generateClf } from '../../src/gen/generator.js';
import { runCli } from './helpers.js';

let dir: string;
let good: string;
let bad: string;
let records: string[];
let damageAt: number;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipclf-cli-'));
  records = [...generateClf({ records: 400, seed: 21, logmeShare: 0.25 })];
  good = join(dir, 'good.clf');
  writeFileSync(good, Buffer.from(records.join(''), 'latin1'));
  // Flip a flag byte of the 11th record: a decode error in the middle of the file.
  const text = records.join('');
  damageAt = records.slice(0, 10).reduce((n, r) => n + r.length, 0);
  const broken = `${text.slice(0, damageAt + 76)}X${text.slice(damageAt + 77)}`;
  bad = join(dir, 'bad.clf');
  writeFileSync(bad, Buffer.from(broken, 'latin1'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('CLF commands', () => {
  test('every command in the option table has a module with run()', async () => {
    for (const c of COMMANDS) {
      const mod = (await import(`../../src/cli/${c.name}.js`)) as { run?: unknown };
      assert.equal(typeof mod.run, 'function', c.name);
    }
  });

  test('validate: a valid file exits 0', async () => {
    const r = await runCli(['validate', good]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /400 record\(s\), 0 problem/);
  });

  test('validate: a damaged record gives FILE:OFFSET: CODE and exit 1; the others are still checked', async () => {
    const r = await runCli(['validate', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${bad}:${damageAt + 76}: CLF_BAD_FLAGS ${r.stdout.split(' ').slice(2).join(' ')}`);
    assert.match(r.stderr, /399 record\(s\), 1 problem/);
  });

  test('validate: gzip and stdin', async () => {
    const gz = join(dir, 'good.clf.gz');
    writeFileSync(gz, gzipSync(Buffer.from(records.join(''), 'latin1')));
    assert.equal((await runCli(['validate', gz])).code, 0);
    assert.equal((await runCli(['validate', '-'], Buffer.from(records.slice(0, 5).join(''), 'latin1'))).code, 0);
    assert.equal((await runCli(['validate', '/nonexistent.clf'])).code, 2);
  });

  test('cat: one aligned line per record', async () => {
    const r = await runCli(['cat', '--utc', good]);
    assert.equal(r.code, 0);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 400);
    assert.match(lines[0] ?? '', /^2026-01-05 09:00:00\.000 R[OD][SR]UU \S+ → +\S+ +\d+ [A-Z]+ /);
  });

  test('cat --json is lossless: JSON back to CLF gives the same bytes', async () => {
    const r = await runCli(['cat', '--json', good]);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 400);
    lines.forEach((l, i) => assert.equal(encodeRecord(recordFromJsonLine(l)), records[i]));
  });

  test('cat --fields and the logme column', async () => {
    const r = await runCli(['cat', '--fields', 'cseq,logme,callid', good]);
    assert.ok(r.stdout.split('\n').some((l) => / \* /.test(l)), 'some records are marked');
    const u = await runCli(['cat', '--fields', 'bogus', good]);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /CLI_USAGE/);
  });

  test('cat skips a damaged record, reports it and exits 1', async () => {
    const r = await runCli(['cat', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.trimEnd().split('\n').length, 399);
    assert.match(r.stderr, /CLF_BAD_FLAGS/);
  });

  test('stats: text and JSON', async () => {
    const r = await runCli(['stats', good]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Records: 400 /);
    assert.match(r.stdout, /INVITE transactions: \d+ \(\d+ answered/);
    const j = await runCli(['stats', '--json', good]);
    const o = JSON.parse(j.stdout) as { records: number; marked: number; byMethod: Record<string, number> };
    assert.equal(o.records, 400);
    assert.ok(o.marked > 0);
    assert.ok((o.byMethod['INVITE'] ?? 0) > 0);
    const by = await runCli(['stats', '--by', 'status', '--json', good]);
    assert.ok('classes' in (JSON.parse(by.stdout) as object));
    assert.equal((await runCli(['stats', '--by', 'nope', good])).code, 2);
  });
});

describe('log-me mark in cat and stats (same sources as grep --logme)', () => {
  test('a Session-ID logged only as a Tag 00 header field counts; logme=1 does not', async () => {
    const [first] = [...generateClf({ records: 1, seed: 2, logmeShare: 0 })];
    const base = decodeRecord(first ?? '');
    const sid = (p: string): string =>
      encodeRecord({ ...base, optional: [{ tag: 0, vendor: 0, base64: false, value: `Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000${p}` }] });
    const input = Buffer.from(sid(';logme') + sid(';logme=1'), 'latin1');
    const r = await runCli(['cat', '--fields', 'logme,cseq', '-'], input);
    assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => l[0]), ['*', ' ']);
    const j = await runCli(['stats', '--json', '-'], input);
    assert.equal((JSON.parse(j.stdout) as { marked: number }).marked, 1);
  });
});
