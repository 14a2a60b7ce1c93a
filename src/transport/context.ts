/**
 * What the parts of TransportLayer share (layer.ts builds one LayerContext and hands it to listeners.ts,
 * receive.ts, send.ts and connections.ts): the resolved options, the counters, the lifecycle state, and the
 * Reporter — the one place problems are counted and reported and events emitted, so that a listener that
 * throws is caught and counted (TRANSPORT_HANDLER) and nothing escapes from a socket callback.
 */
import type { EventEmitter } from 'node:events';
import { SipclfError, type ErrorCode } from '../errors.js';
import type { Endpoint, TransportName } from './address.js';
import type { TransportEvents } from './events.js';
import type { ResolvedOptions } from './options.js';
import type { Counters } from './stats.js';

export type LayerState = 'new' | 'starting' | 'running' | 'closing' | 'closed';

export interface LayerContext {
  readonly o: ResolvedOptions;
  readonly counters: Counters;
  readonly report: Reporter;
  /** The layer's lifecycle state now. */
  state(): LayerState;
}

/** Emits the layer's events and reports its problems, counting both. */
export class Reporter {
  readonly #emitter: EventEmitter<TransportEvents>;
  readonly #counters: Counters;

  constructor(emitter: EventEmitter<TransportEvents>, counters: Counters) {
    this.#emitter = emitter;
    this.#counters = counters;
  }

  /** True when `event` has at least one listener (events nobody listens to are not built). */
  listening(event: keyof TransportEvents): boolean {
    return this.#emitter.listenerCount(event) > 0;
  }

  /** Emits to listeners; a listener that throws is counted (TRANSPORT_HANDLER), never lets the error escape. */
  emitSafe<K extends keyof TransportEvents>(event: K, ...args: TransportEvents[K]): void {
    try {
      (this.#emitter.emit as (e: K, ...a: TransportEvents[K]) => boolean).call(this.#emitter, event, ...args);
    } catch (err) {
      this.#counters.handlerErrors++;
      this.#counters.error('TRANSPORT_HANDLER');
      if (event !== 'problem' && this.listening('problem')) {
        this.emitSafe('problem', { code: 'TRANSPORT_HANDLER', message: `a '${event}' listener threw: ${(err as Error)?.message ?? String(err)}` });
      }
    }
  }

  /** Counts a problem under its code (TRANSPORT_* in errors, SIP_* already counted by the caller) and reports it. */
  problem(code: ErrorCode, message: string, transport?: TransportName, remote?: Endpoint, connectionId?: number, count = true): void {
    if (count) this.#counters.error(code);
    if (this.listening('problem')) this.emitSafe('problem', { code, message, transport, remote, connectionId });
  }

  /** Reports a failure (problem) and returns the SipclfError to throw or reject with. */
  fail(code: ErrorCode, message: string, target?: Endpoint, cause?: unknown): SipclfError {
    this.problem(code, message, target?.transport, target);
    return new SipclfError(code, message, cause === undefined ? undefined : { cause });
  }
}
