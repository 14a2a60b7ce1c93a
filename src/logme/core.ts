/**
 * The engine's internal context shared by the decision modules (stateful.ts, initiate.ts, session-id.ts):
 * configuration, clock, dialog table, the resolved neighbour, and an `Out` builder that collects the
 * decision's fields and events. Not public API.
 */
import type { LogmeConfig, PeerConfig, Role } from './config.js';
import type { DialogRecord, DialogTable } from './dialog-state.js';
import type { Decision, DialogPhase, LogmeError, LogmeEvent, LogmeStats, MarkerAction, ProcessInput, StateChange } from './types.js';

/** A neighbour resolved against the configured peers (or the default peer). */
export interface Neighbour {
  /** The peer name, or the neighbour string when no peer matched (the §5.1.1 per-neighbour key). */
  readonly key: string;
  readonly peer: PeerConfig | undefined;
  readonly trust: 'inside' | 'outside';
  readonly agreement: boolean;
  readonly markFor: boolean;
  readonly marksOnOurBehalf: boolean;
  /** 16-byte address when the neighbour string is an address. */
  readonly ip: Uint8Array | undefined;
}

export interface Core {
  readonly config: LogmeConfig;
  readonly table: DialogTable;
  readonly stats: LogmeStats;
  readonly now: number;
  hasRole(r: Role): boolean;
  v4(): string;
  /** Counts dialogs started per configured session (maxDialogs). */
  readonly sessionUse: Map<string, number>;
}

/** Builds one Decision: marker, log, error, Session-ID, test case, state change, events. */
export class Out {
  marker: MarkerAction = 'none';
  log = false;
  error: LogmeError | undefined;
  sessionId: string | undefined;
  testCase: string | undefined;
  stateChange: StateChange | undefined;
  readonly events: LogmeEvent[] = [];

  constructor(
    readonly input: ProcessInput,
    readonly nb: Neighbour,
    readonly core: Core,
  ) {}

  event(name: LogmeEvent['name'], fields: Omit<LogmeEvent, 'name' | 'time' | 'neighbour' | 'direction'> = {}): void {
    const e: LogmeEvent = { name, time: this.core.now, neighbour: this.nb.key, direction: this.input.direction, ...fields };
    if (e.testCase === undefined && this.testCase !== undefined) (e as { testCase?: string }).testCase = this.testCase;
    this.events.push(e);
  }

  /** Moves a record to `to`, recording the state change (the first one of this message wins `from`). */
  phase(rec: DialogRecord, to: DialogPhase, fromOverride?: DialogPhase | 'none'): void {
    const from = fromOverride ?? rec.phase;
    this.core.table.setPhase(rec, to);
    this.stateChange = { dialog: rec.key, from: this.stateChange?.from ?? from, to };
  }

  /** Sets the marker action from whether the message carries the marker and whether it should. */
  want(has: boolean, should: boolean, reason: string): void {
    this.marker = has ? (should ? 'keep' : 'strip') : should ? 'add' : 'none';
    if (this.marker === 'add') this.event('logme.marker.add', { reason });
    if (this.marker === 'strip') this.event('logme.marker.strip', { reason });
  }

  error_(kind: LogmeError, rec: DialogRecord | undefined, reason?: string): void {
    this.error = kind;
    const name = kind === 'missing-marker' ? 'logme.error.missing' : kind === 'mid-dialog-marker' ? 'logme.error.midDialog' : 'logme.error.unauthorised';
    const fields: { dialog?: string; reason?: string } = {};
    if (rec !== undefined) fields.dialog = rec.key;
    if (reason !== undefined) fields.reason = reason;
    this.event(name, fields);
  }

  decision(): Decision {
    const d: { -readonly [K in keyof Decision]: Decision[K] } = { marker: this.marker, log: this.log, events: this.events };
    if (this.error !== undefined) d.error = this.error;
    if (this.sessionId !== undefined) d.sessionId = this.sessionId;
    if (this.testCase !== undefined) d.testCase = this.testCase;
    if (this.stateChange !== undefined) d.stateChange = this.stateChange;
    return d;
  }
}
