/** Messages between LogWorker (the forwarding thread) and log-worker.ts (the logging thread). */
import type { WriterOptions, WriterStats } from '../logfile/writer.js';

/** workerData: the writer's options (plain data: no clock) and the shared `consumed` batch counter. */
export interface WorkerInit {
  readonly writer: Omit<WriterOptions, 'clock'>;
  /** Int32Array(1) over it: batches the worker has finished. */
  readonly control: SharedArrayBuffer;
  /** The worker thread's nice value (0: unchanged). */
  readonly nice: number;
}

export type ToWorker =
  /** Masking (RFC 8497 §8.2) for entries carrying mask `id`; sent before the first batch that uses it. */
  | { readonly t: 'mask'; readonly id: number; readonly attributes: readonly string[]; readonly maskKeyLines: boolean }
  | { readonly t: 'batch'; readonly buffer: ArrayBuffer; readonly length: number; readonly count: number }
  | { readonly t: 'flush'; readonly id: number }
  | { readonly t: 'close'; readonly id: number };

interface Counters {
  /** Records handed to the writer since the start. */
  readonly records: number;
  /** Entries whose record could not be built or encoded since the start. */
  readonly unencodable: number;
  readonly writer: WriterStats;
}

export type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'open-failed'; readonly code: string; readonly message: string }
  | ({ readonly t: 'done' } & Counters)
  | ({ readonly t: 'flushed'; readonly id: number } & Counters)
  | ({ readonly t: 'closed'; readonly id: number } & Counters)
  | { readonly t: 'warning'; readonly code: string; readonly message: string }
  /** A batch's memory, finished with, handed back to be filled again (log-batch.ts BatchBuilder). */
  | { readonly t: 'recycle'; readonly buffer: ArrayBuffer };
