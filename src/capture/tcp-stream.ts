/**
 * TCP stream reassembly for SIP (RFC 9293 §3.4 sequence numbers, §3.10.7 segment arrival; RFC 3261 §18.3
 * framing): each direction of a connection (a 4-tuple) is a byte stream, put back in order and fed to its
 * own sip-layer StreamFramer, which cuts it into messages.
 *
 * - Sequence numbers are compared modulo 2^32 (signed 32-bit difference), so streams that wrap read on.
 * - SYN sets the initial sequence number (data starts at ISN+1); a SYN on a known direction with another
 *   ISN is a new connection (the old one ends). Without a SYN (a capture that starts mid-connection) the
 *   first segment seen sets the position. FIN ends the stream once every byte before it has arrived; RST
 *   ends it at once. An ended direction is remembered (until idle) so retransmissions after it are ignored.
 * - A segment wholly before the expected position is a retransmission (ignored, counted); one overlapping it
 *   contributes only its new bytes (the bytes first received win); one beyond it is buffered (copied) until
 *   the hole is filled. Buffering is bounded per direction (bytes, and MAX_HELD segments) and in total, each
 *   segment counted with HELD_OVERHEAD bytes more than its data so that a flood of one-byte segments is
 *   bounded too: past a bound, the hole of the direction holding the most is given up as a gap
 *   (CAPTURE_TCP_GAP) and that stream resumes at its earliest buffered byte. At the end of the capture,
 *   buffered segments after a hole are delivered after a gap. What the framers hold of unfinished messages
 *   counts against the same total bound (#shedFraming).
 * - Framing: a direction first *hunts* for a SIP start line at a line start (net-types.ts isSipStart);
 *   bytes before it are skipped. After a gap or a framing error (the framer cannot resynchronise, RFC 3261
 *   §18.3) it hunts again — after an error from the line after the failed message's first line, in the rest
 *   of the same segment too, so that a good message behind a bad one is not lost. A direction that shows no start line in `huntBytes` bytes is not SIP and is
 *   ignored from then on, so non-SIP connections cost no buffering.
 * - A message is reported with the packet that completed it (as tshark reports reassembled PDUs).
 */
import { SipParseError } from '../errors.js';
import type { ParseLimits } from '../sip/limits.js';
import { StreamFramer } from '../sip/framer.js';
import type { CaptureStats, SipEndpoint, SipEvent, TcpLimits } from './net-types.js';
import { captureError } from './pcap-types.js';
import { HUNT_LINE, diff, flowName, huntStart, type Flow, type Held } from './tcp-flow.js';

/** What a held segment costs besides its data (its object, its Buffer's), counted against the byte bounds. */
const HELD_OVERHEAD = 160;
/**
 * Segments held per direction: a hole with more segments after it than this is given up. Each held segment is
 * inserted in order (a binary search, then an array insert of at most this many pointers). With the default
 * 1-MiB bound the byte count (HELD_OVERHEAD included) stops one-byte segments first, at about 6,500; this
 * bounds the insert cost when a larger maxFlowBytes is configured.
 */
const MAX_HELD = 8192;

/** The packet a segment came in. */
export interface SegmentContext {
  readonly index: number;
  readonly ts: number;
  readonly tsNs: bigint;
  readonly family: 4 | 6;
}

export class TcpReassembler {
  readonly #flows = new Map<string, Flow>();
  readonly #maxFlow: number;
  readonly #maxTotal: number;
  readonly #maxFlows: number;
  readonly #idle: number;
  readonly #huntBytes: number;
  readonly #limits: Partial<ParseLimits> | undefined;
  readonly #stats: CaptureStats;
  #held = 0;
  /** What the framers hold of unfinished messages, over all directions (Flow.framing). */
  #framing = 0;
  #nextSweep = -Infinity;

  constructor(stats: CaptureStats, limits?: TcpLimits, parse?: Partial<ParseLimits>) {
    this.#stats = stats;
    this.#maxFlow = limits?.maxFlowBytes ?? 1 << 20;
    this.#maxTotal = limits?.maxTotalBytes ?? 64 << 20;
    this.#maxFlows = limits?.maxFlows ?? 65536;
    this.#idle = limits?.idleMs ?? 300_000;
    this.#huntBytes = limits?.huntBytes ?? 65536;
    this.#limits = parse;
  }

  /** Out-of-order bytes buffered now, over all directions. */
  get buffered(): number {
    return this.#held;
  }

  /** Bytes (with their per-segment overhead) the framers hold of unfinished messages, over all directions. */
  get framing(): number {
    return this.#framing;
  }

  /** One TCP segment of direction `key` (src → dst). `data` is only read during the call (kept bytes are copied). */
  segment(key: string, src: () => SipEndpoint, dst: () => SipEndpoint, seq: number, flags: number, data: Buffer, cx: SegmentContext, out: SipEvent[]): void {
    const syn = (flags & 0x02) !== 0;
    const fin = (flags & 0x01) !== 0;
    const rst = (flags & 0x04) !== 0;
    if (cx.ts >= this.#nextSweep) this.#sweep(cx, out);
    let f = this.#flows.get(key);
    if (f !== undefined && syn && (f.closed || f.isn !== seq)) {
      this.#end(f, cx, out);
      this.#flows.delete(key);
      f = undefined;
    }
    if (f === undefined) {
      if (!syn && data.length === 0) return; // a bare ACK or FIN of an unknown stream
      f = this.#open(key, src(), dst(), syn ? seq : (seq - 1) | 0, cx.ts, out, cx);
    } else if (f.lastTs !== cx.ts) {
      // Kept in order of last activity (the Map's order): a full table evicts the direction idle longest, not
      // the oldest — which would be a long-lived trunk, pushed out by a flood of SYNs.
      this.#flows.delete(key);
      this.#flows.set(key, f);
    }
    f.lastTs = cx.ts;
    if (f.closed) {
      if (data.length > 0) this.#stats.tcpStreams.retransmitted++;
      return;
    }
    if (rst) {
      this.#end(f, cx, out);
      return;
    }
    const start = syn ? (seq + 1) | 0 : seq;
    if (fin) f.fin = (start + data.length) | 0;
    if (data.length > 0) this.#data(f, start, data, cx, out);
    if (f.fin !== undefined && f.next === f.fin) this.#end(f, cx, out);
  }

  /**
   * The capture lost the bytes of direction `key` up to `seq` (a segment cut by the snapshot length): the
   * stream skips to it with a gap.
   */
  skipTo(key: string, seq: number, cx: SegmentContext, out: SipEvent[]): void {
    const f = this.#flows.get(key);
    if (f === undefined || f.closed || diff(seq, f.next) <= 0) return;
    this.#gap(f, seq, 'the capture cut a segment short', cx, out);
    this.#drain(f, cx, out);
  }

  /** End of capture: buffered segments are delivered after their gaps, every stream ends. */
  end(cx: SegmentContext, out: SipEvent[]): void {
    for (const f of this.#flows.values()) this.#end(f, cx, out);
    this.#flows.clear();
  }

  /** A new direction; with the table full, the one idle longest (first in the Map) is ended to make room. */
  #open(key: string, src: SipEndpoint, dst: SipEndpoint, isn: number, ts: number, out: SipEvent[], cx: SegmentContext): Flow {
    if (this.#flows.size >= this.#maxFlows) {
      for (const [k, old] of this.#flows) {
        this.#end(old, cx, out);
        this.#flows.delete(k);
        break;
      }
    }
    const f: Flow = { src, dst, isn, next: (isn + 1) | 0, fin: undefined, closed: false, held: [], heldBytes: 0, framer: undefined, framed: 0, framing: 0, skipLine: false, partial: undefined, hunted: 0, everSip: false, notSip: false, lastTs: ts };
    this.#flows.set(key, f);
    this.#stats.tcpStreams.flows++;
    return f;
  }

  #data(f: Flow, seq: number, data: Buffer, cx: SegmentContext, out: SipEvent[]): void {
    const st = this.#stats.tcpStreams;
    const d = diff(seq, f.next);
    if (d + data.length <= 0) {
      st.retransmitted++;
      return;
    }
    if (d > 0) {
      st.outOfOrder++;
      if (f.notSip) {
        // Not SIP: nothing of it is framed, so nothing is held either; the hole is simply skipped over.
        st.bytesSkipped += data.length;
        f.next = (seq + data.length) | 0;
        return;
      }
      this.#hold(f, seq, data);
      if (f.heldBytes > this.#maxFlow || f.held.length > MAX_HELD) this.#giveUp(f, cx, out);
      if (this.#held > this.#maxTotal) this.#shed(cx, out);
      return;
    }
    this.#deliver(f, seq, data, cx, out);
    this.#drain(f, cx, out);
  }

  #hold(f: Flow, seq: number, data: Buffer): void {
    const h: Held = { seq, data: Buffer.from(data) };
    // After every held segment at or before `seq` (binary search: segments may arrive in any order).
    let lo = 0;
    let hi = f.held.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (diff((f.held[mid] as Held).seq, seq) > 0) hi = mid;
      else lo = mid + 1;
    }
    f.held.splice(lo, 0, h);
    f.heldBytes += data.length + HELD_OVERHEAD;
    this.#held += data.length + HELD_OVERHEAD;
  }

  /** Gives the hole of `f` up: it resumes at its earliest byte held. */
  #giveUp(f: Flow, cx: SegmentContext, out: SipEvent[]): void {
    if (f.held.length === 0) return;
    this.#gap(f, (f.held[0] as Held).seq, 'buffering limit reached', cx, out);
    this.#drain(f, cx, out);
  }

  /**
   * Over the total bound: the directions holding the most give their holes up (not whichever segment came last),
   * down to three quarters of the bound, so that the scan and sort of the flows are paid once per quarter of
   * the bound buffered anew, not once per segment.
   */
  #shed(cx: SegmentContext, out: SipEvent[]): void {
    const holding = [...this.#flows.values()].filter((f) => f.held.length > 0).sort((a, b) => b.heldBytes - a.heldBytes);
    const target = (this.#maxTotal * 3) / 4;
    for (const f of holding) {
      while (f.held.length > 0 && this.#held > target) this.#giveUp(f, cx, out);
      if (this.#held <= target) return;
    }
  }

  /** Delivers the held segments that the stream has reached. */
  #drain(f: Flow, cx: SegmentContext, out: SipEvent[]): void {
    while (f.held.length > 0) {
      const h = f.held[0] as Held;
      if (diff(h.seq, f.next) > 0) return;
      f.held.shift();
      f.heldBytes -= h.data.length + HELD_OVERHEAD;
      this.#held -= h.data.length + HELD_OVERHEAD;
      this.#deliver(f, h.seq, h.data, cx, out);
    }
  }

  /** Bytes from `seq` (≤ f.next) on; only those at or after f.next are new. */
  #deliver(f: Flow, seq: number, data: Buffer, cx: SegmentContext, out: SipEvent[]): void {
    const skip = -diff(seq, f.next);
    if (skip >= data.length) return;
    const bytes = skip > 0 ? data.subarray(skip) : data;
    f.next = (f.next + bytes.length) | 0;
    if (f.notSip) {
      this.#stats.tcpStreams.bytesSkipped += bytes.length;
      return;
    }
    this.#feed(f, bytes, cx, out);
  }

  /**
   * New stream bytes: to the framer, or hunted through for a start line first (after a gap, an error). A loop,
   * not a recursion, over what follows each framing error: a hostile segment can hold thousands of bad messages.
   */
  #feed(f: Flow, bytes: Buffer, cx: SegmentContext, out: SipEvent[]): void {
    this.#own = 0;
    for (let rest: Buffer | undefined = bytes; rest !== undefined; ) rest = this.#feedOnce(f, rest, cx, out);
  }

  /**
   * Length of the private copy (made by #feedOnce) that the bytes #feed passes on after a framing error are a
   * view of; 0 while they are the capture's own. Such a rest is framed without another copy unless it is less
   * than half of that copy: a segment of n bad messages is copied a bounded number of times, not n (each copy
   * of the rest would make that quadratic), and a framer holding a view never pins more than twice its bytes.
   */
  #own = 0;

  /** One step of #feed: returns what follows a framing error, to be hunted through next, or undefined. */
  #feedOnce(f: Flow, bytes: Buffer, cx: SegmentContext, out: SipEvent[]): Buffer | undefined {
    let input = bytes;
    let from = 0;
    if (f.framer === undefined) {
      if (f.skipLine) {
        // After a framing error: the rest of the failed message's line is not a line start.
        const lf = bytes.indexOf(0x0a);
        this.#stats.tcpStreams.bytesSkipped += lf < 0 ? bytes.length : lf + 1;
        if (lf < 0 || lf + 1 === bytes.length) {
          f.skipLine = lf < 0;
          return undefined;
        }
        f.skipLine = false;
        input = bytes = bytes.subarray(lf + 1);
      }
      // Hunting: the unfinished last line of earlier bytes is kept (bounded) so a start line split across
      // segments is still found.
      if (f.partial !== undefined) {
        input = Buffer.concat([f.partial, bytes]);
        this.#own = input.length; // a new private buffer
      } else input = bytes;
      f.partial = undefined;
      from = huntStart(input);
      if (from < 0) {
        const tail = -from - 1;
        const keep = input.length - tail;
        if (keep <= HUNT_LINE && tail < input.length) f.partial = Buffer.from(input.subarray(tail));
        this.#stats.tcpStreams.bytesSkipped += input.length - (f.partial?.length ?? 0);
        f.hunted += bytes.length;
        if (!f.everSip && f.hunted > this.#huntBytes) {
          f.notSip = true;
          this.#stats.tcpStreams.bytesSkipped += f.partial?.length ?? 0;
          f.partial = undefined;
        }
        return undefined;
      }
      this.#stats.tcpStreams.bytesSkipped += from;
      f.framer = new StreamFramer(this.#limits);
      f.framed = 0;
      f.everSip = true;
      f.hunted = 0;
    }
    // The framer keeps what it is given: hand it a copy, not a view of the capture's chunk (or a view of this
    // step's own copy, see #own).
    const view = input.subarray(from);
    let chunk: Buffer;
    if (this.#own > 0 && 2 * view.length >= this.#own) chunk = view;
    else {
      chunk = Buffer.from(view);
      this.#own = chunk.length;
    }
    const before = f.framed;
    f.framed += chunk.length;
    const framer = f.framer;
    const rest = this.#frame(f, framer.push(chunk), cx, out, chunk, before);
    if (f.framer === framer) {
      // What the framer now holds: the chunks it keeps for an unfinished message (not every chunk pushed since
      // it last held nothing: it lets go of those that only held finished messages), each a Buffer of its own
      // (HELD_OVERHEAD, as for held segments: one-byte segments are bounded too).
      const cost = framer.buffered === 0 ? 0 : framer.retainedBytes + HELD_OVERHEAD * framer.retainedChunks;
      this.#framing += cost - f.framing;
      f.framing = cost;
      if (this.#held + this.#framing > this.#maxTotal) this.#shedFraming(cx, out);
    }
    return rest;
  }

  /** Forgets a direction's framer and what it held (framing restarts with a hunt). */
  #dropFramer(f: Flow): void {
    f.framer = undefined;
    this.#framing -= f.framing;
    f.framing = 0;
  }

  /**
   * Over the total bound with unfinished messages (framers hold each message until its last byte: a message
   * sent a byte per segment on many connections would otherwise hold memory without limit): the directions
   * holding the most drop their message (CAPTURE_TCP_GAP) and hunt for the next, down to three quarters of the
   * bound, as #shed does for held segments.
   */
  #shedFraming(cx: SegmentContext, out: SipEvent[]): void {
    const holding = [...this.#flows.values()].filter((f) => f.framing > 0).sort((a, b) => b.framing - a.framing);
    const target = (this.#maxTotal * 3) / 4;
    for (const f of holding) {
      if (this.#held + this.#framing <= target) return;
      const bytes = f.framer?.buffered ?? 0;
      this.#stats.tcpStreams.gaps++;
      this.#stats.tcpStreams.bytesSkipped += bytes;
      out.push(captureError('CAPTURE_TCP_GAP', cx.index, -1, `packet ${cx.index}: TCP ${flowName(f)}: an unfinished message of ${bytes} bytes dropped (buffering limit reached); SIP framing restarts`));
      this.#dropFramer(f);
      f.partial = undefined;
      f.skipLine = true;
    }
  }

  /**
   * The framer's events for `chunk` (stream offsets from `before` on). After a framing error the framer
   * ignores the rest of what it was given: the hunt for the next start line goes on in that rest, from the line
   * after the one where the failed message failed, so a good message after a bad one in the same segment is
   * not lost.
   */
  #frame(f: Flow, events: ReturnType<StreamFramer['push']>, cx: SegmentContext, out: SipEvent[], chunk?: Buffer, before = 0): Buffer | undefined {
    for (const e of events) {
      if (e.type === 'message') {
        this.#stats.sip++;
        this.#stats.tcp++;
        out.push({ type: 'sip', index: cx.index, ts: cx.ts, tsNs: cx.tsNs, transport: 'tcp', family: cx.family, src: f.src, dst: f.dst, bytes: e.bytes });
      } else if (e.type === 'keepalive') {
        this.#stats.keepalives++;
      } else {
        const err = e.error;
        const code = err instanceof SipParseError ? err.code : 'SIP_BAD_START_LINE';
        out.push(captureError(code, cx.index, -1, `packet ${cx.index}: TCP ${flowName(f)}: ${err.message}; looking for the next start line`));
        this.#dropFramer(f);
        if (chunk === undefined) return undefined; // the stream's end: nothing follows
        // Where the failed message starts in this chunk (one that began in an earlier chunk: this chunk's
        // start, and its bytes there were held by the framer: skipped). From there the hunt counts what it skips.
        const offset = err instanceof SipParseError ? err.offset : before;
        const at = Math.min(chunk.length, Math.max(0, offset - before));
        this.#stats.tcpStreams.bytesSkipped += Math.max(0, before - offset);
        if (at >= chunk.length) return undefined;
        f.skipLine = true;
        return chunk.subarray(at); // hunted through by #feed (the framer ignores what follows its error)
      }
    }
    return undefined;
  }

  #gap(f: Flow, to: number, why: string, cx: SegmentContext, out: SipEvent[]): void {
    const lost = diff(to, f.next);
    this.#stats.tcpStreams.gaps++;
    this.#stats.tcpStreams.bytesSkipped += Math.max(0, lost);
    if (f.framer !== undefined && f.framer.buffered > 0) this.#stats.tcpStreams.bytesSkipped += f.framer.buffered;
    if (!f.notSip) out.push(captureError('CAPTURE_TCP_GAP', cx.index, -1, `packet ${cx.index}: TCP ${flowName(f)}: ${lost} bytes missing (${why}); SIP framing restarts`));
    this.#dropFramer(f);
    f.partial = undefined;
    f.skipLine = false;
    f.next = to;
  }

  /** Ends a direction: held segments after their gaps, then the framer's end (an unfinished message). */
  #end(f: Flow, cx: SegmentContext, out: SipEvent[]): void {
    if (f.closed) return;
    while (f.held.length > 0) {
      const h = f.held[0] as Held;
      if (diff(h.seq, f.next) > 0) this.#gap(f, h.seq, 'never captured', cx, out);
      this.#drain(f, cx, out);
    }
    if (f.framer !== undefined) this.#frame(f, f.framer.end(), cx, out);
    this.#dropFramer(f);
    f.closed = true;
  }

  /** Forgets directions idle for longer than the idle time (capture time), every 10 s of capture time. */
  #sweep(cx: SegmentContext, out: SipEvent[]): void {
    this.#nextSweep = cx.ts + 10_000;
    for (const [k, f] of this.#flows) {
      if (cx.ts - f.lastTs > this.#idle) {
        this.#end(f, cx, out);
        this.#flows.delete(k);
      }
    }
  }

}
