/**
 * LogmeEngine: RFC 8497 "log me" marking for one SIP entity. Pure: no sockets, no files, time from an
 * injectable clock. The caller (proxy, UA, B2BUA, capture tool) calls process() for every message it
 * receives (`in`, before acting on it) and sends (`out`, before it goes); for a forwarded message it calls
 * `in` then `out`. The Decision says whether to keep, add or strip the marker, whether to log the message
 * (RFC 8497 §3.6: whole message, CLF Tag 02, masked with mask(), §8.2), which error was detected (§5), the
 * Session-ID to insert (RFC 7989 §7) and the test case (§3.3); the same facts are emitted as events.
 *
 * Behaviour by role (config.ts): `proxy` passes everything (§5.3); `stateless-logger` logs marked messages
 * (§4.5.1); the stateful roles track marked dialogs (stateful.ts). tick() applies the clock-driven stop
 * events (timeouts, maximum duration) and reports expired log-me sessions.
 */
import type { LogmeConfig, Role } from './config.js';
import { validateLogmeConfig } from './config-validate.js';
import { STATEFUL_ROLES } from './config.js';
import { Out, type Core, type Neighbour } from './core.js';
import { DialogTable, isInitialRequest, type DialogRecord } from './dialog-state.js';
import { makeMasker } from './mask.js';
import { cidrContains, neighbourIp, parseCidr, type Cidr } from './net.js';
import { decideStateful, endDialog, stopDialog } from './stateful.js';
import type { Decision, EngineOptions, LogmeEvent, LogmeStats, ProcessInput } from './types.js';
import { defaultUuid, normaliseUuid } from './uuid.js';

function emptyStats(): LogmeStats {
  return {
    messages: 0,
    logged: 0,
    markersAdded: 0,
    markersStripped: 0,
    sessionIdsInserted: 0,
    dialogsStarted: 0,
    dialogsEnded: 0,
    endReasons: {},
    errorsMissing: 0,
    errorsMidDialog: 0,
    errorsUnauthorised: 0,
    limitReached: 0,
    activeDialogs: 0,
    trackedDialogs: 0,
  };
}

export class LogmeEngine {
  readonly config: LogmeConfig;
  readonly #clock: () => number;
  readonly #uuid: { v4(): string };
  readonly #onEvent: ((e: LogmeEvent) => void) | undefined;
  readonly #table = new DialogTable();
  readonly #stats = emptyStats();
  readonly #sessionUse = new Map<string, number>();
  readonly #expiredReported = new Set<string>();
  readonly #peerCidrs: Array<{ name: string; cidrs: Cidr[] }>;
  readonly #roles: ReadonlySet<Role>;
  readonly #stateful: boolean;
  readonly #mask: (text: string) => string;

  /** `config` is validated with validateLogmeConfig (a validated LogmeConfig validates to itself). */
  constructor(config: unknown, options: EngineOptions = {}) {
    this.config = validateLogmeConfig(config);
    this.#clock = options.clock ?? Date.now;
    this.#uuid = options.uuid ?? defaultUuid;
    this.#onEvent = options.onEvent;
    this.#roles = new Set(this.config.roles);
    this.#stateful = this.config.roles.some((r) => STATEFUL_ROLES.has(r));
    this.#peerCidrs = this.config.peers.map((p) => ({ name: p.name, cidrs: p.addresses.map((a) => parseCidr(a) as Cidr) }));
    this.#mask = this.config.privacy.mask ? makeMasker(this.config.privacy) : (t) => t;
  }

  /** Decides what to do with one message (see the file comment and docs/reference/logme.md "Decisions"). */
  process(input: ProcessInput): Decision {
    const now = this.#clock();
    const core = this.#core(now);
    const nb = this.#neighbour(input.neighbour);
    const out = new Out(input, nb, core);
    this.#stats.messages++;
    const msg = input.message;
    if (this.#roles.has('proxy')) {
      // RFC 8497 §5.3: a plain RFC 3261 proxy "will simply forward any log me marker it receives".
      out.marker = msg.logme ? 'keep' : 'none';
    } else if (!this.#stateful) {
      // RFC 8497 §4.5.1, RFC 8123 REQ10: log any message that carries the marker, statelessly. A neighbour
      // without agreement gets no marker and its markers are not honoured (§3.4.2, §7.2).
      if (msg.logme && !nb.agreement) {
        out.want(true, false, 'boundary');
        if (input.direction === 'in') out.error_('unauthorised-marker', undefined, 'no agreement with the neighbour');
      } else out.marker = msg.logme ? 'keep' : 'none';
      out.log = msg.logme && out.marker === 'keep' && this.config.honour;
      // §3.3: the test case is the local UUID of an initial request's Session-ID — visible without state.
      const sid = msg.sessionId;
      if (out.log && isInitialRequest(msg) && sid !== undefined && !sid.localIsNil) out.testCase = sid.local;
    } else {
      decideStateful(out);
    }
    return this.#finish(out);
  }

  /** Masks key material in a message text before it is logged (RFC 8497 §8.2); identity when disabled. */
  mask(messageText: string): string {
    return this.#mask(messageText);
  }

  /** Counters (a copy). */
  stats(): LogmeStats {
    return {
      ...this.#stats,
      endReasons: { ...this.#stats.endReasons },
      activeDialogs: this.#table.marked,
      trackedDialogs: this.#table.records.size,
    };
  }

  /**
   * Applies clock-driven stop events: dialog-creating transactions without a final response
   * (`limits.earlyTimeoutMs`), BYEs without a final response (`lingerMs`), the maximum dialog duration,
   * dropping ended records after `lingerMs`; reports log-me sessions whose window has closed. Returns the
   * events (also given to onEvent).
   */
  tick(): LogmeEvent[] {
    const now = this.#clock();
    const core = this.#core(now);
    const events: LogmeEvent[] = [];
    const emit = (e: LogmeEvent): void => {
      events.push(e);
      this.#onEvent?.(e);
    };
    for (const rec of [...this.#table.records.values()]) this.#expire(rec, core, emit);
    for (const s of this.config.sessions) {
      if (now >= s.expires && !this.#expiredReported.has(s.id)) {
        this.#expiredReported.add(s.id);
        emit({ name: 'logme.session.expired', time: now, session: s.id });
      }
    }
    return events;
  }

  #expire(rec: DialogRecord, core: Core, emit: (e: LogmeEvent) => void): void {
    const now = core.now;
    const lim = this.config.limits;
    const events: LogmeEvent[] = [];
    if (rec.purgeAt !== undefined && now >= rec.purgeAt) {
      this.#table.remove(rec);
      return;
    }
    if (rec.phase === 'terminated') return;
    if (rec.byeDeadline !== undefined && now >= rec.byeDeadline) endDialog(core, rec, 'timeout', events);
    else if (!rec.confirmed && now >= Math.max(rec.createdAt, rec.earlyActivityAt ?? 0) + lim.earlyTimeoutMs) endDialog(core, rec, 'timeout', events);
    else if (rec.phase === 'marked' && now >= rec.createdAt + lim.maxDialogDurationMs) stopDialog(core, rec, 'max-duration', events);
    for (const e of events) emit(e);
  }

  #core(now: number): Core {
    return {
      config: this.config,
      table: this.#table,
      stats: this.#stats,
      now,
      hasRole: (r) => this.#roles.has(r),
      v4: () => normaliseUuid(this.#uuid.v4()),
      sessionUse: this.#sessionUse,
    };
  }

  #neighbour(s: string): Neighbour {
    const ip = neighbourIp(s);
    let peer = this.config.peers.find((p) => p.name === s);
    if (peer === undefined && ip !== undefined) {
      const hit = this.#peerCidrs.find((p) => p.cidrs.some((c) => cidrContains(c, ip)));
      if (hit !== undefined) peer = this.config.peers.find((p) => p.name === hit.name);
    }
    if (peer !== undefined) {
      return { key: peer.name, peer, trust: peer.trust, agreement: peer.agreement, markFor: peer.markFor, marksOnOurBehalf: peer.marksOnOurBehalf, ip };
    }
    const d = this.config.defaultPeer;
    return { key: s, peer: undefined, trust: d.trust, agreement: d.agreement, markFor: false, marksOnOurBehalf: false, ip };
  }

  #finish(out: Out): Decision {
    if (!this.config.honour) out.log = false; // RFC 8497 §8.6: pass markers through, do not honour them.
    const s = this.#stats;
    if (out.log) s.logged++;
    if (out.marker === 'add') s.markersAdded++;
    if (out.marker === 'strip') s.markersStripped++;
    if (out.error === 'missing-marker') s.errorsMissing++;
    if (out.error === 'mid-dialog-marker') s.errorsMidDialog++;
    if (out.error === 'unauthorised-marker') s.errorsUnauthorised++;
    for (const e of out.events) this.#onEvent?.(e);
    return out.decision();
  }
}
