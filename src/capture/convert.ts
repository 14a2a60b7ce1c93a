/**
 * The engine of `sipclf convert`: one streaming pass from a capture (pcap, pcapng, a file of concatenated
 * HEP v3 packets) or a log (SIP CLF, CLF JSON Lines) to SIP CLF, JSON Lines or pcap, in bounded memory.
 *
 * - Captures become records through a Viewpoint (viewpoint.ts): an entity's log with `entity`, else the
 *   neutral rule (every message once, as received by its destination).
 * - `onlyLogme` keeps only messages whose Session-ID carries the RFC 8497 `logme` marker — the stateless
 *   logging of RFC 8497 §4.5.1 applied to a capture (records: their Tag 02 message is looked at; a record
 *   without Tag 02 cannot show the marker and is skipped).
 * - CLF → CLF copies each well-framed record byte for byte; CLF ↔ JSON Lines goes through the lossless
 *   mapping of docs/reference/clf-json.md, so CLF → JSON Lines → CLF gives the same bytes.
 * - Bad input never stops the pass: every problem is counted by code, the first ones are reported with the
 *   packet (capture) or record (log) number, and the rest is converted.
 */
import { recordFromJsonLine, recordToJsonLine } from '../clf/json.js';
import { formatAddress, recordFromMessage } from '../clf/from-sip.js';
import { decodeOptionalValue } from '../clf/optional.js';
import { TAG_MESSAGE, type ClfRecord, type TransportFlag } from '../clf/record.js';
import { isSipclfError, SipclfError, type ErrorCode } from '../errors.js';
import { readRecords } from '../logfile/reader.js';
import { parseMessage } from '../sip/parser.js';
import { decodeHep, hepPayload, hepTotalLength, isHepMagic, HepError } from './hep.js';
import type { InFormat, OutFormat } from './convert-format.js';
import { captureRecordOptions } from './hep-record.js';
import { SipExtractor } from './net-sip.js';
import type { SipEvent } from './net-types.js';
import type { PacketEvent } from './pcap-types.js';
import { joined, OutBuffer, type ByteSink } from './convert-out.js';
import { PcapEncoder } from './pcap-write.js';
import { captureChunks, packetBatches } from './pcap-read.js';
import { Viewpoint, type Endpoint, type EntityAddress, type ViewRecord } from './viewpoint.js';

export { IN_FORMATS, OUT_FORMATS, headBytes, inFormatFromBytes, inFormatFromName, outFormatFromName, type InFormat, type OutFormat } from './convert-format.js';
export type { ByteSink } from './convert-out.js';

export interface ConvertOptions {
  readonly from: InFormat;
  readonly to: OutFormat;
  readonly entity?: readonly EntityAddress[];
  readonly onlyLogme?: boolean;
  /**
   * Captures: log SDP key material (a=crypto, a=key-mgmt, k=…) as captured. Default false: its values are
   * masked with X, as RFC 8497 §8.2 asks of a log (hep-record.ts WHOLE_MESSAGE_MASKED).
   */
  readonly keepKeys?: boolean;
  /** Called now and then with the input bytes consumed so far (raw, i.e. compressed bytes of a .gz). */
  readonly onProgress?: (bytes: number, messages: number) => void;
  /** Called with the first problems (numbered: `packet N` or `record N`), at most `maxReported`. */
  readonly onProblem?: (text: string) => void;
  readonly maxReported?: number;
  /** Bytes gathered per write to the sink: an integer 1 to 1 GiB (default 1 MiB); else CONFIG_INVALID. */
  readonly outputBufferBytes?: number;
}

export interface ConvertSummary {
  /** Messages (captures) or records (logs) read. */
  messages: number;
  /** Records (clf/jsonl) or SIP messages (pcap) written. */
  written: number;
  /** Skipped, by reason: not-entity, not-logme, no-message (pcap out: no Tag 02), bad-address. */
  skipped: Record<string, number>;
  /** Problems by error code (bad packets, unparseable messages, damaged records). */
  errors: Partial<Record<ErrorCode, number>>;
  errorCount: number;
  /** The viewpoint rule applied (captures only). */
  viewpoint?: string;
  /** Packets read (pcap/pcapng/hep). */
  packets?: number;
  /**
   * HEP packets without a timestamp chunk (0x0009): logged with the time of the packet before them (with the
   * time the conversion started before any packet had one) — a file has no receive time to fall back on.
   */
  untimed?: number;
}

/** Raw chunks of a file, counted for progress. */
async function* counted(path: string, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const { createReadStream } = await import('node:fs');
  let n = 0;
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) {
    n += (c as Buffer).length;
    onBytes(n);
    yield c as Buffer;
  }
}

const MAX_ADDRESSES = 4096;
const MAX_OUT_BUFFER_BYTES = 1 << 30;

interface Wire {
  readonly n: number;
  /** ms since the epoch (integer) and exactly, in ns. */
  readonly ts: number;
  readonly tsNs: bigint;
  readonly transport: 'udp' | 'tcp';
  readonly flag: TransportFlag;
  readonly src: { ip: string; port: number };
  readonly dst: { ip: string; port: number };
  /**
   * src and dst are objects the capture reader hands out again (IPv4 from its endpoint cache, TCP once per
   * flow), so their text is worth remembering by identity; IPv6 UDP endpoints are new per packet.
   */
  readonly shared: boolean;
  readonly bytes: Buffer;
}

/** Whether a record's Tag 02 message carries the log-me marker. */
export function recordIsMarked(r: ClfRecord): boolean {
  const f = r.optional.find((o) => o.tag === TAG_MESSAGE && o.vendor === 0);
  if (f === undefined) return false;
  try {
    return parseMessage(Buffer.from(decodeOptionalValue(f), 'latin1')).logme;
  } catch {
    return false;
  }
}

export class Converter {
  readonly summary: ConvertSummary = { messages: 0, written: 0, skipped: {}, errors: {}, errorCount: 0 };
  readonly #o: ConvertOptions;
  readonly #recordOptions: ReturnType<typeof captureRecordOptions>;
  readonly #out: OutBuffer;
  readonly #view: Viewpoint;
  readonly #pcap: PcapEncoder | undefined;
  readonly #addresses = new Map<Endpoint, string>();
  #bytes = 0;
  #lastProgress = 0;
  #reported = 0;

  constructor(opts: ConvertOptions, sink: ByteSink) {
    this.#o = opts;
    this.#recordOptions = captureRecordOptions(opts.keepKeys);
    const cap = opts.outputBufferBytes;
    if (cap !== undefined && (!Number.isInteger(cap) || cap < 1 || cap > MAX_OUT_BUFFER_BYTES)) {
      throw new SipclfError('CONFIG_INVALID', `outputBufferBytes: ${cap} is not an integer from 1 to ${MAX_OUT_BUFFER_BYTES}`);
    }
    this.#out = new OutBuffer(sink, opts.to === 'jsonl' ? 'utf8' : 'latin1', opts.outputBufferBytes);
    this.#view = new Viewpoint(opts.entity);
    this.#pcap = opts.to === 'pcap' ? new PcapEncoder() : undefined;
  }

  #skip(why: string): void {
    this.summary.skipped[why] = (this.summary.skipped[why] ?? 0) + 1;
  }

  #problem(code: ErrorCode, where: string, message: string): void {
    const s = this.summary;
    s.errorCount++;
    s.errors[code] = (s.errors[code] ?? 0) + 1;
    if (this.#o.onProblem !== undefined && this.#reported < (this.#o.maxReported ?? 20)) {
      this.#reported++;
      this.#o.onProblem(`${where}: ${code}: ${message}`);
    }
  }

  #progress(): void {
    if (this.#o.onProgress === undefined) return;
    if ((this.summary.messages & 1023) !== 0) return;
    const now = Date.now();
    if (now - this.#lastProgress < 200) return;
    this.#lastProgress = now;
    this.#o.onProgress(this.#bytes, this.summary.messages);
  }

  async run(input: string): Promise<ConvertSummary> {
    const from = this.#o.from;
    if (from === 'pcap' || from === 'pcapng' || from === 'hep') this.summary.viewpoint = this.#view.describe();
    if (from === 'pcap' || from === 'pcapng') await this.#capture(input);
    else if (from === 'hep') await this.#hep(input);
    else if (from === 'jsonl') await this.#jsonl(input);
    else await this.#clf(input);
    if (this.#pcap !== undefined && from !== 'pcap' && from !== 'pcapng' && from !== 'hep') {
      const ps = this.#pcap.summary;
      if (ps.noMessage > 0) this.summary.skipped['no-message'] = ps.noMessage;
      if (ps.badAddress > 0) this.summary.skipped['bad-address'] = ps.badAddress;
    }
    if (this.#view.skipped > 0) this.summary.skipped['not-entity'] = this.#view.skipped;
    await this.#out.flush();
    this.#o.onProgress?.(this.#bytes, this.summary.messages);
    return this.summary;
  }

  async #start(): Promise<void> {
    if (this.#pcap !== undefined) await this.#out.buf(this.#pcap.fileHeader());
  }

  async #capture(input: string): Promise<void> {
    await this.#start();
    // No await per message (the extractor is synchronous; a sink's write is awaited only when it returns a
    // promise), and each packet's messages are handled as soon as it is decoded: they die young instead of
    // surviving, a chunk's worth at a time, the collections their records' garbage triggers.
    const x = new SipExtractor();
    const out: SipEvent[] = [];
    for await (const batch of packetBatches(counted(input, (n) => (this.#bytes = n)))) {
      for (let i = 0; i < batch.length; i++) {
        const e = batch[i] as PacketEvent;
        if (e.type === 'packet') x.packet(e, out);
        else out.push(e);
        if (out.length > 0) {
          const r = this.#sipEvents(out);
          if (r !== undefined) await r;
        }
      }
    }
    x.end(out);
    const r = this.#sipEvents(out);
    if (r !== undefined) await r;
    this.summary.packets = x.stats.packets;
  }

  /** Handles and empties `out`; a promise only when the sink's write was asynchronous. */
  #sipEvents(out: SipEvent[]): void | Promise<void> {
    for (let i = 0; i < out.length; i++) {
      const ev = out[i] as SipEvent;
      if (ev.type !== 'sip') {
        this.#problem(ev.code, `packet ${ev.packetIndex}`, ev.message);
        continue;
      }
      const r = this.#wire({ n: ev.index, ts: Math.floor(ev.ts), tsNs: ev.tsNs, transport: ev.transport, flag: ev.transport === 'tcp' ? 'T' : 'U', src: ev.src, dst: ev.dst, shared: ev.family === 4 || ev.transport === 'tcp', bytes: ev.bytes });
      if (r !== undefined) {
        out.splice(0, i + 1); // handled: the rest once the write has settled
        return r.then(() => this.#sipEvents(out));
      }
    }
    out.length = 0;
  }

  async #hep(input: string): Promise<void> {
    await this.#start();
    let pending: Buffer = Buffer.alloc(0);
    let n = 0;
    let offset = 0;
    // The time of the last packet that had one (HEP chunks 0x0009/0x000a), for packets without.
    let lastSec = Math.floor(Date.now() / 1000);
    let lastUsec = (Date.now() % 1000) * 1000;
    const resync = (): void => {
      let i = 1;
      while (i + 4 <= pending.length && !isHepMagic(pending, i)) i++;
      const drop = i + 4 <= pending.length ? i : Math.max(1, pending.length - 3);
      offset += drop;
      pending = pending.subarray(drop);
    };
    for await (const chunk of captureChunks(counted(input, (b) => (this.#bytes = b)))) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 6) {
        let total: number;
        try {
          total = hepTotalLength(pending, 0);
        } catch (err) {
          if (err instanceof HepError && err.code === 'HEP_TRUNCATED') break;
          n++;
          this.#problem(isSipclfError(err) ? err.code : 'HEP_NOT_HEP', `packet ${n} (byte ${offset})`, (err as Error).message);
          resync();
          continue;
        }
        if (pending.length < total) break;
        n++;
        const pkt = pending.subarray(0, total);
        pending = pending.subarray(total);
        const at = offset;
        offset += total;
        let wire: Wire;
        try {
          // Views, not copies: the read chunks are never reused, and all that is built from them is
          // encoded into the output buffer before the next await.
          const h = decodeHep(pkt, { copy: false });
          if (h.protocolType !== undefined && h.protocolType !== 1) throw new HepError('HEP_NOT_SIP', `protocol type ${h.protocolType} is not SIP (1)`, 0);
          const payload = hepPayload(h, 65_535);
          if (payload === undefined) throw new HepError('HEP_NO_PAYLOAD', 'HEP packet without payload chunk', 0);
          const sip = h.srcIPv4 ?? h.srcIPv6;
          const dip = h.dstIPv4 ?? h.dstIPv6;
          if (sip === undefined || dip === undefined || h.srcPort === undefined || h.dstPort === undefined) {
            throw new HepError('CAPTURE_BAD_ADDRESS', 'HEP packet without source/destination address and port chunks', 0);
          }
          if (h.timeSec !== undefined) {
            lastSec = h.timeSec;
            lastUsec = h.timeUsec ?? 0;
          } else this.summary.untimed = (this.summary.untimed ?? 0) + 1;
          const tsNs = BigInt(lastSec) * 1_000_000_000n + BigInt(lastUsec) * 1000n;
          wire = {
            n,
            ts: lastSec * 1000 + Math.floor(lastUsec / 1000),
            tsNs,
            transport: h.ipProtocol === 6 ? 'tcp' : 'udp',
            flag: h.ipProtocol === 6 ? 'T' : h.ipProtocol === 132 ? 'S' : 'U',
            src: { ip: sip, port: h.srcPort },
            dst: { ip: dip, port: h.dstPort },
            shared: false,
            bytes: payload,
          };
        } catch (err) {
          if (!isSipclfError(err)) throw err;
          this.#problem(err.code, `packet ${n} (byte ${at})`, err.message);
          continue;
        }
        const r = this.#wire(wire);
        if (r !== undefined) await r;
      }
    }
    if (pending.length > 0) this.#problem('HEP_TRUNCATED', `packet ${n + 1} (byte ${offset})`, `the file ends inside a HEP packet (${pending.length} bytes left)`);
    this.summary.packets = n;
  }

  /** One SIP message from a capture: parse, filter, viewpoint, write. */
  #wire(w: Wire): void | Promise<void> {
    this.summary.messages++;
    this.#progress();
    let msg;
    try {
      msg = parseMessage(w.bytes);
    } catch (err) {
      if (!isSipclfError(err)) throw err;
      this.#problem(err.code, `packet ${w.n}`, err.message);
      return;
    }
    if (this.#o.onlyLogme === true && !msg.logme) {
      this.#skip('not-logme');
      return;
    }
    const views = this.#view.view(msg, w.src, w.dst);
    if (views.length === 0) return;
    if (this.#pcap !== undefined) {
      const pcap = this.#pcap;
      return this.#pcapOut(() => pcap.message({ tsNs: w.tsNs, transport: w.transport, src: w.src, dst: w.dst, bytes: w.bytes }), `packet ${w.n}`);
    }
    const timestamp = w.ts;
    const source = w.shared ? this.#address(w.src) : formatAddress(w.src.ip, w.src.port);
    const destination = w.shared ? this.#address(w.dst) : formatAddress(w.dst.ip, w.dst.port);
    let r: void | Promise<void> = undefined;
    for (let i = 0; i < views.length; i++) {
      const v = views[i] as ViewRecord;
      const meta = { timestamp, transport: w.flag, encrypted: false, source, destination, direction: v.direction, retransmission: v.retransmission, serverTxn: v.serverTxn, clientTxn: v.clientTxn };
      const rec = recordFromMessage(msg, meta, this.#recordOptions);
      let w1: void | Promise<void>;
      try {
        // Throws before writing anything when the format cannot hold the record (a capture's timestamp
        // beyond CLF's 10 digits of seconds: CLF_TIMESTAMP_RANGE); the conversion goes on.
        w1 = this.#o.to === 'clf' ? this.#out.record(rec) : this.#out.str(recordToJsonLine(rec));
      } catch (err) {
        if (!isSipclfError(err)) throw err;
        this.#problem(err.code, `packet ${w.n}`, err.message);
        continue;
      }
      this.summary.written++;
      // Each view's write is called now (in order); the promise covers all of them.
      r = joined(r, w1);
    }
    return r;
  }

  /**
   * `ip:port` of an endpoint, remembered by object: the capture reader hands out one object per IPv4
   * address and port, and one per TCP flow (net-sip.ts), so this is built once per endpoint, not twice per
   * message. Bounded. Only for Wire.shared endpoints.
   */
  #address(e: Endpoint): string {
    let a = this.#addresses.get(e);
    if (a === undefined) {
      a = formatAddress(e.ip, e.port);
      if (this.#addresses.size >= MAX_ADDRESSES) this.#addresses.clear();
      this.#addresses.set(e, a);
    }
    return a;
  }

  /**
   * Writes what the pcap encoder made of one message (`encode`): counted as written when it wrote the message,
   * a CAPTURE_PCAP_UNWRITABLE problem when it skipped it as unwritable (other skips it counts itself).
   */
  #pcapOut(encode: () => Buffer, where: string): void | Promise<void> {
    const pcap = this.#pcap as PcapEncoder;
    const before = pcap.summary.messages;
    const b = encode();
    if (pcap.summary.messages > before) this.summary.written++;
    else if (pcap.lastSkip !== undefined) this.#problem('CAPTURE_PCAP_UNWRITABLE', where, pcap.lastSkip);
    return b.length > 0 ? this.#out.buf(b) : undefined;
  }

  /** One record from a log. `raw`: its CLF text when it came framed from a CLF file. */
  #record(rec: ClfRecord, raw: string | undefined, where: string): void | Promise<void> {
    if (this.#o.onlyLogme === true && !recordIsMarked(rec)) {
      this.#skip('not-logme');
      return;
    }
    if (this.#pcap !== undefined) {
      const pcap = this.#pcap;
      return this.#pcapOut(() => pcap.record(rec), where);
    }
    if (this.#o.to === 'jsonl') {
      this.summary.written++;
      return this.#out.str(recordToJsonLine(rec));
    }
    if (raw !== undefined) {
      this.summary.written++;
      return this.#out.str(raw);
    }
    let r: void | Promise<void>;
    try {
      r = this.#out.record(rec); // throws before writing anything when the format cannot hold the record
    } catch (err) {
      if (!isSipclfError(err)) throw err;
      this.#problem(err.code, where, err.message);
      return;
    }
    this.summary.written++;
    return r;
  }

  async #jsonl(input: string): Promise<void> {
    await this.#start();
    let carry = '';
    let line = 0;
    const dec = new TextDecoder('utf-8');
    const handle = async (l: string): Promise<void> => {
      line++;
      if (l.trim() === '') return;
      this.summary.messages++;
      this.#progress();
      let rec: ClfRecord;
      try {
        rec = recordFromJsonLine(l);
      } catch (err) {
        if (!isSipclfError(err)) throw err;
        this.#problem(err.code, `record ${this.summary.messages} (line ${line})`, err.message);
        return;
      }
      const r = this.#record(rec, undefined, `record ${this.summary.messages} (line ${line})`);
      if (r !== undefined) await r;
    };
    for await (const chunk of captureChunks(counted(input, (b) => (this.#bytes = b)))) {
      const text = carry + dec.decode(chunk, { stream: true });
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      for (const l of lines) await handle(l);
    }
    carry += dec.decode();
    if (carry !== '') await handle(carry);
  }

  async #clf(input: string): Promise<void> {
    await this.#start();
    const reader = readRecords(input, { syncReads: true });
    const passthrough = this.#o.to === 'clf' && this.#o.onlyLogme !== true;
    for await (const ev of reader) {
      if (ev.type === 'error') {
        this.#problem(ev.code, `record ${this.summary.messages + 1} (byte ${ev.at})`, `${ev.message} (${ev.skipped} bytes skipped)`);
        continue;
      }
      this.summary.messages++;
      this.#bytes = ev.offset;
      this.#progress();
      const where = `record ${this.summary.messages} (byte ${ev.offset})`;
      if (passthrough) {
        this.summary.written++;
        const r = this.#out.str(ev.text);
        if (r !== undefined) await r;
        continue;
      }
      let rec: ClfRecord;
      try {
        rec = ev.decode();
      } catch (err) {
        if (!isSipclfError(err)) throw err;
        this.#problem(err.code, where, err.message);
        continue;
      }
      const r = this.#record(rec, this.#o.to === 'clf' ? ev.text : undefined, where);
      if (r !== undefined) await r;
    }
  }
}

/** Converts `input` to `sink`. Never throws for bad input (see the summary); throws for invalid options. */
export function convert(input: string, sink: ByteSink, opts: ConvertOptions): Promise<ConvertSummary> {
  return new Converter(opts, sink).run(input);
}
