/**
 * The CLF reader: `readRecords()` streams the records of one or more SIP CLF logs (RFC 6873 §4) — files
 * of any size, gzip-compressed or not, stdin, or any byte stream — in bounded memory, reports damaged
 * regions with their byte offset and error code, resynchronises on the next valid record (RFC 6873 §6)
 * and keeps a summary. It owns the loop over inputs and the mapping of I/O failures to IO_READ events;
 * scanning is reader-scan.ts, bytes and gzip are reader-source.ts, types are reader-types.ts.
 *
 * Inputs are read one after another, as `cat` does: offsets restart at 0 for each input and every event
 * carries its input's name. A failing input (missing file, torn gzip) yields one IO_READ error event after
 * whatever it delivered, and reading goes on with the next one.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Pump, decompressed, fileIsGzip, sourceChunks } from './reader-source.js';
import { Scanner } from './reader-scan.js';
import {
  DEFAULT_CHUNK_BYTES,
  newSummary,
  scanOptions,
  type ReadError,
  type ReaderOptions,
  type ReaderSummary,
  type RecordEvent,
  type ScanOptions,
} from './reader-types.js';

export { matchField, RecordHit } from './reader-types.js';
export type { ReadError, ReaderOptions, ReaderSummary, RecordEvent, RecordFilter } from './reader-types.js';

/** A path (`-` is stdin) or a readable byte stream. */
export type ReaderSource = string | NodeJS.ReadableStream;

/** The generator of readRecords(); `summary` is live, and is also the generator's return value. */
export type RecordReader = AsyncGenerator<RecordEvent, ReaderSummary, undefined> & { readonly summary: ReaderSummary };

/**
 * Reads the records of `source` (or of each source in turn). Throws RangeError at once for invalid
 * options; never throws for bad input, which becomes error events. Breaking out of the loop closes the
 * current file.
 */
export function readRecords(source: ReaderSource | readonly ReaderSource[], opts?: ReaderOptions): RecordReader {
  const so = scanOptions(opts);
  const summary = newSummary();
  const list: readonly ReaderSource[] = Array.isArray(source) ? (source as readonly ReaderSource[]) : [source as ReaderSource];
  const gen = run(list, so, opts?.chunkBytes ?? DEFAULT_CHUNK_BYTES, opts?.name, summary, opts?.syncReads === true);
  return Object.assign(gen, { summary });
}

function nameOf(src: ReaderSource, name: string | undefined): string | undefined {
  if (typeof src !== 'string') return name;
  return src === '-' ? (name ?? '-') : src;
}

async function* run(
  sources: readonly ReaderSource[],
  so: ScanOptions,
  chunkBytes: number,
  name: string | undefined,
  summary: ReaderSummary,
  sync: boolean,
): AsyncGenerator<RecordEvent, ReaderSummary, undefined> {
  for (const src of sources) {
    const file = nameOf(src, name);
    summary.files++;
    const pump = new Pump(new Scanner(so, summary, file), chunkBytes, 0, sync);
    const out: RecordEvent[] = [];
    let failure: unknown;
    let fh: FileHandle | undefined;
    try {
      // A plain file is read straight into the pump's buffer; anything else goes through a stream.
      if (typeof src === 'string' && src !== '-') {
        fh = await open(src, 'r');
        if (await fileIsGzip(fh)) {
          await fh.close();
          fh = undefined;
        }
      }
    } catch (e) {
      failure = e;
    }
    if (failure === undefined && fh !== undefined) {
      try {
        for (;;) {
          let n: number;
          try {
            n = await pump.fill(fh, null);
          } catch (e) {
            failure = e; // only the source's own errors: a filter's errors are not I/O errors
            break;
          }
          if (n === 0) break;
          summary.bytes += n;
          pump.advance(out);
          for (let i = 0; i < out.length; i++) yield out[i] as RecordEvent;
          out.length = 0;
        }
      } finally {
        await fh.close();
      }
    } else if (failure === undefined) {
      const it = decompressed(sourceChunks(src, chunkBytes), chunkBytes);
      try {
        for (;;) {
          let r: IteratorResult<Buffer>;
          try {
            r = await it.next();
          } catch (e) {
            failure = e;
            break;
          }
          if (r.done === true) break;
          summary.bytes += r.value.length;
          pump.push(r.value, out);
          for (let i = 0; i < out.length; i++) yield out[i] as RecordEvent;
          out.length = 0;
        }
      } finally {
        await it.return(undefined);
      }
    }
    pump.finish(out);
    if (failure !== undefined) out.push(ioError(failure, pump.offset, file, summary));
    for (let i = 0; i < out.length; i++) yield out[i] as RecordEvent;
  }
  return summary;
}

/** An IO_READ event for a failed input, counted in the summary. */
export function ioError(e: unknown, offset: number, file: string | undefined, summary: ReaderSummary): ReadError {
  summary.errors++;
  summary.byCode.IO_READ = (summary.byCode.IO_READ ?? 0) + 1;
  const why = e instanceof Error ? e.message : String(e);
  return { type: 'error', offset, at: offset, code: 'IO_READ', message: `${file ?? 'input'}: ${why}`, skipped: 0, file };
}
