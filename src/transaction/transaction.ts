/**
 * What the four transaction state machines share: the `stateTransition()` guard, timers armed and cleared
 * by state in one place, and sending through the `TransportSink` with transport errors routed back into
 * the machine (§17.1.4, §17.2.4).
 *
 * Each machine declares a `StateTable`: for every state, the states it may move to (the arrows of its RFC
 * figure, plus Terminated for the TU's `terminate()`), the timers armed on entry, and the timers that
 * survive entry from another state. `stateTransition()` rejects any other move with TXN_ILLEGAL_TRANSITION
 * (a programming error: network input never causes one), clears the timers the new state does not keep,
 * arms its entry timers (A, E, G only on unreliable transports), and, on Terminated, clears everything and
 * tells the TU and the manager.
 */
import { SipclfError } from '../errors.js';
import { detach } from '../sip/bytes.js';
import type { SipMessage } from '../sip/message.js';
import type { Clock } from './clock.js';
import { TimerPlan, TimerSet, type TimerConfig, type TimerName } from './timers.js';
import { isReliable, type Target, type TransportSink } from './types.js';

export interface StateSpec<S extends string> {
  readonly next: readonly S[];
  readonly arm: readonly TimerName[];
  readonly keep: readonly TimerName[];
}

export type StateTable<S extends string> = Readonly<Record<S, StateSpec<S>>>;

/** What every transaction is constructed with. */
export interface TransactionOptions {
  readonly sink: TransportSink;
  readonly clock: Clock;
  readonly timers: TimerConfig;
  /** Client: where the request goes. Server: where responses go. */
  readonly target: Target;
  /** Told of every message the transaction sends, just before it goes to the sink (for CLF "sent" records). */
  readonly onSend?: SendObserver;
}

/**
 * Observer of sends: `retransmission` is the CLF flag of the sent message — false for the first sending
 * of a request, response or ACK, true for a retransmission by Timer A, E or G, a response or ACK re-sent
 * because a retransmission arrived, and a 2xx the TU passes again byte for byte in Accepted.
 */
export type SendObserver = (bytes: Buffer, target: Target, retransmission: boolean, txn: Transaction<string>) => void;

/**
 * States in which no machine needs its request any more (see Transaction.request): every retransmission it
 * may still make (a final response, an ACK) is kept as bytes.
 */
const RELEASING: ReadonlySet<string> = new Set(['Completed', 'Confirmed', 'Accepted', 'Terminated']);

export abstract class Transaction<S extends string> {
  /**
   * The request that created the transaction (for a server transaction: as first received), held while the
   * machine may need it: until it reaches Completed, Confirmed, Accepted or Terminated, then `undefined`.
   * On UDP a transaction lingers in those states for up to 64·T1 (Timers D, J, L, M: 32 s by default) to
   * absorb retransmissions; keeping the parsed request (its bytes, its latin1 text and its header table,
   * several KB) that long made the heap of a busy proxy grow with the call rate × 32 s and GC dominate its
   * CPU. A TU that needs the request later keeps its own reference.
   */
  get request(): SipMessage | undefined {
    return this.#request;
  }
  #request: SipMessage | undefined;
  /** To tag of `request` (§17.2.3: RFC 2543 matching compares it, in any state). */
  readonly requestToTag: string | undefined;
  /** Top-Via branch of `request` ('' when it has none, RFC 2543 peers). */
  readonly branch: string;
  /** Method of `request`. */
  readonly method: string;
  readonly target: Target;
  readonly reliable: boolean;
  /** Clock time when the transaction was created. */
  readonly createdAt: number;
  readonly timers: TimerSet;
  protected readonly plan: TimerPlan;
  protected readonly sink: TransportSink;
  protected readonly clock: Clock;
  readonly #onSend: SendObserver | undefined;
  #state: S;
  readonly #table: StateTable<S>;
  readonly #terminatedHooks: Array<() => void> = [];

  protected constructor(request: SipMessage, initial: S, table: StateTable<S>, opts: TransactionOptions) {
    if (!request.isRequest) throw new SipclfError('TXN_BAD_MESSAGE', 'a transaction is created from a request, not a response');
    if (request.topVia === undefined) throw new SipclfError('TXN_BAD_MESSAGE', 'the request has no Via header');
    if (request.cseq === undefined) throw new SipclfError('TXN_BAD_MESSAGE', 'the request has no CSeq header');
    this.#request = request;
    // detach(): these outlive the request (see `request`), and must not keep its text alive.
    this.requestToTag = request.toTag === undefined ? undefined : detach(request.toTag);
    this.branch = detach(request.topVia.branch ?? '');
    this.method = request.method;
    this.target = opts.target;
    this.reliable = isReliable(opts.target.transport);
    this.sink = opts.sink;
    this.#onSend = opts.onSend;
    this.clock = opts.clock;
    this.createdAt = opts.clock.now();
    this.plan = new TimerPlan(opts.timers, this.reliable);
    this.timers = new TimerSet(opts.clock);
    this.#table = table;
    this.#state = initial;
  }

  get state(): S {
    return this.#state;
  }

  get terminated(): boolean {
    return this.#state === 'Terminated';
  }

  /** Called once, after the TU's onTerminated (the manager forgets the transaction here). */
  onTerminatedHook(fn: () => void): void {
    this.#terminatedHooks.push(fn);
  }

  /**
   * The TU abandons the transaction (shutdown, or a proxy giving up a branch after Timer C): Terminated at
   * once from any state, timers cleared, no callback but onTerminated. No-op when already Terminated.
   */
  terminate(): void {
    if (!this.terminated) this.stateTransition('Terminated' as S);
  }

  /** The request, in a state that still holds it (a machine's own invariant: see `request`). */
  protected held(): SipMessage {
    const r = this.#request;
    if (r === undefined) throw new SipclfError('TXN_ILLEGAL_TRANSITION', `${this.constructor.name}: the request is no longer held in state ${this.#state}`);
    return r;
  }

  /** Arms the timers of the initial state (called once by the subclass when it starts). */
  protected enterInitial(): void {
    this.armEntryTimers(this.#state);
  }

  /**
   * The one place where states change and timers are armed and cleared. `inform` (the TU callback that
   * reports the cause, e.g. onTimeout) runs after the change and before onTerminated.
   */
  protected stateTransition(to: S, inform?: () => void): void {
    const from = this.#state;
    const spec = this.#table[from];
    if (!spec.next.includes(to)) {
      throw new SipclfError('TXN_ILLEGAL_TRANSITION', `${this.constructor.name}: ${from} → ${to} is not a transition of its RFC figure`);
    }
    this.#state = to;
    if (RELEASING.has(to)) this.#request = undefined;
    const keep = this.#table[to].keep;
    for (const name of this.timers.armed()) if (!keep.includes(name)) this.timers.stop(name); // (a copy: stop() edits the set)
    this.armEntryTimers(to);
    if (to === 'Terminated') this.timers.stopAll();
    inform?.();
    if (to === 'Terminated') {
      this.terminatedUser();
      for (const fn of this.#terminatedHooks) fn();
    }
  }

  private armEntryTimers(state: S): void {
    for (const name of this.#table[state].arm) {
      if ((name === 'A' || name === 'E' || name === 'G') && !this.plan.retransmits) continue;
      this.armTimer(name, this.plan.initial(name));
    }
  }

  /** (Re-)arms one timer by RFC name; its firing is dispatched to `timerFired`. */
  protected armTimer(name: TimerName, ms: number): void {
    this.timers.start(name, ms, () => {
      if (!this.terminated) this.timerFired(name);
    });
  }

  /** Re-arms a retransmission timer (A, E, G) with its next interval. */
  protected rearm(name: 'A' | 'E' | 'G', ms?: number): void {
    const current = this.timers.intervalOf(name) ?? this.plan.initial(name);
    this.armTimer(name, ms ?? this.plan.next(name, current));
  }

  /**
   * Sends `bytes` to the transaction's target. A failure, synchronous or later, reaches `transportFailed`
   * unless the transaction has terminated meanwhile. Callers send last, after their state change.
   * `retransmission` is reported to the `onSend` observer (the CLF flag of the sent message).
   */
  protected transmit(bytes: Buffer, retransmission: boolean): void {
    this.#onSend?.(bytes, this.target, retransmission, this);
    let reported = false;
    const onError = (err: Error): void => {
      if (reported || this.terminated) return;
      reported = true;
      this.transportFailed(err);
    };
    try {
      this.sink.send(bytes, this.target, this.reliable, onError);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  protected abstract timerFired(name: TimerName): void;
  protected abstract transportFailed(err: Error): void;
  protected abstract terminatedUser(): void;
}
