/**
 * Per-dialog log-me state (RFC 8497 §3.2, §5.1.1, §8.5) and the table that holds it.
 *
 * A record is keyed by Call-ID + the initiator's tag (the From tag of the dialog-creating request), so the
 * early dialogs a forked request creates (§3.8) share the record of their request, and in-dialog requests in
 * either direction find it (From tag from the initiator, To tag from the other side). Each record keeps the
 * set of neighbours that have sent the marker (§5.1.1: missing-marker detection is per neighbour), the UUIDs
 * learnt or inserted per tag (RFC 7989 §7) and the Session-ID of the initial request (a CANCEL repeats it).
 * Records of related dialogs (§3.7) and coupled B2BUA legs (§4.4) share a `SessionGroup`, found by any UUID of
 * its Session-IDs: the session stays marked while one of its dialogs remains (§8.5).
 */
import type { SipMessage } from '../sip/message.js';
import type { DialogPhase } from './types.js';


/** Tags whose UUID a dialog record keeps (§7.3: bounded per dialog). */
export const MAX_TAGS = 8;
/** UUIDs a session group keeps. */
export const MAX_GROUP_UUIDS = 16;
/** Neighbours a dialog record remembers as having sent the marker (§5.1.1). */
export const MAX_MARKER_NEIGHBOURS = 16;

export interface SessionGroup {
  /** Test case identifier (§3.3) shared by the related dialogs. */
  testCase: string | undefined;
  readonly uuids: Set<string>;
  readonly dialogs: Set<DialogRecord>;
}

export interface DialogRecord {
  readonly key: string;
  readonly callId: string;
  /** From tag of the dialog-creating request. */
  readonly initiatorTag: string;
  /** Method of the dialog-creating request (INVITE, SUBSCRIBE, REFER, or a standalone transaction's). */
  readonly method: string;
  phase: DialogPhase;
  /** Whether the dialog was being marked when it ended (linger behaviour). */
  wasMarked: boolean;
  readonly initiatedLocally: boolean;
  /** When the dialog-creating request (or its latest retry, see stateful.ts `retry`) was seen. */
  createdAt: number;
  /** CSeq number of the dialog-creating request or its latest retry (RFC 3261 §8.1.3.5: a retry's is higher). */
  cseq: number;
  /** The 2xx to the dialog-creating request was seen. */
  confirmed: boolean;
  /** Last provisional response (101-199) to the dialog-creating request: the early timeout counts from it. */
  earlyActivityAt?: number;
  /** Neighbours that have sent the marker in this dialog (§5.1.1). */
  readonly sentMarker: Set<string>;
  /** Tag → UUID learnt from Session-IDs or inserted on the endpoint's behalf (RFC 7989 §7). */
  readonly uuids: Map<string, string>;
  /**
   * A new UUID an endpoint sent in a mid-dialog request, accepted only once a 2xx or 3xx answers that request
   * (RFC 7989 §8; a failure response leaves the stored one). The latest such request's.
   */
  pendingUuid?: { readonly tag: string; readonly uuid: string; readonly seq: number; readonly method: string } | undefined;
  /** CSeq number and status of the latest final response to an INVITE of the dialog (§8: an ACK's new UUID counts after a 2xx/3xx only). */
  inviteFinal?: { readonly seq: number; readonly status: number } | undefined;
  /** Session-ID {local, remote} of the dialog-creating request as sent (RFC 7989 §7: CANCEL repeats it). */
  initialSid: { local: string; remote: string } | undefined;
  readonly group: SessionGroup;
  /** The configured log-me session that authorised marking, if any. */
  readonly authorisedBy: string | undefined;
  /** A BYE was seen: the dialog ends with its final response, or at this deadline (RFC 3261 Timer F). */
  byeDeadline: number | undefined;
  /** A NOTIFY with Subscription-State: terminated was seen (RFC 6665 §4.1.3): the dialog ends with its 2xx. */
  subscriptionEnding: boolean;
  /** When a terminated/stopped/error record is dropped. */
  purgeAt: number | undefined;
}

export function dialogKey(callId: string, tag: string): string {
  return `${callId}\u0000${tag}`;
}

/** Methods whose initial request creates a dialog (RFC 3261 §12.1, RFC 6665, RFC 3515). */
export const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

/** A request outside any dialog: no To tag (dialog-creating or standalone, §3.3). ACK and CANCEL never are. */
export function isInitialRequest(msg: SipMessage): boolean {
  return msg.isRequest && msg.toTag === undefined && msg.method !== 'ACK' && msg.method !== 'CANCEL';
}

/** The tag of the endpoint that sent the message: From tag of a request, To tag of a response. */
export function senderTag(msg: SipMessage): string | undefined {
  return msg.isRequest ? msg.fromTag : msg.toTag;
}

export function receiverTag(msg: SipMessage): string | undefined {
  return msg.isRequest ? msg.toTag : msg.fromTag;
}

export class DialogTable {
  readonly records = new Map<string, DialogRecord>();
  readonly byUuid = new Map<string, SessionGroup>();
  marked = 0;

  /** The record of the message's dialog: by From tag, then (requests from the other side) by To tag. */
  lookup(msg: SipMessage): DialogRecord | undefined {
    const callId = msg.callId;
    if (callId === undefined) return undefined;
    const byFrom = msg.fromTag === undefined ? undefined : this.records.get(dialogKey(callId, msg.fromTag));
    if (byFrom !== undefined) return byFrom;
    return msg.toTag === undefined ? undefined : this.records.get(dialogKey(callId, msg.toTag));
  }

  /** The record of a dialog named by Call-ID and two tags (Target-Dialog, Replaces, Join). */
  find(callId: string, tags: ReadonlyArray<string | undefined>): DialogRecord | undefined {
    for (const t of tags) {
      if (t === undefined) continue;
      const r = this.records.get(dialogKey(callId, t));
      if (r !== undefined) return r;
    }
    return undefined;
  }

  create(init: {
    msg: SipMessage;
    callId: string;
    tag: string;
    local: boolean;
    now: number;
    group: SessionGroup | undefined;
    authorisedBy: string | undefined;
    /** Default `marked`; `mid-dialog-error` records a dialog whose marking began mid-dialog (§5.1.2). */
    phase?: DialogPhase;
  }): DialogRecord {
    const group = init.group ?? { testCase: undefined, uuids: new Set<string>(), dialogs: new Set<DialogRecord>() };
    const rec: DialogRecord = {
      key: dialogKey(init.callId, init.tag),
      callId: init.callId,
      initiatorTag: init.tag,
      method: init.msg.method,
      phase: init.phase ?? 'marked',
      wasMarked: (init.phase ?? 'marked') === 'marked',
      initiatedLocally: init.local,
      createdAt: init.now,
      cseq: init.msg.cseq?.seq ?? 0,
      confirmed: false,
      sentMarker: new Set(),
      uuids: new Map(),
      initialSid: undefined,
      group,
      authorisedBy: init.authorisedBy,
      byeDeadline: undefined,
      subscriptionEnding: false,
      purgeAt: undefined,
    };
    group.dialogs.add(rec);
    this.records.set(rec.key, rec);
    if (rec.phase === 'marked') this.marked++;
    return rec;
  }

  /**
   * Stores `uuid` as the current UUID of the endpoint with `tag` (when given) and links it to the record's
   * session group. Bounded (§7.3): a dialog has a UUID per end, a few more across a transfer or a B2BUA; a
   * peer sending a fresh Session-ID in every in-dialog request must not grow the record (MAX_TAGS,
   * MAX_GROUP_UUIDS). When to call it for a UUID that changed is RFC 7989 §8's rule (stateful.ts `track`).
   */
  addUuid(rec: DialogRecord, tag: string | undefined, uuid: string): void {
    if (tag !== undefined && (rec.uuids.has(tag) || rec.uuids.size < MAX_TAGS)) rec.uuids.set(tag, uuid);
    this.linkUuid(rec, uuid);
  }

  /**
   * Links `uuid` to the record's session group (RFC 7989 §6 correlation; RFC 8497 §3.7). A full group makes
   * room by forgetting its oldest UUID that no dialog of it names as an endpoint's current one, so that an
   * endpoint's new UUID late in a long session is still linked.
   */
  linkUuid(rec: DialogRecord, uuid: string): void {
    const g = rec.group;
    if (g.uuids.has(uuid)) return;
    if (g.uuids.size >= MAX_GROUP_UUIDS) {
      const current = new Set<string>();
      for (const d of g.dialogs) for (const u of d.uuids.values()) current.add(u);
      let old: string | undefined;
      for (const u of g.uuids) {
        if (!current.has(u)) {
          old = u;
          break;
        }
      }
      if (old === undefined) return;
      g.uuids.delete(old);
      if (this.byUuid.get(old) === g) this.byUuid.delete(old);
    }
    g.uuids.add(uuid);
    // §3.7, §8.5: a session stays marked while one of its dialogs remains — another group (a dialog in a
    // §5.1.2 error that happens to carry the same UUID) must not take the UUID away from a live session.
    if (this.liveGroup(uuid) === undefined) this.byUuid.set(uuid, g);
  }

  /** Moves a record to a new phase, keeping the count of marked dialogs. */
  setPhase(rec: DialogRecord, phase: DialogPhase): void {
    if (rec.phase === 'marked' && phase !== 'marked') this.marked--;
    if (rec.phase !== 'marked' && phase === 'marked') this.marked++;
    if (phase === 'terminated') rec.wasMarked = rec.phase === 'marked' || (rec.phase === 'terminated' && rec.wasMarked);
    rec.phase = phase;
  }

  remove(rec: DialogRecord): void {
    if (rec.phase === 'marked') this.marked--;
    this.records.delete(rec.key);
    rec.group.dialogs.delete(rec);
    if (rec.group.dialogs.size === 0) for (const u of rec.group.uuids) if (this.byUuid.get(u) === rec.group) this.byUuid.delete(u);
  }

  /** The group of a marked session with this UUID that still has a live dialog (§3.7, §8.5). */
  liveGroup(uuid: string): SessionGroup | undefined {
    const g = this.byUuid.get(uuid);
    if (g === undefined) return undefined;
    for (const d of g.dialogs) if (d.phase === 'marked' || (d.phase === 'terminated' && d.wasMarked)) return g;
    return undefined;
  }
}
