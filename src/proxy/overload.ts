/**
 * Overload control of the proxy: when its one event loop is saturated, a fraction of the *new* requests it
 * would forward is answered 503 (Service Unavailable, RFC 3261 §21.5.4) instead, so that the calls already
 * admitted — their responses, ACKs, BYEs, CANCELs and retransmissions, which are never shed — still complete.
 *
 * Why (measured, docs/benchmarks.md): past the proxy's capacity, datagrams queue in the kernel's socket
 * buffer; once they wait longer than T1 (500 ms) every element retransmits (RFC 3261 §17.1.1.2, §17.2.1),
 * which adds load, and the run collapses — 15 % more calls than the capacity made 17-83 % of all calls fail.
 * RFC 5390 (requirements for SIP overload control) asks that an overloaded server keep its useful throughput
 * and prefer rejecting new work; rejecting a new request costs one response instead of two transactions and
 * a downstream leg. This is local overload control, in the spirit of the loss-based algorithm of RFC 7339
 * (SIP Overload Control: a rejection fraction raised while overloaded, lowered after) without its Via-based
 * feedback to upstream elements.
 *
 * The signal is the queueing delay of the UDP listeners: how long a probe datagram the proxy sends to its own
 * listener waits in the kernel's receive buffer before it is read (transport/udp-probe.ts) — exactly what
 * decides whether the peers retransmit. A window is overloaded when that delay reaches `maxQueueDelayMs`.
 * Not event-loop delay: the datagrams wait in the kernel, so the loop's timers stay on time while the backlog
 * grows. Not event-loop utilization alone: at capacity the loop is busy all the time without any backlog that
 * matters, and shedding there would reject calls that are served in time. Utilization (the share of the
 * window the loop was not waiting for input, performance.eventLoopUtilization) decides only for a proxy
 * without UDP listeners (TCP/TLS: the backlog is in the connections' buffers, which no probe measures):
 * overloaded at `high` or more.
 *
 * The controller, one step per window (`windowMs`). How fast the UDP delay grows measures the excess: a
 * backlog that grows by s seconds per second of wall time means work arrives at (1 + s) times the rate it is
 * done, so rejecting the fraction s / (1 + s) of it brings arrivals back to the capacity (of the work still
 * admitted when some is already rejected: 1 − (1 − f) / (1 + s)). Then:
 *   - not shedding: after `sustainWindows` overloaded windows in a row, shedding starts at that estimate
 *     (the growth over those windows; at least `step`);
 *   - shedding: an overloaded window whose delay grew raises the fraction to the estimate, and by at least
 *     `step` (up to `maxFraction`); one whose delay fell holds it — the backlog is draining, the fraction is
 *     enough, raising it would reject calls the proxy can serve; a window that is not overloaded lowers it,
 *     by `step` when the loop had idle time (utilization below `high`), by `step / 5` when it was busy all
 *     the window without a backlog — at capacity, where re-admitting much at once would overload it again.
 * The estimate takes all the work as sheddable, while responses, ACKs, BYEs and retransmissions are not, so
 * it errs low; `step` makes up the difference over the next windows. Without UDP listeners there is no
 * delay, hence no estimate: the fraction moves by `step`.
 * Which requests are rejected is deterministic, not random: an accumulator adds the fraction for each
 * sheddable request and rejects it when it reaches 1 (a fraction of 0.05 rejects every 20th).
 *
 * Pure: the utilization comes from the caller (ProxyServer samples it every window; tests give numbers).
 */
import { SipclfError } from '../errors.js';

export interface OverloadOptions {
  /** Default true. */
  readonly enabled?: boolean;
  /**
   * UDP queueing delay (ms) at or above which a window counts as overloaded. Default 300: beyond about
   * 250 ms a response and the request after it (200 OK and its ACK, BYE and its 200) cannot both cross the
   * queue within T1 and the endpoints start retransmitting, which the transactions absorb; below it a burst,
   * a GC pause or the JIT warming up to a new rate drains by itself (measured: 200 ms shed 1,438 of 6,500
   * calls of a logged proxy at 650 calls/s that passes without shedding; 300 shed none there and still
   * turned a collapse at 1,000 calls/s — 2,039 calls completed — into 7,017 completed and 2,983 503s).
   */
  readonly maxQueueDelayMs?: number;
  /**
   * Utilization (0-1) of a busy window. Without UDP listeners: a window at or above it is overloaded. With
   * them: while shedding, a window below it (not overloaded) lowers the fraction by `step`, one at or above
   * it by `step / 5`. Default 0.98.
   */
  readonly high?: number;
  /** Length of a window in ms. Default 100. */
  readonly windowMs?: number;
  /** Overloaded windows in a row before shedding starts. Default 3 (300 ms: a short burst is not shed). */
  readonly sustainWindows?: number;
  /** Fraction added per overloaded window while shedding. Default 0.05. */
  readonly step?: number;
  /** Highest fraction of new requests rejected. Default 0.95 (some new work always gets through). */
  readonly maxFraction?: number;
  /** Retry-After seconds in the 503 (RFC 3261 §20.33); 0 or absent: none (see docs/reference/proxy-config.md). */
  readonly retryAfterSeconds?: number;
}

export type ResolvedOverload = Required<OverloadOptions>;

/**
 * Least utilization of a window whose UDP delay counts: a loop with a backlog reads without waiting (≈ 1); a
 * probe that stays out while the loop idles was dropped or filtered, and is no sign of overload.
 */
export const BACKLOG_UTILIZATION = 0.9;

export const OVERLOAD_DEFAULTS: ResolvedOverload = {
  enabled: true,
  maxQueueDelayMs: 300,
  high: 0.98,
  windowMs: 100,
  sustainWindows: 3,
  step: 0.05,
  maxFraction: 0.95,
  retryAfterSeconds: 0,
};

/** Bounds of each number: [min, max, integer]. */
const BOUNDS: Record<Exclude<keyof OverloadOptions, 'enabled'>, readonly [number, number, boolean]> = {
  maxQueueDelayMs: [1, 10_000, true],
  high: [0.5, 1, false],
  windowMs: [10, 10_000, true],
  sustainWindows: [1, 1000, true],
  step: [0.001, 1, false],
  maxFraction: [0, 1, false],
  retryAfterSeconds: [0, 86_400, true],
};

/** Defaults filled in and every value checked; CONFIG_INVALID `overload.KEY: reason`. */
export function resolveOverload(o: OverloadOptions = {}): ResolvedOverload {
  const r: Record<string, number | boolean> = { ...OVERLOAD_DEFAULTS };
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (k === 'enabled') {
      if (typeof v !== 'boolean') throw new SipclfError('CONFIG_INVALID', 'overload.enabled: not true or false');
      r[k] = v;
      continue;
    }
    const b = BOUNDS[k as keyof typeof BOUNDS] as (typeof BOUNDS)[keyof typeof BOUNDS] | undefined;
    if (b === undefined) throw new SipclfError('CONFIG_INVALID', `overload.${k}: unknown key`);
    const [min, max, integer] = b;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new SipclfError('CONFIG_INVALID', `overload.${k}: not ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    r[k] = v;
  }
  return r as unknown as ResolvedOverload;
}

export interface OverloadStats {
  /** New requests answered 503 by the controller. */
  rejected: number;
  /** Windows found overloaded. */
  overloadedWindows: number;
  /** Utilization of the last window (0-1). */
  utilization: number;
  /** UDP queueing delay at the last window (ms); undefined without UDP listeners. */
  queueDelayMs: number | undefined;
}

/** What the proxy measured over one window. */
export interface OverloadSample {
  /** Share (0-1) of the window the event loop was busy. */
  readonly utilization: number;
  /** Queueing delay of the UDP listeners (ms); undefined without UDP listeners. */
  readonly queueDelayMs?: number | undefined;
}

export class OverloadControl {
  readonly options: ResolvedOverload;
  readonly stats: OverloadStats = { rejected: 0, overloadedWindows: 0, utilization: 0, queueDelayMs: undefined };
  #fraction = 0;
  /** The fraction and the accumulator in millionths: integer sums, so 0.05 rejects exactly every 20th. */
  #ppm = 0;
  #acc = 0;
  /** Consecutive overloaded windows while not shedding. */
  #hot = 0;
  /** The UDP delay of the window before the current run of overloaded ones (not shedding yet). */
  #hotFrom = 0;
  /** The UDP delay of the previous window. */
  #lastDelay: number | undefined;

  constructor(opts: OverloadOptions = {}) {
    this.options = resolveOverload(opts);
  }

  /** Fraction of new requests currently rejected (0-maxFraction). */
  get fraction(): number {
    return this.#fraction;
  }

  /** One window's measurements: adjusts the fraction (see the file comment). */
  update(sample: OverloadSample): void {
    const o = this.options;
    const u = Number.isFinite(sample.utilization) ? Math.min(1, Math.max(0, sample.utilization)) : 0;
    const d = sample.queueDelayMs;
    const delay = d === undefined ? undefined : Number.isFinite(d) ? Math.max(0, d) : 0;
    this.stats.utilization = u;
    this.stats.queueDelayMs = delay;
    const prev = this.#lastDelay;
    this.#lastDelay = delay;
    const falling = delay !== undefined && prev !== undefined && delay < prev;
    // Seconds of backlog added per second (see the file comment).
    const growth = delay !== undefined && prev !== undefined && delay > prev ? (delay - prev) / o.windowMs : 0;
    // A backlog keeps the loop busy: probes that do not come back while it idles were lost or filtered.
    const over = delay === undefined ? u >= o.high : delay >= o.maxQueueDelayMs && u >= BACKLOG_UTILIZATION;
    if (over) this.stats.overloadedWindows++;
    if (!o.enabled) return;
    if (this.#fraction === 0) {
      if (!over) {
        this.#hot = 0;
        return;
      }
      // The growth over the whole run of overloaded windows: one window's is noisy.
      if (this.#hot === 0) this.#hotFrom = prev ?? delay ?? 0;
      this.#hot++;
      if (this.#hot >= o.sustainWindows) {
        this.#hot = 0;
        const g = delay === undefined ? 0 : Math.max(0, delay - this.#hotFrom) / (o.sustainWindows * o.windowMs);
        this.#set(Math.max(o.step, g / (1 + g)));
      }
      return;
    }
    const f = this.#fraction;
    if (over) this.#set(falling ? f : Math.max(f + o.step, 1 - (1 - f) / (1 + growth)));
    else this.#set(f - (u >= o.high ? o.step / 5 : o.step));
  }

  #set(next: number): void {
    const o = this.options;
    // Rounded to 1e-9 so that repeated steps land exactly on 0 instead of a float residue above it.
    this.#fraction = Math.min(o.maxFraction, Math.max(0, Math.round(next * 1e9) / 1e9));
    this.#ppm = Math.round(this.#fraction * 1e6);
    if (this.#ppm === 0) this.#acc = 0;
  }

  /** Called for each new request that may be shed: true when this one is to be answered 503. */
  shed(): boolean {
    if (this.#ppm === 0) return false;
    this.#acc += this.#ppm;
    if (this.#acc < 1e6) return false;
    this.#acc -= 1e6;
    this.stats.rejected++;
    return true;
  }

  /** The 503's extra headers: Retry-After when configured. */
  responseHeaders(): ReadonlyArray<readonly [string, string]> {
    const s = this.options.retryAfterSeconds;
    return s > 0 ? [['Retry-After', String(s)]] : [];
  }
}
