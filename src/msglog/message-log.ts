/**
 * Log-me and CLF for a SIP entity — the proxy server and the test UA (RFC 8497, RFC 6872 §8.2, RFC 6873):
 * runs the log-me engine on every
 * message received and before every message sent, applies its marker decisions to the outgoing bytes, and
 * turns the messages to log into CLF records handed to the batching ClfWriter.
 *
 * Off the forwarding path (issue 5 §4), two ways, chosen by what the constructor is given:
 *  - a LogWorker (the proxy's default): the message's octets and its record's metadata (timestamp, addresses,
 *    transaction ids, taken while it is handled) are copied into a batch for the logging worker thread, which
 *    parses them again, masks, builds and encodes the record and writes it (log-worker.ts). The forwarding
 *    thread pays the copy only.
 *  - a ClfWriter: a message to log is only queued while it is handled; building its record, masking and
 *    encoding it run later on this thread, in slices of at most LOG_SLICE_MS between turns of the event
 *    loop (setImmediate), so a burst of traffic is forwarded first and logged in the gaps; the writer then
 *    does the I/O. The queue is bounded (MAX_PENDING_RECORDS): beyond it the oldest are written at once, on
 *    the forwarding path — backpressure, never loss.
 * `flush()` and `close()` write everything queued. Records keep the order of the messages.
 *
 * What is logged (`mode`): `all` every message; `none` nothing; `marked` the messages the engine says to
 * log (`Decision.log`). Messages the transaction layer builds itself (the ACK to a non-2xx; a UA's delayed 100
 * Trying) are not seen by the engine before they leave: their decision is whether they carry the marker. A
 * proxy sends its own 100 Trying through `outbound` (src/proxy/server.ts). Re-sent bytes are
 * the Buffer first sent (`msg.raw`), so they keep its decision.
 *
 * Server-Txn / Client-Txn (RFC 6872 §8.2): given by the caller per message. A proxy gives the branch of the
 * upstream request's top Via (the server transaction) and the branch of the Via it inserted (the client
 * transaction); a UA gives the branch of its own transaction on the side it plays; `-` when there is none.
 *
 * `originator` (a UA): every message this entity sends is its own (`ProcessInput.local`), so the engine may
 * start marking at the dialog-creating request (RFC 8497 §4.2). A proxy forwards what it receives.
 */
import { formatAddress, recordFromMessage, type ClfRecord, type FromMessageOptions, type Retransmission, type TransportFlag } from '../clf/index.js';
import { isSipclfError } from '../errors.js';
import type { ClfWriter } from '../logfile/writer.js';
import { DEFAULT_MASK_OPTIONS, type LogmeEngine } from '../logme/index.js';
import { makeMasker, type MaskOptions } from '../logme/mask.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { applyMarkerDecision, withoutLogme } from './apply-decision.js';
import { LogWorker, type LoggedMessage } from './log-worker-client.js';
import { TrafficCounter } from './traffic.js';

export type LogMode = 'all' | 'marked' | 'none';

export interface Txns {
  readonly serverTxn: string | null;
  readonly clientTxn: string | null;
}

interface Address {
  readonly transport: 'udp' | 'tcp' | 'tls';
  readonly host: string;
  readonly port: number;
}

interface SentInfo extends Txns {
  readonly log: boolean;
}

/**
 * Where a message handed to a transaction keeps its parsed form and decision: a property of its Buffer. It lives
 * exactly as long as the bytes, like a WeakMap entry, without one. A WeakMap holding every message sent in the
 * last 32 s (150,000 at 650 calls/s) is an ephemeron table: a perf profile of the logged proxy at 500 calls/s
 * charged about 5 % of the logging overhead to its write barrier, insertions and clearing in the scavenger.
 */
const SENT = Symbol('sipclf.msglog.sent');
interface SentEntry {
  /** The MessageLog that remembered it (another one in the same process must not see it). */
  readonly owner: MessageLog;
  readonly msg: SipMessage;
  readonly info: SentInfo;
}
type Tagged = Buffer & { [SENT]?: SentEntry };

/** A message to log, with everything its record needs from the moment it was received or sent. */
interface Pending {
  readonly msg: SipMessage;
  /** The record's metadata, octets (Tag 02) included: as it is for recordFromMessage and the logging worker. */
  readonly meta: LoggedMessage;
  /** recordFromMessage's options: the mask of the engine in charge when the message was handled. */
  readonly opts: FromMessageOptions;
  /** The same masking as data, for the logging worker (undefined: none). */
  readonly maskSpec: MaskOptions | undefined;
}

/**
 * Without a log-me engine (none configured) messages are still logged — `marked` ones by default, whoever
 * marked them — so they are masked as an engine's default privacy settings mask (RFC 8497 §8.2: key material
 * MUST be masked before logging; docs/reference/logme.md "privacy"). Only a configured engine can turn it off.
 */
const DEFAULT_OPTIONS: FromMessageOptions = { mask: makeMasker(DEFAULT_MASK_OPTIONS) };

/** The options that mask with `engine` (RFC 8497 §8.2): one object per engine, not one per record. */
function recordOptions(engine: LogmeEngine | undefined): FromMessageOptions {
  return engine === undefined ? DEFAULT_OPTIONS : { mask: (t) => engine.mask(t) };
}

/** The masking of `engine` as data (for the logging worker), or undefined when it masks nothing. */
function maskSpecOf(engine: LogmeEngine | undefined): MaskOptions | undefined {
  if (engine === undefined) return DEFAULT_MASK_OPTIONS;
  const p = engine.config.privacy;
  return !p.mask ? undefined : { attributes: p.attributes, maskKeyLines: p.maskKeyLines };
}

/** Longest a deferred logging slice runs before the event loop gets a turn (ms). */
export const LOG_SLICE_MS = 2;
/** Messages queued for logging beyond which the oldest are logged at once (backpressure, no loss). */
export const MAX_PENDING_RECORDS = 20_000;

/** RFC 6873 §4.2 byte 4 (U UDP, T TCP, S SCTP): TLS runs over TCP, so T, with byte 5 E (encrypted). */
const TRANSPORT_FLAG: Record<Address['transport'], TransportFlag> = { udp: 'U', tcp: 'T', tls: 'T' };

export function addressText(a: Pick<Address, 'host' | 'port'>): string {
  return formatAddress(a.host, a.port);
}

export interface LogStats {
  records: number;
  received: number;
  sent: number;
  engineErrors: number;
  /** Records the CLF encoder refused (a SipclfError CLF_* code) or that could not be built: dropped, the others still written. */
  unencodable: number;
}

export { MAX_TRAFFIC_KEYS } from './traffic.js';

export class MessageLog {
  readonly mode: LogMode;
  #engine: LogmeEngine | undefined;
  #recordOpts: FromMessageOptions;
  #maskSpec: MaskOptions | undefined;
  /** Records built and encoded here, on the forwarding thread (after it, in setImmediate slices). */
  readonly #writer: ClfWriter | undefined;
  /** …or handed to the logging worker thread, which builds, encodes and writes them (log-worker.ts). */
  readonly #worker: LogWorker | undefined;
  /**
   * The messages this entity handed to a transaction, with their decision, are remembered on their bytes
   * (`msg.raw`, one Buffer per message, which the transaction sends as is — see SENT): the onSend observer
   * finds the parsed message by identity instead of parsing the bytes again.
   */
  #remember(bytes: Buffer, msg: SipMessage, info: SentInfo): void {
    (bytes as Tagged)[SENT] = { owner: this, msg, info };
  }

  #sent(bytes: Buffer): SentEntry | undefined {
    const e = (bytes as Tagged)[SENT];
    return e !== undefined && e.owner === this ? e : undefined;
  }
  /** Records produced while one inbound message is handled: queued after its received record. */
  #batch: Pending[] | undefined;
  /** Messages to log, oldest first from `#head` (see the file comment). */
  #queue: Pending[] = [];
  #head = 0;
  #scheduled = false;
  readonly stats: LogStats = { records: 0, received: 0, sent: 0, engineErrors: 0, unencodable: 0 };
  readonly #traffic = new TrafficCounter();
  /** Messages seen, every one whatever the mode, keyed `direction|method|status` (traffic.ts; metrics.ts). */
  get traffic(): ReadonlyMap<string, number> {
    return this.#traffic.counts;
  }

  readonly #originator: boolean;
  /** Records this thread could not hand over (the worker's own count is added to stats.unencodable). */
  #localUnencodable = 0;

  constructor(mode: LogMode, engine: LogmeEngine | undefined, writer: ClfWriter | LogWorker | undefined, opts: { readonly originator?: boolean } = {}) {
    this.mode = writer === undefined ? 'none' : mode;
    this.#engine = engine;
    this.#recordOpts = recordOptions(engine);
    this.#maskSpec = maskSpecOf(engine);
    if (writer instanceof LogWorker) {
      this.#worker = writer;
      writer.onCounters = (records, unencodable) => {
        this.stats.records = records;
        this.stats.unencodable = this.#localUnencodable + unencodable;
      };
    } else this.#writer = writer;
    this.#originator = opts.originator ?? false;
  }

  get engine(): LogmeEngine | undefined {
    return this.#engine;
  }

  /** Replaces the log-me engine (SIGHUP reload); the old engine's dialog state is not carried over. */
  setEngine(engine: LogmeEngine | undefined): void {
    this.#engine = engine;
    this.#recordOpts = recordOptions(engine);
    this.#maskSpec = maskSpecOf(engine);
  }

  /** The CLF writer's counters, when logging to files (the worker's writer: as of its last report). */
  writerStats(): ReturnType<ClfWriter['stats']> | undefined {
    if (this.#worker === undefined) return this.#writer?.stats();
    const s = this.#worker.stats();
    // Entries lost with a dead or stalled worker count as records lost to a failed write.
    const lost = this.#worker.counts.lost;
    return lost === 0 ? s : { ...s, lost: s.lost + lost };
  }

  /** Runs the engine on a received message; true when it is to be logged. */
  inbound(msg: SipMessage, source: Address): boolean {
    let log: boolean | undefined;
    if (this.#engine !== undefined) {
      try {
        log = this.#engine.process({ message: msg, direction: 'in', neighbour: addressText(source) }).log;
      } catch {
        this.stats.engineErrors++;
        log = false;
      }
    }
    return this.#wants(log, msg);
  }

  /**
   * Runs the engine on a message about to be sent to `to`, applies the marker decision to the bytes and
   * remembers whether to log it (looked up by the onSend observer, or by `sentDirect`). `received`: the
   * message `bytes` forward with only Vias removed and challenges added (a proxy's response, §16.7), whose
   * fields are theirs. `local`: a message this entity originated although it is not an `originator` (a proxy's
   * own 100 Trying or error response; ProcessInput.local).
   */
  outbound(bytes: Buffer, to: Address, txns: Txns, received?: SipMessage, local = false): { bytes: Buffer; msg: SipMessage } {
    if (this.#engine === undefined && (this.mode === 'none' || received !== undefined)) {
      // Nothing to decide: the bytes are parsed only if the caller reads `msg` (a request, for its client
      // transaction). Nothing to log (onSend counts the bytes from their start line and CSeq), or a forwarded
      // response: its record takes the received message's fields, parsed already, with these bytes as Tag 02 —
      // its marker too (RFC 8497 §4: the log-me marker is in Session-ID, which forwarding does not change).
      let parsed: SipMessage | undefined;
      if (received !== undefined && this.mode !== 'none') this.#remember(bytes, received, { log: this.#wants(undefined, received), ...txns });
      return {
        bytes,
        get msg(): SipMessage {
          return (parsed ??= parseMessage(bytes));
        },
      };
    }
    let msg = parseMessage(bytes);
    let log: boolean | undefined;
    if (this.#engine !== undefined) {
      try {
        const d = this.#engine.process({ message: msg, direction: 'out', neighbour: addressText(to), local: this.#originator || local });
        log = d.log;
        msg = applyMarkerDecision(msg, d);
      } catch {
        this.stats.engineErrors++;
        log = false;
        msg = withoutLogme(msg); // fail safe: no marker across a boundary the engine could not judge (apply-decision.ts)
      }
    }
    // Remembered in every mode: the onSend observer counts the message from it (nothing is logged in `none`).
    this.#remember(msg.raw, msg, { log: this.mode !== 'none' && this.#wants(log, msg), ...txns });
    return { bytes: msg.raw, msg };
  }

  /** Starts collecting the records of one inbound message's handling. */
  begin(): void {
    this.#batch = [];
  }

  /** Writes the received record (when `log`), then the records of what its handling sent. */
  end(msg: SipMessage, log: boolean, meta: { from: Address; to: Address; at: number; retransmission: boolean; txns: Txns }): void {
    const batch = this.#batch ?? [];
    this.#batch = undefined;
    this.#traffic.countMessage('in', msg);
    if (log) {
      this.stats.received++;
      this.#emit(msg, 'R', meta.from, meta.to, meta.at, meta.retransmission ? 'D' : 'O', meta.txns);
    }
    for (const p of batch) this.#enqueue(p);
  }

  /** The transaction layer's SendObserver: logs a message a transaction sends (first time or again). */
  onSend(bytes: Buffer, from: Address | undefined, to: Address, retransmission: boolean, fallback: Txns): void {
    const known = this.#sent(bytes);
    if (this.mode === 'none' || from === undefined) {
      if (known !== undefined) this.#traffic.countMessage('out', known.msg);
      else this.#traffic.countRaw(bytes);
      return;
    }
    let msg: SipMessage;
    if (known !== undefined) msg = known.msg;
    else {
      // Built by the transaction layer itself (100 Trying, the ACK of a non-2xx): parsed here.
      try {
        msg = parseMessage(bytes);
      } catch {
        this.#traffic.count('out', '', '');
        return;
      }
    }
    this.#traffic.countMessage('out', msg);
    const info = known?.info;
    const log = info?.log ?? this.#wants(undefined, msg);
    if (!log) return;
    this.stats.sent++;
    // Remembered on other bytes than its own: the received message these bytes forward (outbound `received`).
    this.#emit(msg, 'S', from, to, Date.now(), retransmission ? 'D' : 'O', info ?? fallback, known === undefined || msg.raw === bytes ? undefined : bytes);
  }

  /** A message sent outside any transaction (ACK to a 2xx, a response whose transaction is gone). */
  sentDirect(msg: SipMessage, from: Address | undefined, to: Address, retransmission: boolean, txns: Txns): void {
    this.#traffic.countMessage('out', msg);
    if (this.mode === 'none' || from === undefined) return;
    const log = this.#sent(msg.raw)?.info.log ?? this.#wants(undefined, msg);
    if (!log) return;
    this.stats.sent++;
    this.#emit(msg, 'S', from, to, Date.now(), retransmission ? 'D' : 'O', txns);
  }

  /** Messages queued for logging, not yet handed to the writer (with a worker: not yet encoded by it). */
  get pending(): number {
    return this.#queue.length - this.#head + (this.#worker?.pending ?? 0);
  }

  /**
   * How often and how long (seconds) the forwarding thread was held because the logging worker had
   * maxInFlightBytes outstanding; zero with in-thread logging (which drops at the writer's queue bound instead).
   */
  get backpressure(): { readonly waits: number; readonly seconds: number } {
    const c = this.#worker?.counts;
    return c === undefined ? { waits: 0, seconds: 0 } : { waits: c.waits, seconds: c.waitMs / 1000 };
  }

  /** Logs everything queued, then resolves when the writer has written it. */
  async flush(): Promise<void> {
    this.#drain(Infinity);
    await (this.#worker ?? this.#writer)?.flush();
  }

  async close(): Promise<void> {
    this.#drain(Infinity);
    await (this.#worker ?? this.#writer)?.close();
  }

  /** `engineSays` undefined: no engine, or one that never saw this message — whether it carries the marker. */
  #wants(engineSays: boolean | undefined, msg: SipMessage): boolean {
    if (this.mode === 'all') return true;
    if (this.mode === 'none') return false;
    return engineSays ?? msg.logme;
  }

  /** `octets`: the bytes sent when they are not `msg.raw`, logged as Tag 02 with `msg`'s fields (MessageMeta.octets). */
  #emit(msg: SipMessage, direction: 'S' | 'R', from: Address, to: Address, at: number, retransmission: Retransmission, txns: Txns, octets?: Buffer): void {
    const p: Pending = {
      msg,
      meta: {
        timestamp: Math.floor(at),
        direction,
        transport: TRANSPORT_FLAG[from.transport],
        encrypted: from.transport === 'tls',
        retransmission,
        source: addressText(from),
        destination: addressText(to),
        serverTxn: txns.serverTxn,
        clientTxn: txns.clientTxn,
        octets: octets ?? msg.raw,
      },
      opts: this.#recordOpts,
      maskSpec: this.#maskSpec,
    };
    if (this.#batch !== undefined) this.#batch.push(p);
    else this.#enqueue(p);
  }

  #enqueue(p: Pending): void {
    // With a logging worker, handing over is a copy into its batch: done at once, nothing to defer.
    if (this.#worker !== undefined) {
      try {
        this.#worker.add(p.meta, p.maskSpec);
      } catch {
        this.stats.unencodable++;
        this.#localUnencodable++;
      }
      return;
    }
    this.#queue.push(p);
    // Backpressure: past the bound the oldest are logged now, on the forwarding path, rather than dropped.
    if (this.#queue.length - this.#head > MAX_PENDING_RECORDS) this.#drain(Infinity, MAX_PENDING_RECORDS / 2);
    if (!this.#scheduled && this.#queue.length > this.#head) {
      this.#scheduled = true;
      setImmediate(this.#slice);
    }
  }

  /** One deferred slice: at most LOG_SLICE_MS of logging, then another turn of the event loop if more is queued. */
  readonly #slice = (): void => {
    this.#scheduled = false;
    this.#drain(LOG_SLICE_MS);
    if (this.#queue.length > this.#head && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#slice);
    }
  };

  /** Logs queued messages, oldest first, for up to `ms` milliseconds or until `keep` remain queued. */
  #drain(ms: number, keep = 0): void {
    const q = this.#queue;
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    let i = this.#head;
    try {
      while (q.length - i > keep) {
        const p = q[i] as Pending;
        q[i++] = undefined as unknown as Pending; // the message can be collected once logged
        try {
          this.#put(recordFromMessage(p.msg, p.meta, p.opts));
        } catch {
          // Not CLF_* (those #put counts): a bug building this record. This runs from setImmediate, where a
          // throw would end the process: the record is counted as lost and the others are still written.
          this.stats.unencodable++;
        }
        if ((i & 15) === 0 && performance.now() > deadline) break;
      }
    } finally {
      if (i >= q.length) {
        q.length = 0;
        this.#head = 0;
      } else if (i > 4096 && i * 2 > q.length) {
        q.splice(0, i);
        this.#head = 0;
      } else this.#head = i;
    }
  }

  /** Encoded straight into the writer's buffer (ClfWriter.writeRecord): no intermediate record string. */
  #put(rec: ClfRecord): void {
    try {
      this.#writer?.writeRecord(rec);
      this.stats.records++;
    } catch (e) {
      // recordFromMessage caps and escapes every field, so the encoder should accept all it builds; if not,
      // this record is lost and counted, and the rest of the message's records are still written.
      if (!(isSipclfError(e) && e.code.startsWith('CLF_'))) throw e;
      this.stats.unencodable++;
    }
  }
}
