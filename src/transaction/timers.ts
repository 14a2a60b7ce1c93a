/**
 * The timers of RFC 3261 §17 (Table 4) and RFC 6026 §8.11 (Timers L and M), their defaults, and the
 * `TimerSet` through which a transaction arms and clears them by their RFC name.
 *
 * Every value is configurable (milliseconds). Derived timers (B, F, H, J, L, M = 64·T1; I, K = T4) follow
 * T1/T4 unless set explicitly. Timers D, I, J and K are zero on reliable transports (Table 4), and A, E and
 * G are never armed there (§17.1.1.2, §17.1.2.2, §17.2.1); `TimerPlan` applies that rule in one place.
 */
import type { Clock, TimerHandle } from './clock.js';

/** RFC names of the timers a transaction may arm; "Trying" is the §17.2.1 200 ms 100 (Trying) rule. */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'Trying';

export interface TimerConfig {
  /** RTT estimate, §17.1.1.1. Default 500 ms. */
  readonly T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, §17.1.2.2. Default 4 s. */
  readonly T2: number;
  /** Maximum time a message remains in the network, §17.1.2.2. Default 5 s. */
  readonly T4: number;
  /** INVITE transaction timeout, §17.1.1.2. Default 64·T1. */
  readonly B: number;
  /** Wait for response retransmits on unreliable transports, §17.1.1.2 ("at least 32 s"). Default 32 s. */
  readonly D: number;
  /** Non-INVITE transaction timeout, §17.1.2.2. Default 64·T1. */
  readonly F: number;
  /** Wait for ACK receipt, §17.2.1. Default 64·T1. */
  readonly H: number;
  /** Wait for ACK retransmits on unreliable transports, §17.2.1. Default T4. */
  readonly I: number;
  /** Wait for non-INVITE request retransmits on unreliable transports, §17.2.2. Default 64·T1. */
  readonly J: number;
  /** Wait for response retransmits on unreliable transports, §17.1.2.2. Default T4. */
  readonly K: number;
  /** Accepted INVITE server transaction lifetime, RFC 6026 §7.1. Default 64·T1. */
  readonly L: number;
  /** Accepted INVITE client transaction lifetime, RFC 6026 §7.2. Default 64·T1. */
  readonly M: number;
  /**
   * §17.2.1: the INVITE server transaction sends 100 (Trying) itself unless the TU sends a response within
   * 200 ms. Default 200; `false` leaves every provisional response to the TU.
   */
  readonly trying: number | false;
}

export const T1_DEFAULT = 500;
export const T2_DEFAULT = 4000;
export const T4_DEFAULT = 5000;

/** Fills in a partial configuration: explicit values win, derived timers follow the T1/T4 given. */
export function resolveTimers(partial: Partial<TimerConfig> = {}): TimerConfig {
  const T1 = partial.T1 ?? T1_DEFAULT;
  const T2 = partial.T2 ?? T2_DEFAULT;
  const T4 = partial.T4 ?? T4_DEFAULT;
  const t64 = 64 * T1;
  return {
    T1,
    T2,
    T4,
    B: partial.B ?? t64,
    D: partial.D ?? 32_000,
    F: partial.F ?? t64,
    H: partial.H ?? t64,
    I: partial.I ?? T4,
    J: partial.J ?? t64,
    K: partial.K ?? T4,
    L: partial.L ?? t64,
    M: partial.M ?? t64,
    trying: partial.trying ?? 200,
  };
}

export const DEFAULT_TIMERS: TimerConfig = resolveTimers();

/** The durations one transaction uses, given whether its transport is reliable (Table 4). */
export class TimerPlan {
  constructor(
    readonly config: TimerConfig,
    readonly reliable: boolean,
  ) {}

  /** Whether A, E and G (retransmission timers) run at all: unreliable transports only. */
  get retransmits(): boolean {
    return !this.reliable;
  }

  /** Next A/E/G interval after `current`: A doubles without bound (§17.1.1.2); E and G cap at T2. */
  next(name: 'A' | 'E' | 'G', current: number): number {
    return name === 'A' ? 2 * current : Math.min(2 * current, this.config.T2);
  }

  /** Initial value of a timer: D, I, J, K are zero on reliable transports. */
  initial(name: TimerName): number {
    const c = this.config;
    switch (name) {
      case 'A':
      case 'E':
      case 'G':
        return c.T1;
      case 'D':
      case 'I':
      case 'J':
      case 'K':
        return this.reliable ? 0 : c[name];
      case 'Trying':
        return c.trying === false ? 0 : c.trying;
      default:
        return c[name];
    }
  }
}

/**
 * The armed timers of one transaction, by RFC name: starting a timer that is already armed re-arms it,
 * `stopAll()` is what termination calls so that nothing is left pending.
 *
 * Two short arrays rather than Maps: a machine has at most three timers armed at once, and on UDP every
 * transaction lingers 64·T1 after completing, so a busy proxy holds tens of thousands of TimerSets.
 */
export class TimerSet {
  readonly #clock: Clock;
  readonly #names: TimerName[] = [];
  readonly #handles: TimerHandle[] = [];
  /** Interval the retransmission timer (A, E or G: a machine has one of them) was last armed with. */
  #retransmit: TimerName | undefined;
  #retransmitMs = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  start(name: TimerName, ms: number, fire: () => void): void {
    this.stop(name);
    if (name === 'A' || name === 'E' || name === 'G') {
      this.#retransmit = name;
      this.#retransmitMs = ms;
    }
    const handle = this.#clock.setTimeout(
      () => {
        this.#forget(name);
        fire();
      },
      ms,
      name,
    );
    this.#names.push(name);
    this.#handles.push(handle);
  }

  /** The interval A, E or G was last armed with (undefined: never armed, or another timer). */
  intervalOf(name: TimerName): number | undefined {
    return this.#retransmit === name ? this.#retransmitMs : undefined;
  }

  stop(name: TimerName): void {
    const i = this.#names.indexOf(name);
    if (i < 0) return;
    this.#clock.clearTimeout(this.#handles[i] as TimerHandle);
    this.#names.splice(i, 1);
    this.#handles.splice(i, 1);
  }

  #forget(name: TimerName): void {
    const i = this.#names.indexOf(name);
    if (i < 0) return;
    this.#names.splice(i, 1);
    this.#handles.splice(i, 1);
  }

  stopAll(): void {
    for (const h of this.#handles) this.#clock.clearTimeout(h);
    this.#names.length = 0;
    this.#handles.length = 0;
  }

  isArmed(name: TimerName): boolean {
    return this.#names.includes(name);
  }

  /** Names of the armed timers (for tests and diagnostics). */
  armed(): TimerName[] {
    return [...this.#names];
  }
}
