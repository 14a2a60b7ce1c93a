/**
 * The logging worker thread (started by LogWorker, log-worker-client.ts): turns the messages a proxy logs into
 * CLF records on a thread of its own, so that a proxy logging every call forwards almost as fast as one
 * logging nothing (issue 5 §4 "logging happens off the forwarding path"; §7 "≤ 10 % of throughput").
 *
 * Per batch (log-batch.ts), in order: each message's octets are parsed again (parseMessage: the forwarding
 * thread parsed the same bytes, so this cannot fail unless it did), masked (RFC 8497 §8.2) when the entry asks,
 * built into a record (recordFromMessage, RFC 6872 §8) and encoded into the ClfWriter this thread owns
 * (RFC 6873). The writer's own bounds apply: beyond maxQueueBytes a record is dropped and counted, so a
 * stalled disk never grows this thread without limit. After each batch the `consumed` counter in shared
 * memory is bumped (the forwarding thread waits on it only when too many batches are in flight) and the
 * counters go back to the client.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';

import { recordFromMessage, type FromMessageOptions } from '../clf/from-sip.js';
import { isSipclfError, SipclfError } from '../errors.js';
import { ClfWriter } from '../logfile/writer.js';
import { makeMasker } from '../logme/mask.js';
import { parseMessage } from '../sip/parser.js';
import { readBatch } from './log-batch.js';
import type { ToWorker, FromWorker, WorkerInit } from './log-worker-protocol.js';

if (parentPort === null) throw new Error('log-worker.ts runs as a worker thread');
const port: MessagePort = parentPort;
const init = workerData as WorkerInit;
const consumed = new Int32Array(init.control);

const post = (m: FromWorker): void => port.postMessage(m);
const codeOf = (e: unknown): string => (isSipclfError(e) ? e.code : 'IO_LOG_WORKER_FAILED');
const textOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** recordFromMessage's options per mask id (0: no masking). */
const masks = new Map<number, FromMessageOptions>([[0, {}]]);
let records = 0;
let unencodable = 0;

function counters(writer: ClfWriter): { records: number; unencodable: number; writer: ReturnType<ClfWriter['stats']> } {
  return { records, unencodable, writer: writer.stats() };
}

/** Logs the `count` entries of one batch; every entry ends up counted in `records` or `unencodable`. */
function logBatch(writer: ClfWriter, buf: Buffer, count: number): void {
  let seen = 0;
  try {
    for (const m of readBatch(buf)) {
      seen++;
      try {
        // An unknown mask id (its `mask` message lost): not logged unmasked, which could write key material.
        const opts = masks.get(m.mask);
        if (opts === undefined) throw new SipclfError('IO_LOG_BATCH_CORRUPT', `entry with unknown mask id ${m.mask}`);
        const msg = parseMessage(m.octets);
        // The entry is the record's metadata (LoggedMessage extends MessageMeta); its octets are msg's own.
        writer.writeRecord(recordFromMessage(msg, { ...m, octets: undefined }, opts));
        records++;
      } catch (e) {
        // Not parseable again, or refused by the encoder: this record is lost and counted, the others go on.
        unencodable++;
        if (!isSipclfError(e)) post({ t: 'warning', code: 'IO_LOG_WORKER_FAILED', message: `record not built: ${textOf(e)}` });
      }
    }
  } catch (e) {
    // The batch itself does not decode (IO_LOG_BATCH_CORRUPT): what was left of it is lost, and counted.
    unencodable += Math.max(0, count - seen);
    post({ t: 'warning', code: codeOf(e), message: textOf(e) });
  }
}

/**
 * Counters go to the client at most every REPORT_MS (and with every flush/close answer): each message wakes
 * the forwarding thread, which on a busy proxy costs it a context switch per batch for nothing it needs at
 * once — it tracks the batches in flight through the shared counter, not through these.
 */
const REPORT_MS = 500;
let reportTimer: NodeJS.Timeout | undefined;
function report(writer: ClfWriter): void {
  reportTimer ??= setTimeout(() => {
    reportTimer = undefined;
    post({ t: 'done', ...counters(writer) });
  }, REPORT_MS);
}

function serve(writer: ClfWriter): void {
  // A writer's failures (IO_WRITE, IO_ROTATE…) go to the client, which reports them as the in-thread writer does.
  writer.on('error', (e) => post({ t: 'warning', code: e.code, message: e.message }));
  writer.on('warning', (e) => post({ t: 'warning', code: e.code, message: e.message }));
  // A writer that fails a flush or close is reported, and the request is still answered (the client waits on it).
  const failed = (e: unknown): void => post({ t: 'warning', code: codeOf(e), message: textOf(e) });
  port.on('message', (m: ToWorker) => {
    switch (m.t) {
      case 'mask':
        try {
          masks.set(m.id, { mask: makeMasker({ attributes: m.attributes, maskKeyLines: m.maskKeyLines }) });
        } catch (e) {
          failed(e); // its entries then meet an unknown mask id and are counted, not logged unmasked
        }
        return;
      case 'batch':
        try {
          logBatch(writer, Buffer.from(m.buffer, 0, m.length), m.count);
        } catch (e) {
          // A batch message that is not one (no buffer, a length beyond it): its entries are lost and counted.
          unencodable += m.count;
          failed(e);
        } finally {
          // Always: the forwarding thread's in-flight account waits on it.
          Atomics.add(consumed, 0, 1);
          Atomics.notify(consumed, 0);
        }
        // Nothing refers to the batch any more (records are encoded into the writer's own memory as they are
        // built): its buffer goes back to be filled again, which spares the forwarding thread a fresh one.
        if (m.buffer instanceof ArrayBuffer && !(m.buffer.byteLength === 0)) port.postMessage({ t: 'recycle', buffer: m.buffer } satisfies FromWorker, [m.buffer]);
        report(writer);
        return;
      case 'flush':
        void writer.flush().catch(failed).then(() => post({ t: 'flushed', id: m.id, ...counters(writer) }));
        return;
      case 'close':
        clearTimeout(reportTimer);
        void writer.close().catch(failed).then(() => {
          post({ t: 'closed', id: m.id, ...counters(writer) });
          port.close();
        });
        return;
    }
  });
  post({ t: 'ready' });
}

// Below the forwarding thread: when the OS puts both threads on one core, forwarding keeps it and logging
// takes what is left; past its bound the backlog holds forwarding back (LogWorker) rather than the other way
// round. On Linux the nice value is per thread, and setpriority(PRIO_PROCESS, 0) sets the calling thread's.
if (init.nice !== 0) {
  try {
    setPriority(init.nice);
  } catch {
    // Not permitted (a sandbox): logging then competes with forwarding as an equal, which still works.
  }
}

try {
  serve(await ClfWriter.open(init.writer));
} catch (e) {
  // Reported as a message, not thrown: an uncaught error could reach the client before this message does.
  // With the port closed and nothing else pending, the thread then ends by itself.
  post({ t: 'open-failed', code: codeOf(e), message: textOf(e) });
  port.close();
}
