/**
 * The messages a SIP entity logs, packed for the logging worker (log-worker.ts): one Buffer holds many
 * entries, each the octets of one message (what CLF Tag 02 logs, RFC 6873 §4.4; RFC 8497 §3.6) and what its
 * record needs from the moment it was received or sent (RFC 6872 §8: timestamp, directionality, transport,
 * addresses, transaction ids, the retransmission flag of RFC 6873 §4.2). The forwarding thread only copies
 * these; parsing the octets again, building the record and encoding it happen on the worker's thread.
 *
 * Entry layout (little-endian), then the four strings (latin1: binary strings, one octet per character) and
 * the octets, back to back:
 *
 *   0  u32 octets length       4  u32 source length     8  u32 destination length
 *  12  u32 serverTxn length (NULL_LEN: none)             16  u32 clientTxn length (NULL_LEN: none)
 *  20  u8  flags: bit 0 direction S, bit 1 encrypted, bits 2-3 transport (U T S W), bits 4-5 retransmission (O D S)
 *  21  u8  0                  22  u16 mask id (0: no masking; see LogWorker)   24  f64 timestamp (ms)
 *
 * Only this process writes these batches and only its worker reads them, but the reader still checks every
 * length against the buffer before slicing, so a bug shows as IO_LOG_BATCH_CORRUPT instead of a wild read.
 */
import { SipclfError } from '../errors.js';
import type { MessageMeta } from '../clf/from-sip.js';
import type { Retransmission, TransportFlag } from '../clf/record.js';

/**
 * One message to log: its octets, and the metadata of its record as recordFromMessage takes it (MessageMeta),
 * transaction ids given (null: none) — everything but the fields, which the worker parses from the octets.
 */
export interface LoggedMessage extends Omit<MessageMeta, 'octets' | 'serverTxn' | 'clientTxn'> {
  readonly octets: Buffer;
  readonly serverTxn: string | null;
  readonly clientTxn: string | null;
}

/** An entry as read back: with the masking the worker applies to the message text (RFC 8497 §8.2); 0: none. */
export interface BatchEntry extends LoggedMessage {
  readonly mask: number;
}

const HEAD = 32;
const NULL_LEN = 0xffffffff;
const TRANSPORTS: readonly TransportFlag[] = ['U', 'T', 'S', 'W'];
const RETRANS: readonly Retransmission[] = ['O', 'D', 'S'];
/** A batch Buffer starts this big (unless told otherwise) and doubles when an entry does not fit. */
const INITIAL_BYTES = 64 * 1024;

type Latin1Write = (this: Buffer, s: string, offset: number, length: number) => number;
/** Buffer#latin1Write: write('latin1') without its argument parsing (see clf/encode-into.ts). */
const latin1Write = (Buffer.prototype as unknown as { latin1Write?: Latin1Write }).latin1Write;
function putString(buf: Buffer, s: string, p: number): number {
  if (s.length === 0) return p;
  return p + (latin1Write !== undefined ? latin1Write.call(buf, s, p, s.length) : buf.write(s, p, s.length, 'latin1'));
}

/**
 * Entries appended one by one; `take()` hands the filled Buffer over (to be transferred) and starts anew.
 *
 * Memory: a new batch starts in a buffer from `pool` when one is big enough (the logging worker hands each
 * batch's buffer back when it is done with it, LogWorker), else in a new one of `initialBytes`. Reusing them
 * matters on the forwarding thread: a fresh buffer of a few hundred KiB is a fresh mapping whose every page
 * faults on first write, and one that is too small is copied as it doubles. Measured on this project's
 * machines with the entries of a logged proxy (~650 bytes each): 1.5-1.7 µs per entry added in fresh
 * 64 KiB-and-doubling buffers, 0.5-1.0 µs in reused ones.
 */
export class BatchBuilder {
  #buf: Buffer | undefined;
  #at = 0;
  #count = 0;
  /** Batches started in a buffer from the pool. */
  reused = 0;

  constructor(
    private readonly pool: ArrayBuffer[] = [],
    private readonly initialBytes = INITIAL_BYTES,
  ) {}

  /** Entries added since the last take(). */
  get count(): number {
    return this.#count;
  }

  /** Bytes used since the last take(). */
  get bytes(): number {
    return this.#at;
  }

  /** Appends `m`, to be masked with mask `mask` (0: none). */
  add(m: LoggedMessage, mask: number): void {
    const st = m.serverTxn;
    const ct = m.clientTxn;
    const need = HEAD + m.source.length + m.destination.length + (st?.length ?? 0) + (ct?.length ?? 0) + m.octets.length;
    const buf = this.#room(need);
    let p = this.#at;
    buf.writeUInt32LE(m.octets.length, p);
    buf.writeUInt32LE(m.source.length, p + 4);
    buf.writeUInt32LE(m.destination.length, p + 8);
    buf.writeUInt32LE(st === null ? NULL_LEN : st.length, p + 12);
    buf.writeUInt32LE(ct === null ? NULL_LEN : ct.length, p + 16);
    const t = TRANSPORTS.indexOf(m.transport);
    const r = RETRANS.indexOf(m.retransmission);
    if (t < 0 || r < 0 || (m.direction !== 'S' && m.direction !== 'R')) {
      throw new SipclfError('IO_LOG_BATCH_CORRUPT', `invalid flags ${m.direction}/${m.transport}/${m.retransmission}`);
    }
    buf[p + 20] = (m.direction === 'S' ? 1 : 0) | (m.encrypted ? 2 : 0) | (t << 2) | (r << 4);
    buf[p + 21] = 0;
    buf.writeUInt16LE(mask, p + 22);
    buf.writeDoubleLE(m.timestamp, p + 24);
    p = putString(buf, m.source, p + HEAD);
    p = putString(buf, m.destination, p);
    if (st !== null) p = putString(buf, st, p);
    if (ct !== null) p = putString(buf, ct, p);
    buf.set(m.octets, p);
    this.#at = p + m.octets.length;
    this.#count++;
  }

  /** The Buffer filled since the last take (its own ArrayBuffer, transferable), or undefined when empty. */
  take(): { buffer: ArrayBuffer; length: number; count: number } | undefined {
    if (this.#count === 0 || this.#buf === undefined) return undefined;
    const out = { buffer: this.#buf.buffer as ArrayBuffer, length: this.#at, count: this.#count };
    this.#buf = undefined;
    this.#at = 0;
    this.#count = 0;
    return out;
  }

  #room(need: number): Buffer {
    const cur = this.#buf;
    if (cur !== undefined && cur.length - this.#at >= need) return cur;
    if (cur === undefined) {
      const reused = this.pool.pop();
      if (reused !== undefined && reused.byteLength >= need) {
        this.reused++;
        return (this.#buf = Buffer.from(reused));
      }
    }
    let size = cur === undefined ? this.initialBytes : cur.length * 2;
    while (size - this.#at < need) size *= 2;
    // allocUnsafeSlow: a Buffer with an ArrayBuffer of its own (not the shared pool), so it can be transferred.
    const next = Buffer.allocUnsafeSlow(size);
    if (cur !== undefined) cur.copy(next, 0, 0, this.#at);
    this.#buf = next;
    return next;
  }
}

function corrupt(at: number, what: string): never {
  throw new SipclfError('IO_LOG_BATCH_CORRUPT', `log batch entry at byte ${at}: ${what}`);
}

/** The entries of a batch, in the order they were added. Octets are views into `buf` (no copy). */
export function* readBatch(buf: Buffer): Generator<BatchEntry> {
  let p = 0;
  while (p < buf.length) {
    if (buf.length - p < HEAD) corrupt(p, 'truncated header');
    const lens = [buf.readUInt32LE(p), buf.readUInt32LE(p + 4), buf.readUInt32LE(p + 8), buf.readUInt32LE(p + 12), buf.readUInt32LE(p + 16)];
    const flags = buf[p + 20] as number;
    const t = TRANSPORTS[(flags >>> 2) & 3] as TransportFlag;
    const r = RETRANS[(flags >>> 4) & 3];
    if (r === undefined || flags > 0x3f) corrupt(p, `bad flags ${flags}`);
    let q = p + HEAD;
    const str = (n: number): string | null => {
      if (n === NULL_LEN) return null;
      if (n > buf.length - q) corrupt(p, 'string beyond the batch');
      const s = buf.latin1Slice(q, q + n);
      q += n;
      return s;
    };
    const source = str(lens[1] as number);
    const destination = str(lens[2] as number);
    if (source === null || destination === null) corrupt(p, 'missing address');
    const serverTxn = str(lens[3] as number);
    const clientTxn = str(lens[4] as number);
    const n = lens[0] as number;
    if (n > buf.length - q) corrupt(p, 'octets beyond the batch');
    yield {
      octets: buf.subarray(q, q + n),
      timestamp: buf.readDoubleLE(p + 24),
      direction: flags & 1 ? 'S' : 'R',
      transport: t,
      encrypted: (flags & 2) !== 0,
      retransmission: r,
      source,
      destination,
      serverTxn,
      clientTxn,
      mask: buf.readUInt16LE(p + 22),
    };
    p = q + n;
  }
}
