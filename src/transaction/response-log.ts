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
import type { SipMessage } from '../sip/message.js';

export class ResponseLog {
  readonly #invite: boolean;
  readonly #provisionals: Buffer[] = [];
  readonly #tags = new Set<string>();
  #final = false;

  constructor(invite: boolean) {
    this.#invite = invite;
  }

  /** Records `res`; true when it repeats one already recorded. */
  add(res: SipMessage): boolean {
    const status = res.status;
    if (status < 200) {
      const raw = res.raw;
      if (this.#provisionals.some((b) => b.equals(raw))) return true;
      this.#provisionals.push(raw);
      return false;
    }
    if (this.#invite && status < 300) {
      const tag = res.toTag ?? '';
      if (this.#tags.has(tag)) return true;
      this.#tags.add(tag);
      return false;
    }
    if (this.#final) return true;
    this.#final = true;
    return false;
  }
}
