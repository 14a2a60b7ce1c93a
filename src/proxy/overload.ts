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
 * The signal is event-loop utilization (performance.eventLoopUtilization: the share of a window the loop
 * was not waiting for I/O), not event-loop delay: UDP datagrams wait in the kernel, so the loop's timers stay
 * on time while the backlog grows; a loop that finds input every time it polls is busy 100 % of the time.
 *
 * The controller, one step per window (`windowMs`):
 *   - not shedding: after `sustainWindows` consecutive windows at or above `high`, the fraction becomes `step`;
 *   - shedding: a window at or above `high` raises the fraction by `step` (up to `maxFraction`), a window
 *     below it lowers it by `step / 5` — a quick rise, a slow fall: a backlog left in the socket buffer keeps
 *     the loop busy for a while after the fraction is right, and falling fast would re-admit it at once.
 * Which requests are rejected is deterministic, not random: an accumulator adds the fraction for each
 * sheddable request and rejects it when it reaches 1 (a fraction of 0.05 rejects every 20th).
 *
 * Pure: the utilization comes from the caller (ProxyServer samples it every window; tests give numbers).
 */
import { SipclfError } from '../errors.js';

export interface OverloadOptions {
  /** Default true. */
  readonly enabled?: boolean;
  /** Utilization (0-1) at or above which a window counts as overloaded. Default 0.98. */
  readonly high?: number;
  /** Length of a window in ms. Default 100. */
  readonly windowMs?: number;
  /** Overloaded windows in a row before shedding starts. Default 5 (500 ms: a burst is not shed). */
  readonly sustainWindows?: number;
  /** Fraction added per overloaded window while shedding. Default 0.05. */
  readonly step?: number;
  /** Highest fraction of new requests rejected. Default 0.95 (some new work always gets through). */
  readonly maxFraction?: number;
  /** Retry-After seconds in the 503 (RFC 3261 §20.33); 0 or absent: none (see docs/reference/proxy-config.md). */
  readonly retryAfterSeconds?: number;
}

export type ResolvedOverload = Required<OverloadOptions>;

export const OVERLOAD_DEFAULTS: ResolvedOverload = {
  enabled: true,
  high: 0.98,
  windowMs: 100,
  sustainWindows: 5,
  step: 0.05,
  maxFraction: 0.95,
  retryAfterSeconds: 0,
};

/** Bounds of each number: [min, max, integer]. */
const BOUNDS: Record<Exclude<keyof OverloadOptions, 'enabled'>, readonly [number, number, boolean]> = {
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
  /** Windows at or above `high`. */
  overloadedWindows: number;
  /** Utilization of the last window (0-1). */
  utilization: number;
}

export class OverloadControl {
  readonly options: ResolvedOverload;
  readonly stats: OverloadStats = { rejected: 0, overloadedWindows: 0, utilization: 0 };
  #fraction = 0;
  /** The fraction and the accumulator in millionths: integer sums, so 0.05 rejects exactly every 20th. */
  #ppm = 0;
  #acc = 0;
  /** Consecutive overloaded windows while not shedding. */
  #hot = 0;

  constructor(opts: OverloadOptions = {}) {
    this.options = resolveOverload(opts);
  }

  /** Fraction of new requests currently rejected (0-maxFraction). */
  get fraction(): number {
    return this.#fraction;
  }

  /** One window's utilization (0-1): adjusts the fraction (see the file comment). */
  update(utilization: number): void {
    const o = this.options;
    const u = Number.isFinite(utilization) ? Math.min(1, Math.max(0, utilization)) : 0;
    this.stats.utilization = u;
    const over = u >= o.high;
    if (over) this.stats.overloadedWindows++;
    if (!o.enabled) return;
    if (this.#fraction === 0) {
      this.#hot = over ? this.#hot + 1 : 0;
      if (this.#hot >= o.sustainWindows) {
        this.#hot = 0;
        this.#fraction = Math.min(o.maxFraction, o.step);
        this.#ppm = Math.round(this.#fraction * 1e6);
      }
      return;
    }
    // Rounded to 1e-9 so that repeated steps land exactly on 0 instead of a float residue above it.
    const next = over ? this.#fraction + o.step : this.#fraction - o.step / 5;
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
