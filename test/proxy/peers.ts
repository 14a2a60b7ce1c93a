// Helpers of the real-peer proxy tests (SIPp, Kamailio, tcpdump/tshark, svmap around the `sipclf proxy` CLI).
// Every child runs under coreutils `timeout` (a test that hangs cannot outlive its bound) and withDir kills
// whatever is still running in its `finally`. In CI (CI=true) a missing tool is a failure, elsewhere the
// test is skipped with the reason (the pattern of sipp.test.ts and sipp-logme.test.ts).
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeOptionalValue, decodeRecord, optionalFields, recordLengthAt, TAG_MESSAGE } from '../../src/clf/index.js';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const CLI = join(ROOT, 'bin', 'sipclf.js');
export const SCEN = join(ROOT, 'test', 'fixtures', 'sipp');
export const LOGME = /^Session-ID:[^\r\n]*;\s*logme\b/im;

/** [command, version arguments, Debian package]. */
export type Tool = readonly [string, readonly string[], string];
export const SIPP: Tool = ['sipp', ['-v'], 'sip-tester'];
export const TCPDUMP: Tool = ['tcpdump', ['--version'], 'tcpdump'];
export const TSHARK: Tool = ['tshark', ['-v'], 'tshark'];
export const KAMAILIO: Tool = ['kamailio', ['-v'], 'kamailio'];
export const OPENSSL: Tool = ['openssl', ['version'], 'openssl'];

/** The reason to skip when a tool is missing; in CI a missing tool throws (the test file fails). */
export function missingTools(...tools: Tool[]): string | undefined {
  for (const [cmd, args, pkg] of tools) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error === undefined) continue;
    const why = `${cmd} is not installed (apt-get install -y --no-install-recommends ${pkg}; .ci/run installs it)`;
    if (process.env['CI'] === 'true') throw new Error(`CI: ${why}`);
    return why;
  }
  return undefined;
}

/** A port free on `host` for UDP (and TCP with `tcp`), closed again before use: a small race, loopback only. */
export async function freePort(host = '127.0.0.1', tcp = false): Promise<number> {
  for (;;) {
    const u = createSocket('udp4');
    await new Promise<void>((r) => u.bind(0, host, r));
    const port = u.address().port;
    const ok =
      !tcp ||
      (await new Promise<boolean>((r) => {
        const s = createServer();
        s.once('error', () => r(false));
        s.listen(port, host, () => s.close(() => r(true)));
      }));
    await new Promise<void>((r) => u.close(r));
    if (ok) return port;
  }
}

export interface Run {
  readonly child: ChildProcess;
  out: string;
  readonly done: Promise<number | null>;
}

/** Starts `cmd` under `timeout -k 5 SECONDS`, collecting stdout and stderr together. */
export function start(cmd: string, args: readonly string[], cwd: string, seconds = 90): Run {
  // --foreground: timeout passes our SIGTERM to the command only. Without it, timeout also signals its own
  // process group and now and then dies of that signal itself (exit null) although the command exited 0.
  // detached: timeout leads a process group of its own with the command (and whatever the command forks, such
  // as Kamailio's children), so withDir can kill all of them; SIGKILL of timeout alone would orphan the command,
  // whose open stdout pipe then keeps this test process from ever exiting.
  const child = spawn('timeout', ['--foreground', '-k', '5', String(seconds), cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const run: Run = { child, out: '', done: new Promise((r) => child.on('exit', (code) => r(code))) };
  child.stdout?.on('data', (d: Buffer) => (run.out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (run.out += d.toString()));
  return run;
}

export async function waitFor(run: Run, re: RegExp, ms: number): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = re.exec(run.out);
    if (m !== null) return m;
    if (Date.now() > until || run.child.exitCode !== null) throw new Error(`no ${String(re)} in: ${run.out}`);
    await sleep(50);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGKILL to a run's whole process group (see start), whether or not `timeout` itself is still alive. */
export function killGroup(r: Run): void {
  if (r.child.pid === undefined) return;
  try {
    process.kill(-r.child.pid, 'SIGKILL');
  } catch {
    // the group is gone already (ESRCH)
  }
}

/** A scratch directory and a list of runs; every run's process group is SIGKILLed and the directory removed. */
export async function withDir(prefix: string, body: (dir: string, runs: Run[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const runs: Run[] = [];
  try {
    await body(dir, runs);
  } finally {
    for (const r of runs) killGroup(r);
    await Promise.all(runs.map((r) => Promise.race([r.done, sleep(2000)])));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A SIPp `-inf` file: SEQUENTIAL then one fresh 32-hex-digit UUID per line (RFC 7989 §4.1). */
export function uuidCsv(path: string, lines = 100): void {
  writeFileSync(path, ['SEQUENTIAL', ...Array.from({ length: lines }, () => `${randomBytes(16).toString('hex')};`)].join('\n') + '\n');
}

export interface Proxy {
  readonly run: Run;
  readonly port: number;
}

/** `sipclf proxy ARGS` as a child; resolves once its first listener is announced. */
export async function startProxy(runs: Run[], dir: string, args: readonly string[], seconds = 90): Promise<Proxy> {
  const run = start('node', [CLI, 'proxy', ...args], dir, seconds);
  runs.push(run);
  const m = await waitFor(run, /listening on \w+:\[?[0-9a-f.:]+\]?:(\d+)/, 10000);
  return { run, port: Number(m[1]) };
}

/** SIGTERM, then the exit status must be 0 with the summary line (the CLF log is flushed by then). */
export async function stopProxy(p: Proxy): Promise<void> {
  p.run.child.kill('SIGTERM');
  const code = await p.run.done;
  assert.equal(code, 0, `proxy exit ${String(code)}:\n${p.run.out.slice(-3000)}`);
  assert.match(p.run.out, /SIGTERM: /);
}

/** tcpdump on lo writing `pcap`; resolves once it listens. Stop with stopCapture. */
export async function startCapture(runs: Run[], dir: string, pcap: string, filter: string): Promise<Run> {
  const c = start('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-Z', 'root', '-s', '0', '-w', pcap, filter], dir);
  runs.push(c);
  await waitFor(c, /listening on lo/, 10000);
  return c;
}

export async function stopCapture(c: Run): Promise<void> {
  await sleep(300);
  c.child.kill('SIGINT');
  await c.done;
}

/** The number in SIPp's final screen `Successful call | periodic | cumulative`, -1 when absent. */
export function sippCount(out: string, what: 'Successful call' | 'Failed call'): number {
  const m = new RegExp(`${what}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`).exec(out);
  return m === null ? -1 : Number(m[1]);
}

/** Waits for a SIPp run, which must exit 0 with `calls` successful calls. */
export async function sippOk(run: Run, calls: number, name: string, context = ''): Promise<void> {
  const code = await run.done;
  assert.equal(code, 0, `${name} exit ${String(code)}:\n${run.out.slice(-3000)}\n${context.slice(-3000)}`);
  assert.equal(sippCount(run.out, 'Successful call'), calls, `${name}: successful calls\n${run.out.slice(-2000)}`);
}

/** One SIP message, from a CLF record or from the wire. */
export interface Msg {
  /** CLF direction (R/S); on the wire '-'. */
  readonly dir: 'R' | 'S' | '-';
  /** Method, or the status code of a response. */
  readonly what: string;
  readonly cseqMethod: string;
  readonly callId: string;
  readonly src: string;
  readonly dst: string;
  readonly logme: boolean;
  /** Session-ID present (RFC 7989); from the wire only (CLF: undefined). */
  readonly sessionId?: boolean;
}

/** The CLF records of a log directory, in file and record order. */
export function clfMessages(dir: string): Msg[] {
  const out: Msg[] = [];
  let files: string[];
  try {
    files = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const f of files) {
    if (!f.endsWith('.clf')) continue;
    const text = readFileSync(join(dir, f), 'latin1');
    for (let off = 0; off < text.length; off += recordLengthAt(text, off)) {
      const r = decodeRecord(text, off);
      const cseq = String(r.cseq).split(' ');
      const whole = optionalFields(text, off).find((o) => o.vendor === 0 && o.tag === TAG_MESSAGE);
      out.push({
        dir: r.direction,
        what: r.isRequest ? String(cseq[1]) : String(r.status),
        cseqMethod: String(cseq[1]),
        callId: String(r.callId),
        src: String(r.source),
        dst: String(r.destination),
        logme: whole !== undefined && LOGME.test(decodeOptionalValue(whole)),
      });
    }
  }
  return out;
}

/** The SIP-over-UDP messages of a pcap, by tshark (the independent oracle: sip.Session-ID.logme). */
export function wireMessages(pcap: string): Msg[] {
  const fields = ['ip.src', 'udp.srcport', 'ip.dst', 'udp.dstport', 'sip.Method', 'sip.Status-Code', 'sip.CSeq.method', 'sip.Call-ID', 'sip.Session-ID.logme', 'sip.Session-ID'];
  const r = spawnSync('timeout', ['60', 'tshark', '-n', '--disable-protocol', 'sdp', '-r', pcap, '-Y', 'sip', '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `tshark: ${r.stderr}`);
  const out: Msg[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const [ipSrc, sport, ipDst, dport, method, status, cseqMethod, callId, logme, sid] = line.split('|');
    out.push({
      dir: '-',
      what: method !== undefined && method !== '' ? method : String(status),
      cseqMethod: String(cseqMethod),
      callId: String(callId),
      src: `${String(ipSrc)}:${String(sport)}`,
      dst: `${String(ipDst)}:${String(dport)}`,
      logme: logme === '1' || logme === 'True',
      sessionId: sid !== undefined && sid !== '',
    });
  }
  return out;
}

export const show = (m: Msg): string => `${m.dir} ${m.what} (${m.cseqMethod}) ${m.src}>${m.dst}${m.logme ? ' logme' : ''}`;

/** A UDP peer on 127.0.0.1 collecting every datagram it receives. */
export async function udpPeer(): Promise<{ sock: Socket; port: number; got: Buffer[] }> {
  const sock = createSocket('udp4');
  const got: Buffer[] = [];
  sock.on('message', (b) => got.push(b));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { sock, port: sock.address().port, got };
}

/** Polls `pred` for up to 5 s; fails with `what`. */
export async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !pred(); i++) await sleep(50);
  assert.ok(pred(), what);
}
