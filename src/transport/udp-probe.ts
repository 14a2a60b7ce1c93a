/**
 * How long a datagram waits in a UDP listener's kernel receive buffer before the event loop reads it: the
 * queueing delay that decides whether SIP over UDP retransmits (T1 = 500 ms, RFC 3261 §17.1.1.2), which
 * neither Node nor the kernel reports (no SO_TIMESTAMP in node:dgram). Measured directly: the listener sends
 * probe datagrams to its own address; each joins the back of the same queue as the SIP traffic, and the time
 * until the listener reads it is that queue's delay when it was sent.
 *
 * A probe is a random token (per listener and process) followed by a sequence number; one is sent per call
 * of send() (once per overload-control window), whatever is in flight. The delay of a window is the longest
 * of the probes read back since the last reading, or, when the oldest probe not yet read has waited longer,
 * its age: while the queue grows, no probe comes back and the age keeps rising. A probe the kernel dropped
 * (the buffer was full) stops counting as soon as a later one is read. A datagram is a probe only if it has
 * the token's exact bytes and comes from the listener's own port: no peer can forge one without the token,
 * and a SIP message is never PROBE_BYTES long anyway.
 */
import { randomBytes } from 'node:crypto';

const TOKEN_BYTES = 20;
export const PROBE_BYTES = TOKEN_BYTES + 4;
/** Probes remembered in flight (a ring of send times); beyond it the oldest is forgotten. */
const RING = 64;

export class UdpProbe {
  readonly #token = randomBytes(TOKEN_BYTES);
  readonly #now: () => number;
  /** Send time of probe `seq` at `seq % RING`. */
  readonly #sentAt = new Float64Array(RING);
  /** Sequence number of the next probe; of the last probe read back (-1: none). */
  #next = 0;
  #lastRead = -1;
  /** Longest delay of the probes read back since the last delay() call. */
  #readMax = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** The next probe's bytes, its send time noted. */
  next(): Buffer {
    const seq = this.#next++;
    this.#sentAt[seq % RING] = this.#now();
    const b = Buffer.allocUnsafe(PROBE_BYTES);
    this.#token.copy(b, 0);
    b.writeUInt32BE(seq >>> 0, TOKEN_BYTES);
    return b;
  }

  /** Whether a datagram from `port` is one of these probes. */
  matches(buf: Buffer, port: number, ownPort: number): boolean {
    return buf.length === PROBE_BYTES && port === ownPort && buf.compare(this.#token, 0, TOKEN_BYTES, 0, TOKEN_BYTES) === 0;
  }

  /** A probe was read back (checked by matches()). */
  arrived(buf: Buffer): void {
    const seq = buf.readUInt32BE(TOKEN_BYTES);
    // Only probes still remembered and newer than the last one read (the kernel keeps a socket's order).
    if (seq <= this.#lastRead || seq >= this.#next || this.#next - seq > RING) return;
    this.#lastRead = seq;
    this.#readMax = Math.max(this.#readMax, this.#now() - (this.#sentAt[seq % RING] as number));
  }

  /**
   * Queueing delay in ms since the last call (see the file comment); starts a new measurement. Undefined
   * until a probe has come back once: a firewall that drops datagrams to the listener's own address would
   * otherwise read as an ever-growing queue.
   */
  delay(): number | undefined {
    if (this.#lastRead < 0) return undefined;
    const oldest = Math.max(this.#lastRead + 1, this.#next - RING);
    const waiting = oldest < this.#next ? this.#now() - (this.#sentAt[oldest % RING] as number) : 0;
    const d = Math.max(this.#readMax, waiting);
    this.#readMax = 0;
    return d;
  }
}
