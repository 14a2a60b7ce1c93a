/** Injectable standard streams, so commands run in tests without a child process. */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SipclfError } from '../errors.js';

export interface Io {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  /** Reads all of standard input. */
  readStdin(): Promise<Buffer>;
  /** Standard input as a stream, for commands that read it in bounded memory (absent: use readStdin). */
  readonly stdinStream?: () => NodeJS.ReadableStream;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    stdinStream: () => process.stdin,
  };
}

/** Standard input as a stream: the Io's own stream, or its readStdin() buffer (tests). */
export function stdinSource(io: Io): NodeJS.ReadableStream {
  if (io.stdinStream !== undefined) return io.stdinStream();
  return Readable.from(
    (async function* () {
      yield await io.readStdin();
    })(),
  );
}

/** Reads a file argument, `-` or absent meaning standard input. */
export async function readInput(file: string | undefined, io: Io): Promise<Buffer> {
  if (file === undefined || file === '-') return io.readStdin();
  try {
    return await readFile(file);
  } catch (err) {
    throw new SipclfError('IO_READ', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Parses a positive integer option value or throws CLI_USAGE. */
export function intOption(value: unknown, name: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new SipclfError('CLI_USAGE', `--${name} needs a positive integer, got ${String(value)}`);
  return n;
}
