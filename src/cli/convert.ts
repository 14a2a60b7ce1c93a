/**
 * `sipclf convert IN -o OUT`: captures (pcap, pcapng, HEP files) and logs (CLF, JSON Lines) to CLF, JSON
 * Lines or pcap (src/capture/convert.ts), with a progress bar on a terminal and a summary at the end.
 */
import { closeSync, fchmodSync, openSync, statSync, writeSync } from 'node:fs';
import { SipclfError } from '../errors.js';
import { Converter, IN_FORMATS, OUT_FORMATS, headBytes, inFormatFromBytes, inFormatFromName, outFormatFromName, type ByteSink, type ConvertSummary, type InFormat, type OutFormat } from '../capture/convert.js';
import { parseEntity, type EntityAddress } from '../capture/viewpoint.js';
import type { Io } from './io.js';

interface Plan {
  input: string;
  output: string;
  from: InFormat;
  to: OutFormat;
  entity: EntityAddress[] | undefined;
  onlyLogme: boolean;
  keepKeys: boolean;
  size: number | undefined;
}

function usage(msg: string): never {
  throw new SipclfError('CLI_USAGE', msg);
}

async function plan(args: string[], raw: Record<string, unknown>): Promise<Plan> {
  if (args.length !== 1) usage(args.length === 0 ? 'an input file is required: sipclf convert IN -o OUT' : `one input file only, got ${args.length}`);
  const input = args[0] as string;
  if (input === '-') usage('convert reads a file (its format and size are needed), not standard input');
  const output = raw['out'];
  if (typeof output !== 'string' || output === '') usage('-o OUT is required');
  let size: number | undefined;
  try {
    const st = statSync(input);
    if (!st.isFile()) throw new SipclfError('IO_READ', `${input} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof SipclfError) throw err;
    throw new SipclfError('IO_READ', `cannot read ${input}: ${(err as Error).message}`);
  }
  let from = raw['from'] as string | undefined;
  if (from !== undefined && !(IN_FORMATS as readonly string[]).includes(from)) usage(`--from must be one of ${IN_FORMATS.join(', ')}, got ${from}`);
  if (from === undefined) {
    const sniffed = inFormatFromBytes(await headBytes(input));
    from = sniffed ?? inFormatFromName(input);
    if (from === undefined) usage(`cannot tell the format of ${input}: give --from ${IN_FORMATS.join('|')}`);
    // pcap and pcapng share one reader; keep the name's word when it says pcapng
    if (from === 'pcap' && inFormatFromName(input) === 'pcapng') from = 'pcapng';
  }
  let to = raw['to'] as string | undefined;
  if (to !== undefined && !(OUT_FORMATS as readonly string[]).includes(to)) usage(`--to must be one of ${OUT_FORMATS.join(', ')}, got ${to}`);
  if (to === undefined) {
    to = output === '-' ? 'clf' : outFormatFromName(output);
    if (to === undefined) usage(`cannot tell the output format from ${output}: give --to ${OUT_FORMATS.join('|')}`);
  }
  const capture = from === 'pcap' || from === 'pcapng' || from === 'hep';
  let entity: EntityAddress[] | undefined;
  if (raw['entity'] !== undefined) {
    if (!capture) usage('--entity applies to captures (pcap, pcapng, hep); CLF and JSON Lines records already have a viewpoint');
    const e = raw['entity'];
    const list = Array.isArray(e) ? e.map((x) => String(x)) : typeof e === 'string' ? [e] : [];
    entity = list.flatMap(parseEntity);
  }
  if (raw['keepKeys'] === true && !capture) usage('--keep-keys applies to captures (pcap, pcapng, hep); CLF and JSON Lines records are copied as they were logged');
  if (to === 'pcap' && output === '-') usage('pcap output needs a file, not standard output');
  return { input, output, from: from as InFormat, to: to as OutFormat, entity, onlyLogme: raw['onlyLogme'] === true, keepKeys: raw['keepKeys'] === true, size };
}

function fileSink(path: string): { sink: ByteSink; close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'w', 0o600);
    fchmodSync(fd, 0o600);
  } catch (err) {
    throw new SipclfError('IO_WRITE', `cannot write ${path}: ${(err as Error).message}`);
  }
  return {
    sink: {
      write(b: Buffer): void {
        let off = 0;
        while (off < b.length) off += writeSync(fd, b, off, b.length - off);
      },
    },
    close: () => closeSync(fd),
  };
}

function stdoutSink(io: Io, latin1: boolean): ByteSink {
  return { write: (b: Buffer) => void io.stdout.write(latin1 ? b.toString('latin1') : b.toString('utf8')) };
}

function rate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : String(Math.round(n));
}

function clock(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  const ss = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(ss).padStart(2, '0')}` : `${m}:${String(ss).padStart(2, '0')}`;
}

/** The progress line: `[#####.....]  42%  123456 msgs  250k msg/s  ETA 0:12`. */
export function progressLine(bytes: number, size: number, messages: number, elapsedMs: number, width = 30): string {
  const f = size > 0 ? Math.min(1, bytes / size) : 0;
  const fill = Math.round(f * width);
  const secs = elapsedMs / 1000;
  const mps = secs > 0 ? messages / secs : 0;
  const eta = f > 0 ? (secs * (1 - f)) / f : Infinity;
  return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(Math.floor(f * 100)).padStart(3)}%  ${messages} msgs  ${rate(mps)} msg/s  ETA ${clock(eta)}`;
}

export function summaryText(s: ConvertSummary, p: { from: string; to: string; output: string }, elapsedMs: number): string {
  const lines: string[] = [];
  if (s.viewpoint !== undefined) lines.push(`sipclf convert: ${s.viewpoint}`);
  const skipped = Object.entries(s.skipped);
  const nSkipped = skipped.reduce((n, [, v]) => n + v, 0);
  const errs = Object.entries(s.errors);
  const secs = elapsedMs / 1000;
  lines.push(
    `sipclf convert: ${p.from} → ${p.to} ${p.output}: ${s.packets !== undefined ? `${s.packets} packets, ` : ''}${s.messages} ${p.from === 'clf' || p.from === 'jsonl' ? 'records' : 'messages'} read, ` +
      `${s.written} written, ${nSkipped} skipped${nSkipped > 0 ? ` (${skipped.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}, ` +
      `${s.errorCount} error(s)${errs.length > 0 ? ` (${errs.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''} in ${secs.toFixed(2)} s` +
      (secs > 0 ? ` (${rate(s.messages / secs)} msg/s)` : ''),
  );
  if (s.untimed !== undefined) lines.push(`sipclf convert: ${s.untimed} HEP packet(s) without a timestamp chunk: logged with the time of the packet before them`);
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[], raw: Record<string, unknown>, io: Io): Promise<number> {
  let p: Plan;
  try {
    p = await plan(args, raw);
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf convert: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true && p.size !== undefined && p.size > 0;
  const started = Date.now();
  let drawn = false;
  const onProgress = tty
    ? (bytes: number, messages: number): void => {
        drawn = true;
        io.stderr.write(`\r${progressLine(bytes, p.size as number, messages, Date.now() - started)}\x1b[K`);
      }
    : undefined;
  const clearBar = (): void => {
    if (drawn) {
      io.stderr.write('\r\x1b[K');
      drawn = false;
    }
  };
  let out: { sink: ByteSink; close(): void };
  try {
    out = p.output === '-' ? { sink: stdoutSink(io, p.to !== 'jsonl'), close: () => undefined } : fileSink(p.output);
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf convert: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const conv = new Converter(
    {
      from: p.from,
      to: p.to,
      ...(p.entity !== undefined ? { entity: p.entity } : {}),
      onlyLogme: p.onlyLogme,
      keepKeys: p.keepKeys,
      ...(onProgress !== undefined ? { onProgress } : {}),
      onProblem: (t) => {
        clearBar();
        io.stderr.write(`sipclf convert: ${p.input}: ${t}\n`);
      },
    },
    out.sink,
  );
  let s: ConvertSummary;
  try {
    s = await conv.run(p.input);
  } catch (err) {
    clearBar();
    out.close();
    const code = err instanceof SipclfError ? err.code : 'IO_READ';
    io.stderr.write(`sipclf convert: ${code}: ${(err as Error).message}\n`);
    return 2;
  }
  out.close();
  clearBar();
  io.stderr.write(summaryText(s, p, Date.now() - started));
  const fatalIo = (s.errors.IO_READ ?? 0) > 0;
  return fatalIo ? 2 : s.errorCount > 0 ? 1 : 0;
}
