/**
 * `sipclf merge FILE... [-o OUT] [--label FILE=NAME]... [--dedup]`: the streaming k-way merge of
 * src/logfile/merge.ts, written to a file (mode 0600; `.gz` names are gzipped) or standard output in large
 * buffered writes that respect backpressure. Problems go to standard error as `FILE:OFFSET: CODE message`,
 * then one summary line per input and a total. Exit 0 merged, 1 damaged records were skipped, 2 usage error
 * or an input (or the output) could not be read (written).
 */
import { once } from 'node:events';
import { constants, type Stats } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { fromBinary, toBinary } from '../clf/record.js';
import { SipclfError } from '../errors.js';
import { DEDUP_MAX_BYTES, entityLabelField, mergeRecords, type MergeInput, type MergeSummary } from '../logfile/merge.js';
import type { ReaderSource } from '../logfile/reader.js';
import type { Io } from './io.js';

/** Bytes gathered before one write. */
const BATCH_BYTES = 256 * 1024;

function usage(message: string): never {
  throw new SipclfError('CLI_USAGE', message);
}

/** Default label: the file name without its directory and a trailing `.gz`, then `.clf`; `stdin` for `-`. */
export function defaultLabel(file: string): string {
  if (file === '-') return 'stdin';
  let name = basename(file);
  if (name.endsWith('.gz') && name.length > 3) name = name.slice(0, -3);
  if (name.endsWith('.clf') && name.length > 4) name = name.slice(0, -4);
  return name;
}

/**
 * `--label FILE=NAME` values → label per file argument. FILE is compared with the arguments as given; the
 * `=` that splits is the first one whose left side is an input, so file names may contain `=`.
 */
export function parseLabels(values: readonly string[], files: readonly string[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const v of values) {
    if (!v.includes('=')) usage(`--label needs FILE=NAME, got ${JSON.stringify(v)}`);
    let file: string | undefined;
    for (let at = v.indexOf('='); at >= 0; at = v.indexOf('=', at + 1)) {
      if (files.includes(v.slice(0, at))) {
        file = v.slice(0, at);
        break;
      }
    }
    if (file === undefined) usage(`--label ${JSON.stringify(v)}: FILE is not one of the files to merge`);
    const name = v.slice(file.length + 1);
    if (name.length === 0) usage(`--label ${JSON.stringify(v)}: the label is empty`);
    const had = labels.get(file);
    if (had !== undefined && had !== name) usage(`--label gives ${file} two labels: ${had} and ${name}`);
    labels.set(file, name);
  }
  return labels;
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Checks the inputs before anything is written: readable, and not the output file. */
async function checkFiles(files: readonly string[], out: string): Promise<void> {
  if (files.filter((f) => f === '-').length > 1) usage('standard input (-) can be merged only once');
  const outStat = out === '-' ? undefined : await stat(out).catch(() => undefined);
  for (const f of files) {
    if (f === '-') continue;
    let st: Stats;
    try {
      await access(f, constants.R_OK);
      st = await stat(f);
    } catch (err) {
      throw new SipclfError('IO_READ', `cannot read ${f}: ${(err as Error).message}`, { cause: err });
    }
    if (st.isDirectory()) throw new SipclfError('IO_READ', `cannot read ${f}: it is a directory`);
    if (outStat !== undefined && sameFile(st, outStat)) usage(`the output ${out} is also an input`);
  }
}

/** Where merged bytes go: large latin1 Buffer writes with backpressure, or binary strings to a test's Io. */
interface Sink {
  write(s: string): Promise<void>;
  end(): Promise<void>;
}

function streamSink(stream: Writable, closeable: Writable | undefined): Sink {
  let failure: Error | undefined;
  const onError = (e: Error): void => {
    failure ??= e;
  };
  stream.on('error', onError);
  if (closeable !== undefined && closeable !== stream) closeable.on('error', onError);
  const check = (): void => {
    if (failure !== undefined) throw new SipclfError('IO_WRITE', failure.message, { cause: failure });
  };
  return {
    async write(s) {
      check();
      if (!stream.write(Buffer.from(s, 'latin1'))) await once(stream, 'drain').catch(onError);
      check();
    },
    async end() {
      check();
      if (closeable === undefined) {
        // Standard output stays open: wait until what was written is flushed.
        if (stream.writableNeedDrain) await once(stream, 'drain').catch(onError);
      } else {
        const closed = once(closeable, 'close').catch(onError);
        stream.end();
        await closed;
      }
      check();
    },
  };
}

async function openSink(out: string, io: Io): Promise<Sink> {
  if (out === '-') {
    const s = io.stdout;
    if (s instanceof Writable) return streamSink(s, undefined);
    return {
      write: (t) => {
        s.write(t);
        return Promise.resolve();
      },
      end: () => Promise.resolve(),
    };
  }
  let fh;
  try {
    fh = await open(out, 'w', 0o600);
    // An existing file keeps its mode on open: merged logs hold whole SIP messages. (Not /dev/null, a FIFO…)
    if ((await fh.stat()).isFile()) await fh.chmod(0o600);
  } catch (err) {
    await fh?.close();
    throw new SipclfError('IO_WRITE', `cannot create ${out}: ${(err as Error).message}`, { cause: err });
  }
  const file = fh.createWriteStream({ highWaterMark: 1 << 20 });
  if (!out.endsWith('.gz')) return streamSink(file, file);
  const gz = createGzip();
  gz.pipe(file);
  return streamSink(gz, file);
}

function stdinSource(io: Io): Promise<ReaderSource> {
  if (io.stdinStream !== undefined) return Promise.resolve(io.stdinStream());
  return io.readStdin().then((b) => Readable.from([b]));
}

function report(io: Io, s: MergeSummary, out: string, dedup: boolean): void {
  for (const i of s.inputs) {
    const kept = i.kept > 0 ? `, ${i.kept} kept their label` : '';
    const dup = dedup ? `, ${i.duplicates} duplicates` : '';
    io.stderr.write(
      `sipclf merge: ${i.name} [${fromBinary(i.label)}]: ${i.records} records, ${i.written} written${dup}, ${i.damaged} damaged, ` +
        `${i.outOfOrder} out of order${kept}\n`,
    );
  }
  const where = out === '-' ? 'standard output' : out;
  io.stderr.write(`sipclf merge: ${s.written} records written to ${where}, ${s.duplicates} duplicates dropped, ${s.damaged} damaged, ${s.outOfOrder} out of order\n`);
  if (s.unchecked > 0) {
    io.stderr.write(`sipclf merge: ${s.unchecked} records were not remembered for --dedup (more than ${DEDUP_MAX_BYTES / 1048576} MiB of records share their timestamp): a later duplicate of one of them was written, not dropped\n`);
  }
}

export async function run(args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  const out = typeof opts['out'] === 'string' ? opts['out'] : '-';
  const dedup = opts['dedup'] === true;
  const rawLabels = opts['label'];
  let inputs: MergeInput[];
  try {
    if (args.length === 0) usage('no files to merge');
    const labels = parseLabels(Array.isArray(rawLabels) ? rawLabels.map(String) : [], args);
    await checkFiles(args, out);
    inputs = [];
    for (const f of args) {
      const label = toBinary(labels.get(f) ?? defaultLabel(f));
      entityLabelField(label); // throws for a label that cannot be written
      inputs.push({ source: f === '-' ? await stdinSource(io) : f, name: f, label });
    }
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf merge: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  let sink: Sink;
  try {
    sink = await openSink(out, io);
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf merge: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const merger = mergeRecords(inputs, { dedup });
  const disordered = new Set<number>();
  let batch: string[] = [];
  let batchBytes = 0;
  try {
    for await (const ev of merger) {
      if (ev.type === 'record') {
        batch.push(ev.text);
        batchBytes += ev.text.length;
        if (batchBytes >= BATCH_BYTES) {
          const chunk = batch.join('');
          batch = [];
          batchBytes = 0;
          await sink.write(chunk);
        }
      } else if (ev.type === 'error') {
        io.stderr.write(`${ev.file}:${ev.at}: ${ev.code} ${ev.message}\n`);
      } else if (!disordered.has(ev.input)) {
        // Only the first per input: a shuffled input would flood the terminal. The summary counts them all.
        disordered.add(ev.input);
        io.stderr.write(
          `${ev.file}:${ev.offset}: warning: out of order: ${new Date(ev.timestamp).toISOString()} is earlier than the record before it ` +
            `(${new Date(ev.previous).toISOString()}); the input is merged as it is, not sorted\n`,
        );
      }
    }
    if (batch.length > 0) await sink.write(batch.join(''));
    await sink.end();
  } catch (err) {
    if (!(err instanceof SipclfError && err.code === 'IO_WRITE')) throw err;
    await merger.return(merger.summary);
    if ((err.cause as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return 0; // `sipclf merge … | head`
    io.stderr.write(`sipclf merge: IO_WRITE: cannot write ${out === '-' ? 'standard output' : out}: ${err.message}\n`);
    return 2;
  }
  const s = merger.summary;
  report(io, s, out, dedup);
  if (s.inputs.some((i) => i.unreadable)) return 2;
  return s.damaged > 0 ? 1 : 0;
}
