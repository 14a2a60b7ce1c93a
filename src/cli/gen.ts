/**
 * `sipclf gen`: writes synthetic CLF (src/gen) to a file (mode 0600; `.gz` names are gzipped) or stdout.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { SipclfError } from '../errors.js';
import { generateClf } from '../gen/generator.js';
import { intOption, type Io } from './io.js';

function numberOption(v: unknown, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new SipclfError('CLI_USAGE', `--${name} must be a number from ${min} to ${max}, got ${String(v)}`);
  return n;
}

export async function runGen(raw: Record<string, unknown>, io: Io): Promise<number> {
  let records: number;
  let seed: number;
  let rate: number;
  let logmeShare: number;
  let start: number | undefined;
  try {
    records = intOption(raw['records'], 'records');
    seed = numberOption(raw['seed'], 'seed', 0, 0xffffffff);
    rate = numberOption(raw['rate'], 'rate', 0.001, 1e6);
    logmeShare = numberOption(raw['logmeShare'], 'logme-share', 0, 1);
    const startText = raw['start'];
    if (typeof startText === 'string') {
      start = Date.parse(startText);
      if (Number.isNaN(start)) throw new SipclfError('CLI_USAGE', `--start is not a date: ${startText}`);
    }
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf gen: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const out = typeof raw['out'] === 'string' ? raw['out'] : '-';
  let sink: Writable;
  let file: Writable | undefined;
  if (out === '-') sink = process.stdout;
  else {
    file = createWriteStream(out, { mode: 0o600 });
    await once(file, 'open').catch((err: Error) => {
      throw new SipclfError('IO_READ', `cannot create ${out}: ${err.message}`);
    });
    if (out.endsWith('.gz')) {
      const gz = createGzip();
      gz.pipe(file);
      sink = gz;
    } else sink = file;
  }
  const BATCH = 256;
  let batch: string[] = [];
  for (const rec of generateClf({ records, seed, rate, logmeShare, ...(start !== undefined ? { start } : {}) })) {
    batch.push(rec);
    if (batch.length === BATCH) {
      if (!sink.write(Buffer.from(batch.join(''), 'latin1'))) await once(sink, 'drain');
      batch = [];
    }
  }
  if (batch.length > 0) sink.write(Buffer.from(batch.join(''), 'latin1'));
  if (sink !== process.stdout) {
    sink.end();
    await once(file ?? sink, 'close');
    io.stderr.write(`sipclf gen: wrote ${records} records to ${out}\n`);
  }
  return 0;
}

export function run(_args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  return runGen(opts, io);
}
