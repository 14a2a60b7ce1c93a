#!/usr/bin/env node
// HEP collector benchmark, written to the "HEP collector" section of docs/benchmarks.md (issue 6 §7, second
// bullet): HEP v3 over UDP on loopback into rotated CLF files — the highest loss-free packets/second.
// Reference: Homer 11 reports about 120,000 SIP packets/s per core including storage.
//
//   collector  `sipclf capture --hep udp:127.0.0.1:0 --out TMP --max-bytes 64MiB --metrics 127.0.0.1:0`,
//              a child process pinned to core 0 (`taskset -c 0`), from dist/ (bin/sipclf.js)
//   sender     this script with `--send`, a child pinned to core 1: pre-encoded HEP3 packets (a call is INVITE with
//              SDP, 200 with SDP, ACK, BYE, 200 — about 0.5–1.1 KB of SIP each, a distinct Call-ID, branch and tags
//              per call stamped into copies of the templates), at a fixed rate for a fixed time, paced in small
//              bursts on setImmediate against hrtime; it waits for its socket's send queue to drain.
//
// Each step: read /metrics before and after (after the collector has gone quiet), so per step:
//   sent (sender), received (sipclf_hep_packets_total{transport="udp"}), written, dropped (collector queue or
//   writer full), errors; kernel drops = sent − received (socket receive buffer overflow before sipclf read
//   them), with the host-wide /proc/net/snmp Udp RcvbufErrors delta as a cross-check; collector CPU from
//   /proc/PID/stat. Steps go up (HEP_BENCH_RATES) until the first step with loss, then bisect twice between
//   the last loss-free rate and that one. At the end SIGTERM: the collector flushes and prints its summary.
//
// Environment: HEP_BENCH_RATES (default 10000,20000,40000,60000,80000,100000,120000), HEP_BENCH_SECONDS (3),
//              HEP_BENCH_BISECT (2). Flags: --no-docs, --no-pin.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeSection } from './docs-section.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'sipclf.js');
const SELF = fileURLToPath(import.meta.url);
const dist = (p) => pathToFileURL(path.join(ROOT, 'dist', p)).href;
if (!existsSync(path.join(ROOT, 'dist/src/capture/hep.js'))) {
  console.error('dist/ is missing or stale: run `npm run build` first (or `npm run bench:hep`).');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------------
// Sender mode: node hep.mjs --send PORT RATE SECONDS → one JSON line on stdout.
// ---------------------------------------------------------------------------------------------------------
const STAMP = 'XXXXXXXXXX'; // 10 digits, the call number, wherever it appears in a template

function sipCall() {
  const sdp = (ip, port) =>
    'v=0\r\n' +
    `o=- 3900000000 3900000001 IN IP4 ${ip}\r\n` +
    's=-\r\n' +
    `c=IN IP4 ${ip}\r\n` +
    't=0 0\r\n' +
    `m=audio ${port} RTP/AVP 0 8 9 18 101\r\n` +
    'a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:9 G722/8000\r\na=rtpmap:18 G729/8000\r\n' +
    'a=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n';
  const msg = (start, headers, body = '') => Buffer.from(`${start}\r\n${headers.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'latin1');
  const via = `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-${STAMP}-1;rport`;
  const from = `From: "Alice" <sip:+15550100001@example.com>;tag=a-${STAMP}`;
  const to = 'To: <sip:+15550100002@example.net>';
  const toT = `${to};tag=b-${STAMP}`;
  const cid = `Call-ID: ${STAMP}-bench@192.0.2.10`;
  const common = ['Max-Forwards: 70', 'User-Agent: bench-ua/1.0'];
  const allow = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, PRACK, REFER, NOTIFY';
  const rr = 'Record-Route: <sip:198.51.100.1;lr;ftag=a-' + STAMP + '>';
  const invite = msg(
    'INVITE sip:+15550100002@example.net SIP/2.0',
    [via, ...common, from, to, cid, 'CSeq: 1 INVITE', 'Contact: <sip:alice@192.0.2.10:5060>', allow, 'Supported: replaces, timer, 100rel',
      'P-Asserted-Identity: "Alice" <sip:+15550100001@example.com>', 'Session-Expires: 1800', 'Content-Type: application/sdp'],
    sdp('192.0.2.10', 20000),
  );
  const ok = msg(
    'SIP/2.0 200 OK',
    [via, rr, from, toT, cid, 'CSeq: 1 INVITE', 'Contact: <sip:bob@203.0.113.20:5060>', allow, 'Supported: replaces, timer',
      'Session-Expires: 1800;refresher=uac', 'Server: bench-ua/1.0', 'Content-Type: application/sdp'],
    sdp('203.0.113.20', 30000),
  );
  const ack = msg('ACK sip:bob@203.0.113.20:5060 SIP/2.0', [`Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-${STAMP}-2;rport`, 'Route: <sip:198.51.100.1;lr;ftag=a-' + STAMP + '>', ...common, from, toT, cid, 'CSeq: 1 ACK']);
  const bye = msg('BYE sip:bob@203.0.113.20:5060 SIP/2.0', [`Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-${STAMP}-3;rport`, 'Route: <sip:198.51.100.1;lr;ftag=a-' + STAMP + '>', ...common, from, toT, cid, 'CSeq: 2 BYE', 'Reason: Q.850;cause=16;text="Normal call clearing"']);
  const byeOk = msg('SIP/2.0 200 OK', [`Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-${STAMP}-3;rport`, from, toT, cid, 'CSeq: 2 BYE', 'Server: bench-ua/1.0']);
  return [
    [invite, true],
    [ok, false],
    [ack, true],
    [bye, true],
    [byeOk, false],
  ];
}

async function templates() {
  const { encodeHep } = await import(dist('src/capture/hep.js'));
  const now = Math.floor(Date.now() / 1000);
  return sipCall().map(([payload, fromCaller]) => {
    const buf = encodeHep({
      ipFamily: 2,
      ipProtocol: 17,
      srcIPv4: fromCaller ? '192.0.2.10' : '203.0.113.20',
      dstIPv4: fromCaller ? '203.0.113.20' : '192.0.2.10',
      srcPort: 5060,
      dstPort: 5060,
      timeSec: now,
      timeUsec: 0,
      protocolType: 1,
      captureId: 2001,
      nodeName: Buffer.from('bench-agent'),
      payload,
    });
    const at = [];
    for (let i = buf.indexOf(STAMP, 0, 'latin1'); i >= 0; i = buf.indexOf(STAMP, i + STAMP.length, 'latin1')) at.push(i);
    return { buf, at, sip: payload.length };
  });
}

async function sender(port, rate, seconds) {
  const tpl = await templates();
  const sock = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  let errors = 0;
  sock.on('error', () => errors++);
  await new Promise((r) => sock.connect(port, '127.0.0.1', r));
  const total = Math.round(rate * seconds);
  const BURST = Math.max(8, Math.min(256, Math.round(rate / 2000))); // most packets due per turn of the loop
  let sent = 0;
  let call = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  const next = () => {
    const due = Math.min(total, Math.floor((Number(process.hrtime.bigint() - t0) / 1e9) * rate));
    for (let n = 0; sent < due && n < BURST; n++, sent++) {
      const t = tpl[sent % tpl.length];
      if (sent % tpl.length === 0) call++;
      const b = Buffer.allocUnsafe(t.buf.length);
      t.buf.copy(b);
      const digits = String(call).padStart(10, '0');
      for (const i of t.at) b.latin1Write(digits, i, 10);
      bytes += b.length;
      sock.send(b);
    }
    if (sent < total) setImmediate(next);
    else done();
  };
  const done = () => {
    const paced = Number(process.hrtime.bigint() - t0) / 1e9;
    const drain = () => {
      if (sock.getSendQueueCount() > 0) return setTimeout(drain, 5);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      sock.close();
      process.stdout.write(JSON.stringify({ sent, bytes, paced, s, errors, calls: call, sipBytes: tpl.map((t) => t.sip), hepBytes: tpl.map((t) => t.buf.length) }) + '\n');
    };
    drain();
  };
  next();
}

if (process.argv[2] === '--send') {
  await sender(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
} else {
  await main();
}

// ---------------------------------------------------------------------------------------------------------
// Orchestrator.
// ---------------------------------------------------------------------------------------------------------
async function main() {
  const RATES = (process.env.HEP_BENCH_RATES ?? '10000,20000,40000,60000,80000,100000,120000').split(',').map(Number);
  const SECONDS = Number(process.env.HEP_BENCH_SECONDS ?? 3);
  const BISECT = Number(process.env.HEP_BENCH_BISECT ?? 2);
  const NO_DOCS = process.argv.includes('--no-docs');
  const NO_PIN = process.argv.includes('--no-pin') || process.env.BENCH_NO_PIN === '1';
  const which = (cmd) => {
    const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  const TASKSET = NO_PIN ? undefined : which('taskset');
  const NCPU = os.cpus().length;
  const pinned = (core, cmd, args) => (TASKSET !== undefined && NCPU > core ? [TASKSET, ['-c', String(core), cmd, ...args]] : [cmd, args]);
  const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
  const readNum = (f) => {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const rcvbufErrors = () => {
    const t = readNum('/proc/net/snmp');
    if (t === undefined) return undefined;
    const [h, v] = t.split('\n').filter((l) => l.startsWith('Udp:'));
    if (h === undefined || v === undefined) return undefined;
    const i = h.split(/\s+/).indexOf('RcvbufErrors');
    return i < 0 ? undefined : Number(v.split(/\s+/)[i]);
  };
  const cpuTicks = (pid) => {
    const t = readNum(`/proc/${pid}/stat`);
    if (t === undefined) return undefined;
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
  };
  const CLK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const dirBytes = (d) => {
    let n = 0;
    let files = 0;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        const r = dirBytes(p);
        n += r.bytes;
        files += r.files;
      } else {
        n += statSync(p).size;
        files++;
      }
    }
    return { bytes: n, files };
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const res = {
    date: new Date().toISOString(),
    loadStart: loadavg(),
    rmemMax: readNum('/proc/sys/net/core/rmem_max'),
    commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim(),
    steps: [],
  };
  const out = mkdtempSync(path.join(os.tmpdir(), 'sipclf-hep-bench-'));
  const children = new Set();
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', () => {
    killAll();
    rmSync(out, { recursive: true, force: true });
  });
  const guard = setTimeout(() => {
    console.error('hep bench: over 170 s, giving up');
    killAll();
    process.exit(1);
  }, 170_000);
  guard.unref();

  // The collector.
  const MAX_BYTES = 64 * 1024 * 1024;
  const [ccmd, cargs] = pinned(0, process.execPath, [BIN, 'capture', '--hep', 'udp:127.0.0.1:0', '--out', out, '--max-bytes', String(MAX_BYTES), '--metrics', '127.0.0.1:0']);
  const col = spawn(ccmd, cargs, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(col);
  let colErr = '';
  col.stderr.setEncoding('utf8');
  const ready = new Promise((resolve, reject) => {
    col.stderr.on('data', (s) => {
      colErr += s;
      const u = /listening on udp:127\.0\.0\.1:(\d+)/.exec(colErr);
      const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(colErr);
      if (u !== null && m !== null) resolve({ udp: Number(u[1]), http: Number(m[1]) });
    });
    col.on('exit', (code) => reject(new Error(`sipclf capture exited ${code}: ${colErr}`)));
  });
  const ports = await ready;

  const metrics = async () => {
    const text = await (await fetch(`http://127.0.0.1:${ports.http}/metrics`)).text();
    const sum = (name, filter = '') => {
      let n = 0;
      for (const l of text.split('\n')) if (l.startsWith(name + '{') && l.includes(filter)) n += Number(l.slice(l.lastIndexOf(' ') + 1));
      return n;
    };
    return {
      packets: sum('sipclf_hep_packets_total', 'transport="udp"'),
      received: sum('sipclf_hep_received_total'),
      written: sum('sipclf_hep_written_total'),
      droppedQueue: sum('sipclf_hep_dropped_total', 'reason="queue"'),
      droppedWriter: sum('sipclf_hep_dropped_total', 'reason="writer"'),
      errors: sum('sipclf_hep_errors_total'),
    };
  };
  // Waits until the collector's counters stop moving (queues drained, everything handed to the writer).
  const settled = async () => {
    let prev = await metrics();
    for (let i = 0; i < 50; i++) {
      await sleep(100);
      const cur = await metrics();
      if (JSON.stringify(cur) === JSON.stringify(prev)) return cur;
      prev = cur;
    }
    return prev;
  };

  const runSender = (rate) =>
    new Promise((resolve, reject) => {
      const [scmd, sargs] = pinned(1, process.execPath, [SELF, '--send', String(ports.udp), String(rate), String(SECONDS)]);
      const c = spawn(scmd, sargs, { stdio: ['ignore', 'pipe', 'inherit'] });
      children.add(c);
      let o = '';
      c.stdout.setEncoding('utf8');
      c.stdout.on('data', (s) => (o += s));
      c.on('exit', (code) => {
        children.delete(c);
        if (code !== 0) reject(new Error(`sender exited ${code}`));
        else resolve(JSON.parse(o));
      });
    });

  const step = async (rate) => {
    const m0 = await settled();
    const k0 = rcvbufErrors();
    const c0 = cpuTicks(col.pid);
    const d0 = dirBytes(out);
    const s = await runSender(rate);
    const m1 = await settled();
    const k1 = rcvbufErrors();
    const c1 = cpuTicks(col.pid);
    const d1 = dirBytes(out);
    const d = Object.fromEntries(Object.keys(m1).map((k) => [k, m1[k] - m0[k]]));
    const r = {
      rate,
      sent: s.sent,
      achieved: s.sent / s.paced,
      sendS: s.s,
      sendErrors: s.errors,
      ...d,
      kernelDrops: s.sent - d.packets,
      collectorDrops: d.droppedQueue + d.droppedWriter + d.errors,
      rcvbufErrors: k0 !== undefined && k1 !== undefined ? k1 - k0 : undefined,
      cpu: c0 !== undefined && c1 !== undefined ? (c1 - c0) / CLK / s.s : undefined,
      clfBytes: d1.bytes - d0.bytes,
      sipBytes: s.sipBytes,
      hepBytes: s.hepBytes,
    };
    r.loss = r.sent - r.written;
    res.steps.push(r);
    console.error(
      `rate ${rate}/s: sent ${r.sent} (achieved ${Math.round(r.achieved)}/s), received ${r.packets}, written ${r.written}, loss ${r.loss} ` +
        `(kernel ${r.kernelDrops}, RcvbufErrors Δ ${r.rcvbufErrors ?? '?'}, collector ${r.collectorDrops}), collector CPU ${r.cpu === undefined ? '?' : (r.cpu * 100).toFixed(0) + '%'}, CLF ${(r.clfBytes / 1e6).toFixed(1)} MB`,
    );
    return r;
  };

  let best;
  let firstLoss;
  for (const rate of RATES) {
    const r = await step(rate);
    if (r.loss > 0) {
      firstLoss = r;
      break;
    }
    best = r;
  }
  if (firstLoss !== undefined) {
    let lo = best?.rate ?? 0;
    let hi = firstLoss.rate;
    for (let i = 0; i < BISECT && hi - lo > 2000; i++) {
      const mid = Math.round((lo + hi) / 2 / 1000) * 1000;
      const r = await step(mid);
      if (r.loss > 0) hi = mid;
      else {
        lo = mid;
        if (best === undefined || mid > best.rate) best = r;
      }
    }
  }

  // Stop: SIGTERM, the collector flushes and prints its summary.
  const exited = new Promise((r) => col.on('exit', (code, sig) => r({ code, sig })));
  col.kill('SIGTERM');
  const ex = await Promise.race([exited, sleep(15_000).then(() => ({ code: 'timeout' }))]);
  if (ex.code === 'timeout') col.kill('SIGKILL');
  children.delete(col);
  res.summary = (/sipclf capture: SIGTERM: .*/.exec(colErr) ?? [''])[0];
  res.exit = ex.code;
  res.final = dirBytes(out);
  res.loadEnd = loadavg();
  res.best = best;
  res.firstLoss = firstLoss;

  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const mb = (n) => (n / 1e6).toFixed(1);
  const pct = (x) => (x === undefined ? '?' : `${Math.round(x * 100)}%`);
  const st0 = res.steps[0];
  const where = (r) => {
    if (r.loss === 0) return 'none';
    const parts = [];
    if (r.kernelDrops > 0) parts.push(`${fmt(r.kernelDrops)} in the kernel (socket receive buffer full before sipclf read them${r.rcvbufErrors !== undefined ? `; host RcvbufErrors +${fmt(r.rcvbufErrors)}` : ''})`);
    if (r.droppedQueue > 0) parts.push(`${fmt(r.droppedQueue)} dropped by the collector (queue full)`);
    if (r.droppedWriter > 0) parts.push(`${fmt(r.droppedWriter)} dropped by the collector (writer queue full)`);
    if (r.errors > 0) parts.push(`${fmt(r.errors)} counted as errors`);
    const rest = r.loss - Math.max(0, r.kernelDrops) - r.droppedQueue - r.droppedWriter - r.errors;
    if (rest !== 0) parts.push(`${fmt(rest)} unaccounted`);
    return parts.join('; ');
  };
  const lines = [
    `Collector: \`sipclf capture --hep udp:127.0.0.1:PORT --out TMP --max-bytes ${MAX_BYTES} --metrics 127.0.0.1:PORT\` (rotating at 64 MiB), ` +
      `${TASKSET !== undefined ? 'pinned to core 0 (`taskset -c 0`)' : 'not pinned'}, from dist/. ` +
      `Sender: a Node child process ${TASKSET !== undefined && NCPU > 1 ? 'pinned to core 1' : 'on the same cores'} sending pre-encoded HEP3 over UDP to 127.0.0.1, ` +
      `${SECONDS} s per step, paced in small bursts (setImmediate + hrtime); each call is INVITE+SDP, 200+SDP, ACK, BYE, 200 ` +
      `(SIP ${st0.sipBytes.join(' / ')} bytes, HEP ${st0.hepBytes.join(' / ')} bytes) with its own Call-ID, branches and tags. ` +
      `Counts per step from the collector's /metrics once it has gone quiet. The sender shares the machine with the collector (loopback; one process per core).`,
    '',
    '| offered (pkt/s) | sent | sender achieved (pkt/s) | received by sipclf | CLF records written | lost | kernel drops (sent − received) | host RcvbufErrors Δ | collector drops (queue / writer / errors) | collector CPU (core 0, CPU s per s sent) | CLF MB written |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...res.steps.map(
      (r) =>
        `| ${fmt(r.rate)} | ${fmt(r.sent)} | ${fmt(r.achieved)} | ${fmt(r.packets)} | ${fmt(r.written)} | ${r.loss === 0 ? '0' : `**${fmt(r.loss)}**`} | ${fmt(r.kernelDrops)} | ${r.rcvbufErrors === undefined ? '?' : fmt(r.rcvbufErrors)} | ${fmt(r.droppedQueue)} / ${fmt(r.droppedWriter)} / ${fmt(r.errors)} | ${pct(r.cpu)} | ${mb(r.clfBytes)} |`,
    ),
    '',
    best !== undefined
      ? `**Highest loss-free rate: ${fmt(best.rate)} HEP packets/s** (${fmt(best.written)} of ${fmt(best.sent)} written in ${best.sendS.toFixed(2)} s, collector CPU ${pct(best.cpu)} of core 0, ${mb(best.clfBytes)} MB of CLF; Homer 11's figure: about 120,000/s per core).`
      : `**No loss-free rate** among those tried (lowest: ${fmt(res.steps[0].rate)}/s).`,
    best !== undefined ? `- Against Homer 11's ~120,000/s per core: ${best.rate >= 120_000 ? 'reached' : `**not reached** (${Math.round((best.rate / 120_000) * 100)}% of it)`}.` : null,
    firstLoss !== undefined && firstLoss.cpu !== undefined && firstLoss.cpu >= 0.9 && firstLoss.kernelDrops > 0 && firstLoss.collectorDrops === 0
      ? `- Where the limit is: at ${fmt(firstLoss.rate)}/s the collector used ${pct(firstLoss.cpu)} of its core (CPU seconds per second of sending) and its own queues never overflowed (no collector drops): ` +
        'one core of sipclf does not read the socket as fast as packets arrive, so the kernel receive buffer fills and the kernel drops. The limit is the per-packet CPU cost of decode + CLF record + write on one core, not the buffer size (a larger `rmem_max` only absorbs longer bursts).'
      : null,
    firstLoss !== undefined ? `- First loss at ${fmt(firstLoss.rate)}/s: ${fmt(firstLoss.loss)} of ${fmt(firstLoss.sent)} lost — ${where(firstLoss)}.` : `- No loss up to ${fmt(RATES[RATES.length - 1])}/s (the highest rate tried).`,
    ...res.steps.filter((r) => r.loss > 0 && r !== firstLoss).map((r) => `- At ${fmt(r.rate)}/s: ${fmt(r.loss)} of ${fmt(r.sent)} lost — ${where(r)}.`),
    `- Total over the run: ${mb(res.final.bytes)} MB of CLF in ${res.final.files} file(s); collector summary on SIGTERM: \`${res.summary.replace(/^sipclf capture: /, '')}\` (exit ${res.exit}).`,
    `- The kernel caps sipclf's 8 MiB receive-buffer request at \`net.core.rmem_max\` = ${res.rmemMax ?? '?'} bytes here (docs/guides/feeding-sipclf.md); RcvbufErrors is host-wide, so other UDP traffic on the machine can add to it.`,
    '',
    `Machine: ${os.cpus()[0]?.model ?? '?'}, ${NCPU} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, Linux ${os.release()} ${process.arch}; ` +
      `load average ${res.loadStart} at start, ${res.loadEnd} at end (a shared machine: other work can take the collector's core, so a step can lose on a busy moment). Commit ${res.commit}; date ${res.date}.`,
  ];
  const md = lines.filter((l) => l !== null).join('\n');
  console.log(md);
  if (!NO_DOCS) {
    writeSection({
      key: 'hep',
      date: res.date,
      md,
      heading: 'HEP collector',
      intro:
        'HEP v3 over UDP on loopback into rotated CLF files: the highest loss-free packets/second (issue 6 §7); run `npm run bench:hep` ' +
        '(benchmarks/hep.mjs; `HEP_BENCH_RATES`, `HEP_BENCH_SECONDS` to change the steps, `--no-docs` to leave this page alone).',
    });
  }
  clearTimeout(guard);
}
