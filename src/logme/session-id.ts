/**
 * The Session-ID value the engine inserts when it must mark a message that has none (RFC 7989 §7: an
 * intermediary "MAY assign a local-uuid" for an endpoint that sent none "and then MUST insert it in all
 * messages for the dialog on its behalf"), and the CANCEL rule (RFC 7989 §6, §7: a CANCEL's Session-ID "MUST
 * be identical" to that of the request it cancels). UUIDs: the UA's own is version 4 (random); one made on
 * an endpoint's behalf is version 5 of Call-ID + that endpoint's tag (§4.1), so it is the same every time;
 * an endpoint whose tag is not known gets none — nil stands in (§4.2, §7, e.g. {N,A} in a 100 Trying).
 */
import type { SipMessage } from '../sip/message.js';
import { formatSessionId, NIL_UUID } from '../sip/grammar/session-id.js';
import type { Core } from './core.js';
import { receiverTag, senderTag, type DialogRecord } from './dialog-state.js';
import { uuidV5 } from './uuid.js';

const UA_ROLES = ['originating-ua', 'terminating-ua', 'b2bua'] as const;

/** The UUID of the endpoint with `tag`: learnt, or made now (v4 for this UA's own side, else v5). */
export function uuidFor(core: Core, rec: DialogRecord, tag: string, own: boolean): string {
  const known = rec.uuids.get(tag);
  if (known !== undefined) return known;
  const made = own && UA_ROLES.some((r) => core.hasRole(r)) ? core.v4() : uuidV5(rec.callId, tag);
  core.table.addUuid(rec, tag, made);
  return made;
}

/** A Session-ID value (with `;logme`) to set on `msg`, or undefined when its own one only needs the marker. */
export function sessionIdFor(core: Core, rec: DialogRecord, msg: SipMessage, local: boolean): string | undefined {
  const sid = msg.sessionId;
  if (msg.method === 'CANCEL' && msg.isRequest && rec.initialSid !== undefined) {
    const init = rec.initialSid;
    if (sid !== undefined && sid.local === init.local && (sid.remote ?? NIL_UUID) === init.remote) return undefined;
    return formatSessionId({ local: init.local, remote: init.remote, logme: true });
  }
  if (sid !== undefined) return undefined;
  const st = senderTag(msg);
  const rt = receiverTag(msg);
  const localUuid = st === undefined ? NIL_UUID : uuidFor(core, rec, st, local);
  const remoteUuid = rt === undefined ? NIL_UUID : (rec.uuids.get(rt) ?? NIL_UUID);
  return formatSessionId({ local: localUuid, remote: remoteUuid, logme: true });
}
