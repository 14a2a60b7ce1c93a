/**
 * `sipclf demo [--dir DIR] [--keep]`: the RFC 8123 §4.3 debugging procedure across networks, in one command
 * and on loopback (topology: demo-topology.ts). It starts three proxies and six UAs, places marked and
 * unmarked calls, a transfer, a rejected call and a call into network C, stops everything (flushing the
 * logs), then prints what each entity logged, the merged ladder of the marked transfer session, the stats
 * of all logs, the checks of demo-checks.ts, and where the files are. Exit 0 when every check passes.
 */
import { mkdtemp, mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SipclfError } from '../errors.js';
import { buildFlow, loadEvents, renderText, type FlowEvent } from '../flow/index.js';
import { ProxyServer } from '../proxy/server.js';
import { UserAgent, type CallResult } from '../ua/index.js';
import { runChecks } from './demo-checks.js';
import { ENTITIES, ipOf, proxyLogme, proxyRoutes } from './demo-topology.js';
import type { Io } from './io.js';
import { run as runStats } from './stats.js';

interface Running {
  readonly proxies: Map<string, ProxyServer>;
  readonly uas: Map<string, UserAgent>;
}

async function clfFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.clf')).sort().map((f) => join(dir, f));
  } catch {
    return [];
  }
}

async function start(dir: string, now: number): Promise<{ run: Running; at: (n: string) => string }> {
  const run: Running = { proxies: new Map(), uas: new Map() };
  const addr = new Map<string, string>();
  const at = (n: string): string => addr.get(n) ?? `${ipOf(n)}:5060`;
  for (const e of ENTITIES) await mkdir(join(dir, e.name), { recursive: true, mode: 0o700 });
  // Proxies first (port 0), so the UAs can be given their outbound proxy; routes are set once every UA is bound.
  for (const name of ['border-b', 'border-a', 'edge-a']) {
    const p = await ProxyServer.start({ listen: [`udp:${ipOf(name)}:0`], logDir: join(dir, name), log: 'marked', logme: proxyLogme(name, now) });
    run.proxies.set(name, p);
    const a = p.addresses()[0];
    if (a !== undefined) addr.set(name, `${a.host}:${a.port}`);
  }
  const ua = async (name: string, opts: Partial<Parameters<typeof UserAgent.start>[0]>): Promise<void> => {
    const u = await UserAgent.start({ listen: `udp:${ipOf(name)}:0`, logDir: join(dir, name), transferHoldMs: 600, ...opts });
    run.uas.set(name, u);
    addr.set(name, `${u.core.local.host}:${u.core.local.port}`);
  };
  await ua('bob', { aor: 'sip:bob@netb.example', logme: 'supporting', proxy: at('border-b'), answer: { ringMs: 100 } });
  await ua('carol', { aor: 'sip:carol@netb.example', logme: 'supporting', answer: { ringMs: 100 } });
  await ua('frank', { aor: 'sip:frank@netb.example', logme: 'supporting', answer: { ringMs: 100, reject: 486 } });
  await ua('dave', { aor: 'sip:dave@netc.example', logme: 'supporting', logMode: 'all', answer: { ringMs: 100 } });
  await ua('alice', { aor: 'sip:alice@neta.example', logme: 'off', proxy: at('edge-a') });
  await ua('erin', { aor: 'sip:erin@neta.example', logme: 'off', proxy: at('edge-a') });
  for (const [name, p] of run.proxies) p.reload({ routes: proxyRoutes(name, at), logme: proxyLogme(name, now) });
  return { run, at };
}

async function stop(run: Running): Promise<void> {
  // Callers first (their calls are over), then the callees (transfers finish), then the proxies.
  for (const n of ['alice', 'erin', 'bob', 'carol', 'frank', 'dave']) await run.uas.get(n)?.close(5000);
  for (const p of run.proxies.values()) await p.close();
}

/** Whether edge-a forwarded the call's INVITE with the marker (alice's phone cannot mark). */
function markedByEdge(events: readonly FlowEvent[], r: CallResult): boolean {
  return events.some((e) => e.entity === 'edge-a' && e.sent && e.callId === r.callId && e.isRequest && e.method === 'INVITE' && e.logme);
}

function callLine(who: string, what: string, r: CallResult, marked: boolean): string {
  const res = `${r.status} ${r.reason}`.trim();
  const t = r.transfer === undefined ? '' : `, transfer ${r.transfer.status}`;
  return `  ${who.padEnd(6)} ${what.padEnd(34)} ${res.padEnd(16)} ${(marked ? 'marked by edge-a' : 'unmarked').padEnd(16)} Session-ID ${r.testCase}${t}`;
}

export async function run(_args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  const given = typeof opts['dir'] === 'string' ? resolve(opts['dir']) : undefined;
  const keep = opts['keep'] === true || given !== undefined;
  const dir = given ?? (await mkdtemp(join(tmpdir(), 'sipclf-demo-')));
  const out = (s = ''): void => void io.stdout.write(`${s}\n`);
  const began = Date.now();
  let started: Awaited<ReturnType<typeof start>>;
  try {
    started = await start(dir, began);
  } catch (e) {
    io.stderr.write(`sipclf demo: ${e instanceof SipclfError ? `${e.code}: ` : ''}${e instanceof Error ? e.message : String(e)}\n`);
    io.stderr.write('sipclf demo: the demo binds UDP on 127.0.1.x, 127.0.2.x and 127.0.3.x (loopback); check that these can be used\n');
    return 2;
  }
  const { run: net, at } = started;
  out('sipclf demo — RFC 8123 §4.3 across three networks, on loopback');
  out();
  out('Entities:');
  for (const e of ENTITIES) out(`  ${e.name.padEnd(9)} network ${e.network}  ${at(e.name).padEnd(16)} ${e.role}`);
  out();
  out('Calls (alice and erin call through edge-a; log-me is off in both phones):');
  const alice = net.uas.get('alice');
  const erin = net.uas.get('erin');
  if (alice === undefined || erin === undefined) throw new Error('demo: callers missing');
  const stagger = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const calls = await Promise.all([
    alice.call({ target: 'sip:bob@netb.example', holdMs: 500, transferTo: 'sip:carol@netb.example' }),
    stagger(150).then(() => alice.call({ target: 'sip:bob@netb.example', holdMs: 400 })),
    stagger(300).then(() => erin.call({ target: 'sip:bob@netb.example', holdMs: 400 })),
    stagger(450).then(() => alice.call({ target: 'sip:frank@netb.example', holdMs: 0 })),
    stagger(600).then(() => alice.call({ target: 'sip:dave@netc.example', holdMs: 400 })),
  ]);
  const [transfer, marked, unmarked, rejected, intoC] = calls;
  await stop(net);
  const files: string[] = [];
  const perEntity: Array<{ name: string; files: string[] }> = [];
  for (const e of ENTITIES) {
    const f = await clfFiles(join(dir, e.name));
    files.push(...f);
    perEntity.push({ name: e.name, files: f });
  }
  const { events, problems } = await loadEvents(files.map((f) => ({ source: f, name: f })));
  for (const p of problems) io.stderr.write(`sipclf demo: ${p.code}: ${p.message}\n`);
  const m = (r: CallResult): boolean => markedByEdge(events, r);
  out(callLine('alice', 'bob, then transfer bob to carol', transfer, m(transfer)));
  out(callLine('alice', 'bob', marked, m(marked)));
  out(callLine('erin', 'bob', unmarked, m(unmarked)));
  out(callLine('alice', 'frank (rejects)', rejected, m(rejected)));
  out(callLine('alice', 'dave in network C', intoC, m(intoC)));
  out();
  out('What each entity logged (RFC 6873 CLF, one directory per entity):');
  for (const { name } of perEntity) {
    const mine = events.filter((x: FlowEvent) => x.entity === name);
    const markedN = mine.filter((x) => x.logme).length;
    const why = name === 'alice' || name === 'erin' ? ' (not log-me capable: logs nothing)' : name === 'dave' ? ' (logs every message it receives)' : '';
    out(`  ${name.padEnd(9)} ${String(mine.length).padStart(3)} record(s), ${String(markedN).padStart(3)} marked${why}`);
  }
  out();
  out(`The marked transfer session, merged from every log (sipclf flow --session-id ${transfer.testCase}):`);
  out();
  // alice and erin log nothing: their columns are named after them, as `sipclf flow --name` does.
  const names = new Map(['alice', 'erin'].map((n) => [at(n), n] as [string, string]));
  const flow = buildFlow(events, { kind: 'session-id', value: transfer.testCase }, names);
  out(flow === undefined ? '  (no records of the test case)' : renderText(flow));
  out('Statistics of all logs (sipclf stats):');
  await runStats(files, {}, io);
  out();
  const checks = runChecks(events, {
    unmarkedCallIds: [unmarked.callId],
    transfer: { testCase: transfer.testCase, callIds: [transfer.callId] },
    markedTestCases: [transfer.testCase, marked.testCase],
  });
  const callsOk = transfer.ok && marked.ok && unmarked.ok && rejected.status === 486 && intoC.ok && m(transfer) && m(marked) && m(rejected) && m(intoC) && !m(unmarked);
  out('Checks:');
  out(`  ${callsOk ? 'ok  ' : 'FAIL'} calls — every call ended as planned (the rejected one with 486); alice's marked, erin's not`);
  for (const c of checks) out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name} — ${c.detail}`);
  out();
  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  if (keep) {
    out(`Logs: ${dir}/<entity>/*.clf (${files.length} file(s)). Try:`);
    out(`  sipclf flow --session-id ${transfer.testCase} --name ${at('alice')}=alice --format html ${dir}/*/*.clf > ladder.html`);
    out(`  sipclf grep --logme ${dir}/*/*.clf`);
  } else {
    await rm(dir, { recursive: true, force: true });
    out(`Logs were in ${dir} and are removed; run with --keep or --dir DIR to keep them.`);
  }
  out(`Done in ${seconds} s.`);
  return callsOk && checks.every((c) => c.ok) && problems.length === 0 ? 0 : 1;
}
