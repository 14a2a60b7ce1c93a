/**
 * Best-response selection and authentication-challenge aggregation (RFC 3261 §16.7 steps 6 and 7), as pure
 * functions over the final responses a response context stored:
 *
 *   no final response stored             → generate 408 (Request Timeout)
 *   any 6xx                              → the first 6xx (MUST)
 *   otherwise the lowest class (SHOULD)  → within 4xx, prefer 401, 407, 415, 420, 484 (resubmission info),
 *                                          in that order; else the first received of the class
 *   the chosen class is 5xx              → never a 503 (SHOULD NOT forward it): another 5xx if any, else
 *                                          generate 500
 *
 * A transport error on a branch counts as a 503 that was received (§16.9); a timeout stores nothing (§16.6
 * step 7: "does not need to place anything in the response context").
 */
import type { MessageEditor } from '../sip/editor.js';
import { formatSessionId, NIL_UUID } from '../sip/grammar/session-id.js';
import type { SipMessage } from '../sip/message.js';

/** The RFC's "responses that provide information affecting resubmission" (§16.7 step 6), in preference order. */
export const RESUBMISSION_PREFERENCE: readonly number[] = [401, 407, 415, 420, 484];

export type BestChoice = { readonly index: number } | { readonly generate: 408 | 500 };

/** §16.7 step 6 over the statuses of the stored final responses, in the order they were received. */
export function selectBest(statuses: readonly number[]): BestChoice {
  if (statuses.length === 0) return { generate: 408 };
  const six = statuses.findIndex((s) => s >= 600);
  if (six >= 0) return { index: six };
  const cls = Math.min(...statuses.map((s) => Math.floor(s / 100)));
  const inClass = statuses.map((s, i) => [s, i] as const).filter(([s]) => Math.floor(s / 100) === cls);
  if (cls === 4) {
    for (const pref of RESUBMISSION_PREFERENCE) {
      const hit = inClass.find(([s]) => s === pref);
      if (hit !== undefined) return { index: hit[1] };
    }
  }
  if (cls === 5) {
    const other = inClass.find(([s]) => s !== 503);
    return other === undefined ? { generate: 500 } : { index: other[1] };
  }
  const first = inClass[0];
  return first === undefined ? { generate: 408 } : { index: first[1] };
}

const CHALLENGES = ['WWW-Authenticate', 'Proxy-Authenticate'] as const;

/**
 * §16.7 step 7: the chosen 401/407 gets every WWW-Authenticate and Proxy-Authenticate value of the other
 * 401/407 responses, "without modification", appended to its header section (values as received, unfolded).
 * A response that took a challenge from another branch speaks for several endpoints: RFC 7989 §7 "MUST set
 * the local-uuid field to the nil UUID value when forwarding the aggregated response", its remote-uuid and
 * `logme` kept.
 */
export function aggregateChallenges(ed: MessageEditor, chosen: SipMessage, others: readonly SipMessage[]): void {
  if (chosen.status !== 401 && chosen.status !== 407) return;
  let added = false;
  for (const o of others) {
    if (o === chosen || (o.status !== 401 && o.status !== 407)) continue;
    for (const name of CHALLENGES) {
      for (const v of o.getAll(name)) {
        ed.addHeader(name, v);
        added = true;
      }
    }
  }
  const sid = chosen.sessionId;
  if (added && sid !== undefined && !sid.localIsNil) {
    ed.setSessionId(formatSessionId({ local: NIL_UUID, ...(sid.remote === undefined ? {} : { remote: sid.remote }), logme: sid.logme, otherParams: sid.params }));
  }
}
