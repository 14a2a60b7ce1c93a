/**
 * `sipclf stats`: the report of src/analysis/stats.ts as text tables or JSON.
 */
import { StatsCollector, type Distribution, type StatsReport } from '../analysis/stats.js';
import { SipclfError } from '../errors.js';
import { readRecords } from '../logfile/reader.js';
import { isMarked } from './cat.js';
import type { Io } from './io.js';
import { decodeHit, formatProblem, sources } from './records.js';

const DIMENSIONS = ['hour', 'method', 'status', 'domain'] as const;
type Dimension = (typeof DIMENSIONS)[number];

function table(title: string, rows: Array<[string, number]>): string {
  if (rows.length === 0) return `${title}: none\n`;
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${title}:\n${rows.map(([k, n]) => `  ${k.padEnd(w)}  ${String(n).padStart(9)}`).join('\n')}\n`;
}

function dist(d: Distribution | null): string {
  return d === null ? 'n/a' : `n=${d.count} min ${d.min} ms, median ${d.median} ms, p95 ${d.p95} ms, max ${d.max} ms`;
}

function sorted(o: Record<string, number>, byKey = false): Array<[string, number]> {
  return Object.entries(o).sort((a, b) => (byKey ? (a[0] < b[0] ? -1 : 1) : b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

export function renderText(r: StatsReport, by: Dimension | undefined): string {
  const parts: Record<Dimension, string> = {
    method: table('Requests by method', sorted(r.byMethod)),
    status: table('Responses by status class', sorted(r.byStatusClass, true)) + table('Responses by status', sorted(r.byStatus, true)),
    hour: table('Calls (initial INVITEs) per hour, UTC', sorted(r.callsPerHour, true)),
    domain: table('Top Request-URI domains', r.topDomains),
  };
  if (by !== undefined) return parts[by];
  const span = r.first === null || r.last === null ? 'empty' : `${new Date(r.first).toISOString()} .. ${new Date(r.last).toISOString()}`;
  return (
    `Records: ${r.records} (${r.requests} requests, ${r.responses} responses; ${r.direction.received} received, ${r.direction.sent} sent)\n` +
    `Time span: ${span}\n` +
    `Retransmissions: ${r.retransmissions}${r.stateless > 0 ? ` (stateless-logged: ${r.stateless})` : ''}\n` +
    `Log-me marked messages: ${r.marked}\n` +
    `INVITE transactions: ${r.invite.transactions} (${r.invite.answered} answered, ${r.invite.failed} failed, ${r.invite.unfinished} unfinished)\n` +
    `  to first provisional (not 100): ${dist(r.invite.toFirstProvisional)}\n` +
    `  to final response:              ${dist(r.invite.toFinal)}\n` +
    parts.method +
    parts.status +
    parts.hour +
    parts.domain
  );
}

export async function run(args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  const byOpt = opts['by'];
  if (byOpt !== undefined && !(DIMENSIONS as readonly unknown[]).includes(byOpt)) {
    const err = new SipclfError('CLI_USAGE', `--by must be one of ${DIMENSIONS.join(', ')}`);
    io.stderr.write(`sipclf stats: ${err.code}: ${err.message}\n`);
    return 2;
  }
  const by = byOpt as Dimension | undefined;
  const collector = new StatsCollector();
  const reader = readRecords(sources(args, io), { name: '-', syncReads: true });
  let ioFailure = false;
  for await (const ev of reader) {
    if (ev.type === 'error') {
      if (ev.code === 'IO_READ') ioFailure = true;
      io.stderr.write(`${formatProblem(ev)}\n`);
      continue;
    }
    const r = decodeHit(ev, reader.summary);
    if ('code' in r) {
      io.stderr.write(`${formatProblem(r)}\n`);
      continue;
    }
    // The marker lives in the logged message; only look when the message says "logme" at all.
    collector.add(r, ev.text.includes('logme') && isMarked(r));
  }
  const report = collector.report();
  if (opts['json'] === true) {
    const pick: Record<Dimension, unknown> = { hour: report.callsPerHour, method: report.byMethod, status: { classes: report.byStatusClass, codes: report.byStatus }, domain: report.topDomains };
    io.stdout.write(`${JSON.stringify(by === undefined ? report : pick[by], null, 2)}\n`);
  } else io.stdout.write(renderText(report, by));
  if (ioFailure) return 2;
  return reader.summary.errors > 0 ? 1 : 0;
}
