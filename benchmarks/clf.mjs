#!/usr/bin/env node
// SIP CLF benchmarks, written to the "SIP CLF" section of docs/benchmarks.md:
//   1. `sipclf grep --call-id X FILE` against `grep -F X FILE` on the same ~1 GB `sipclf gen` log, in the same
//      run (target: within 1.5x of grep's wall time), and the false positives grep's substring match gives;
//   2. records/s encoded with a Tag 02 ~1 KB message, one core (benchmarks/clf-encode.mjs): encodeRecordInto into a
//      reused Buffer — the bytes a log writer writes (ClfWriter.writeRecord) — is the figure compared with the
//      1,000,000 target; encodeRecord (string), encodeRecord + latin1Write, and messageField + either are reported too;
//   3. `sipclf cat --json` throughput in MB/s of CLF read.
// Run from the repo root with `npm run bench:clf` (builds first) or `node benchmarks/clf.mjs`.
//
// Environment: CLF_BENCH_BYTES   size of the generated log (default 1e9; e.g. 1e8 for a quick run)
//              CLF_BENCH_DIR     where the log is generated and kept for reuse (default $TMPDIR/sipclf-bench)
//              CLF_BENCH_ROUNDS  timed rounds per command (default 5)
//              CLF_BENCH_JSON_BYTES  size of the slice `cat --json` reads (default 1e8)
// Flags: --no-docs (do not touch docs/benchmarks.md), --no-pin (do not run the commands under `taskset -c 0`).
//
// The log is `sipclf gen --records N` (N from CLF_BENCH_BYTES) plus three decoy records appended, each holding the
// searched Call-ID X where grep -F finds it but it is not the record's Call-ID: a Call-ID of which X is a prefix, a
// Replaces header (RFC 3891) and an In-Reply-To header (RFC 3261 §20.21) naming X. X is the Call-ID of the record at
// the middle of the file. Every command writes its matches to a pipe read by this script (GNU grep stops at the
// first match when its output is /dev/null, which would not be a fair comparison). Each round runs the commands in
// alternating order; the ratio reported is the median of the per-round ratios (same round, same machine state).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeSection } from './docs-section.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'sipclf.js');
const dist = (p) => pathToFileURL(path.join(ROOT, 'dist', p)).href;
if (!existsSync(path.join(ROOT, 'dist/src/cli/grep.js'))) {
  console.error('dist/ is missing or stale: run `npm run build` first (or `npm run bench:clf`).');
  process.exit(2);
}
const { encodeRecord } = await import(dist('src/clf/encode.js'));
const { messageField } = await import(dist('src/clf/optional.js'));

const BYTES = Number(process.env.CLF_BENCH_BYTES ?? 1e9);
const DIR = process.env.CLF_BENCH_DIR ?? path.join(os.tmpdir(), 'sipclf-bench');
const ROUNDS = Math.max(1, Number(process.env.CLF_BENCH_ROUNDS ?? 5));
const JSON_BYTES = Number(process.env.CLF_BENCH_JSON_BYTES ?? 1e8);
const NO_DOCS = process.argv.includes('--no-docs');
const NO_PIN = process.argv.includes('--no-pin') || process.env.BENCH_NO_PIN === '1';
/** Bytes per record of `sipclf gen` output (measured: 986,007,619 bytes for 1,100,000 records). */
const BYTES_PER_RECORD = 896;

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const TASKSET = NO_PIN ? undefined : which('taskset');
const PIN = TASKSET ? [TASKSET, '-c', '0'] : [];
const pinned = (cmd, args) => (PIN.length > 0 ? [PIN[0], [...PIN.slice(1), cmd, ...args]] : [cmd, args]);
const loadStart = os.loadavg();
const log = (s) => process.stderr.write(`${s}\n`);

// ---- 1. the log ---------------------------------------------------------------------------------------------

/** The record starts in `buf` (a window of a CLF file starting at a record), by their declared lengths. */
function* recordsIn(buf) {
  let p = 0;
  while (p + 7 <= buf.length) {
    const len = parseInt(buf.latin1Slice(p + 1, p + 7), 16);
    if (!(len > 0) || p + len > buf.length) return;
    yield [p, len];
    p += len;
  }
}

/** The Call-ID of a record near the middle of the file: the first record start after the midpoint. */
function middleCallId(file) {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(1 << 20, size));
  readSync(fd, buf, 0, buf.length, Math.max(0, Math.floor(size / 2) - buf.length / 2));
  closeSync(fd);
  const text = buf.latin1Slice();
  const m = /\n(A[0-9A-F]{6},[0-9A-F]{52}\n)([^\n]*)\n/.exec(text);
  if (m === null) throw new Error(`no record found in the middle of ${file}`);
  const callId = m[2].split('\t')[11];
  if (!callId) throw new Error('cannot read the Call-ID of the middle record');
  return callId;
}

function decoy(callId, headers) {
  const message =
    ['INVITE sip:carol@example.org SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.77:5060;branch=z9hG4bKdecoy', 'From: <sip:dave@example.org>;tag=d1',
      'To: <sip:carol@example.org>', `Call-ID: ${callId}`, 'CSeq: 1 INVITE', ...headers, 'Content-Length: 0', '', ''].join('\r\n');
  return encodeRecord({
    timestamp: Date.UTC(2026, 0, 6), isRequest: true, retransmission: 'O', direction: 'R', transport: 'U', encrypted: false,
    cseq: '1 INVITE', status: null, requestUri: 'sip:carol@example.org', destination: '192.0.2.10:5060', source: '192.0.2.77:5060',
    toUri: 'sip:carol@example.org', toTag: null, fromUri: 'sip:dave@example.org', fromTag: 'd1', callId,
    serverTxn: 'z9hG4bKdecoy', clientTxn: null, optional: [messageField(message).field],
  });
}

function ensureLog() {
  const records = Math.max(1000, Math.round(BYTES / BYTES_PER_RECORD));
  mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, `gen-${records}-decoys.clf`);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (meta.bytes === statSync(file).size) {
      log(`reusing ${file}`);
      return { file, ...meta };
    }
  }
  const tmp = `${file}.tmp`;
  log(`generating ${records} records into ${tmp} (about ${Math.round(records / 17000)} s) ...`);
  const t0 = performance.now();
  execFileSync(process.execPath, [BIN, 'gen', '--records', String(records), '-o', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  const genSeconds = (performance.now() - t0) / 1000;
  const callId = middleCallId(tmp);
  const decoys = [
    { what: 'a Call-ID of which X is a prefix', rec: decoy(`${callId}.2`, []) },
    { what: 'X in a Replaces header (RFC 3891)', rec: decoy('decoy-replaces@bench.example', [`Replaces: ${callId};to-tag=t1;from-tag=f1`]) },
    { what: 'X in an In-Reply-To header (RFC 3261 §20.21)', rec: decoy('decoy-in-reply-to@bench.example', [`In-Reply-To: ${callId}`]) },
  ];
  appendFileSync(tmp, Buffer.from(decoys.map((d) => d.rec).join(''), 'latin1'));
  renameSync(tmp, file);
  const meta = { records: records + decoys.length, generated: records, callId, decoys: decoys.map((d) => d.what), bytes: statSync(file).size, genSeconds };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  return { file, ...meta };
}

// ---- timing helpers -----------------------------------------------------------------------------------------

/** Runs a command (pinned) with stdout to a pipe; returns wall seconds, status and stdout. */
function timed(cmd, args, env) {
  const [c, a] = pinned(cmd, args);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { env: { ...process.env, ...env }, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  return { s, status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Runs a command (pinned) with stdout to /dev/null; returns wall seconds and status. */
function timedToNull(cmd, args) {
  const [c, a] = pinned(cmd, args);
  const fd = openSync('/dev/null', 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { stdio: ['ignore', fd, 'pipe'] });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(fd);
  if (r.error) throw r.error;
  return { s, status: r.status, stderr: r.stderr.toString() };
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x, d = 3) => x.toFixed(d);
const int = (x) => Math.round(x).toLocaleString('en-US');

// ---- 1. grep --call-id vs grep -F ---------------------------------------------------------------------------

function benchGrep(logf) {
  const X = logf.callId;
  const cmds = {
    grepF: () => timed('grep', ['-F', X, logf.file], { LC_ALL: 'C' }),
    sipclf: () => timed(process.execPath, [BIN, 'grep', '--call-id', X, logf.file]),
    grepFc: () => timed('grep', ['-F', '-c', X, logf.file], { LC_ALL: 'C' }),
    sipclfc: () => timed(process.execPath, [BIN, 'grep', '-c', '--call-id', X, logf.file]),
  };
  // Warm-up: page cache and the first run of each command.
  log('grep: warm-up ...');
  const first = Object.fromEntries(Object.entries(cmds).map(([k, f]) => [k, f()]));
  const grepLines = first.grepF.stdout.latin1Slice().split('\n').filter((l) => l.length > 0);
  // Ground truth from grep's own hits: lines whose Call-ID column (the 12th field of the field line) is X.
  const exact = grepLines.filter((l) => l.split('\t')[11] === X).length;
  const ours = first.sipclf.stdout.latin1Slice();
  const oursRecords = ours.length === 0 ? 0 : ours.trimEnd().split('\n').length / 2;
  const oursOk = [...ours.matchAll(/^\d{10}\.\d{3}\t[^\n]*$/gm)].every((m) => m[0].split('\t')[11] === X);
  if (first.sipclf.status !== 0 || oursRecords !== exact || !oursOk || first.sipclfc.stdout.toString().trim() !== String(exact)) {
    throw new Error(`sipclf grep disagrees with the ground truth: ${oursRecords} records (exit ${first.sipclf.status}), expected ${exact}\n${first.sipclf.stderr}`);
  }
  const times = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['grepF', 'sipclf', 'grepFc', 'sipclfc'] : ['sipclfc', 'grepFc', 'sipclf', 'grepF'];
    for (const k of order) times[k].push(cmds[k]().s);
    log(`grep: round ${r + 1}/${ROUNDS}: ${Object.entries(times).map(([k, v]) => `${k} ${fmt(v[r])} s`).join(', ')}`);
  }
  const ratios = (a, b) => times[a].map((t, i) => t / times[b][i]);
  return {
    callId: X,
    grepLines: grepLines.length,
    exact,
    falsePositives: grepLines.length - exact,
    times,
    medians: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])),
    ratio: median(ratios('sipclf', 'grepF')),
    ratioCount: median(ratios('sipclfc', 'grepFc')),
    ratiosPerRound: ratios('sipclf', 'grepF'),
  };
}

// ---- 2. encode ----------------------------------------------------------------------------------------------------

function benchEncode() {
  log('encode: benchmarks/clf-encode.mjs ...');
  const r = timed(process.execPath, [path.join(ROOT, 'benchmarks', 'clf-encode.mjs')]);
  const out = r.stdout.toString();
  const cases = {};
  const cpuCases = {};
  for (const m of out.matchAll(/^(encodeInto|encode|encode\+flatten|field\+encodeInto|field\+encode|octet\+encodeInto)\s+([\d,]+) records\/s wall,\s+([\d,]+) per CPU-second/gm)) {
    cases[m[1]] = Number(m[2].replaceAll(',', ''));
    cpuCases[m[1]] = Number(m[3].replaceAll(',', ''));
  }
  const size = /Tag 02 message of (\d+) bytes: (\d+) bytes encoded/.exec(out);
  if (cases.encodeInto === undefined || cases.encode === undefined) throw new Error(`cannot read benchmarks/clf-encode.mjs output:\n${out}${r.stderr}`);
  return { cases, cpuCases, messageBytes: Number(size?.[1] ?? 0), recordBytes: Number(size?.[2] ?? 0), raw: out.trim() };
}

// ---- 3. cat --json ------------------------------------------------------------------------------------------

/** A prefix of the log cut at a record boundary, about JSON_BYTES long. */
function slice(logf) {
  const file = path.join(DIR, `slice-${Math.round(JSON_BYTES)}.clf`);
  if (existsSync(file) && statSync(file).size > 0 && statSync(file).size <= JSON_BYTES + 1e6) return file;
  const fd = openSync(logf.file, 'r');
  const buf = Buffer.alloc(Math.min(JSON_BYTES, logf.bytes));
  readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  let end = 0;
  for (const [p, len] of recordsIn(buf)) end = p + len;
  writeFileSync(file, buf.subarray(0, end));
  return file;
}

const FALLBACK = `
import { createWriteStream } from 'node:fs';
const { readRecords } = await import(${JSON.stringify(dist('src/logfile/reader.js'))});
const { recordToJsonLine } = await import(${JSON.stringify(dist('src/clf/json.js'))});
const out = createWriteStream('/dev/null');
let parts = [], size = 0;
for await (const ev of readRecords(process.argv[1])) {
  if (ev.type !== 'record') continue;
  const s = recordToJsonLine(ev.decode());
  parts.push(s); size += s.length;
  if (size > 1 << 20) { if (!out.write(parts.join(''))) await new Promise((r) => out.once('drain', r)); parts = []; size = 0; }
}
out.end(parts.join(''));
`;

function benchCatJson(logf) {
  const file = slice(logf);
  const bytes = statSync(file).size;
  const records = [...recordsIn(readFileSync(file))].length;
  const viaCat = existsSync(path.join(ROOT, 'dist/src/cli/cat.js'));
  const run = viaCat
    ? () => timedToNull(process.execPath, [BIN, 'cat', '--json', file])
    : () => timedToNull(process.execPath, ['--input-type=module', '-e', FALLBACK, file]);
  log(`cat --json: ${viaCat ? 'sipclf cat --json' : 'fallback readRecords + recordToJsonLine'} over ${file} ...`);
  const warm = run();
  if (warm.status !== 0) throw new Error(`cat --json failed (exit ${warm.status}): ${warm.stderr}`);
  const rounds = Math.max(3, Math.min(ROUNDS, 5));
  const times = [];
  for (let r = 0; r < rounds; r++) times.push(run().s);
  const s = median(times);
  return { viaCat, bytes, records, times, mbPerS: bytes / 1e6 / s, recordsPerS: records / s };
}

// ---- report -------------------------------------------------------------------------------------------------

function machine() {
  let cpusAllowed = 'unknown';
  try {
    cpusAllowed = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? cpusAllowed;
  } catch {
    // not Linux
  }
  const git = (args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
    cores: os.cpus().length,
    cpusAllowed,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    grep: spawnSync('grep', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'grep',
    pinned: TASKSET ? 'taskset -c 0 (every timed command)' : 'no (taskset not found, or --no-pin)',
    loadAvgStart: loadStart.map((x) => Math.round(x * 100) / 100),
    loadAvgEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--untracked-files=no']) ? '+dirty' : ''}`,
  };
}

function markdown(res) {
  const { log: lf, grep: g, encode: e, cat: c, machine: m } = res;
  const mb = (b) => (b / 1e6).toFixed(0);
  const row = (label, k, ratio, matches) =>
    `| ${label} | ${fmt(g.medians[k])} | ${fmt(Math.min(...g.times[k]))}–${fmt(Math.max(...g.times[k]))} | ${mb(lf.bytes / g.medians[k])} | ${ratio} | ${matches} |`;
  const met = (ok) => (ok ? 'met' : '**NOT met**');
  const lines = [
    `Log: \`sipclf gen --records ${int(lf.generated)}\` plus 3 decoy records, ${mb(lf.bytes)} MB (${(lf.bytes / 2 ** 30).toFixed(2)} GiB), every record with its whole ~0.9 KB message as Tag 02. ` +
      `Searched Call-ID X = \`${g.callId}\` (the record in the middle of the file). Each command's matches go to a pipe; ${ROUNDS} rounds in alternating order after a warm-up run (file in the page cache).`,
    '',
    '| command | wall s (median) | min–max | MB/s | vs grep -F (median of per-round ratios) | matches |',
    '|---|--:|--:|--:|--:|---|',
    row('`LC_ALL=C grep -F X FILE`', 'grepF', '1.00×', `${g.grepLines} lines`),
    row('`sipclf grep --call-id X FILE`', 'sipclf', `**${g.ratio.toFixed(2)}×**`, `${g.exact} records`),
    row('`LC_ALL=C grep -F -c X FILE`', 'grepFc', '1.00×', `${g.grepLines}`),
    row('`sipclf grep -c --call-id X FILE`', 'sipclfc', `${g.ratioCount.toFixed(2)}×`, `${g.exact}`),
    '',
    `- **\`sipclf grep --call-id\` / \`grep -F\`: ${g.ratio.toFixed(2)}× the wall time (target ≤ 1.5×: ${met(g.ratio <= 1.5)}); with \`-c\`: ${g.ratioCount.toFixed(2)}×.** Per-round ratios: ${g.ratiosPerRound.map((x) => x.toFixed(2)).join(', ')}.`,
    `- False positives avoided: \`grep -F\` printed ${g.grepLines} lines holding X; ${g.exact} are records whose Call-ID field is X, which is exactly what \`sipclf grep\` printed; the other ${g.falsePositives} are ${lf.decoys.join('; ')}.`,
    `- Encode with a Tag 02 ${e.messageBytes}-byte message (${e.recordBytes}-byte record), one core (benchmarks/clf-encode.mjs, median of 5 × 1 s, wall clock; per CPU-second in brackets): ` +
      `\`encodeRecordInto\` into a reused Buffer (the bytes a log writer writes; \`ClfWriter.writeRecord\`): **${int(e.cases.encodeInto)} records/s** (${int(e.cpuCases?.encodeInto ?? 0)}) (target ≥ 1,000,000: ${met(e.cases.encodeInto >= 1e6)}); ` +
      `\`encodeRecord\` string: ${int(e.cases.encode)}/s (${int(e.cpuCases?.encode ?? 0)}); string written into a Buffer: ${int(e.cases['encode+flatten'] ?? 0)}/s (${int(e.cpuCases?.['encode+flatten'] ?? 0)}); ` +
      `messageField + encodeRecordInto: ${int(e.cases['field+encodeInto'] ?? 0)}/s (${int(e.cpuCases?.['field+encodeInto'] ?? 0)}); messageField + encodeRecord: ${int(e.cases['field+encode'] ?? 0)}/s (${int(e.cpuCases?.['field+encode'] ?? 0)}); ` +
      `\`octetMessageField\` + encodeRecordInto (Tag 02 written from the message octets: the per-message cost of the proxy, the UA and capture): **${int(e.cases['octet+encodeInto'] ?? 0)}/s** (${int(e.cpuCases?.['octet+encodeInto'] ?? 0)}).`,
    `- ${c.viaCat ? '`sipclf cat --json`' : '`recordToJsonLine` over `readRecords` (`sipclf cat` was not built yet)'} over a ${mb(c.bytes)} MB prefix of the log (${int(c.records)} records), output to /dev/null: ` +
      `**${c.mbPerS.toFixed(1)} MB/s** of CLF read, ${int(c.recordsPerS)} records/s (median of ${c.times.length}).`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores (run pinned: ${m.pinned}; CPUs allowed to the script: ${m.cpusAllowed}), ${m.totalMemGiB} GiB, Node ${m.node}, ${m.os}, ${m.grep}; ` +
      `load average ${m.loadAvgStart.join(' / ')} at start, ${m.loadAvgEnd.join(' / ')} at end${Math.max(m.loadAvgStart[0], m.loadAvgEnd[0]) > m.cores / 2 ? ' (busy machine: the other processes share the pinned core, so wall times are noisy; the same-round ratios less so)' : ''}. ` +
      `Commit ${m.commit}; date ${res.date}.`,
  ];
  return lines.join('\n');
}

function updateDocs(md, res) {
  return writeSection({
    key: 'clf',
    date: res.date,
    md,
    heading: 'SIP CLF',
    intro:
      '`sipclf grep --call-id` against `grep -F` on a 1 GB log, encode records/s (`encodeRecordInto`) and `sipclf cat --json` MB/s; ' +
      'run `npm run bench:clf` (benchmarks/clf.mjs; `CLF_BENCH_BYTES=1e8` for a quick run).',
  });
}

const logf = ensureLog();
const res = { date: new Date().toISOString(), log: logf };
res.grep = benchGrep(logf);
res.encode = benchEncode();
res.cat = benchCatJson(logf);
res.machine = machine();
const md = markdown(res);
console.log(md);
mkdirSync(path.join(ROOT, 'benchmarks/results'), { recursive: true });
writeFileSync(path.join(ROOT, 'benchmarks/results/clf-latest.json'), JSON.stringify(res, null, 2) + '\n');
if (!NO_DOCS) log(`updated ${updateDocs(md, res)}`);
