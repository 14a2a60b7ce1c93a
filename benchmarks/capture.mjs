#!/usr/bin/env node
// Capture benchmark, written to the "Capture" section of docs/benchmarks.md (issue 6 §7, first bullet):
// `sipclf convert big.pcap -o out.clf` against tshark extracting the same fields, on the same pcap, same run:
//   tshark -n -r big.pcap --disable-protocol sdp -Y sip -T fields -e frame.time_epoch -e ip.src -e ip.dst
//          -e udp.srcport -e udp.dstport -e sip.Call-ID -e sip.CSeq.method -e sip.Status-Code -e sip.from.tag -e sip.to.tag
// (SDP dissection off: with it tshark is ten times slower, docs peers-howto §5). Target: ≥ 20× tshark's messages/s.
//
// The pcap: `generateClf` records (a record-routing proxy's log, whole messages in Tag 02) through writePcap —
// UDP, Ethernet/IPv4, one datagram per message (IP-fragmented beyond 1500 bytes). Kept for reuse in the bench dir.
//
// Environment: CAPTURE_BENCH_MESSAGES (default 100000), CAPTURE_BENCH_DIR (default $TMPDIR/sipclf-bench),
//              CAPTURE_BENCH_ROUNDS (default 3; sipclf rounds; tshark runs once — it is the slow side).
// Flags: --no-docs, --no-pin (do not run under `taskset -c 0`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeSection } from './docs-section.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'sipclf.js');
const dist = (p) => pathToFileURL(path.join(ROOT, 'dist', p)).href;
if (!existsSync(path.join(ROOT, 'dist/src/cli/convert.js'))) {
  console.error('dist/ is missing or stale: run `npm run build` first (or `npm run bench:capture`).');
  process.exit(2);
}
const { generateRecords } = await import(dist('src/gen/generator.js'));
const { writePcap } = await import(dist('src/capture/pcap-write.js'));

const N = Number(process.env.CAPTURE_BENCH_MESSAGES ?? 100_000);
const DIR = process.env.CAPTURE_BENCH_DIR ?? path.join(os.tmpdir(), 'sipclf-bench');
const ROUNDS = Math.max(1, Number(process.env.CAPTURE_BENCH_ROUNDS ?? 3));
const NO_DOCS = process.argv.includes('--no-docs');
const NO_PIN = process.argv.includes('--no-pin') || process.env.BENCH_NO_PIN === '1';

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const TASKSET = NO_PIN ? undefined : which('taskset');
const TSHARK = which('tshark');

// CPU seconds of the waited-for children (utime + stime of /proc/self/stat's cutime, cstime; Linux): on a
// shared machine the wall time of a pinned command includes whatever else ran on its core, its CPU time
// does not, so both are reported.
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function childCpu() {
  try {
    const t = readFileSync('/proc/self/stat', 'utf8');
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / CLK_TCK; // fields 16, 17: cutime, cstime
  } catch {
    return undefined;
  }
}

function timed(cmd, args) {
  const full = TASKSET !== undefined ? [TASKSET, ['-c', '0', cmd, ...args]] : [cmd, args];
  const c0 = childCpu();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full[1], { encoding: 'latin1', maxBuffer: 1 << 30 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = childCpu();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { s, cpu: c0 !== undefined && c1 !== undefined ? c1 - c0 : undefined, stdout: r.stdout, stderr: r.stderr };
}

async function ensurePcap() {
  mkdirSync(DIR, { recursive: true });
  const f = path.join(DIR, `big-${N}.pcap`);
  if (existsSync(f)) return f;
  const sum = await writePcap(generateRecords({ records: N, seed: 1 }), `${f}.tmp`, { transport: 'udp' });
  if (sum.messages !== N) throw new Error(`pcap has ${sum.messages} messages, wanted ${N}`);
  const { renameSync } = await import('node:fs');
  renameSync(`${f}.tmp`, f);
  return f;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const pcap = await ensurePcap();
const out = path.join(DIR, 'convert-out.clf');
const res = { date: new Date().toISOString(), messages: N, bytes: statSync(pcap).size, pinned: TASKSET !== undefined };

const sipclfRuns = [];
const sipclfCpu = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = timed(process.execPath, [BIN, 'convert', pcap, '-o', out]);
  const m = /(\d+) messages read, (\d+) written/.exec(r.stderr);
  if (m === null || Number(m[2]) !== N) throw new Error(`sipclf convert wrote ${m?.[2]} records, wanted ${N}: ${r.stderr}`);
  sipclfRuns.push(r.s);
  if (r.cpu !== undefined) sipclfCpu.push(r.cpu);
}
rmSync(out, { force: true });
res.sipclf = { s: median(sipclfRuns), runs: sipclfRuns, cpu: sipclfCpu.length === ROUNDS ? median(sipclfCpu) : undefined };
res.sipclf.mps = N / res.sipclf.s;

if (TSHARK !== undefined) {
  const fields = ['frame.time_epoch', 'ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport', 'sip.Call-ID', 'sip.CSeq.method', 'sip.Status-Code', 'sip.from.tag', 'sip.to.tag'];
  const r = timed(TSHARK, ['-n', '-r', pcap, '--disable-protocol', 'sdp', '-Y', 'sip', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
  const rows = r.stdout.split('\n').filter((l) => l !== '').length;
  res.tshark = { s: r.s, cpu: r.cpu, rows, mps: rows / r.s, version: spawnSync(TSHARK, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] };
  res.ratio = res.sipclf.mps / res.tshark.mps;
  if (res.sipclf.cpu !== undefined && r.cpu !== undefined) res.cpuRatio = N / res.sipclf.cpu / (rows / r.cpu);
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function cpuCells(cpu, n) {
  return cpu !== undefined && cpu > 0 ? `${cpu.toFixed(2)} | ${fmt(n / cpu)}` : '? | ?';
}

const md = [
  `Pcap: ${fmt(N)} SIP messages over UDP/IPv4 (${(res.bytes / 1e6).toFixed(1)} MB), \`generateClf\` records through \`writePcap\`; ` +
    `${res.pinned ? 'every command pinned to one core (`taskset -c 0`)' : 'not pinned'}; Node ${process.version}, ${os.cpus()[0]?.model ?? '?'}.`,
  '',
  '| command | wall (s) | messages/s | CPU (s) | messages per CPU-second |',
  '|---|---:|---:|---:|---:|',
  `| \`sipclf convert big.pcap -o out.clf\` (median of ${ROUNDS}: ${sipclfRuns.map((s) => s.toFixed(2)).join(', ')}) | ${res.sipclf.s.toFixed(2)} | ${fmt(res.sipclf.mps)} | ${cpuCells(res.sipclf.cpu, N)} |`,
  res.tshark !== undefined
    ? `| \`tshark -n --disable-protocol sdp -Y sip -T fields\` (10 fields; ${res.tshark.rows.toLocaleString('en-US')} rows; ${res.tshark.version}) | ${res.tshark.s.toFixed(2)} | ${fmt(res.tshark.mps)} | ${cpuCells(res.tshark.cpu, res.tshark.rows)} |`
    : '| tshark | not installed | | | |',
  '',
  res.ratio !== undefined
    ? `**sipclf / tshark: ${res.ratio.toFixed(1)}×** messages per second (target ≥ 20×)` +
      (res.cpuRatio !== undefined ? `; ${res.cpuRatio.toFixed(1)}× per CPU-second. Load average ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')} at the end.` : '.')
    : '',
].join('\n');

console.log(md);
if (!NO_DOCS) {
  writeSection({
    key: 'capture',
    date: res.date,
    md,
    heading: 'Capture',
    intro:
      '`sipclf convert` of a pcap to CLF against tshark extracting the same fields (issue 6 §7); run `npm run bench:capture` ' +
      '(benchmarks/capture.mjs; `CAPTURE_BENCH_MESSAGES` to change the size, `--no-docs` to leave this page alone).',
  });
}
