/**
 * Bytes into the scanner: the byte sources of the CLF reader (a path, a stream, stdin) with transparent
 * gzip detected by its magic bytes 1f 8b (RFC 1952 §2.3.1, so a rotated `.gz` renamed or piped in still
 * reads), and the Pump that carries unconsumed bytes from one chunk to the next.
 *
 * Memory bound: the Pump holds at most the bytes of one unfinished record — whose declared length the
 * scanner has already checked against maxRecordBytes before asking for it — plus one chunk, in one work
 * buffer that is reused (files are read straight into it). It does not re-scan until the scanner's `need`
 * is met, so a 1 MiB record arriving in 16 KiB chunks is scanned once, not sixty-four times.
 */
import { createReadStream, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Scanner } from './reader-scan.js';
import type { RecordEvent } from './reader-types.js';

/**
 * Feeds one input's bytes to its Scanner through one reusable work buffer: unconsumed bytes move to its
 * start, new bytes go after them (read straight in from a file, or copied from a stream's chunk).
 */
export class Pump {
  private buf: Buffer;
  private start = 0;
  private end = 0;
  /** Absolute offset of buf[0]. */
  private base = 0;

  /** `offset`: absolute offset of the first byte fed (follow mode starts at a file's end). */
  constructor(
    private readonly scanner: Scanner,
    private readonly chunkBytes: number,
    offset = 0,
    /** Blocking reads (ReaderOptions.syncReads). */
    private readonly sync = false,
  ) {
    this.buf = Buffer.allocUnsafe(2 * chunkBytes);
    this.base = offset;
  }

  /** Bytes fed so far (the offset of the next byte). */
  get offset(): number {
    return this.base + this.end;
  }

  /** Adds a chunk (copied); scans when the scanner can progress. Events go to `out`. */
  push(chunk: Buffer, out: RecordEvent[]): void {
    if (chunk.length === 0) return;
    this.room(chunk.length);
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
    this.advance(out);
  }

  /** Reads up to one chunk from `fh` at `position` (null: the current position); returns the bytes read. */
  async read(fh: FileHandle, position: number | null, out: RecordEvent[]): Promise<number> {
    const bytesRead = await this.fill(fh, position);
    if (bytesRead > 0) this.advance(out);
    return bytesRead;
  }

  /**
   * The I/O half of read(): up to one chunk from `fh` into the buffer, not scanned yet (then advance()). A
   * caller that maps I/O failures to IO_READ events catches around this call only, so that an exception
   * from the scan (a caller's filter) is not mistaken for one, and no scanned record is scanned twice.
   */
  async fill(fh: FileHandle, position: number | null): Promise<number> {
    this.room(this.chunkBytes);
    const len = this.buf.length - this.end;
    const bytesRead = this.sync ? readSync(fh.fd, this.buf, this.end, len, position) : (await fh.read(this.buf, this.end, len, position)).bytesRead;
    this.end += bytesRead;
    return bytesRead;
  }


  /** The last `n` bytes fill() added, not scanned yet (a view, valid until the next fill or push). */
  filled(n: number): Buffer {
    return this.buf.subarray(this.end - n, this.end);
  }

  /** Forgets the last `n` bytes fill() added, before advance() (a follower that finds them from another file). */
  unfill(n: number): void {
    this.end -= n;
  }

  /** End of input: scans everything left, reporting a torn last record (CLF_TRUNCATED). */
  finish(out: RecordEvent[]): void {
    this.start = this.scanner.scan(this.buf, this.start, this.end, this.base, true, out);
  }

  /** Scans what fill() or push() added, when the scanner can progress. */
  advance(out: RecordEvent[]): void {
    if (this.end - this.start >= this.scanner.need) {
      this.start = this.scanner.scan(this.buf, this.start, this.end, this.base, false, out);
    }
  }

  /**
   * Makes room for `n` more bytes after the held ones. The held bytes are at most one record the scanner
   * asked for (its declared length already checked against maxRecordBytes) or 7 bytes of a candidate.
   */
  private room(n: number): void {
    const held = this.end - this.start;
    if (this.end + n <= this.buf.length) return;
    if (held + n <= this.buf.length) {
      this.buf.copy(this.buf, 0, this.start, this.end);
    } else {
      const next = Buffer.allocUnsafe(Math.max(held + n, 2 * this.buf.length));
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
    }
    this.base += this.start;
    this.start = 0;
    this.end = held;
  }
}

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function asBuffer(c: unknown): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  if (typeof c === 'string') return Buffer.from(c, 'latin1');
  throw new TypeError('a CLF source stream must yield Buffers');
}

/**
 * The decompressed chunks of `src`: peeks until 2 bytes are in, then either passes the bytes through or
 * pipes them, those first bytes included, through gunzip (which reads concatenated members too).
 */
export async function* decompressed(src: AsyncIterable<unknown>, chunkBytes: number): AsyncGenerator<Buffer> {
  const it = src[Symbol.asyncIterator]();
  try {
    yield* inflate(it, chunkBytes);
  } finally {
    await it.return?.(); // closes a file stream when the reader stops early
  }
}

async function* inflate(it: AsyncIterator<unknown>, chunkBytes: number): AsyncGenerator<Buffer> {
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const r = await it.next();
    if (r.done === true) {
      if (head.length > 0) yield head;
      return;
    }
    const b = asBuffer(r.value);
    head = head.length === 0 ? b : Buffer.concat([head, b]);
  }
  const rest = async function* (): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done === true) return;
      yield asBuffer(r.value);
    }
  };
  if (!isGzip(head)) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip({ chunkSize: Math.min(Math.max(chunkBytes, 16 * 1024), 1 << 20) });
  // Errors (a torn .gz ends with "unexpected end of file") destroy gunzip, so iterating it throws them.
  const out = pipeline(Readable.from(rest()), gunzip, () => undefined);
  for await (const c of out) yield asBuffer(c);
}

/** Chunks of a file, or of stdin for `-`, or of a stream. */
export function sourceChunks(source: string | NodeJS.ReadableStream, chunkBytes: number): AsyncIterable<unknown> {
  if (typeof source !== 'string') return source as AsyncIterable<unknown>;
  if (source === '-') return process.stdin;
  return createReadStream(source, { highWaterMark: chunkBytes });
}

/** Does the file start with the gzip magic bytes? (A plain file is then read through its handle.) */
export async function fileIsGzip(fh: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(2);
  const { bytesRead } = await fh.read(head, 0, 2, 0);
  return isGzip(head.subarray(0, bytesRead));
}
