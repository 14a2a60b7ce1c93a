/**
 * LogWorker: the forwarding thread's side of the logging worker (log-worker.ts). MessageLog hands it the
 * messages to log; it copies each (octets and metadata, log-batch.ts) into a batch Buffer and transfers the
 * batch to the worker thread, which parses, builds, masks, encodes and writes the CLF records. Per record the
 * forwarding thread pays a copy — about a tenth of building and encoding the record itself (measured in
 * docs/benchmarks.md, "Proxy") — and the rest runs wherever the OS schedules the worker: on another core
 * when there is one.
 *
 *  - Order: one worker, batches and control messages on one port, so records reach the file in the order
 *    MessageLog hands them over (RFC 6873 logs are read in order; issue 3 §3).
 *  - Batching: a batch leaves when it holds BATCH_BYTES, or COALESCE_MS after its first entry, or on
 *    flush()/close().
 *  - Backpressure, bounded memory: batches in flight (posted, not yet finished by the worker, counted in shared
 *    memory) are bounded by maxInFlightBytes; past it the forwarding thread waits for the worker (Atomics.wait),
 *    as the in-thread logger logs at once past its bound. A worker that makes no progress for STALL_MS is
 *    given up on: its records are counted as lost, and forwarding goes on. A stalled disk does not reach here:
 *    the worker's ClfWriter drops beyond its maxQueueBytes and counts it, as in-thread.
 *  - Failure: a worker that cannot open the log fails open() with the writer's error (IO_WRITE…); one that
 *    dies later is reported (process warning, IO_LOG_WORKER_FAILED) and everything not yet written is counted in
 *    `lost`; flush() and close() never hang on it.
 */
import { Worker } from 'node:worker_threads';

import { SipclfError, type ErrorCode, ERRORS } from '../errors.js';
import type { WriterOptions, WriterStats } from '../logfile/writer.js';
import { releaseOwnLock } from '../logfile/writer-lock.js';
import { DEFAULT_PATTERN } from '../logfile/writer-options.js';
import type { MaskOptions } from '../logme/mask.js';
import { BatchBuilder, type LoggedMessage } from './log-batch.js';

export type { LoggedMessage } from './log-batch.js';
import type { FromWorker, ToWorker, WorkerInit } from './log-worker-protocol.js';

/** A batch is sent once it holds this many bytes. */
export const BATCH_BYTES = 256 * 1024;
/** A batch buffer is this big: room for BATCH_BYTES and the entry that crosses it, without growing. */
export const BATCH_BUFFER_BYTES = 2 * BATCH_BYTES;
/** Batch buffers the worker handed back, kept for the next batches (BatchBuilder); more are let go. */
export const POOL_BUFFERS = 4;
/** …or this long after its first entry (ms): a record reaches the writer within it. */
export const COALESCE_MS = 20;
/** Default bound of the bytes in flight to the worker before the forwarding thread waits. */
export const MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;
/** A worker that finishes no batch for this long while the forwarding thread waits is given up on (ms). */
export const STALL_MS = 5_000;
/** close() waits this long for the worker to end after it closed its writer, then terminates it (ms). */
const EXIT_WAIT_MS = 2_000;
/**
 * flush() and close() wait at most this long for the worker's answer (ms): writing 32 MiB in flight takes
 * well under a second; a worker that does not answer by then is given up on (its records counted as lost).
 */
export const ANSWER_WAIT_MS = 30_000;

export interface LogWorkerOptions {
  /** The ClfWriter the worker opens (plain data: the worker gets a copy). */
  readonly writer: Omit<WriterOptions, 'clock'>;
  readonly maxInFlightBytes?: number;
  /** Nice value of the worker thread (Linux: per thread), 0-19; default WORKER_NICE. */
  readonly nice?: number;
  /**
   * For tests of the failure paths: the worker module (default ./log-worker.js), STALL_MS, ANSWER_WAIT_MS (flush,
   * close) and how long open() waits for the worker to open the log (default ANSWER_WAIT_MS too).
   */
  readonly script?: URL;
  readonly stallMs?: number;
  readonly answerWaitMs?: number;
  readonly openWaitMs?: number;
}

/**
 * The logging thread runs at this nice value by default: below the forwarding thread, so that when the OS
 * schedules both on one core forwarding wins and logging uses what is left (backpressure bounds the backlog).
 */
export const WORKER_NICE = 10;

const EMPTY_STATS: WriterStats = {
  records: 0,
  bytes: 0,
  files: 0,
  rotations: 0,
  dropped: 0,
  lost: 0,
  queueRecords: 0,
  queueBytes: 0,
  currentFile: null,
  lastError: null,
};

function toError(code: string, message: string): SipclfError {
  return new SipclfError(code in ERRORS ? (code as ErrorCode) : 'IO_LOG_WORKER_FAILED', message);
}

/** A WriterStats as it came through postMessage (structured clone keeps an Error's message, not its code). */
function revive(s: WriterStats): WriterStats {
  const e = s.lastError as { code?: string; message?: string } | null;
  return e === null ? s : { ...s, lastError: toError(e.code ?? 'IO_WRITE', e.message ?? 'write failed') };
}

export class LogWorker {
  readonly #worker: Worker;
  readonly #consumed: Int32Array;
  readonly #maxInFlight: number;
  readonly #stallMs: number;
  readonly #answerWaitMs: number;
  /** Batch buffers handed back by the worker, filled again (BatchBuilder; a buffer that grew is not kept). */
  readonly #pool: ArrayBuffer[] = [];
  #builder = new BatchBuilder(this.#pool, BATCH_BUFFER_BYTES);
  /** Batches started in a reused buffer by builders before the current one. */
  #reused = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Sizes (bytes, entries) of the batches posted and not yet finished, oldest first; `#done` of them are. */
  #inFlight: { bytes: number; count: number }[] = [];
  #inFlightBytes = 0;
  #inFlightCount = 0;
  #done = 0;
  #dead = false;
  #closing = false;
  /** Mask ids by the options object MessageLog passes (one per log-me engine). */
  #maskIds = new Map<MaskOptions, number>();
  #nextMask = 0;
  #nextId = 1;
  /** The worker said `closed`: its log is closed, its exit is expected. */
  #closed = false;
  /** The worker opened its writer (and so holds its lock). */
  #opened = false;
  #waiters = new Map<number, () => void>();
  #stats: WriterStats = EMPTY_STATS;
  #records = 0;
  #unencodable = 0;
  /** Entries given up on: the worker died or stalled with them in flight, or they came after that. */
  #lost = 0;
  /** Times the forwarding thread blocked in #wait for the worker, and the milliseconds it spent there. */
  #waits = 0;
  #waitMs = 0;
  #exited: Promise<void>;
  /** Called with the worker's counters whenever they change (MessageLog keeps its stats from them). */
  onCounters: ((records: number, unencodable: number) => void) | undefined;

  private constructor(worker: Worker, control: SharedArrayBuffer, opts: LogWorkerOptions) {
    this.#worker = worker;
    this.#consumed = new Int32Array(control);
    this.#maxInFlight = opts.maxInFlightBytes ?? MAX_IN_FLIGHT_BYTES;
    this.#stallMs = opts.stallMs ?? STALL_MS;
    this.#answerWaitMs = opts.answerWaitMs ?? ANSWER_WAIT_MS;
    // A worker that ends without closing its writer (terminated: stalled, unanswered, or it died) leaves the
    // writer's lock behind, held in the name of this process — which would refuse this process's next writer
    // in that directory for good (writer-lock.ts: this process's own locks are never stale). Removed here.
    const { dir, pattern } = opts.writer;
    this.#exited = new Promise<void>((resolve) => worker.once('exit', () => resolve())).then(() =>
      this.#opened && !this.#closed ? releaseOwnLock(dir, pattern ?? DEFAULT_PATTERN) : undefined,
    );
  }

  /**
   * Starts the worker and waits until it opened the log directory. Throws the writer's error (IO_WRITE,
   * IO_INSECURE_DIR, CONFIG_INVALID…) or IO_LOG_WORKER_FAILED.
   */
  static async open(opts: LogWorkerOptions): Promise<LogWorker> {
    const control = new SharedArrayBuffer(4);
    const nice = opts.nice ?? WORKER_NICE;
    if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new SipclfError('CONFIG_INVALID', `logging worker nice ${nice}: expected an integer 0-19`);
    const init: WorkerInit = { writer: opts.writer, control, nice };
    const worker = new Worker(opts.script ?? new URL('./log-worker.js', import.meta.url), { workerData: init });
    const lw = new LogWorker(worker, control, opts);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromWorker): void => {
        if (m.t === 'ready') done(undefined);
        else if (m.t === 'open-failed') done(toError(m.code, m.message));
      };
      const onError = (e: Error): void => done(new SipclfError('IO_LOG_WORKER_FAILED', `logging worker: ${e.message}`));
      const onExit = (code: number): void => done(new SipclfError('IO_LOG_WORKER_FAILED', `logging worker exited (${code}) before it started`));
      // A log directory on a hung filesystem must not hang the start: given up on like an unanswered flush.
      const wait = opts.openWaitMs ?? ANSWER_WAIT_MS;
      const timer = setTimeout(() => done(new SipclfError('IO_LOG_WORKER_FAILED', `logging worker did not open the log within ${wait} ms`)), wait);
      const done = (err: SipclfError | undefined): void => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (err === undefined) resolve();
        else reject(err);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    }).catch(async (e: unknown) => {
      await worker.terminate();
      throw e;
    });
    lw.#opened = true;
    lw.#listen();
    // The forwarding thread's sockets keep the process alive; an idle worker must not.
    worker.unref();
    return lw;
  }

  #listen(): void {
    this.#worker.on('message', (m: FromWorker) => this.#onMessage(m));
    this.#worker.on('error', (e: Error) => {
      if (!this.#closed) this.#die(`logging worker failed: ${e.message}`);
    });
    this.#worker.on('exit', (code: number) => {
      if (this.#closed) this.#dead = true;
      else this.#die(`logging worker exited (code ${code})`);
      for (const w of this.#waiters.values()) w();
      this.#waiters.clear();
    });
  }

  #onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'done':
      case 'flushed':
      case 'closed':
        this.#records = m.records;
        this.#unencodable = m.unencodable;
        this.#stats = revive(m.writer);
        this.#settle();
        this.onCounters?.(this.#records, this.#unencodable);
        if (m.t === 'closed') this.#closed = true;
        if (m.t !== 'done') {
          this.#waiters.get(m.id)?.();
          this.#waiters.delete(m.id);
          if (this.#waiters.size === 0) this.#worker.unref();
        }
        return;
      case 'warning':
        process.emitWarning(toError(m.code, m.message));
        return;
      case 'recycle':
        if (!this.#dead && this.#pool.length < POOL_BUFFERS && m.buffer.byteLength === BATCH_BUFFER_BYTES) this.#pool.push(m.buffer);
        return;
      default:
        return;
    }
  }

  /** Drops the batches the worker has finished (the shared counter) from the in-flight account. */
  #settle(): void {
    const done = Atomics.load(this.#consumed, 0);
    // Int32 arithmetic: the shared counter wraps after 2^31 batches (months of uptime), and so does #done.
    while (((done - this.#done) | 0) > 0 && this.#inFlight.length > 0) {
      const b = this.#inFlight.shift() as { bytes: number; count: number };
      this.#inFlightBytes -= b.bytes;
      this.#inFlightCount -= b.count;
      this.#done = (this.#done + 1) | 0;
    }
  }

  #die(why: string): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#settle();
    // Also lost: the records its writer had accepted and not yet written, as of its last report.
    this.#lost += this.#inFlightCount + this.#builder.count + this.#stats.queueRecords;
    this.#inFlight = [];
    this.#inFlightBytes = 0;
    this.#inFlightCount = 0;
    this.#reused += this.#builder.reused;
    this.#builder = new BatchBuilder(this.#pool, BATCH_BUFFER_BYTES);
    process.emitWarning(new SipclfError('IO_LOG_WORKER_FAILED', `${why}; messages not yet written are lost`));
  }

  /** Queues one message to log; `mask`: the log-me engine's masking (RFC 8497 §8.2), absent for none. */
  add(m: LoggedMessage, mask?: MaskOptions): void {
    if (this.#dead || this.#closing) {
      this.#lost++;
      return;
    }
    const id = mask === undefined ? 0 : this.#maskId(mask);
    // A new mask posts the batch being built, which may wait for the worker and find it stalled.
    if (this.#dead) {
      this.#lost++;
      return;
    }
    this.#builder.add(m, id);
    if (this.#builder.bytes >= BATCH_BYTES) this.#post();
    else this.#timer ??= setTimeout(() => this.#post(), COALESCE_MS);
  }

  #maskId(spec: MaskOptions): number {
    let id = this.#maskIds.get(spec);
    if (id === undefined) {
      // Entries already built keep the ids they were given: they leave first, so a reused id cannot reach them.
      this.#post();
      if (this.#nextMask === 0xffff) {
        this.#maskIds.clear();
        this.#nextMask = 0;
      }
      id = ++this.#nextMask;
      this.#maskIds.set(spec, id);
      this.#send({ t: 'mask', id, attributes: [...spec.attributes], maskKeyLines: spec.maskKeyLines });
    }
    return id;
  }

  #send(m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.#worker.postMessage(m, transfer);
  }

  /** Sends the batch being built, after waiting for the worker if too much is in flight. */
  #post(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const b = this.#builder.take();
    if (b === undefined) return;
    // The memory a batch holds is its buffer (up to twice what it uses), not its length.
    const bytes = b.buffer.byteLength;
    if (!this.#dead) this.#wait(bytes); // settles the in-flight account, and waits only past the bound
    if (this.#dead) {
      this.#lost += b.count;
      return;
    }
    // Sent first: a batch that could not be sent must not stay in the in-flight account (the caller counts it).
    this.#send({ t: 'batch', buffer: b.buffer, length: b.length, count: b.count }, [b.buffer]);
    this.#inFlight.push({ bytes, count: b.count });
    this.#inFlightBytes += bytes;
    this.#inFlightCount += b.count;
  }

  /**
   * Blocks until the worker has room for `bytes` more, or gives it up after STALL_MS without progress. Counted
   * (`counts.waits`, `counts.waitMs`): time the forwarding thread did not forward because logging was behind.
   */
  #wait(bytes: number): void {
    // The counter is read before the in-flight account is settled: a batch finished in between then changes
    // the counter from `seen`, and Atomics.wait returns at once instead of waiting for a change that never comes.
    let seen = Atomics.load(this.#consumed, 0);
    this.#settle();
    if (this.#inFlightBytes + bytes <= this.#maxInFlight || this.#inFlight.length === 0) return; // a batch larger than the bound goes out alone
    const start = performance.now();
    let since = start;
    this.#waits++;
    while (this.#inFlightBytes + bytes > this.#maxInFlight && this.#inFlight.length > 0) {
      Atomics.wait(this.#consumed, 0, seen, 100);
      const now = Atomics.load(this.#consumed, 0);
      if (now !== seen) {
        seen = now;
        since = performance.now();
        this.#settle();
      } else if (performance.now() - since > this.#stallMs) {
        this.#die(`logging worker made no progress for ${this.#stallMs} ms`);
        void this.#worker.terminate();
        break;
      }
    }
    this.#waitMs += performance.now() - start;
  }

  /** Entries handed over and not yet finished by the worker (building, in flight). */
  get pending(): number {
    this.#settle();
    return this.#builder.count + this.#inFlightCount;
  }

  /**
   * Records the worker handed to its writer, entries it could not log, entries lost with a dead worker, and how
   * often and how long (ms) the forwarding thread blocked because the worker was behind (backpressure).
   */
  get counts(): { readonly records: number; readonly unencodable: number; readonly lost: number; readonly waits: number; readonly waitMs: number; readonly reusedBuffers: number } {
    return { records: this.#records, unencodable: this.#unencodable, lost: this.#lost, waits: this.#waits, waitMs: this.#waitMs, reusedBuffers: this.#reused + this.#builder.reused };
  }

  /** The worker's ClfWriter counters, as of its last report. */
  stats(): WriterStats {
    return this.#stats;
  }

  #request(t: 'flush' | 'close'): Promise<void> {
    this.#post();
    if (this.#dead) return Promise.resolve();
    const id = this.#nextId++;
    // Referenced while an answer is awaited: a process with nothing else left (after its sockets closed)
    // must not exit before the log is written.
    this.#worker.ref();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id);
        this.#die(`logging worker did not answer ${t} within ${this.#answerWaitMs} ms`);
        void this.#worker.terminate();
        resolve();
      }, this.#answerWaitMs);
      this.#waiters.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      this.#send({ t, id });
    });
  }

  /** Resolves when everything added before it is written (under the writer's fsync policy). */
  flush(): Promise<void> {
    return this.#request('flush');
  }

  /** Writes everything added, closes the log and ends the worker. */
  async close(): Promise<void> {
    if (this.#closing) return this.#exited;
    this.#closing = true;
    await this.#request('close');
    const timer = setTimeout(() => void this.#worker.terminate(), EXIT_WAIT_MS);
    await this.#exited;
    clearTimeout(timer);
  }
}
