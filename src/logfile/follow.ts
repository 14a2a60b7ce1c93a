/**
 * `followRecords()`: `tail -f` for a SIP CLF log. It yields the records appended to a path, surviving
 * rotation — the writer renames the file and creates a new one at the same path (RFC 6873 §8 asks for
 * "procedures for file rollovers"; src/logfile/rotate.ts does exactly that) — and truncation in place. It
 * owns only the waiting and the reopening; each file is scanned by the reader's Scanner and Pump, so damage
 * is reported and resynchronised as in readRecords().
 *
 * Rotation is noticed when the path names another inode (or none) than the open file: the old file is then
 * read to its end (the writer may have written its last records after our last read), its torn tail is
 * reported, and the new file is read from its start. A file shrinking below what was read, or whose first
 * bytes changed (truncated and grown back past the read position between two looks), is a truncation:
 * reading restarts at 0. A system call failing on the followed file is an IO_READ event (once while it
 * persists); when the path names the same file again, reading resumes where it stopped (class Reading).
 * Wake-ups come from fs.watch on the directory (inotify follows inodes, so watching
 * the file itself would miss the new one), with a poll interval as the fallback for filesystems without
 * notifications; an AbortSignal ends the generator.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ioError, type RecordReader } from './reader.js';
import { Scanner } from './reader-scan.js';
import { Pump } from './reader-source.js';
import { DEFAULT_CHUNK_BYTES, newSummary, scanOptions, type ReaderOptions, type ReaderSummary, type RecordEvent, type ScanOptions } from './reader-types.js';

export interface FollowOptions extends ReaderOptions {
  /** Ends the generator (it then returns its summary). */
  readonly signal?: AbortSignal;
  /** Fallback poll interval in ms (default 500): also how soon a rotation is seen without fs.watch. */
  readonly pollMs?: number;
  /** Read the file from its start instead of its current end (default false, like `tail -f -n 0`). */
  readonly fromStart?: boolean;
  /** Use fs.watch on the directory to wake up early (default true). */
  readonly watch?: boolean;
}

/** Wakes the follower on a directory event for the file, on its poll timer, or on abort. */
class Waker {
  private resolve: (() => void) | undefined;
  private pending = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly watcher: FSWatcher | undefined;
  private readonly onAbort = (): void => this.kick();

  constructor(
    path: string,
    private readonly pollMs: number,
    private readonly signal: AbortSignal | undefined,
    useWatch: boolean,
  ) {
    const name = basename(path);
    let w: FSWatcher | undefined;
    if (useWatch) {
      try {
        w = watch(dirname(path), { persistent: false }, (_event, f) => {
          if (f === null || f === name) this.kick();
        });
        w.on('error', () => undefined); // the poll timer carries on
      } catch {
        w = undefined;
      }
    }
    this.watcher = w;
    signal?.addEventListener('abort', this.onAbort);
  }

  private kick(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const r = this.resolve;
    this.resolve = undefined;
    if (r === undefined) this.pending = true;
    else r();
  }

  wait(): Promise<void> {
    if (this.pending || this.signal?.aborted === true) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.kick(), this.pollMs);
    });
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.watcher?.close();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.resolve?.();
  }
}

/**
 * Follows `path`, yielding records as they are appended, across rotations, until `signal` aborts (or the
 * consumer stops). Events carry `file: path`; offsets are byte offsets in the file they come from.
 */
export function followRecords(path: string, opts?: FollowOptions): RecordReader {
  const so = scanOptions(opts);
  const pollMs = opts?.pollMs ?? 500;
  if (!(pollMs > 0)) throw new RangeError(`pollMs ${pollMs} is not positive`);
  const summary = newSummary();
  const gen = follow(path, opts ?? {}, so, pollMs, summary);
  return Object.assign(gen, { summary });
}

/**
 * The first bytes of the followed file as last seen, up to HEAD_BYTES. A file truncated and grown back past
 * the read position between two looks is no smaller than before, but its first bytes differ: they are its
 * first record's length, pointers and millisecond timestamp (RFC 6873 §4.1), and 256 bytes reach into its
 * Call-ID. Only bytes already read are compared, so a file still shorter than that compares what it had.
 * The check costs one read of at most 256 bytes after each read of the file.
 */
const HEAD_BYTES = 256;
class Head {
  private known: Buffer = Buffer.alloc(0);
  /** Reused for every comparison: one is made after each read of the file. */
  private readonly scratch = Buffer.allocUnsafe(HEAD_BYTES);

  /** Takes the first min(HEAD_BYTES, `size`) bytes of a file opened at its end (nothing of it read yet). */
  async capture(fh: FileHandle, size: number): Promise<void> {
    const b = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    this.known = b.subarray(0, bytesRead);
  }

  reset(): void {
    this.known = Buffer.alloc(0);
  }

  /** Notes `bytes`, read at offset `at`, as far as they extend the known first bytes. */
  note(at: number, bytes: Buffer): void {
    if (at !== this.known.length || at >= HEAD_BYTES || bytes.length === 0) return;
    this.known = Buffer.concat([this.known, bytes.subarray(0, HEAD_BYTES - at)]);
  }

  /** Whether the file's first bytes are no longer those known. */
  async changed(fh: FileHandle): Promise<boolean> {
    const n = this.known.length;
    if (n === 0) return false;
    const { bytesRead } = await fh.read(this.scratch, 0, n, 0);
    return bytesRead < n || this.scratch.compare(this.known, 0, n, 0, n) !== 0;
  }
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** stat(path), or undefined when nothing is there (between a rename and the new file's creation). */
async function statOrNone(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

/** One file being followed: its identity, how far it was read, the scan of it and its first bytes. */
class Reading {
  readonly head = new Head();
  constructor(
    readonly st: { readonly ino: number; readonly dev: number },
    public pos: number,
    public pump: Pump,
  ) {}

  /**
   * Whether `fh` (just opened at the path) is this file as it was: the same inode, no smaller than what was
   * read, and the same first bytes. A failed system call leaves the pump and `pos` agreeing: fill adds only
   * what it read, and bytes read before a failed check are taken back (changedAfter).
   */
  async same(fh: FileHandle, st: { readonly ino: number; readonly dev: number; readonly size: number }): Promise<boolean> {
    return st.ino === this.st.ino && st.dev === this.st.dev && st.size >= this.pos && !(await this.head.changed(fh));
  }
}

/** Head.changed after a fill of `n` bytes; if the check fails, the bytes are taken back (read again on resume). */
async function changedAfter(r: Reading, fh: FileHandle, n: number): Promise<boolean> {
  try {
    return await r.head.changed(fh);
  } catch (e) {
    r.pump.unfill(n);
    throw e;
  }
}

async function* follow(
  path: string,
  opts: FollowOptions,
  so: ScanOptions,
  pollMs: number,
  summary: ReaderSummary,
): AsyncGenerator<RecordEvent, ReaderSummary, undefined> {
  const chunk = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const signal = opts.signal;
  const aborted = (): boolean => signal?.aborted === true;
  const waker = new Waker(path, pollMs, signal, opts.watch ?? true);
  const out: RecordEvent[] = [];
  let atEnd = opts.fromStart !== true; // only the first file opened starts at its end
  let reported = ''; // last open or read error reported, so that a persistent one is reported once
  let fh: FileHandle | undefined;
  /**
   * What was being read when a system call failed on it (EIO, a directory swapped away for a moment): when the
   * path names the same file again, reading resumes where it was, with the record it held, instead of
   * delivering the file again from its start.
   */
  let broken: Reading | undefined;
  try {
    while (!aborted()) {
      try {
        fh = await open(path, 'r');
      } catch (e) {
        if (!isMissing(e) && String(e) !== reported) {
          reported = String(e);
          yield ioError(e, broken?.pos ?? 0, path, summary);
        }
        await waker.wait();
        continue;
      }
      // Reading or stat failing on an open file (a directory: EISDIR, a FIFO, EIO, permissions taken away) is
      // an IO_READ event like a failed open, reported once while it persists; the file is reopened after a wait.
      let r: Reading | undefined;
      try {
        const st = await fh.stat();
        r = broken !== undefined && (await broken.same(fh, st)) ? broken : undefined;
        if (broken !== undefined && r === undefined) {
          // Another file now, or this one truncated or rewritten while it could not be read: what the old one
          // still held is a torn record; the new one is read from its start, as after a rotation.
          broken.pump.finish(out);
          for (let i = 0; i < out.length; i++) yield out[i] as RecordEvent;
          out.length = 0;
        }
        broken = undefined;
        if (r === undefined) {
          const pos = atEnd ? st.size : 0;
          r = new Reading(st, pos, new Pump(new Scanner(so, summary, path), chunk, pos));
          await r.head.capture(fh, pos);
          summary.files++;
        }
        atEnd = false;
        const cur = r;
        /** Truncated in place: the held tail is gone (reported torn); the file is read again from 0. */
        const restart = (): void => {
          cur.pump.finish(out);
          cur.pos = 0;
          summary.files++;
          cur.pump = new Pump(new Scanner(so, summary, path), chunk, 0);
          cur.head.reset();
        };
        for (;;) {
          // Everything available now; 0 bytes read means we are at the end (or Ctrl-C: checked every chunk, so a
          // log growing faster than it is read still stops).
          for (let n = -1; n !== 0 && !aborted(); ) {
            n = await cur.pump.fill(fh, cur.pos);
            // Checked after the read, so that nothing can change between the check and the bytes: if the first
            // bytes are still those read before, so was the file these bytes came from. Else it was truncated
            // and grown back past `pos` (copytruncate under steady logging) since the last read, and what was
            // read is the middle of other records: dropped, the held tail is gone, reading restarts at 0.
            if (n > 0 && (await changedAfter(cur, fh, n))) {
              cur.pump.unfill(n);
              restart();
              n = -1;
            } else {
              cur.head.note(cur.pos, cur.pump.filled(n)); // the file's first bytes, from the very bytes read
              cur.pump.advance(out);
              cur.pos += n;
              summary.bytes += n;
              if (n > 0) reported = '';
            }
            for (let i = 0; i < out.length; i++) yield out[i] as RecordEvent;
            out.length = 0;
          }
          if (aborted()) break;
          const now = await statOrNone(path);
          if (now === undefined || now.ino !== st.ino || now.dev !== st.dev) {
            // Rotated: finish the old file (its final records were read by the loop above), then reopen.
            for (let n = await cur.pump.read(fh, cur.pos, out); n > 0; n = await cur.pump.read(fh, cur.pos, out)) {
              cur.pos += n;
              summary.bytes += n;
            }
            cur.pump.finish(out);
            break;
          }
          for (let i = 0; i < out.length; i++) yield out[i] as RecordEvent;
          out.length = 0;
          await waker.wait();
          // Truncated in place (copytruncate) since the last look: smaller than what was read. (Grown back past
          // it: the first-bytes check before the next read.) The held tail is gone; restart at 0.
          if ((await fh.stat()).size < cur.pos) restart();
        }
      } catch (e) {
        // Only a system call's failure; anything else is a bug, not to be retried every poll.
        if ((e as NodeJS.ErrnoException | null)?.syscall === undefined) throw e;
        for (let i = 0; i < out.length; i++) yield out[i] as RecordEvent;
        out.length = 0;
        await fh.close().catch(() => undefined);
        fh = undefined;
        // Failed before the reading was settled (stat, or the first-bytes check of the broken one): the broken
        // reading is still where the file stopped, kept for the next reopen rather than forgotten (which would
        // read the file again from its start and drop its torn tail unreported).
        broken = r ?? broken;
        if (String(e) !== reported) {
          reported = String(e);
          yield ioError(e, broken?.pos ?? 0, path, summary);
        }
        await waker.wait();
        continue;
      }
      for (let i = 0; i < out.length; i++) yield out[i] as RecordEvent;
      out.length = 0;
      await fh.close();
      fh = undefined;
    }
  } finally {
    waker.close();
    await fh?.close();
  }
  return summary;
}
