/**
 * Retransmission detection for responses received by a client transaction, for the CLF retransmission
 * flag (RFC 6872 §8.2 / RFC 6873 §4.2: "O" original, "D" duplicate). The state machine itself does not
 * need it (it absorbs or passes up by state); the flag says whether this exact response was seen before:
 *
 * - 1xx: a byte-identical copy of a provisional already received (a server transaction re-sends its last
 *   provisional when the request is retransmitted, §17.2.1; a proxy forwards those bytes unchanged).
 * - 2xx to an INVITE: a 2xx with the same To tag was already received (the UAS core retransmits its 2xx,
 *   §13.3.1.4; other forks' 2xx carry other tags and are originals, RFC 6026 §7.2).
 * - any other final (3xx-6xx to an INVITE, 2xx-6xx otherwise): a final response was already received —
 *   only one final response exists per transaction, every later one is a retransmission (§17.1.1.2,
 *   §17.1.2.2 absorb them).
 */
import { detach } from '../sip/bytes.js';
import type { SipMessage } from '../sip/message.js';

export class ResponseLog {
  readonly #invite: boolean;
  // Created on first use: a client transaction lives for up to 64·T1 after its final response and most see
  // one provisional and one 2xx tag, so an empty array and Set per transaction would be mostly waste.
  #provisionals: Buffer[] | undefined;
  #tags: Set<string> | undefined;
  #final = false;

  constructor(invite: boolean) {
    this.#invite = invite;
  }

  /** Records `res`; true when it repeats one already recorded. */
  add(res: SipMessage): boolean {
    const status = res.status;
    if (status < 200) {
      const raw = res.raw;
      const seen = (this.#provisionals ??= []);
      if (seen.some((b) => b.equals(raw))) return true;
      seen.push(raw);
      return false;
    }
    if (this.#invite && status < 300) {
      const tag = res.toTag ?? '';
      const tags = (this.#tags ??= new Set());
      if (tags.has(tag)) return true;
      tags.add(detach(tag));
      return false;
    }
    if (this.#final) return true;
    this.#final = true;
    return false;
  }
}
