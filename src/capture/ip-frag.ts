/**
 * IP fragment reassembly for IPv4 (RFC 791 §3.2 "Fragmentation and Reassembly") and IPv6 (RFC 8200 §4.5),
 * bounded and deterministic.
 *
 * - A datagram is identified by (family, source, destination, protocol, Identification) — RFC 791 §3.2;
 *   for IPv6 the protocol is the Fragment header's Next Header. The caller builds that key.
 * - Overlaps: bytes that two fragments both carry must agree. Overlapping fragments whose common bytes
 *   are equal (a duplicated or re-fragmented retransmission) are accepted; if they differ, the whole
 *   datagram is abandoned with CAPTURE_FRAGMENT_OVERLAP — RFC 8200 §4.5 and RFC 5722 require that for
 *   IPv6, and Linux does the same for IPv4 since 4.19, so the receiving host never saw such a datagram.
 *   The outcome therefore never depends on arrival order. Two "last" fragments announcing different
 *   lengths, or data beyond the announced end, count as conflicting too.
 * - Limits: at most `maxDatagrams` reassemblies at once and `maxBytes` buffered fragment bytes in total,
 *   checked on every fragment kept (the oldest is dropped, CAPTURE_FRAGMENT_DROPPED), at most MAX_PARTS
 *   fragments kept per datagram, a reassembled payload of at most 65535 bytes, and a
 *   timeout in capture time (default 30 s, Linux's ipfrag_time; RFC 8200 says 60 s): a datagram whose first
 *   fragment is older is dropped. Completed and abandoned datagrams are remembered until their timeout so
 *   that late duplicates of their fragments are absorbed silently rather than starting a new reassembly —
 *   for a completed datagram only duplicates: a fragment that is not one already seen (another offset,
 *   length or content, by a hash of all its bytes) is a new datagram that reuses the Identification, and starts a reassembly of
 *   its own. The 16-bit
 *   IPv4 Identification wraps within the timeout from about 2,200 datagrams per second between two hosts (a
 *   busy trunk between two border controllers); absorbing such a datagram would lose it without a word.
 */
import { captureError, type CaptureError } from './pcap-types.js';

export interface FragmentLimits {
  /** Concurrent reassemblies (default 1024). */
  readonly maxDatagrams?: number;
  /** Fragment bytes buffered over all reassemblies (default 16 MiB). */
  readonly maxBytes?: number;
  /** Capture-time milliseconds after the first fragment (default 30000). */
  readonly timeoutMs?: number;
}

export interface FragmentStats {
  reassembled: number;
  dropped: number;
  overlaps: number;
}

interface Part {
  readonly off: number;
  readonly data: Buffer;
}

interface Entry {
  readonly firstTs: number;
  readonly firstIndex: number;
  parts: Part[];
  bytes: number;
  /** Length of the whole payload once the last fragment is seen, else -1. */
  total: number;
  /** Completed or abandoned: absorbs late duplicates of its fragments until the timeout. */
  done: boolean;
  /** Reassembled (done and not abandoned). */
  completed: boolean;
  /**
   * Each distinct fragment seen, as (offset, length, FNV-1a hash of all its bytes) triples: to tell, once the
   * datagram is completed, a late duplicate from a fragment of a new datagram. Numbers only, at most
   * MAX_PARTS fragments: what the up to 4 × maxDatagrams finished datagrams remember stays a few MiB (no Buffer
   * per fragment), and an abandoned datagram, which absorbs everything, remembers none.
   */
  seen: number[];
}

/** FNV-1a (32-bit) of `b`: the whole fragment, so that two fragments differing anywhere differ here. */
function fnv1a(b: Buffer): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h >>> 0;
}

function seenBefore(seen: readonly number[], off: number, len: number, hash: number): boolean {
  for (let i = 0; i < seen.length; i += 3) if (seen[i] === off && seen[i + 1] === len && seen[i + 2] === hash) return true;
  return false;
}

const MAX_PAYLOAD = 65535;
/**
 * Fragments kept per datagram. A 65,535-byte datagram cut for the IPv6 minimum MTU (1,280) takes 53; a
 * capture with more for one datagram is a flood of tiny or shifted fragments, each kept one costing a
 * comparison with every other (quadratic) and a buffer. The datagram is dropped instead.
 */
const MAX_PARTS = 64;

export class FragmentReassembler {
  readonly #maxDatagrams: number;
  readonly #maxBytes: number;
  readonly #timeout: number;
  readonly #map = new Map<string, Entry>();
  #bytes = 0;
  #active = 0;
  readonly stats: FragmentStats = { reassembled: 0, dropped: 0, overlaps: 0 };

  constructor(limits?: FragmentLimits) {
    this.#maxDatagrams = limits?.maxDatagrams ?? 1024;
    this.#maxBytes = limits?.maxBytes ?? 16 * 1024 * 1024;
    this.#timeout = limits?.timeoutMs ?? 30_000;
  }

  /** Bytes buffered now. */
  get buffered(): number {
    return this.#bytes;
  }

  /**
   * Adds one fragment (its data is copied if kept). Returns the reassembled payload when this fragment
   * completes its datagram. Problems go to `out`.
   */
  add(key: string, offset: number, more: boolean, data: Buffer, ts: number, index: number, out: CaptureError[]): Buffer | undefined {
    this.#expire(ts, out);
    let e = this.#map.get(key);
    // A datagram abandoned (conflict, limits) absorbs whatever else comes of it; a completed one, its duplicates.
    if (e !== undefined && e.done && e.completed) {
      if (seenBefore(e.seen, offset, data.length, fnv1a(data))) return undefined;
      // Not a fragment of the finished datagram: a new one with the same Identification.
      this.#map.delete(key);
      e = undefined;
    }
    if (e === undefined) {
      e = { firstTs: ts, firstIndex: index, parts: [], bytes: 0, total: -1, done: false, completed: false, seen: [] };
      this.#map.set(key, e);
      this.#active++;
      this.#evict(key, data.length, index, out);
    }
    if (e.done) return undefined;
    const end = offset + data.length;
    if (end > MAX_PAYLOAD) {
      this.#drop(e, index, `packet ${index}: fragment ends at byte ${end}, beyond the 65535-byte maximum; datagram dropped`, out);
      return undefined;
    }
    if (!more) {
      if (e.total >= 0 && e.total !== end) return this.#conflict(e, index, `two last fragments end at ${e.total} and ${end}`, out);
      e.total = end;
    }
    if (e.total >= 0 && end > e.total) return this.#conflict(e, index, `fragment data beyond the datagram end ${e.total}`, out);
    let covered = false;
    for (const p of e.parts) {
      const s = Math.max(p.off, offset);
      const t = Math.min(p.off + p.data.length, end);
      if (s < t && data.compare(p.data, s - p.off, t - p.off, s - offset, t - offset) !== 0) {
        return this.#conflict(e, index, `bytes ${s}-${t} differ between fragments`, out);
      }
      if (p.off <= offset && p.off + p.data.length >= end) covered = true;
    }
    // Remembered (kept or covered by what is kept), so that a late copy of it is known as one: each distinct
    // fragment once, MAX_PARTS at most (a datagram cut into more is dropped below).
    const hash = fnv1a(data);
    if (e.seen.length < 3 * MAX_PARTS && !seenBefore(e.seen, offset, data.length, hash)) e.seen.push(offset, data.length, hash);
    if (!covered && data.length > 0) {
      if (e.parts.length >= MAX_PARTS) {
        this.#drop(e, index, `packet ${index}: more than ${MAX_PARTS} fragments for one datagram; dropped`, out);
        return undefined;
      }
      // The byte bound holds for every fragment kept, not only for a datagram's first one.
      if (this.#bytes + data.length > this.#maxBytes) this.#evict(key, data.length, index, out);
      if (this.#bytes + data.length > this.#maxBytes) {
        this.#drop(e, index, `packet ${index}: fragment reassembly over its ${this.#maxBytes}-byte bound; datagram dropped`, out);
        return undefined;
      }
      e.parts.push({ off: offset, data: Buffer.from(data) });
      e.bytes += data.length;
      this.#bytes += data.length;
    }
    if (e.total < 0) return undefined;
    return this.#complete(e);
  }

  /** Drops reassemblies older than the timeout at capture time `ts`. */
  expire(ts: number, out: CaptureError[]): void {
    this.#expire(ts, out);
  }

  /** End of capture: every unfinished reassembly is reported and dropped. */
  end(out: CaptureError[]): void {
    for (const e of this.#map.values()) {
      if (!e.done) this.#drop(e, e.firstIndex, `packet ${e.firstIndex}: fragments of its datagram still missing at the end of the capture`, out);
    }
    this.#map.clear();
  }

  #complete(e: Entry): Buffer | undefined {
    const parts = e.parts.slice().sort((a, b) => a.off - b.off);
    let reach = 0;
    for (const p of parts) {
      if (p.off > reach) return undefined;
      reach = Math.max(reach, p.off + p.data.length);
    }
    if (reach < e.total) return undefined;
    const whole = Buffer.allocUnsafe(e.total);
    for (const p of parts) p.data.copy(whole, p.off);
    this.stats.reassembled++;
    this.#finish(e);
    e.completed = true;
    return whole;
  }

  #conflict(e: Entry, index: number, why: string, out: CaptureError[]): undefined {
    this.stats.overlaps++;
    this.stats.dropped++;
    out.push(captureError('CAPTURE_FRAGMENT_OVERLAP', index, -1, `packet ${index}: overlapping IP fragments disagree (${why}); datagram abandoned`));
    this.#finish(e);
    e.seen = []; // abandoned: absorbs all that follows, needs no list
    return undefined;
  }

  #drop(e: Entry, index: number, message: string, out: CaptureError[]): void {
    this.stats.dropped++;
    out.push(captureError('CAPTURE_FRAGMENT_DROPPED', index, -1, message));
    this.#finish(e);
    e.seen = [];
  }

  #finish(e: Entry): void {
    if (e.done) return;
    this.#bytes -= e.bytes;
    e.bytes = 0;
    e.parts = [];
    e.done = true;
    this.#active--;
  }

  #expire(ts: number, out: CaptureError[]): void {
    // Insertion order is first-fragment order, which is capture order.
    for (const [k, e] of this.#map) {
      if (ts - e.firstTs <= this.#timeout) break;
      if (!e.done) this.#drop(e, e.firstIndex, `packet ${e.firstIndex}: fragments of its datagram still missing after ${this.#timeout} ms; dropped`, out);
      this.#map.delete(k);
    }
  }

  /** Makes room for a new reassembly of `key` holding `n` bytes, dropping the oldest ones. */
  #evict(key: string, n: number, index: number, out: CaptureError[]): void {
    for (const [k, e] of this.#map) {
      if (this.#active <= this.#maxDatagrams && this.#bytes + n <= this.#maxBytes && this.#map.size <= 4 * this.#maxDatagrams) return;
      if (k === key) return;
      if (!e.done) this.#drop(e, e.firstIndex, `packet ${e.firstIndex}: reassembly dropped by the limits (packet ${index} needed room)`, out);
      this.#map.delete(k);
    }
  }
}
