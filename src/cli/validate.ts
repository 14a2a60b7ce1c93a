/**
 * `sipclf validate`: every record of every file fully decoded (src/clf/decode.ts via the reader's 'full'
 * mode); one `FILE:OFFSET: CODE message` line per problem; exit 0 iff everything is valid.
 */
import { SipclfError } from '../errors.js';
import { readRecords } from '../logfile/reader.js';
import { intOption, type Io } from './io.js';
import { formatProblem, sources, summaryLine } from './records.js';

export async function run(args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  let maxRecordBytes: number;
  try {
    maxRecordBytes = intOption(opts['maxRecordBytes'], 'max-record-bytes');
    if (maxRecordBytes < 94 || maxRecordBytes > 0xffffff) throw new SipclfError('CLI_USAGE', '--max-record-bytes must be 94-16777215');
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf validate: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const quiet = opts['quiet'] === true;
  const reader = readRecords(sources(args, io), { name: '-', syncReads: true, validate: opts['frameOnly'] === true ? 'frame' : 'full', maxRecordBytes });
  let ioFailure = false;
  for await (const ev of reader) {
    if (ev.type !== 'error') continue;
    if (ev.code === 'IO_READ') ioFailure = true;
    if (!quiet) io.stdout.write(`${formatProblem(ev)}\n`);
  }
  io.stderr.write(summaryLine('validate', reader.summary));
  if (ioFailure) return 2;
  return reader.summary.errors > 0 ? 1 : 0;
}
