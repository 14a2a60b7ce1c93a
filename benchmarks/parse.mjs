#!/usr/bin/env node
// Parse benchmark: sipclf's parseMessage against the npm SIP parsers `sip` (kirm), `jssip` and `sip.js` (onsip).
// Run from the repo root with `npm run bench:parse` (builds sipclf, installs the competitors from
// benchmarks/package-lock.json, then runs this file). See benchmarks/README.md for what is measured.
//
// Options (also as env vars): --rounds N (BENCH_ROUNDS, default 5), --round-ms MS (BENCH_ROUND_MS, default 1000),
// --warmup-ms MS (BENCH_WARMUP_MS, default 1000), --only x[,y] (npm package name, or part of a parser's name), --no-docs
// (do not touch docs/benchmarks.md), --quick (3 rounds of 300 ms, 300 ms warm-up; for smoke tests; never written
// to docs). --no-pin or BENCH_NO_PIN=1 disables the `taskset -c 0` re-exec.

import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { writeSection } from './docs-section.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const require = createRequire(path.join(HERE, 'package.json'));

// ---------------------------------------------------------------------------------------------------------------
// 1. Pin to one core and expose gc: re-exec ourselves under `taskset -c 0 node --expose-gc` once.
// ---------------------------------------------------------------------------------------------------------------

function allowedCpus() {
  try {
    const m = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? m[1].trim() : undefined;
  } catch {
    return undefined;
  }
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

if (process.env.SIPCLF_BENCH_CHILD !== '1') {
  const noPin = process.env.BENCH_NO_PIN === '1' || process.argv.includes('--no-pin');
  const taskset = noPin ? undefined : which('taskset');
  const nodeArgs = ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const [cmd, args] = taskset ? [taskset, ['-c', '0', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const env = { ...process.env, SIPCLF_BENCH_CHILD: '1', SIPCLF_BENCH_PINNED: taskset ? 'taskset -c 0' : '' };
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.error) {
    console.error(`could not start the benchmark child (${cmd}): ${r.error.message}`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Options
// ---------------------------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
function opt(name, env, dflt) {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0 && argv[i + 1] !== undefined) return argv[i + 1];
  return process.env[env] ?? dflt;
}
const QUICK = argv.includes('--quick');
const ROUNDS = Number(opt('rounds', 'BENCH_ROUNDS', QUICK ? 3 : 5));
const ROUND_MS = Number(opt('round-ms', 'BENCH_ROUND_MS', QUICK ? 300 : 1000));
const WARMUP_MS = Number(opt('warmup-ms', 'BENCH_WARMUP_MS', QUICK ? 300 : 1000));
const REWARM_MS = Math.min(200, Math.round(ROUND_MS / 4));
const ONLY = opt('only', 'BENCH_ONLY', '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const WRITE_DOCS = !argv.includes('--no-docs') && !QUICK && ONLY.length === 0;

const gc =
  globalThis.gc ??
  (() => {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc');
  })();

// ---------------------------------------------------------------------------------------------------------------
// 3. Corpus
// ---------------------------------------------------------------------------------------------------------------

// RFC 4475 §3.1.1 "Valid Messages" (3.1.1.1 … 3.1.1.13), in RFC order.
const RFC4475_VALID = [
  'wsinv', // 3.1.1.1  A Short Tortuous INVITE
  'intmeth', // 3.1.1.2  Wide Range of Valid Characters
  'esc01', // 3.1.1.3  Valid Use of the % Escaping Mechanism
  'escnull', // 3.1.1.4  Escaped Nulls in URIs
  'esc02', // 3.1.1.5  Use of % When It Is Not an Escape
  'lwsdisp', // 3.1.1.6  Message with No LWS between Display Name and <
  'longreq', // 3.1.1.7  Long Values in Header Fields
  'dblreq', // 3.1.1.8  Extra Trailing Octets in a UDP Datagram
  'semiuri', // 3.1.1.9  Semicolon-Separated Parameters in URI User Part
  'transports', // 3.1.1.10 Varied and Unknown Transport Types
  'mpart01', // 3.1.1.11 Multipart MIME Message
  'unreason', // 3.1.1.12 Unusual Reason Phrase
  'noreason', // 3.1.1.13 Empty Reason Phrase
];

function findRfc4475Dir() {
  const candidates = [
    process.env.SIPCLF_RFC4475_DIR,
    path.resolve(REPO, '../shared/testdata/rfc4475'),
    '/work/shared/testdata/rfc4475',
  ].filter(Boolean);
  return candidates.find((d) => existsSync(path.join(d, 'wsinv.dat')));
}

function loadCorpus() {
  const dir = path.join(HERE, 'corpus');
  const own = readdirSync(dir)
    .filter((f) => f.endsWith('.sip'))
    .sort()
    .map((f) => ({ name: f.replace(/\.sip$/, ''), source: 'benchmarks/corpus', buf: readFileSync(path.join(dir, f)) }));
  const rfcDir = findRfc4475Dir();
  const rfc = [];
  if (rfcDir) {
    for (const n of RFC4475_VALID) {
      rfc.push({ name: `rfc4475/${n}`, source: 'rfc4475', buf: readFileSync(path.join(rfcDir, `${n}.dat`)) });
    }
  } else {
    console.warn('WARNING: RFC 4475 test messages not found (../shared/testdata/rfc4475); mixed corpus = own files only');
  }
  const invite = own.find((m) => m.name.endsWith('-invite'));
  if (!invite) throw new Error('benchmarks/corpus has no *-invite.sip');
  return { invite: [invite], mixed: [...own, ...rfc], rfcDir };
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Parsers. Each adapter: parse(buf) -> result (the timed work); accept(result) -> boolean (is this a parsed
//    message, as the library's own transport would decide); callId(result) for a cross-check.
// ---------------------------------------------------------------------------------------------------------------

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function sipclfVersion() {
  let v = '?';
  try {
    v = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version;
  } catch {
    /* ignore */
  }
  try {
    const rev = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', REPO, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
    v += ` (${rev}${dirty ? '+dirty' : ''})`;
  } catch {
    /* not a git checkout */
  }
  return v;
}

// Lazy typed accessors (parse a header on first call, cached): the names below that exist on the message
// (`typeof msg[name] === 'function'`). The list holds the accessors SipMessage has plus likely future ones, so the
// benchmark follows the API without edits. `uri()` (the Request-URI) is only called on requests. Any other
// zero-argument method found on the object is reported (not called): it may be a new accessor to add here.
// Deliberately not called: headers() (raw header list, not typed) and checkAll() (strict mode: re-parses everything).
const LAZY_ACCESSORS = [
  'uri',
  'vias',
  'from',
  'to',
  'contacts',
  'routes',
  'recordRoutes',
  'paths',
  'serviceRoutes',
  'require',
  'proxyRequire',
  'supported',
  'unsupported',
  'allow',
  'accept',
  'contentType',
  'contentDisposition',
  'referTo',
  'referredBy',
  'targetDialog',
  'replaces',
  'join',
  'event',
  'subscriptionState',
  'sessionExpires',
  'minSE',
  'expires',
  'authorization',
  'proxyAuthorization',
  'wwwAuthenticate',
  'proxyAuthenticate',
  'authenticationInfo',
  'reasons',
  'reason',
  'privacy',
  'pAssertedIdentity',
  'pPreferredIdentity',
  'historyInfo',
  'diversion',
  'date',
  'timestamp',
  'retryAfter',
  'rack',
  'rseq',
  'sdp',
];
const NOT_ACCESSORS = new Set(['constructor', 'toString', 'toJSON', 'toLocaleString', 'valueOf', 'headers', 'checkAll']);

function lazyAccessorNames(msg) {
  return LAZY_ACCESSORS.filter((k) => typeof msg[k] === 'function' && (k !== 'uri' || msg.isRequest === true));
}

function otherZeroArgMethods(msg) {
  const names = new Set();
  for (let o = msg; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (NOT_ACCESSORS.has(k) || LAZY_ACCESSORS.includes(k) || k.startsWith('_')) continue;
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (d && typeof d.value === 'function' && d.value.length === 0) names.add(k);
    }
  }
  return [...names].sort();
}

async function loadSipclf() {
  const entry = path.join(REPO, 'dist/src/index.js');
  if (!existsSync(entry)) return { missing: `${path.relative(REPO, entry)} not found (run npm run build)` };
  let mod;
  try {
    mod = await import(pathToFileURL(entry).href);
  } catch (e) {
    return { missing: `import of dist/src/index.js failed: ${e.message}` };
  }
  if (typeof mod.parseMessage !== 'function') return { missing: 'dist/src/index.js does not export parseMessage yet' };
  return { parseMessage: mod.parseMessage, version: sipclfVersion() };
}

function sipclfAdapters(sipclf) {
  const { parseMessage } = sipclf;
  const accept = (m) => m != null && (m.isRequest === true || m.isRequest === false);
  const callId = (m) => m.callId;
  // (b) eager fields. Sum of a few lengths/numbers so that nothing can be optimised away.
  const readEager = (sipclf.readEager = (m) => {
    const via = m.topVia;
    const cseq = m.cseq;
    return (
      (m.isRequest ? m.method.length : m.status) +
      m.callId.length +
      (cseq ? cseq.seq + cseq.method.length : 0) +
      (via && via.branch ? via.branch.length : 0) +
      (m.fromTag ? m.fromTag.length : 0) +
      (m.toTag ? m.toTag.length : 0) +
      (m.maxForwards ?? 0) +
      (m.contentLength ?? 0) +
      (m.sessionId ? 1 : 0) +
      (m.body ? m.body.length : 0)
    );
  });
  return [
    {
      name: 'sipclf (a) parse',
      short: 'sipclf-a',
      family: 'sipclf',
      pkg: 'sipclf',
      version: sipclf.version,
      entry: 'parseMessage(buf)',
      parse: (buf) => parseMessage(buf),
      accept,
      callId,
    },
    {
      name: 'sipclf (b) parse + eager fields',
      short: 'sipclf-b',
      family: 'sipclf',
      pkg: 'sipclf',
      version: sipclf.version,
      entry: 'parseMessage(buf) then read callId, cseq, topVia.branch, fromTag, toTag, …',
      parse: (buf) => readEager(parseMessage(buf)),
      validate: (buf) => parseMessage(buf),
      accept,
      callId,
    },
    {
      name: 'sipclf (c) parse + all lazy accessors',
      short: 'sipclf-c',
      family: 'sipclf',
      pkg: 'sipclf',
      version: sipclf.version,
      entry: 'parseMessage(buf), eager fields as (b), then every lazy typed accessor (msg.x())',
      readEager,
      parse: null, // built by prepareLazy() once the accessors are known
      validate: (buf) => parseMessage(buf),
      accept,
      callId,
    },
  ];
}

function competitorAdapters() {
  const out = [];
  // --- kirm `sip` (CommonJS). Its UDP/WS transports call parseMessage(buffer) directly (exported as `parse`),
  //     which does buffer.toString('binary') itself; its transports then drop messages failing checkMessage().
  try {
    const sip = require('sip');
    out.push({
      name: 'sip (kirm)',
      short: 'kirm',
      family: 'competitor',
      pkg: 'sip',
      version: pkgVersion('sip'),
      entry: "require('sip').parse(buf) — does buf.toString('binary') internally",
      parse: (buf) => sip.parse(buf),
      // Same test as the package's own (unexported) checkMessage() in its sip.js file, applied by its transports.
      accept: (m) =>
        !!m &&
        !!(m.method || (m.status >= 100 && m.status <= 999)) &&
        !!m.headers &&
        Array.isArray(m.headers.via) &&
        m.headers.via.length > 0 &&
        !!m.headers['call-id'] &&
        !!m.headers.to &&
        !!m.headers.from &&
        !!m.headers.cseq,
      callId: (m) => m.headers['call-id'],
    });
  } catch (e) {
    console.warn(`sip (kirm) not available: ${e.message}`);
  }
  // --- JsSIP (CommonJS). The parser is not re-exported by lib/JsSIP.js (no "exports" map, so the deep require
  //     works). parseMessage(data, ua) only stores `ua` on IncomingRequest (used later by reply()); no DOM needed.
  try {
    const { parseMessage } = require('jssip/lib/Parser.js');
    const ua = {}; // minimal stub: parsing never dereferences it
    out.push({
      name: 'JsSIP',
      short: 'jssip',
      family: 'competitor',
      pkg: 'jssip',
      version: pkgVersion('jssip'),
      entry: "require('jssip/lib/Parser.js').parseMessage(buf.toString('utf8'), {})",
      parse: (buf) => parseMessage(buf.toString('utf8'), ua),
      accept: (m) => !!m && (typeof m.method === 'string' || typeof m.status_code === 'number'),
      callId: (m) => m.call_id,
    });
  } catch (e) {
    console.warn(`JsSIP not available: ${e.message}`);
  }
  return out;
}

async function sipJsAdapter() {
  // --- SIP.js (ESM only, no "exports" map). Parser is exported from the core barrel, sip.js/lib/core/index.js
  //     (marked @internal). It needs a Logger; use the library's own LoggerFactory, as UserAgent does, with the
  //     built-in console output off so that rejected messages do not print.
  try {
    const core = await import('sip.js/lib/core/index.js').catch(() =>
      import(pathToFileURL(path.join(HERE, 'node_modules/sip.js/lib/core/index.js')).href),
    );
    const factory = new core.LoggerFactory();
    factory.builtinEnabled = false;
    const logger = factory.getLogger('sip.Parser');
    const { Parser } = core;
    return {
      name: 'SIP.js',
      short: 'sip.js',
      family: 'competitor',
      pkg: 'sip.js',
      version: pkgVersion('sip.js'),
      entry:
        "import { Parser, LoggerFactory } from 'sip.js/lib/core/index.js'; Parser.parseMessage(buf.toString('utf8'), logger)",
      parse: (buf) => Parser.parseMessage(buf.toString('utf8'), logger),
      accept: (m) => !!m && (typeof m.method === 'string' || typeof m.statusCode === 'number'),
      callId: (m) => m.callId,
    };
  } catch (e) {
    console.warn(`SIP.js not available: ${e.message}`);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Validation: which corpus messages each parser accepts.
// ---------------------------------------------------------------------------------------------------------------

function referenceCallId(buf) {
  const text = buf.toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  const m = /\r\n(?:call-id|i)[ \t]*:[ \t]*([^\r\n]*)/i.exec(head);
  return m ? m[1].trim() : undefined;
}

function validate(adapter, corpus) {
  const accepted = [];
  const rejected = [];
  const notes = [];
  for (const msg of corpus) {
    let r;
    try {
      r = (adapter.validate ?? adapter.parse)(msg.buf);
    } catch (e) {
      rejected.push({ message: msg.name, reason: `threw ${e?.code ?? e?.name ?? 'error'}: ${String(e?.message ?? e)}` });
      continue;
    }
    let ok = false;
    try {
      ok = adapter.accept(r);
    } catch (e) {
      ok = false;
    }
    if (!ok) {
      rejected.push({ message: msg.name, reason: r == null ? 'returned undefined (parse failure)' : 'incomplete result' });
      continue;
    }
    let cid;
    try {
      cid = adapter.callId(r);
    } catch {
      cid = undefined;
    }
    const want = referenceCallId(msg.buf);
    if (want !== undefined && cid !== want) notes.push({ message: msg.name, note: `Call-ID ${JSON.stringify(cid)} ≠ ${JSON.stringify(want)}` });
    accepted.push(msg);
  }
  return { accepted, rejected, notes };
}

// For sipclf (c): list the accessors found on each accepted message (reported), note any that throw, and build the
// timed function.
function prepareLazy(adapter, corpus) {
  const parseMessage = adapter.validate;
  const failures = [];
  const all = new Set();
  // Cached per (prototype, request/response): uri() is for requests only.
  const byProto = [new Map(), new Map()];
  const namesFor = (m) => {
    const cache = byProto[m.isRequest ? 1 : 0];
    const proto = Object.getPrototypeOf(m);
    let names = cache.get(proto);
    if (names === undefined) {
      names = lazyAccessorNames(m);
      cache.set(proto, names);
    }
    return names;
  };
  for (const msg of corpus) {
    const m = parseMessage(msg.buf);
    for (const n of namesFor(m)) {
      all.add(n);
      try {
        m[n]();
      } catch (e) {
        failures.push({ message: msg.name, accessor: n, error: `${e?.code ?? e?.name ?? 'error'}: ${e?.message ?? e}` });
      }
    }
  }
  adapter.accessors = [...all].sort();
  adapter.accessorFailures = failures;
  const other = new Set();
  for (const msg of corpus) for (const k of otherZeroArgMethods(parseMessage(msg.buf))) other.add(k);
  adapter.otherMethods = [...other].sort();
  const readEager = adapter.readEager;
  adapter.parse = (buf) => {
    const m = parseMessage(buf);
    const names = namesFor(m);
    let s = readEager(m);
    for (let i = 0; i < names.length; i++) {
      try {
        if (m[names[i]]() !== undefined) s++;
      } catch {
        s--; // reported by the validation pass above
      }
    }
    return s;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 6. Timing
// ---------------------------------------------------------------------------------------------------------------

// Each (parser, corpus) pair gets a freshly compiled loop (new Function) so call-site feedback from one parser
// does not leak into the next one's loop. The loop calls hrtime once per `batch` (≥ 64 messages).
const LOOP_SRC = `
  let sink = 0, n = 0, bytes = 0;
  const t0 = hr();
  let t = t0;
  do {
    for (let i = 0; i < bufs.length; i++) {
      const r = fn(bufs[i]);
      if (r === undefined || r === null) sink++; else if (typeof r === 'number') sink += r; else sink ^= 1;
    }
    n += bufs.length;
    bytes += batchBytes;
    t = hr();
  } while (t - t0 < minNs);
  return { n, bytes, ns: Number(t - t0), sink };
`;

function makeBatch(messages) {
  // Repeat (copies, not the same Buffer object) so that one batch has ≥ 64 messages.
  const reps = Math.max(1, Math.ceil(64 / messages.length));
  const bufs = [];
  for (let r = 0; r < reps; r++) for (const m of messages) bufs.push(r === 0 ? m.buf : Buffer.from(m.buf));
  return { bufs, batchBytes: bufs.reduce((a, b) => a + b.length, 0) };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function measureAlloc(fn, bufs, ms) {
  // Bytes allocated on the V8 heap per message, over a run of ≥ `ms` of parsing: heap used at the end minus heap
  // used at the start, plus what every GC in between freed (v8.GCProfiler reports used-heap before/after each GC):
  //   allocated = Σ (usedBefore(gc_i) − usedAfter(gc_i−1)) + (usedEnd − usedAfter(gc_last)), gc_0 = the start.
  // Long runs amortise V8's page-granular accounting (single-parse heapUsed deltas jump by whole pages).
  if (!v8.GCProfiler) return null;
  gc();
  const prof = new v8.GCProfiler();
  const hr = process.hrtime.bigint;
  const minNs = BigInt(ms) * 1_000_000n;
  let n = 0;
  let sink = 0;
  prof.start();
  const start = process.memoryUsage().heapUsed;
  const t0 = hr();
  do {
    for (let i = 0; i < bufs.length; i++) if (fn(bufs[i]) !== undefined) sink++;
    n += bufs.length;
  } while (hr() - t0 < minNs);
  const end = process.memoryUsage().heapUsed;
  const stats = prof.stop();
  if (sink < 0) console.log(sink);
  let allocated = 0;
  let prev = start;
  for (const g of stats.statistics) {
    allocated += g.beforeGC.heapStatistics.usedHeapSize - prev;
    prev = g.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += end - prev;
  return { bytesPerMsg: Math.round(allocated / n), gcs: stats.statistics.length, messages: n };
}

// One timed job per (parser, corpus). Jobs are warmed up one after another, then the timed rounds are interleaved
// (round 1 of every job, then round 2 of every job, …) so that a change in machine load during the run hits every
// parser alike instead of whichever happened to be running; then allocation is measured per job.
function makeJob(adapter, messages) {
  const { bufs, batchBytes } = makeBatch(messages);
  // eslint-disable-next-line no-new-func
  const loop = new Function('fn', 'bufs', 'batchBytes', 'minNs', 'hr', LOOP_SRC);
  const hr = process.hrtime.bigint;
  const fn = adapter.parse;
  const rounds = [];
  return {
    // At least WARMUP_MS, then 250 ms slices until the rate stops improving by more than 3 % (capped at 4 ×
    // WARMUP_MS): code-heavy paths need several optimising-compiler passes, and with the run pinned to one core the
    // concurrent compiler threads share it, so a fixed warm-up can end while the code is still in the interpreter.
    warmup() {
      gc();
      loop(fn, bufs, batchBytes, BigInt(WARMUP_MS) * 1_000_000n, hr);
      const slice = 250n * 1_000_000n;
      const t0 = Date.now();
      let prev = 0;
      for (;;) {
        const r = loop(fn, bufs, batchBytes, slice, hr);
        const rate = r.n / r.ns;
        if (rate <= prev * 1.03 || Date.now() - t0 >= 3 * WARMUP_MS) break;
        prev = rate;
      }
      this.warmupMs = WARMUP_MS + (Date.now() - t0);
    },
    // No forced gc() here: a full GC makes V8 drop optimised code whose embedded maps died, and on a contended core
    // re-optimising can take longer than a round (sipclf (c) measured 2.7k vs 18k msgs/s in alternate rounds with a
    // gc() before each). Each round is preceded by an untimed re-warm slice instead, since the other jobs ran since.
    round() {
      loop(fn, bufs, batchBytes, BigInt(REWARM_MS) * 1_000_000n, hr);
      const res = loop(fn, bufs, batchBytes, BigInt(ROUND_MS) * 1_000_000n, hr);
      const r = { msgsPerSec: (res.n * 1e9) / res.ns, bytesPerSec: (res.bytes * 1e9) / res.ns, n: res.n, ns: res.ns };
      rounds.push(r);
      return r;
    },
    finish() {
      const alloc = measureAlloc(fn, bufs, Math.min(300, ROUND_MS));
      return {
        messages: messages.length,
        bytesPerMessage: Math.round(messages.reduce((a, m) => a + m.buf.length, 0) / messages.length),
        msgsPerSec: median(rounds.map((r) => r.msgsPerSec)),
        bytesPerSec: median(rounds.map((r) => r.bytesPerSec)),
        minMsgsPerSec: Math.min(...rounds.map((r) => r.msgsPerSec)),
        maxMsgsPerSec: Math.max(...rounds.map((r) => r.msgsPerSec)),
        allocBytesPerMsg: alloc ? alloc.bytesPerMsg : null,
        alloc,
        warmupMs: this.warmupMs,
        rounds,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 7. Report
// ---------------------------------------------------------------------------------------------------------------

function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux */
  }
  return {
    cpu,
    cores: os.cpus().length,
    pinned: process.env.SIPCLF_BENCH_PINNED || 'no (taskset not found, or --no-pin / BENCH_NO_PIN=1)',
    cpusAllowed: allowedCpus() ?? 'unknown',
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const fmtInt = (x) => (x == null ? '—' : Math.round(x).toLocaleString('en-US'));
const fmtK = (x) => (x >= 100_000 ? Math.round(x / 1000).toString() : x >= 1000 ? (x / 1000).toFixed(1) : (x / 1000).toFixed(2));
const fmtSpread = (r) => (r == null ? '—' : `${fmtK(r.minMsgsPerSec)}–${fmtK(r.maxMsgsPerSec)}`);
const fmtMB = (x) => (x == null ? '—' : (x / 1e6).toFixed(1));
const fmtRatio = (x) =>
  x == null || !Number.isFinite(x) ? '—' : x >= 10 ? `${x.toFixed(1)}×` : x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toPrecision(2)}×`;

function markdown(result) {
  const { machine: mc, parsers, summary } = result;
  const base = parsers.find((p) => p.name.startsWith('sipclf (a)'));
  const lines = [];
  const nRfc = result.corpus.mixed.messages.filter((n) => n.startsWith('rfc4475/')).length;
  const nOwn = result.corpus.mixed.messages.length - nRfc;
  lines.push(
    `Mixed corpus: ${result.corpus.mixed.messages.length} messages, ${result.corpus.mixed.bytes} bytes (the ${nOwn}-message call flow in benchmarks/corpus/` +
      (nRfc ? ` + the ${nRfc} RFC 4475 §3.1.1 valid messages). ` : '; RFC 4475 messages not found). ') +
      `INVITE corpus: one ${result.corpus.invite.bytes}-byte INVITE with SDP.`,
  );
  lines.push('');
  lines.push(
    '| parser | version | msgs/s (INVITE) | msgs/s (mixed) | MB/s (mixed) | rounds min–max, INVITE / mixed (k msgs/s) | heap B/msg (INVITE) | heap B/msg (mixed) | ratio to sipclf (a), INVITE | ratio to sipclf (a), mixed | rejected (mixed) |',
  );
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const p of parsers) {
    const rI = base?.invite && p.invite ? p.invite.msgsPerSec / base.invite.msgsPerSec : null;
    const rM = base?.mixed && p.mixed ? p.mixed.msgsPerSec / base.mixed.msgsPerSec : null;
    lines.push(
      `| ${p.name} | ${p.version ?? '?'} | ${fmtInt(p.invite?.msgsPerSec)} | ${fmtInt(p.mixed?.msgsPerSec)} | ${fmtMB(p.mixed?.bytesPerSec)} | ${fmtSpread(p.invite)} / ${fmtSpread(p.mixed)} | ${fmtInt(p.invite?.allocBytesPerMsg)} | ${fmtInt(p.mixed?.allocBytesPerMsg)} | ${fmtRatio(rI)} | ${fmtRatio(rM)} | ${p.rejected.length}/${result.corpus.mixed.messages.length} |`,
    );
  }
  lines.push('');
  if (summary.length) {
    for (const s of summary) lines.push(`- ${s}`);
    lines.push('');
  }
  const rej = parsers.filter((p) => p.rejected.length || p.notes.length);
  if (rej.length) {
    lines.push('Rejected corpus messages (excluded from that parser\'s mixed run only) and cross-check notes:');
    lines.push('');
    for (const p of rej) {
      for (const r of p.rejected) lines.push(`- ${p.name}: rejects \`${r.message}\` — ${r.reason}`);
      for (const n of p.notes) lines.push(`- ${p.name}: accepts \`${n.message}\` but ${n.note}`);
    }
    lines.push('');
  }
  lines.push(
    `Machine: ${mc.cpu}, ${mc.cores} cores (run pinned: ${mc.pinned}; CPUs allowed: ${mc.cpusAllowed}), ${mc.totalMemGiB} GiB, Node ${mc.node} (V8 ${mc.v8}), ${mc.os}; load average at start ${mc.loadAvgAtStart.join(' / ')}${mc.loadAvgAtStart[0] > mc.cores / 2 ? ' (busy machine: figures are noisy)' : ''}. ` +
      `Method: ${result.method.rounds} timed rounds of ≥ ${result.method.roundMs} ms after ${result.method.warmupMs} ms warm-up, median reported; date ${result.date}.`,
  );
  return lines.join('\n');
}

function updateDocs(md, result) {
  return writeSection({
    key: 'parse',
    date: result.date,
    md,
    heading: 'SIP parser',
    intro: 'Throughput of `parseMessage` against the npm SIP parsers; how to run and what is measured: [benchmarks/README.md](../benchmarks/README.md).',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 8. Main
// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const corpus = loadCorpus();
  const mc = machine();
  console.log(`# sipclf parse benchmark`);
  console.log(
    `CPU: ${mc.cpu} | cores: ${mc.cores} | pinned: ${mc.pinned} (allowed ${mc.cpusAllowed}) | node ${mc.node} | ${mc.os} | load ${mc.loadAvgAtStart.join(' ')}`,
  );
  console.log(
    `corpus: INVITE ${corpus.invite[0].buf.length} B; mixed ${corpus.mixed.length} messages (${corpus.rfcDir ? `RFC 4475 from ${corpus.rfcDir}` : 'no RFC 4475'}); ` +
      `${ROUNDS} rounds × ≥${ROUND_MS} ms, warm-up ${WARMUP_MS} ms`,
  );

  const adapters = [];
  const sipclf = await loadSipclf();
  if (sipclf.missing) console.log(`sipclf: skipped — ${sipclf.missing}`);
  else adapters.push(...sipclfAdapters(sipclf));
  adapters.push(...competitorAdapters());
  const sj = await sipJsAdapter();
  if (sj) adapters.push(sj);

  const selected = ONLY.length
    ? adapters.filter((a) =>
        ONLY.some((o) =>
          adapters.some((x) => x.pkg === o) ? a.pkg === o : a.name.toLowerCase().includes(o.toLowerCase()),
        ),
      )
    : adapters;

  const parsers = [];
  const jobs = [];
  for (const a of selected) {
    const vMixed = validate(a, corpus.mixed);
    const vInvite = validate(a, corpus.invite);
    if (a.parse === null) {
      prepareLazy(a, vMixed.accepted);
      console.log(`  ${a.name}: lazy accessors found: ${a.accessors.length ? a.accessors.join(', ') : '(none)'}`);
      if (a.otherMethods.length) console.log(`  ${a.name}: other zero-argument methods (not called): ${a.otherMethods.join(', ')}`);
      for (const f of a.accessorFailures) console.log(`  ${a.name}: accessor ${f.accessor}() throws on ${f.message}: ${f.error}`);
    }
    for (const r of vMixed.rejected) console.log(`  ${a.name}: rejects ${r.message} — ${r.reason}`);
    for (const n of vMixed.notes) console.log(`  ${a.name}: ${n.message}: ${n.note}`);
    const entry = {
      name: a.name,
      family: a.family,
      package: a.pkg,
      version: a.version,
      entry: a.entry,
      rejected: vMixed.rejected,
      notes: vMixed.notes,
      accessors: a.accessors,
      accessorFailures: a.accessorFailures,
      otherMethods: a.otherMethods,
    };
    parsers.push(entry);
    for (const k of ['invite', 'mixed']) {
      const v = k === 'invite' ? vInvite : vMixed;
      if (v.accepted.length) jobs.push({ entry, k, label: `${a.short} ${k === 'invite' ? 'INV' : 'mix'}`, job: makeJob(a, v.accepted) });
      else entry[k] = null;
    }
  }

  process.stdout.write(`warm-up (${jobs.length} jobs, ≥ ${WARMUP_MS} ms each, until the rate settles)… `);
  for (const j of jobs) j.job.warmup();
  console.log('done');
  for (let r = 0; r < ROUNDS; r++) {
    process.stdout.write(`round ${r + 1}/${ROUNDS}: `);
    const cells = [];
    for (const j of jobs) cells.push(`${j.label} ${fmtInt(j.job.round().msgsPerSec)}`);
    console.log(cells.join(' | '));
  }
  process.stdout.write('allocation… ');
  for (const j of jobs) j.entry[j.k] = j.job.finish();
  console.log('done');
  for (const p of parsers)
    console.log(
      `  ${p.name}: INVITE ${fmtInt(p.invite?.msgsPerSec)} msgs/s; mixed ${fmtInt(p.mixed?.msgsPerSec)} msgs/s, ${fmtMB(p.mixed?.bytesPerSec)} MB/s`,
    );

  const summary = [];
  const competitors = parsers.filter((p) => p.family === 'competitor');
  const fastest = (k) =>
    competitors.filter((p) => p[k]).sort((x, y) => y[k].msgsPerSec - x[k].msgsPerSec)[0];
  const ratios = {};
  for (const p of parsers.filter((q) => q.family === 'sipclf')) {
    for (const k of ['invite', 'mixed']) {
      const f = fastest(k);
      if (f && p[k]) ratios[`${p.name} / fastest competitor (${k})`] = { ratio: p[k].msgsPerSec / f[k].msgsPerSec, fastest: f.name };
    }
  }
  const a = parsers.find((p) => p.name.startsWith('sipclf (a)'));
  const c = parsers.find((p) => p.name.startsWith('sipclf (c)'));
  for (const p of [a, c].filter(Boolean)) {
    const fi = fastest('invite');
    const fm = fastest('mixed');
    if (fi && fm && p.invite && p.mixed)
      summary.push(
        `**${p.name} / fastest competitor: ${fmtRatio(p.invite.msgsPerSec / fi.invite.msgsPerSec)} on the INVITE (vs ${fi.name}), ${fmtRatio(p.mixed.msgsPerSec / fm.mixed.msgsPerSec)} on the mixed corpus (vs ${fm.name}).**`,
      );
  }
  if (a?.invite) {
    const target = 1_000_000;
    summary.push(
      `Target ≥ ${fmtInt(target)} INVITEs/s for sipclf (a): ${a.invite.msgsPerSec >= target ? 'met' : 'NOT met'} (${fmtInt(a.invite.msgsPerSec)}).`,
    );
  }
  if (!a) summary.push(`sipclf not measured: ${sipclf.missing ?? 'filtered out'}.`);
  if (c?.accessors) summary.push(`sipclf (c) calls these lazy accessors: ${c.accessors.length ? c.accessors.map((x) => `\`${x}()\``).join(', ') : '(none found)'}.`);
  if (competitors.some((p) => p.rejected.length))
    summary.push('A parser that rejects messages is timed on the messages it accepts, so its mixed figure is over a different (smaller) set.');

  const mixedBytes = corpus.mixed.reduce((x, m) => x + m.buf.length, 0);
  const result = {
    date: new Date().toISOString(),
    machine: mc,
    method: { rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS, rewarmMs: REWARM_MS, quick: QUICK, statistic: 'median of rounds' },
    corpus: {
      invite: { messages: corpus.invite.map((m) => m.name), bytes: corpus.invite[0].buf.length },
      mixed: { messages: corpus.mixed.map((m) => m.name), bytes: mixedBytes },
      rfc4475Dir: corpus.rfcDir ?? null,
    },
    parsers,
    ratios,
    summary,
    durationSec: Math.round((Date.now() - started) / 100) / 10,
  };

  const md = markdown(result);
  console.log('');
  console.log(md);
  mkdirSync(path.join(HERE, 'results'), { recursive: true });
  const out = path.join(HERE, 'results/parse-latest.json');
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nresults: ${path.relative(process.cwd(), out)} (${result.durationSec} s)`);
  if (WRITE_DOCS && a) console.log(`docs: ${path.relative(process.cwd(), updateDocs(md, result))} updated`);
  else if (WRITE_DOCS) console.log('docs/benchmarks.md not updated: sipclf was not measured');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
