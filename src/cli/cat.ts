/**
 * `sipclf cat`: CLF records as aligned human columns or as JSON Lines (docs/reference/clf-json.md), from
 * files, stdin or — with --follow — a growing, rotating log.
 */
import { recordToJsonLine } from '../clf/json.js';
import { UNPARSEABLE, type ClfRecord, type ClfValue } from '../clf/record.js';
import { SipclfError } from '../errors.js';
import { followRecords } from '../logfile/follow.js';
import { readRecords, type RecordEvent, type RecordReader } from '../logfile/reader.js';
import { sessionIdsOfFields } from './grep-session.js';
import type { Io } from './io.js';
import { OutBuffer, decodeHit, formatProblem, sources, summaryLine } from './records.js';

const COLUMNS = ['time', 'flags', 'src', 'dst', 'cseq', 'status', 'ruri', 'from', 'fromtag', 'to', 'totag', 'callid', 'stxn', 'ctxn', 'logme'] as const;
type Column = (typeof COLUMNS)[number];
const DEFAULT: readonly Column[] = ['time', 'flags', 'src', 'dst', 'cseq', 'status', 'callid'];
const WIDTH: Partial<Record<Column, number>> = { time: 23, flags: 5, src: 21, dst: 21, cseq: 14, status: 24, ruri: 32, fromtag: 12, totag: 12, logme: 1 };

function text(v: ClfValue): string {
  if (v === null) return '-';
  if (v === UNPARSEABLE) return '?';
  return Buffer.from(v, 'latin1').toString('utf8');
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function formatTime(ms: number, utc: boolean): string {
  const d = new Date(ms);
  const [y, mo, da, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  return `${y}-${pad(mo)}-${pad(da)} ${pad(h)}:${pad(mi)}:${pad(s)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** Whether the record's logged Session-ID carries the RFC 8497 marker (same sources as `grep --logme`). */
export function isMarked(r: ClfRecord): boolean {
  return sessionIdsOfFields(r.optional).some((sid) => sid.logme);
}

function cell(r: ClfRecord, c: Column, utc: boolean): string {
  switch (c) {
    case 'time':
      return formatTime(r.timestamp, utc);
    case 'flags':
      return `${r.isRequest ? 'R' : 'r'}${r.retransmission}${r.direction}${r.transport}${r.encrypted ? 'E' : 'U'}`;
    case 'src':
      return text(r.source);
    case 'dst':
      return text(r.destination);
    case 'cseq':
      return text(r.cseq);
    case 'status':
      return r.isRequest ? text(r.requestUri) : text(r.status);
    case 'ruri':
      return text(r.requestUri);
    case 'from':
      return text(r.fromUri);
    case 'fromtag':
      return text(r.fromTag);
    case 'to':
      return text(r.toUri);
    case 'totag':
      return text(r.toTag);
    case 'callid':
      return text(r.callId);
    case 'stxn':
      return text(r.serverTxn);
    case 'ctxn':
      return text(r.clientTxn);
    case 'logme':
      return isMarked(r) ? '*' : ' ';
  }
}

export function formatRow(r: ClfRecord, cols: readonly Column[], utc: boolean): string {
  let line = '';
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i] as Column;
    let v = cell(r, c, utc);
    if (c === 'src' && cols[i + 1] === 'dst') v = `${v} →`; // the message flows src → dst either way
    const w = (WIDTH[c] ?? 0) + (c === 'src' ? 2 : 0);
    line += i === cols.length - 1 ? v : `${v.padEnd(w)} `;
  }
  return `${line.trimEnd()}\n`;
}

function parseColumns(v: unknown): readonly Column[] {
  if (typeof v !== 'string') return DEFAULT;
  const cols = v.split(',').map((s) => s.trim().toLowerCase());
  for (const c of cols) {
    if (!(COLUMNS as readonly string[]).includes(c)) throw new SipclfError('CLI_USAGE', `unknown field ${JSON.stringify(c)}; known: ${COLUMNS.join(',')}`);
  }
  return cols as Column[];
}

export async function run(args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  let cols: readonly Column[];
  try {
    cols = parseColumns(opts['fields']);
    if (opts['follow'] === true && (args.length !== 1 || args[0] === '-')) throw new SipclfError('CLI_USAGE', '--follow takes exactly one file');
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf cat: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const json = opts['json'] === true;
  const utc = opts['utc'] === true;
  const follow = opts['follow'] === true;
  let reader: RecordReader;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  if (follow) {
    reader = followRecords(args[0] as string, { signal: stop.signal });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  } else reader = readRecords(sources(args, io), { name: '-', syncReads: true });
  const out = new OutBuffer(io, follow ? 0 : 1 << 20);
  let ioFailure = false;
  try {
    for await (const ev of reader as AsyncIterable<RecordEvent>) {
      if (ev.type === 'error') {
        if (ev.code === 'IO_READ') ioFailure = true;
        out.flush();
        io.stderr.write(`${formatProblem(ev)}\n`);
        continue;
      }
      const r = decodeHit(ev, reader.summary);
      if ('code' in r) {
        out.flush();
        io.stderr.write(`${formatProblem(r)}\n`);
        continue;
      }
      out.push(json ? recordToJsonLine(r) : formatRow(r, cols, utc));
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  out.flush();
  if (reader.summary.errors > 0) io.stderr.write(summaryLine('cat', reader.summary));
  if (ioFailure) return 2;
  return reader.summary.errors > 0 ? 1 : 0;
}
