/**
 * The HepCollector's receive path, from one HEP3 packet (a UDP datagram or a framed TCP packet) to the log:
 *
 *   decodeHep → auth key check (chunk 0x000e, constant time) → agent label (0x0013 node name, else 0x000c)
 *     → paused?  ── yes → bounded queue (queueBytes) ── full → dropped{reason="queue"}
 *     → hepRecord (payload 0x000f / 0x0010 inflated → SIP parse, RFC 3261 → CLF record, RFC 6873)
 *     → writer: false = over its high-water mark or dropped by it (dropped{reason="writer"}): either way
 *       processing pauses until the writer's 'drain', and new packets wait in the queue.
 *
 * Memory is bounded by the queue's bytes and each writer's maxQueueBytes; under overload packets are dropped
 * and counted, never buffered without bound. Nothing here throws on packet content: bad HEP, non-SIP payloads
 * and failed writes are counted per error code in the tally.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ClfRecord } from '../clf/record.js';
import { SipclfError } from '../errors.js';
import { decodeHep, type HepPacket } from './hep.js';
import type { HepCollectorOptions, HepSettings } from './hep-options.js';
import { hepRecord } from './hep-record.js';
import { agentLabel, UNAUTHENTICATED, UNKNOWN, type HepTally } from './hep-tally.js';
import { HepWriters, type HepWriteResult } from './hep-writers.js';

/**
 * What a queued packet costs besides its bytes (the decoded packet object, its Buffer, the queue entry),
 * counted against --queue-bytes: a flood of tiny packets is bounded by memory, not by its HEP bytes alone.
 */
const QUEUED_OVERHEAD = 384;

interface Queued {
  readonly pkt: HepPacket;
  readonly agent: string;
  readonly bytes: number;
  readonly at: number;
}

export class HepIngest {
  readonly #o: HepCollectorOptions;
  readonly #set: HepSettings;
  readonly #t: HepTally;
  readonly writers: HepWriters;
  #queue: Queued[] = [];
  #qHead = 0;
  #qBytes = 0;
  #paused = false;
  #closed = false;

  constructor(o: HepCollectorOptions, set: HepSettings, tally: HepTally) {
    this.#o = o;
    this.#set = set;
    this.#t = tally;
    this.writers = new HepWriters(set.writerOpts, o.out, {
      resume: () => {
        this.#paused = false;
        this.#drainQueue();
      },
      error: (agent, err) => this.#t.error(agent, err),
      warning: (code, stream, message) => this.#o.onFirstError?.(code, stream, message),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get queuePackets(): number {
    return this.#queue.length - this.#qHead;
  }

  get queueBytes(): number {
    return this.#qBytes;
  }

  /** Feeds one HEP packet as received. Never throws on packet content. */
  ingest(buf: Buffer, transport: 'udp' | 'tcp'): void {
    this.#t.s.packets[transport]++;
    if (this.#closed) return;
    let pkt: HepPacket;
    try {
      pkt = decodeHep(buf, { copy: false }); // datagrams and framed TCP packets are never reused
    } catch (err) {
      this.#t.error(UNKNOWN, err);
      return;
    }
    const key = this.#set.authKey;
    if (key !== undefined) {
      const k = pkt.authKey;
      if (k === undefined || k.length !== key.length || !timingSafeEqual(k, key)) {
        this.#t.error(UNAUTHENTICATED, new SipclfError('HEP_AUTH_FAILED', k === undefined ? 'packet without auth key chunk (0x000e)' : 'auth key chunk (0x000e) does not match'));
        return;
      }
    }
    const agent = this.#t.agent(agentLabel(pkt));
    this.#t.agentStats(agent).received++;
    if (this.#paused || this.#qHead < this.#queue.length) {
      this.#enqueue({ pkt, agent, bytes: buf.length, at: this.#set.clock() });
      return;
    }
    this.#process(pkt, agent, buf.length, undefined);
  }

  /** Takes no more packets (what follows is counted as received, then ignored). */
  stop(): void {
    this.#closed = true;
  }

  /** Writes out the queue (waiting for writers to drain, for at most 10 s), then closes the writers. */
  async finish(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (this.#qHead < this.#queue.length && Date.now() < deadline) {
      if (!this.#paused) this.#drainQueue();
      if (this.#qHead < this.#queue.length) await new Promise((r) => setTimeout(r, 1));
    }
    await this.writers.close();
  }

  #enqueue(q: Queued): void {
    if (this.#qBytes + q.bytes + QUEUED_OVERHEAD > this.#set.queueMax) {
      this.#t.agentStats(q.agent).droppedQueue++;
      this.#t.s.dropped++;
      this.#t.error(q.agent, new SipclfError('HEP_DROPPED', `queue full (${this.#set.queueMax} bytes): packets are dropped until the writer catches up`));
      return;
    }
    this.#queue.push(q);
    this.#qBytes += q.bytes + QUEUED_OVERHEAD;
  }

  #drainQueue(): void {
    while (!this.#paused && this.#qHead < this.#queue.length) {
      const q = this.#queue[this.#qHead] as Queued;
      this.#queue[this.#qHead] = undefined as unknown as Queued;
      this.#qHead++;
      this.#qBytes -= q.bytes + QUEUED_OVERHEAD;
      this.#process(q.pkt, q.agent, q.bytes, q.at);
    }
    if (this.#qHead >= this.#queue.length) {
      this.#queue = [];
      this.#qHead = 0;
    } else if (this.#qHead > 4096 && this.#qHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#qHead);
      this.#qHead = 0;
    }
  }

  /**
   * Parses, encodes and writes one packet (`bytes`: its HEP length, its size in the queue). Returns with
   * #paused set when the writer asks to wait.
   */
  #process(pkt: HepPacket, agent: string, bytes: number, receivedAt: number | undefined): void {
    let record: ClfRecord;
    try {
      record = hepRecord(pkt, agent, receivedAt, this.#set.clock, this.#o.limits, this.#set.recordOptions);
    } catch (err) {
      this.#t.error(agent, err);
      return;
    }
    const stream = this.#o.perAgent === true ? agent : '';
    const w = this.writers.get(stream);
    if (w === undefined) {
      // A stream not open yet (rare: once per stream): the packet waits for it, counted at its HEP size like a
      // queued packet; a stream whose open failed takes nothing.
      this.#openStream(stream, { pkt, agent, bytes, at: receivedAt ?? this.#set.clock() });
      return;
    }
    // Encoding throws CLF_* for a record the format cannot hold (nothing is queued then): counted like a bad packet.
    let result: HepWriteResult;
    try {
      result = this.writers.write(w, record); // encoded straight into the writer (writeRecord)
    } catch (err) {
      this.#t.error(agent, err);
      return;
    }
    if (result === 'dropped') {
      this.#t.s.dropped++;
      this.#t.agentStats(agent).droppedWriter++;
      this.#t.error(agent, new SipclfError('HEP_DROPPED', 'the log writer queue is full: record dropped'));
    } else {
      this.#t.s.written++;
      this.#t.agentStats(agent).written++;
    }
    if (result !== 'written') this.#paused = true; // until this writer's 'drain'
  }

  #openStream(stream: string, first: Queued): void {
    if (this.writers.failed(stream)) {
      this.#t.error(first.agent, new SipclfError('IO_WRITE', `stream ${stream} could not be opened`));
      return;
    }
    // Put the packet back at the front of the queue and wait for the writer.
    this.#queue.splice(this.#qHead, 0, first);
    this.#qBytes += first.bytes;
    this.#paused = true;
    this.writers.open(stream, first.agent);
  }
}
