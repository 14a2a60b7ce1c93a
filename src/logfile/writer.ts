/**
 * ClfWriter: appends encoded SIP CLF records (RFC 6873 §4) to rotating log files without blocking the
 * caller's event loop, with backpressure, bounded memory, private permissions (RFC 6872 §10, RFC 8497 §7.4)
 * and retention (RFC 8497 §8.5).
 *
 *   write(rec) ──► queue (records + rotation marks, in call order; bytes counted)
 *   writeRecord(r) ─┘ (encoded into a slab: consecutive records are one Segment item; writer-slab.ts)
 *    │  sync       │   > highWaterMark → write() returns false … 'drain' when the queue is empty again
 *    │             │   > maxQueueBytes → record dropped, stats().dropped++
 *    │             ▼
 *    │     run loop (one at a time, on the event loop; the syscalls run in libuv's thread pool)
 *    │             │ cut into batches ≤ batchBytes; size/time rotation only between records
 *    │             ▼
 *    │     Buffer.allocUnsafe(batch) ◄─ copy records ──► FileHandle.write(buf, pos)   one pwrite per batch
 *    │       (a batch that is one run of a slab is written from the slab, no copy)
 *    │             │                                      fsync: 'every' batch | N ms | at rotate | close
 *    │             ▼ rotate: fsync? close ─► open next name (O_EXCL, 0600) ─► currentLink
 *    │     background chain: gzip (temp + rename) ─► retention (maxFiles, maxAgeMs)   (rotate-maintenance.ts)
 *    └──► flush() resolves when every record accepted before it is written (and fsynced under 'every')
 *
 * Why the writer has no worker thread of its own (pino's choice): the only synchronous work per record is
 * queueing a reference and one copy into the batch buffer, which a worker design does too (into its shared
 * ring buffer); the write and fsync system calls already run off the event loop in libuv's pool. What does
 * cost is building and encoding records, so the proxy moves that, with a whole ClfWriter, to a logging
 * thread (msglog/log-worker.ts). Measured on the development container (Node 20, ext4,
 * 235-byte records, 1,000 writes per tick honouring 'drain', fsync 'none'): 1.5-2.6 million records/s
 * (350-600 MB/s, shared 2-vCPU box) written, against 0.4-0.7 million with an fs.WriteStream; the caller's loop is blocked for
 * ≈ 1 ms per 1,000 write() calls plus one batch copy (docs/guides/log-files.md, "Throughput").
 *
 * Ordering and framing: records reach the file in write() order; each batch is one write system call at an
 * explicit position (short writes continue at the next position), so the file only ever grows by whole
 * batches, and a crash (even SIGKILL) can leave at most a torn last record, which a reader detects by its
 * Record Length. A failed write (ENOSPC, EIO…) loses that batch (stats().lost), emits 'error' IO_WRITE and
 * truncates the file back to its last whole record; the next batch tries again (re-opening the file if it
 * had to be closed). Records are never split across files: rotation happens only between records. A record
 * larger than maxBytes goes alone into a file of its own, which is then larger than maxBytes.
 *
 * Errors and warnings are emitted as 'error' / 'warning' events when someone listens, otherwise passed to
 * `process.emitWarning` — a logging failure never throws into the application or crashes the process.
 * write() itself throws only for a caller bug (IO_BAD_RECORD: not a record ending in LF); writeRecord() only
 * for a record the format cannot hold (the SipclfError CLF_* codes of encodeRecord).
 */
import { EventEmitter } from 'node:events';

import type { EncodeOptions } from '../clf/encode.js';
import type { ClfRecord } from '../clf/record.js';
import { SipclfError } from '../errors.js';
import { intervalStart, nextBoundary } from './rotate.js';
import { FileSet } from './writer-files.js';
import { describe, prepareDir } from './writer-fs.js';
import { resolveOptions } from './writer-options.js';
import type { ResolvedOptions, WriterEvents, WriterOptions, WriterStats } from './writer-options.js';
import { WriterLock } from './writer-lock.js';
import { registerForExit, unregisterForExit } from './writer-signals.js';
import { Range, Segment, Slab } from './writer-slab.js';
import type { SignalOptions } from './writer-signals.js';

export type { RotateEvent } from './writer-files.js';
export type { FsyncPolicy, WriterEvents, WriterOptions, WriterStats } from './writer-options.js';
export type { SignalOptions } from './writer-signals.js';

/** Largest slab writeRecord() encodes into (batchBytes is unbounded; a bigger batch is copied together). */
const SLAB_MAX = 1 << 20;

/** Records gathered for one write system call. */
interface Batch {
  pieces: Piece[];
  bytes: number;
  records: number;
}

/** A time-rotation boundary crossed between two write() calls; `at` is the start of the new interval. */
class RotateMark {
  constructor(readonly at: number) {}
}

type Item = string | Buffer | Segment | RotateMark;
/** What a batch is made of: whole records, as strings, Buffers or runs of a slab. */
type Piece = string | Buffer | Range;

export class ClfWriter extends EventEmitter<WriterEvents> {
  private readonly o: ResolvedOptions;
  private readonly files: FileSet;
  private queue: Item[] = [];
  /** writeRecord()'s slab, created on first use (it grows the Segment at the tail of `queue`, if any). */
  private slab: Slab | undefined;
  private queuedBytes = 0;
  private accepted = 0;
  private done = 0;
  private needDrain = false;
  private runP: Promise<void> | null = null;
  private waiters: { target: number; resolve: () => void }[] = [];
  private boundary = Infinity;
  private pendingRotate: number | undefined;
  private fsyncDue = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private reportedClosedWrite = false;
  private closing: Promise<void> | undefined;
  private s = { records: 0, bytes: 0, dropped: 0, lost: 0 };
  private lastError: SipclfError | null = null;

  private constructor(
    o: ResolvedOptions,
    private readonly lock: WriterLock,
  ) {
    super();
    this.o = o;
    this.files = new FileSet(o, { fail: (e) => this.fail(e), rotated: (ev) => this.notify('rotate', ev) });
  }

  /**
   * Validate options, prepare the directory, take its lock (writer-lock.ts), create the first file. Rejects
   * with CONFIG_INVALID, IO_INSECURE_DIR, IO_LOCKED (another writer holds this directory and pattern), IO_WRITE.
   */
  static async open(opts: WriterOptions): Promise<ClfWriter> {
    const o = resolveOptions(opts);
    const warnings = await prepareDir(o.dir, o.insecureDir);
    const lock = await WriterLock.acquire(o.dir, o.pattern.pattern, (x) => warnings.push(x));
    const w = new ClfWriter(o, lock);
    const now = o.clock();
    if (o.interval !== undefined) w.boundary = nextBoundary(now, o.interval, o.utc);
    try {
      await w.files.init(now);
    } catch (e) {
      await lock.release();
      throw e;
    }
    if (typeof o.fsync === 'number') {
      w.timer = setInterval(() => w.tick(), o.fsync);
      w.timer.unref();
    }
    // Let the caller attach listeners before hearing about the directory.
    if (warnings.length > 0) setImmediate(() => warnings.forEach((x) => w.warn(x)));
    return w;
  }

  /**
   * Queue one encoded record (a binary string, one char per octet, or a Buffer) ending in LF. Returns false
   * when the caller should wait for 'drain' (queue above highWaterMark, or the record was dropped).
   */
  write(record: string | Buffer): boolean {
    const len = record.length;
    const first = typeof record === 'string' ? record.charCodeAt(0) : record[0];
    const last = typeof record === 'string' ? record.charCodeAt(len - 1) : record[len - 1];
    if (len < 2 || last !== 0x0a || first === undefined || !(((first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a))) {
      throw new SipclfError('IO_BAD_RECORD', `write(): not one CLF record (${len} bytes; must start with a version letter and end in LF)`);
    }
    if (!this.admit(len)) return false;
    this.queue.push(record);
    return this.queued(len);
  }

  /**
   * Encode `rec` (RFC 6873 §4, byte-identical to encodeRecord) straight into the writer's memory and queue
   * it: the same ordering, backpressure and return value as write(encodeRecord(rec)), without the
   * intermediate string. Throws what encodeRecord throws (SipclfError CLF_*); nothing is queued then.
   */
  writeRecord(rec: ClfRecord, opts?: EncodeOptions): boolean {
    // A slab as large as a batch (so that a batch can be one run of it), but at most 1 MiB of memory.
    const slab = (this.slab ??= new Slab(Math.min(this.o.batchBytes, SLAB_MAX)));
    const len = slab.encode(rec, opts);
    if (!this.admit(len)) return false;
    // Only the queue's tail may grow: after a write() or a rotation mark, or once run() took the queue, a new segment starts.
    const tail = this.queue[this.queue.length - 1];
    const seg = slab.commit(tail instanceof Segment ? tail : null, len);
    if (seg !== tail) this.queue.push(seg);
    return this.queued(len);
  }

  /** Whether a record of `len` bytes may be queued (dropped and counted otherwise); queues a time rotation due before it. */
  private admit(len: number): boolean {
    if (this.closed) {
      this.s.dropped++;
      if (!this.reportedClosedWrite) {
        this.reportedClosedWrite = true;
        this.fail(new SipclfError('IO_WRITER_CLOSED', 'write() after close(): record dropped (reported once; see stats().dropped)'));
      }
      return false;
    }
    if (this.queuedBytes + len > this.o.maxQueueBytes) {
      this.s.dropped++;
      this.needDrain = true;
      if (this.runP === null) this.kick(); // so that 'drain' comes even if nothing else is queued
      return false;
    }
    if (this.o.interval !== undefined) {
      const now = this.o.clock();
      if (now >= this.boundary) {
        this.queue.push(new RotateMark(intervalStart(now, this.o.interval, this.o.utc)));
        this.boundary = nextBoundary(now, this.o.interval, this.o.utc);
      }
    }
    return true;
  }

  /** Count a record of `len` bytes just queued; false when the caller should wait for 'drain'. */
  private queued(len: number): boolean {
    this.queuedBytes += len;
    this.accepted++;
    if (this.runP === null) this.kick();
    if (this.queuedBytes > this.o.highWaterMark) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Resolves when every record accepted so far is written (and fsynced under fsync 'every'). */
  flush(): Promise<void> {
    const target = this.accepted;
    if (this.done >= target) return Promise.resolve();
    this.coalesce?.fire();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }

  /** Flush, fsync and close the file, finish background gzip/retention. Idempotent; never rejects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Close this writer on SIGTERM/SIGINT/beforeExit, then let the process exit as it would have (see
   * writer-signals.ts). Returns a function that removes the registration.
   */
  installSignalHandlers(opts?: SignalOptions): () => void {
    return registerForExit(this, opts);
  }

  stats(): WriterStats {
    return {
      ...this.s,
      files: this.files.files,
      rotations: this.files.rotations,
      queueRecords: this.accepted - this.done,
      queueBytes: this.queuedBytes,
      currentFile: this.files.current,
      lastError: this.lastError,
    };
  }

  // --- the run loop: the only code that touches the files ------------------------------------------------

  /** A pending coalesce timer (coalesceMs) and the function that fires it early (flush, close). */
  private coalesce: { readonly timer: NodeJS.Timeout; readonly fire: () => void } | undefined;

  private kick(): void {
    const delay = this.closed ? 0 : this.o.coalesceMs;
    if (delay <= 0) {
      this.runP = Promise.resolve().then(() => this.run());
      return;
    }
    this.runP = new Promise<void>((resolve) => {
      const fire = (): void => {
        if (this.coalesce === undefined) return;
        clearTimeout(this.coalesce.timer);
        this.coalesce = undefined;
        void this.run().then(resolve);
      };
      this.coalesce = { timer: setTimeout(fire, delay), fire };
    });
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 || this.fsyncDue) {
        if (this.queue.length > 0) {
          const items = this.queue;
          this.queue = []; // taken: its segments are no longer the tail, so they do not grow
          await this.writeItems(items);
        } else {
          this.fsyncDue = false;
          await this.files.sync(false);
        }
      }
    } catch (e) {
      this.fail(new SipclfError('IO_WRITE', `log writer: ${describe(e)}`, { cause: e }));
    } finally {
      this.runP = null;
    }
    if (this.queue.length > 0) this.kick(); // only after an unexpected throw
    else this.settle();
  }

  /** Cut the items into batches; rotate between records when a mark or maxBytes says so. */
  private async writeItems(items: Item[]): Promise<void> {
    const b: Batch = { pieces: [], bytes: 0, records: 0 };
    for (const it of items) {
      if (it instanceof RotateMark) {
        this.pendingRotate = it.at;
      } else if (it instanceof Segment) {
        let at = it.start;
        for (const len of it.lens) {
          const due = this.cutDue(b, len);
          if (due !== 0) await this.cut(b, due);
          const last = b.pieces[b.pieces.length - 1];
          if (last instanceof Range && last.buf === it.buf && last.end === at) last.end += len;
          else b.pieces.push(new Range(it.buf, at, at + len));
          b.bytes += len;
          b.records++;
          at += len;
        }
      } else {
        const due = this.cutDue(b, it.length);
        if (due !== 0) await this.cut(b, due);
        b.pieces.push(it);
        b.bytes += it.length;
        b.records++;
      }
    }
    if (b.records > 0) await this.writeBatch(b);
  }

  /**
   * Before a record of `len` bytes, decided synchronously (no promise per record): 0 nothing to do,
   * 1 write the batch (it is full), 2 write the batch and rotate (a mark or maxBytes says so).
   */
  private cutDue(b: Batch, len: number): 0 | 1 | 2 {
    const max = this.o.maxBytes;
    const size = this.files.size + b.bytes;
    if (this.pendingRotate !== undefined || (max !== undefined && size > 0 && size + len > max)) return 2;
    if (b.bytes + len > this.o.batchBytes && b.records > 0) return 1;
    return 0;
  }

  /** Carry out what cutDue() decided: write the batch, and rotate when `due` is 2. */
  private async cut(b: Batch, due: 1 | 2): Promise<void> {
    if (b.records > 0) await this.writeBatch(b);
    if (due === 1) return;
    const at = this.pendingRotate ?? this.o.clock();
    this.pendingRotate = undefined;
    await this.files.rotate(at);
  }

  /** One batch → one buffer → one positional write; `b` is emptied. */
  private async writeBatch(b: Batch): Promise<void> {
    const { pieces, bytes, records } = b;
    b.pieces = [];
    b.bytes = 0;
    b.records = 0;
    const only = pieces.length === 1 ? pieces[0] : undefined;
    let buf: Buffer;
    if (only instanceof Range) {
      buf = only.buf.subarray(only.start, only.end); // one run of a slab: written from the slab itself
    } else {
      buf = Buffer.allocUnsafe(bytes);
      let off = 0;
      for (const r of pieces) {
        if (typeof r === 'string') off += buf.write(r, off, 'latin1');
        else if (r instanceof Range) off += r.buf.copy(buf, off, r.start, r.end);
        else off += r.copy(buf, off);
      }
    }
    try {
      await this.files.append(buf, this.o.clock());
      this.s.bytes += bytes;
      this.s.records += records;
      if (this.o.fsync === 'every') await this.files.sync(true);
    } catch (e) {
      this.s.lost += records;
      this.fail(e instanceof SipclfError ? e : new SipclfError('IO_WRITE', describe(e), { cause: e }));
    } finally {
      this.queuedBytes -= bytes;
      this.done += records;
      this.settle();
    }
  }

  /** Resolve the flush() waiters that are done; emit 'drain' once the queue is empty. */
  private settle(): void {
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.target <= this.done);
      this.waiters = this.waiters.filter((w) => w.target > this.done);
      for (const w of ready) w.resolve();
    }
    if (this.needDrain && this.queuedBytes === 0 && !this.closed) {
      this.needDrain = false;
      this.notify('drain');
    }
  }

  private tick(): void {
    if (!this.files.dirty || this.closed) return;
    this.fsyncDue = true;
    if (this.runP === null) this.kick();
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    unregisterForExit(this);
    this.coalesce?.fire();
    while (this.runP !== null) await this.runP;
    await this.files.close();
    await this.lock.release();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  // --- reporting: never throw into the application ------------------------------------------------------

  private fail(err: SipclfError): void {
    this.lastError = err;
    if (this.listenerCount('error') > 0) this.notify('error', err);
    else process.emitWarning(err);
  }

  private warn(err: SipclfError): void {
    if (this.listenerCount('warning') > 0) this.notify('warning', err);
    else process.emitWarning(err);
  }

  /**
   * Emits one of the writer's own events from inside its write loop, calling each listener on its own. A
   * listener that throws is the application's bug, but thrown here it would abandon the batches being written
   * (records lost uncounted, flush() waiting forever) or, from 'error' inside the loop's own catch, reject its
   * promise unhandled; and with EventEmitter#emit the listeners after it would not run (one of them may be
   * what resumes a producer on 'drain'). So each listener's exception becomes a process warning, and the
   * other listeners and the loop go on.
   */
  private notify<K extends keyof WriterEvents>(event: K, ...args: WriterEvents[K]): void {
    // rawListeners: `once` wrappers included, which remove themselves when called, as emit() does.
    for (const l of this.rawListeners(event) as ((...a: WriterEvents[K]) => void)[]) {
      try {
        l.apply(this, args);
      } catch (e) {
        process.emitWarning(new SipclfError('IO_WRITE', `log writer: a '${event}' listener threw: ${describe(e)}`, { cause: e }));
      }
    }
  }
}
