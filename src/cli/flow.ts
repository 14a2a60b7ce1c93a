/**
 * `sipclf flow`: the ladder diagram of one session across the CLF logs of several entities (proxy, UAs,
 * capture), as text, JSON, or a standalone HTML/SVG file. Grouping and matching rules: docs/guides/flow.md.
 */
import { SipclfError } from '../errors.js';
import { buildFlow, loadEvents, renderHtml, renderJson, renderSvg, renderText, type Flow, type Selector } from '../flow/index.js';
import type { Io } from './io.js';
import { formatProblem, sources } from './records.js';

const FORMATS = ['text', 'json', 'html', 'svg'] as const;
type Format = (typeof FORMATS)[number];

function uuid(v: string, flag: string): string {
  const s = v.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(s)) throw new SipclfError('CLI_USAGE', `${flag} takes a UUID (32 hex digits, dashes allowed), not ${JSON.stringify(v)}`);
  return s;
}

/** `--name ADDR=NAME` (repeatable): names for the columns of peers that logged nothing. */
function names(v: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
    const s = String(item);
    const eq = s.lastIndexOf('=');
    if (eq <= 0 || eq === s.length - 1) throw new SipclfError('CLI_USAGE', `--name takes ADDR=NAME (e.g. 192.0.2.7:5060=alice), not ${JSON.stringify(s)}`);
    out.set(s.slice(0, eq).replace(/^\[([^\]]+)\]$/, '$1'), s.slice(eq + 1));
  }
  return out;
}

function parseOptions(args: string[], opts: Record<string, unknown>): { selector: Selector | undefined; format: Format; names: Map<string, string> } {
  if (args.length === 0) throw new SipclfError('CLI_USAGE', 'give at least one CLF file (`-` for standard input)');
  const given: Selector[] = [];
  if (typeof opts['callId'] === 'string') given.push({ kind: 'call-id', value: opts['callId'] });
  if (typeof opts['sessionId'] === 'string') given.push({ kind: 'session-id', value: uuid(opts['sessionId'], '--session-id') });
  if (typeof opts['testCase'] === 'string') given.push({ kind: 'test-case', value: uuid(opts['testCase'], '--test-case') });
  if (given.length > 1) throw new SipclfError('CLI_USAGE', 'give at most one of --call-id, --session-id, --test-case');
  const format = typeof opts['format'] === 'string' ? opts['format'].toLowerCase() : 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new SipclfError('CLI_USAGE', `unknown format ${JSON.stringify(format)}; known: ${FORMATS.join(', ')}`);
  return { selector: given[0], format: format as Format, names: names(opts['name']) };
}

function render(f: Flow, format: Format): string {
  switch (format) {
    case 'text':
      return renderText(f);
    case 'json':
      return renderJson(f);
    case 'svg':
      return renderSvg(f);
    case 'html':
      return renderHtml(f);
  }
}

export async function run(args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args, opts);
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf flow: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const src = sources(args, io);
  const { events, problems } = await loadEvents(src.map((s, i) => ({ source: s, name: args[i] ?? '-' })));
  let ioFailure = false;
  for (const p of problems) {
    if (p.code === 'IO_READ') ioFailure = true;
    io.stderr.write(`${formatProblem(p)}\n`);
  }
  if (ioFailure) return 2;
  const flow = buildFlow(events, parsed.selector, parsed.names);
  if (flow === undefined) {
    const what = parsed.selector === undefined ? 'no SIP message in the logs' : `no message matches --${parsed.selector.kind} ${parsed.selector.value}`;
    io.stderr.write(`sipclf flow: ${what}\n`);
    return 1;
  }
  io.stdout.write(render(flow, parsed.format));
  if (flow.others.length > 0) {
    const shown = flow.others.slice(0, 10).map((s) => `  --call-id ${s.callIds[0] ?? ''} (${s.messages} records${s.callIds.length > 1 ? `, ${s.callIds.length} Call-IDs` : ''})`);
    const more = flow.others.length > 10 ? `\n  … and ${flow.others.length - 10} more` : '';
    io.stderr.write(`sipclf flow: drew the first session; ${flow.others.length} other session(s) in the logs:\n${shown.join('\n')}${more}\n`);
  }
  return problems.length > 0 ? 1 : 0;
}
