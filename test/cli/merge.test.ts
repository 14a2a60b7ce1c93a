// `sipclf merge`: generated logs of three entities merged in time order, exactly their union, labelled;
// stability, --dedup, damage, .gz and stdin inputs, the output file's mode, usage errors, and the memory
// bound of a 2 × 50 MB merge measured in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeRecord } from '../../src/clf/decode.js';
import { encodeRecord } from '../../src/clf/encode.js';
import { entityField } from '../../src/clf/optional.js';
import { SIPCLF_PEN, VTAG_ENTITY, type ClfRecord, type OptionalField } from '../../src/clf/record.js';
import { generateClf } from '../../src/gen/generator.js';
import { recordTimestamp } from '../../src/logfile/merge.js';
import { runCli } from './helpers.js';

const root = join(import.meta.dirname, '..', '..', '..');
const BIN = join(root, 'bin', 'sipclf.js');
const START = Date.UTC(2026, 0, 5, 9, 0, 0);

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-merge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function gen(records: number, seed: number, start: number): string[] {
  return [...generateClf({ records, seed, start })];
}

function write(path: string, recs: readonly string[]): void {
  const bytes = Buffer.from(recs.join(''), 'latin1');
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(bytes) : bytes);
}

/** Records of a binary string, by their Record Length. */
function split(s: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < s.length; ) {
    const len = parseInt(s.slice(at + 1, at + 7), 16);
    assert.ok(len > 0, `record at ${at}`);
    out.push(s.slice(at, at + len));
    at += len;
  }
  return out;
}

function readOut(path: string): string[] {
  return split(readFileSync(path).latin1Slice());
}

const isEntity = (f: OptionalField): boolean => f.tag === VTAG_ENTITY && f.vendor === SIPCLF_PEN;

/** Label of a merged record, through the codec. */
function labelOf(rec: string): string | undefined {
  return decodeRecord(rec).optional.find(isEntity)?.value;
}

/** The record without its entity label, re-encoded (generated records are canonical, so this is the input). */
function unlabel(rec: string): string {
  const d: ClfRecord = decodeRecord(rec);
  return encodeRecord({ ...d, optional: d.optional.filter((f) => !isEntity(f)) });
}

function sorted(a: readonly string[]): string[] {
  return [...a].sort();
}

function at(ts: number, id: string): string {
  return encodeRecord({
    timestamp: ts,
    isRequest: true,
    retransmission: 'O',
    direction: 'R',
    transport: 'U',
    encrypted: false,
    cseq: '1 OPTIONS',
    status: null,
    requestUri: 'sip:p.example.com',
    destination: '192.0.2.10:5060',
    source: '198.51.100.20:5080',
    toUri: 'sip:p.example.com',
    toTag: null,
    fromUri: 'sip:a@example.com',
    fromTag: 't',
    callId: id,
    serverTxn: null,
    clientTxn: null,
    optional: [],
  });
}

describe('sipclf merge', () => {
  test('three interleaving logs: time order, exactly their union, labels from the file names; output mode 0600', async (t) => {
    const dir = tempDir(t);
    const a = gen(1200, 11, START);
    const b = gen(1200, 22, START + 700);
    const c = gen(1200, 33, START - 400);
    const [pa, pb, pc] = [join(dir, 'edge.clf'), join(dir, 'border-a.clf'), join(dir, 'core.clf.gz')];
    write(pa, a);
    write(pb, b);
    write(pc, c);
    const out = join(dir, 'trail.clf');
    const r = await runCli(['merge', pa, pb, pc, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const merged = readOut(out);
    assert.equal(merged.length, 3600);
    for (let i = 1; i < merged.length; i++) assert.ok(recordTimestamp(merged[i] as string) >= recordTimestamp(merged[i - 1] as string), `record ${i}`);
    assert.deepEqual(sorted(merged.map(unlabel)), sorted([...a, ...b, ...c]));
    const labelOfInput = new Map<string, string>([...a.map((x) => [x, 'edge'] as const), ...b.map((x) => [x, 'border-a'] as const), ...c.map((x) => [x, 'core'] as const)]);
    for (const m of merged) assert.equal(labelOf(m), labelOfInput.get(unlabel(m)));
    // The three really interleave: the label changes many times along the output.
    let switches = 0;
    for (let i = 1; i < merged.length; i++) if (labelOf(merged[i] as string) !== labelOf(merged[i - 1] as string)) switches++;
    assert.ok(switches > 100, `${switches} switches`);
    assert.match(r.stderr, /edge\.clf \[edge\]: 1200 records, 1200 written, 0 damaged, 0 out of order/);
    assert.match(r.stderr, /3600 records written to .*trail\.clf, 0 duplicates dropped, 0 damaged/);

    // --label overrides the default; the other files keep theirs. Standard output gets the same bytes.
    const r2 = await runCli(['merge', '--label', `${pa}=proxy-1`, '--label', `${pc}=core=x`, pa, pb, pc]);
    assert.equal(r2.code, 0, r2.stderr);
    const m2 = split(r2.stdout);
    assert.deepEqual(m2.map(unlabel), merged.map(unlabel));
    const rename: Record<string, string> = { edge: 'proxy-1', 'border-a': 'border-a', core: 'core=x' };
    assert.deepEqual(
      m2.map(labelOf),
      merged.map((m) => rename[labelOf(m) as string]),
    );

    // Merging merged logs: every record keeps the label it has.
    const again = join(dir, 'again.clf');
    assert.equal((await runCli(['merge', out, '-o', again])).code, 0);
    assert.deepEqual(readFileSync(again), readFileSync(out));
  });

  test('equal timestamps keep input order: file order first, then record order', async (t) => {
    const dir = tempDir(t);
    const [p1, p2] = [join(dir, 'one.clf'), join(dir, 'two.clf')];
    write(p1, [at(START, 'x1'), at(START + 5, 'x2'), at(START + 5, 'x3'), at(START + 9, 'x4')]);
    write(p2, [at(START - 1, 'y0'), at(START + 5, 'y1'), at(START + 5, 'y2')]);
    const ids = async (files: string[]): Promise<string[]> => {
      const r = await runCli(['merge', ...files]);
      assert.equal(r.code, 0, r.stderr);
      return split(r.stdout).map((s) => `${String(decodeRecord(s).callId)}@${labelOf(s) as string}`);
    };
    assert.deepEqual(await ids([p1, p2]), ['y0@two', 'x1@one', 'x2@one', 'x3@one', 'y1@two', 'y2@two', 'x4@one']);
    assert.deepEqual(await ids([p2, p1]), ['y0@two', 'x1@one', 'y1@two', 'y2@two', 'x2@one', 'x3@one', 'x4@one']);
  });

  test('--dedup: the same file twice under one label gives each record once; under two labels both are kept', async (t) => {
    const dir = tempDir(t);
    const a = gen(800, 5, START);
    const pa = join(dir, 'a.clf');
    write(pa, a);
    const same = await runCli(['merge', '--dedup', pa, pa]);
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual(split(same.stdout).map(unlabel), a);
    assert.match(same.stderr, /800 records written to standard output, 800 duplicates dropped/);

    const alias = `${dir}/./a.clf`;
    const two = await runCli(['merge', '--dedup', '--label', `${pa}=edge`, '--label', `${alias}=core`, pa, alias]);
    assert.equal(two.code, 0, two.stderr);
    const recs = split(two.stdout);
    assert.equal(recs.length, 1600);
    assert.deepEqual(sorted(recs.filter((r) => labelOf(r) === 'core').map(unlabel)), sorted(a));
    assert.deepEqual(sorted(recs.filter((r) => labelOf(r) === 'edge').map(unlabel)), sorted(a));

    // Without --dedup nothing is dropped.
    assert.equal(split((await runCli(['merge', pa, pa])).stdout).length, 1600);
  });

  test('damaged records are reported as FILE:OFFSET: CODE, skipped, the rest merged, exit 1', async (t) => {
    const dir = tempDir(t);
    const a = gen(300, 7, START);
    const b = gen(300, 8, START + 300);
    const pa = join(dir, 'a.clf');
    const pb = join(dir, 'b.clf');
    write(pa, a);
    // b: record 10's timestamp unreadable, garbage before record 200.
    const b10 = b[10] as string;
    const broken = [...b.slice(0, 10), b10.slice(0, 66) + 'x' + b10.slice(67), ...b.slice(11, 200), 'garbage line\n', ...b.slice(200)];
    write(pb, broken);
    const offsetOf = (k: number): number => broken.slice(0, k).reduce((n, s) => n + s.length, 0);
    const r = await runCli(['merge', pa, pb]);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(`${pb}:${offsetOf(10) + 66}: CLF_BAD_TIMESTAMP `), r.stderr); // the bad byte, as cat prints it
    assert.ok(r.stderr.includes(`${pb}:${offsetOf(200)}: CLF_BAD_VERSION `), r.stderr);
    assert.match(r.stderr, /b\.clf \[b\]: 299 records, 299 written, 2 damaged/);
    const merged = split(r.stdout);
    assert.deepEqual(sorted(merged.map(unlabel)), sorted([...a, ...b.slice(0, 10), ...b.slice(11)]));
  });

  test('an input out of time order is merged as it is; its late records are counted and the first reported', async (t) => {
    const dir = tempDir(t);
    const p = join(dir, 'shuffled.clf');
    write(p, [at(START + 10, 'a'), at(START + 30, 'b'), at(START + 20, 'c'), at(START + 5, 'd')]);
    const r = await runCli(['merge', p]);
    assert.equal(r.code, 0);
    assert.deepEqual(
      split(r.stdout).map((s) => decodeRecord(s).callId),
      ['a', 'b', 'c', 'd'],
    );
    assert.equal(r.stderr.match(/warning: out of order/g)?.length, 1);
    assert.match(r.stderr, /shuffled\.clf \[shuffled\]: 4 records, 4 written, 0 damaged, 2 out of order/);
  });

  test('.gz inputs read transparently; `-` merges standard input (label stdin, or --label -=NAME)', async (t) => {
    const dir = tempDir(t);
    const a = gen(400, 1, START);
    const b = gen(400, 2, START + 100);
    const [pa, pgz] = [join(dir, 'a.clf'), join(dir, 'b.clf.gz')];
    write(pa, a);
    write(pgz, b);
    const plain = join(dir, 'b.clf');
    write(plain, b);
    const viaGz = await runCli(['merge', pa, pgz]);
    const viaPlain = await runCli(['merge', pa, plain]);
    assert.equal(viaGz.code, 0, viaGz.stderr);
    assert.equal(viaGz.stdout, viaPlain.stdout);

    const stdin = Buffer.from(b.join(''), 'latin1');
    const s = await runCli(['merge', pa, '-'], stdin);
    assert.equal(s.code, 0, s.stderr);
    const recs = split(s.stdout);
    assert.deepEqual(sorted(recs.filter((x) => labelOf(x) === 'stdin').map(unlabel)), sorted(b));
    assert.deepEqual(recs.map(unlabel), split(viaPlain.stdout).map(unlabel));
    const named = await runCli(['merge', '--label', '-=edge', '-', pa], gzipSync(stdin));
    assert.equal(named.code, 0, named.stderr);
    assert.equal(split(named.stdout).filter((x) => labelOf(x) === 'edge').length, 400);
  });

  test('an existing output file is truncated and made 0600; labels with TAB or control octets are written per RFC 6873 §4.4', async (t) => {
    const dir = tempDir(t);
    const p = join(dir, 'a.clf');
    write(p, [at(START, 'a')]);
    const out = join(dir, 'out.clf');
    writeFileSync(out, 'x'.repeat(10_000));
    chmodSync(out, 0o644);
    const r = await runCli(['merge', '--label', `${p}=a\tb\x01`, p, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const [rec] = readOut(out);
    // Unprintable: base64 of the label's bytes, TAB kept (src/clf/optional.ts); entityField is the rule.
    assert.deepEqual(decodeRecord(rec as string).optional, [entityField('a\tb\x01').field]);
    assert.equal(entityField('a\tb\x01').field.base64, true);
  });

  test('usage errors exit 2 with CLI_USAGE and write nothing; an unreadable input is IO_READ', async (t) => {
    const dir = tempDir(t);
    const p = join(dir, 'a.clf');
    write(p, [at(START, 'a')]);
    const out = join(dir, 'out.clf');
    for (const argv of [
      ['merge', '--label', 'a.clf', p, '-o', out],
      ['merge', '--label', `${p}edge`, p, '-o', out],
      ['merge', '--label', `${join(dir, 'other.clf')}=x`, p, '-o', out],
      ['merge', '--label', `${p}=`, p, '-o', out],
      ['merge', '--label', `${p}=x`, '--label', `${p}=y`, p, '-o', out],
      ['merge', '-', '-', '-o', out],
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, /^sipclf merge: CLI_USAGE: /, argv.join(' '));
      assert.equal(existsSync(out), false);
    }
    const self = await runCli(['merge', p, '-o', p]);
    assert.equal(self.code, 2);
    assert.match(self.stderr, /CLI_USAGE: the output .* is also an input/);
    assert.equal(readFileSync(p).latin1Slice(), at(START, 'a'));
    const missing = await runCli(['merge', p, join(dir, 'nope.clf'), '-o', out]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^sipclf merge: IO_READ: cannot read .*nope\.clf/);
    assert.equal(existsSync(out), false);
    assert.equal((await runCli(['merge'])).code, 2);
  });

  test('2 × ~50 MB merged in a child process: max RSS grows far less than the input, and not with it', { timeout: 240_000 }, (t) => {
    const dir = tempDir(t);
    const files = [join(dir, 'big1.clf'), join(dir, 'big2.clf')];
    for (const [k, f] of files.entries()) write(f, gen(54_000, 100 + k, START + 250 * k));
    const input = files.reduce((n, f) => n + statSync(f).size, 0);
    assert.ok(input > 90e6, `input ${input} bytes`);
    const small = join(dir, 'small.clf');
    write(small, gen(100, 9, START));

    /** Max RSS of `sipclf ARGS` in a child process, its standard output discarded. */
    const maxRss = (args: string[]): number => {
      const time = '/usr/bin/time';
      if (existsSync(time)) {
        const r = spawnSync(time, ['-v', process.execPath, BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
        assert.equal(r.status, 0, r.stderr);
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
        assert.ok(m !== null, r.stderr);
        return Number(m[1]) * 1024;
      }
      const r = spawnSync(process.execPath, [join(root, 'test', 'fixtures', 'max-rss.mjs'), ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      assert.equal(r.status, 0, r.stderr);
      const m = /^max-rss (\d+)$/m.exec(r.stderr);
      assert.ok(m !== null, r.stderr);
      return Number(m[1]) * 1024;
    };
    const mb = (n: number): string => (n / 1e6).toFixed(1);
    const baseline = maxRss(['merge', small, '-o', join(dir, 'small-out.clf')]);
    const out = join(dir, 'out.clf');
    const big = maxRss(['merge', ...files, '-o', out]);
    assert.equal(statSync(out).size, input + 108_000 * '\t10@00032473,0004,00,big1'.length);
    rmSync(out);
    // Twice the input (each file twice, to standard output): the peak must not follow the input size.
    const double = maxRss(['merge', ...files, ...files, '-o', '-']);
    const growth = big - baseline;
    t.diagnostic(
      `max RSS ${mb(baseline)} MB for a 100-record merge, ${mb(big)} MB (+${mb(growth)}) for ${mb(input)} MB of input, ` +
        `${mb(double)} MB (+${mb(double - baseline)}) for ${mb(2 * input)} MB`,
    );
    // What grows is V8's young generation (semi-spaces sized up under allocation pressure), the readers'
    // 64 KiB windows and the 256 KiB output batches: a constant, not a share of the input.
    assert.ok(growth < 64e6, `RSS grew ${mb(growth)} MB merging ${mb(input)} MB`);
    assert.ok(double - big < 16e6, `RSS grew ${mb(double - big)} MB more when the input doubled`);
  });
});
