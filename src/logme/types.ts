/**
 * Public types of the log-me engine: what a caller hands to `LogmeEngine.process()` and what it gets back.
 *
 * The engine implements RFC 8497 ("log me" marking, the `logme` parameter of the RFC 7989 Session-ID header)
 * for one SIP entity. For every message the entity receives or sends it returns a `Decision` (keep, add or
 * strip the marker; log or not; the error detected; a Session-ID value to set; the test case identifier) and
 * emits the same facts as named `LogmeEvent`s. The names of dialog phases follow the RFC's wording (§3.2, §5).
 * These types are public API: docs/reference/logme.md documents them and the conformance suite codes
 * against them.
 */
import type { SipMessage } from '../sip/message.js';

/** One message the entity receives (`in`) or sends (`out`). */
export interface ProcessInput {
  readonly message: SipMessage;
  readonly direction: 'in' | 'out';
  /**
   * The neighbour the message came from (`in`) or goes to (`out`): a configured peer name, or an address
   * `ip`, `ip:port` or `[ipv6]:port` that is matched against the peers' addresses.
   */
  readonly neighbour: string;
  /**
   * True when this entity originated the message (a UA's own request or response, a proxy's 100 Trying,
   * a B2BUA's generated request); false when it forwards a message it received. Default false.
   */
  readonly local?: boolean;
  /**
   * B2BUA only (RFC 8497 §4.4): the message on the other leg this one is generated from (the INVITE of leg A
   * when sending the INVITE of leg B, the 180 of leg B when sending the 180 of leg A). Couples the two legs.
   */
  readonly otherLeg?: SipMessage;
}

/** What to do with the `logme` marker of the message before it goes on (`out`) or is processed (`in`). */
export type MarkerAction = 'keep' | 'add' | 'strip' | 'none';

/** The marking errors of RFC 8497 §5.1 plus the unauthorised marker of §7.2 / RFC 8123 REQ12. */
export type LogmeError = 'missing-marker' | 'mid-dialog-marker' | 'unauthorised-marker';

/**
 * The phase of a dialog as this entity sees it.
 * - `marked`: the dialog is being "log me" marked (§3.2);
 * - `missing-marker-error`: a missing marker error was detected (§5.1.1, §5.3): no marking, no logging;
 * - `mid-dialog-error`: a "log me" marking that begins mid-dialog error was detected (§5.1.2, §5.3);
 * - `stopped`: a stop event other than the dialog's end (maximum duration, RFC 8123 §5.3);
 * - `terminated`: the dialog ended (§8.5); retransmissions are still treated as before for a short linger.
 */
export type DialogPhase = 'marked' | 'missing-marker-error' | 'mid-dialog-error' | 'stopped' | 'terminated';

export interface StateChange {
  /** Dialog key: `Call-ID` + the initiator's tag (see dialog-state.ts). */
  readonly dialog: string;
  readonly from: DialogPhase | 'none';
  readonly to: DialogPhase;
}

export interface Decision {
  readonly marker: MarkerAction;
  /** Log the whole message (RFC 8497 §3.6: CLF Tag 02 via recordFromMessage, masked with engine.mask()). */
  readonly log: boolean;
  readonly error?: LogmeError;
  /**
   * A Session-ID header value to insert or replace (RFC 7989 §7) — given when a marker must be added to a
   * message without a well-formed Session-ID, or when a CANCEL must repeat its INVITE's value. It already
   * carries `;logme` when `marker` is `add`/`keep`; apply it with MessageEditor.setSessionId().
   */
  readonly sessionId?: string;
  /** The test case identifier (§3.3): local UUID of the initial request's Session-ID in this marked session. */
  readonly testCase?: string;
  readonly stateChange?: StateChange;
  /** The events this decision emitted (also delivered to `onEvent`). */
  readonly events: readonly LogmeEvent[];
}

export type LogmeEventName =
  | 'logme.dialog.start'
  | 'logme.dialog.end'
  | 'logme.dialog.stop'
  | 'logme.dialog.related'
  | 'logme.marker.add'
  | 'logme.marker.strip'
  | 'logme.marker.ignored'
  | 'logme.error.missing'
  | 'logme.error.midDialog'
  | 'logme.error.unauthorised'
  | 'logme.limit.reached'
  | 'logme.session.expired'
  | 'logme.sessionId.insert';

/** A structured event for the CLF writer and metrics. Optional fields are present when they apply. */
export interface LogmeEvent {
  readonly name: LogmeEventName;
  /** Clock time (ms since the epoch, from the injected clock). */
  readonly time: number;
  readonly dialog?: string;
  readonly testCase?: string;
  readonly neighbour?: string;
  readonly direction?: 'in' | 'out';
  /** Why: `initiated`, `received`, `on-behalf`, `related`, `coupled`, `boundary`, `error`, `limit`, `bye`, … */
  readonly reason?: string;
  /** The configured log-me session (authorisation) involved, by id. */
  readonly session?: string;
  /** For `logme.limit.reached`: the limit's configuration key. */
  readonly limit?: string;
  /** For `logme.dialog.related`: `target-dialog`, `replaces`, `join`, `session-id`, `other-leg`. */
  readonly relation?: string;
}

export interface EngineOptions {
  /** Milliseconds since the epoch; default Date.now. Drives expiry, timeouts and session windows. */
  readonly clock?: () => number;
  /** Source of version-4 UUIDs (RFC 7989 §4.1), with or without dashes; default crypto.randomUUID. */
  readonly uuid?: { v4(): string };
  readonly onEvent?: (event: LogmeEvent) => void;
}

/** Counters (monotonic except `activeDialogs` and `trackedDialogs`). */
export interface LogmeStats {
  messages: number;
  logged: number;
  markersAdded: number;
  markersStripped: number;
  sessionIdsInserted: number;
  dialogsStarted: number;
  dialogsEnded: number;
  /** Dialog ends and stops by reason (`bye`, `final-non-2xx`, `timeout`, `max-duration`, …). */
  endReasons: Record<string, number>;
  errorsMissing: number;
  errorsMidDialog: number;
  errorsUnauthorised: number;
  /** Times a limit refused to mark a new dialog (§7.3). */
  limitReached: number;
  /** Dialogs currently in phase `marked`. */
  activeDialogs: number;
  /** Dialog records held (any phase). */
  trackedDialogs: number;
}
