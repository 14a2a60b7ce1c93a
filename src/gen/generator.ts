/**
 * `sipclf gen`: realistic synthetic SIP CLF for benchmarks, demos and tests. Calls arrive as a Poisson
 * process; each scenario (scenarios.ts) contributes timed events; a min-heap interleaves the events of
 * concurrent calls so the log is in the order the proxy sent and received the messages, as a real CLF log
 * is. Memory is bounded by the number of calls in progress, not by the number of records. Deterministic for
 * a given seed.
 */
import { recordFromMessage } from '../clf/from-sip.js';
import { encodeRecord } from '../clf/encode.js';
import type { ClfRecord } from '../clf/record.js';
import { parseMessage } from '../sip/parser.js';
import { Rng } from './rng.js';
import { scenario, type GenEvent } from './scenarios.js';

export interface GenOptions {
  readonly records: number;
  readonly seed?: number;
  /** Timestamp of the first call, ms since the epoch (default 2026-01-05T09:00:00Z, a Monday morning). */
  readonly start?: number;
  /** Calls (and other scenarios) per second. */
  readonly rate?: number;
  /** Share of calls marked with the RFC 8497 log-me marker. */
  readonly logmeShare?: number;
}

/** Min-heap of events by time, ties in insertion order. */
class EventHeap {
  readonly #items: Array<{ e: GenEvent; seq: number }> = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  peek(): GenEvent | undefined {
    return this.#items[0]?.e;
  }

  private less(i: number, j: number): boolean {
    const a = this.#items[i] as { e: GenEvent; seq: number };
    const b = this.#items[j] as { e: GenEvent; seq: number };
    return a.e.t < b.e.t || (a.e.t === b.e.t && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.#items[i] as { e: GenEvent; seq: number };
    this.#items[i] = this.#items[j] as { e: GenEvent; seq: number };
    this.#items[j] = t;
  }

  push(e: GenEvent): void {
    this.#items.push({ e, seq: this.#seq++ });
    let i = this.#items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): GenEvent | undefined {
    const top = this.#items[0];
    const last = this.#items.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.#items.length > 0) {
      this.#items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.#items.length && this.less(l, m)) m = l;
        if (r < this.#items.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top.e;
  }
}

function toRecord(e: GenEvent): ClfRecord {
  const msg = parseMessage(Buffer.from(e.message(), 'latin1'));
  return recordFromMessage(msg, {
    timestamp: e.t,
    direction: e.direction,
    transport: 'U',
    encrypted: false,
    retransmission: e.retransmission,
    source: `${e.source.ip}:${e.source.port}`,
    destination: `${e.destination.ip}:${e.destination.port}`,
    serverTxn: e.serverTxn,
    clientTxn: e.clientTxn,
  });
}

/** Yields `records` decoded CLF records in time order. */
export function* generateRecords(opts: GenOptions): Generator<ClfRecord> {
  const rng = new Rng(opts.seed ?? 1);
  const rate = opts.rate ?? 40;
  const logme = opts.logmeShare ?? 0.05;
  const heap = new EventHeap();
  let next = opts.start ?? Date.UTC(2026, 0, 5, 9, 0, 0);
  let emitted = 0;
  while (emitted < opts.records) {
    const head = heap.peek();
    if (head === undefined || next <= head.t) {
      for (const e of scenario(rng, next, logme)) heap.push(e);
      next += rng.exp(1000 / rate);
      continue;
    }
    heap.pop();
    yield toRecord(head);
    emitted++;
  }
}

/** Yields encoded CLF records (binary strings), ready to write. */
export function* generateClf(opts: GenOptions): Generator<string> {
  for (const r of generateRecords(opts)) yield encodeRecord(r);
}
