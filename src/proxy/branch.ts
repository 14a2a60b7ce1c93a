/**
 * Via branch construction for the proxy (RFC 3261 §16.6 step 8, §16.3 step 4, §16.11, §8.1.1.7).
 *
 * A branch this proxy writes is `z9hG4bK` + UNIQUE + `.` + LOOP, two parts separable by the implementation
 * as §16.6 step 8 recommends:
 * - UNIQUE makes the branch unique across space and time (§8.1.1.7). Stateful: 16 random hex digits, so
 *   each attempt is a new branch (§16.6 step 7). Stateless (§16.11): a hash of the received branch when it
 *   has the magic cookie, else of the top Via, From tag, Call-ID, CSeq number and Request-URI, so a
 *   retransmission, its CANCEL and its non-2xx ACK get the same branch.
 * - LOOP is the loop-detection hash of the request *as received* (before any translation): From tag,
 *   Call-ID, Request-URI, CSeq number and every Route value (not the To tag: see loopHash). When a request comes back with a Via of
 *   ours whose LOOP equals the hash of the request now, nothing that drives its routing changed: a loop
 *   (482); otherwise it is a spiral (§16.3 step 4).
 *
 * Two deliberate departures from the RFC's "common way" (both named there as examples, not rules):
 * - the topmost Via is not hashed into LOOP: when a request returns after other hops its top Via is the
 *   previous hop's, never the one it had the first time, so hashing it would hide every loop (the problem
 *   RFC 5393 §3 describes). Uniqueness is UNIQUE's job.
 * - Proxy-Require and Proxy-Authorization are not hashed: a CANCEL carries neither (§9.1) and a non-2xx ACK
 *   no Proxy-Require, yet both MUST get the INVITE's branch ("The request method MUST NOT be included…
 *   CANCEL and ACK … MUST have the same branch value"). A resubmission with credentials has a new CSeq
 *   anyway (§22.2), so loops and spirals are still told apart.
 * The method is never hashed. Hashes are 64 bits in hexadecimal (a token, §25.1): two independent 32-bit
 * multiplicative hashes (MurmurHash3's mixing) over the length-prefixed parts. Neither LOOP nor UNIQUE needs
 * a cryptographic hash: LOOP is compared only with this proxy's own earlier value for a request whose
 * routing fields the sender controls anyway (a forged collision could only make the sender's own request
 * look like a loop), and a stateless UNIQUE needs retransmissions to map to the same value and different
 * transactions, whose branches differ already, to different ones. LOOP is computed for every request a
 * stateful proxy forwards: SHA-256 through node:crypto cost ~2 µs a request, this ~0.3 µs.
 */
import type { SipMessage } from '../sip/message.js';
import { randomHex } from '../sip/random.js';

export const MAGIC_COOKIE = 'z9hG4bK';

/** Separator between UNIQUE and LOOP; a token character that random hex never contains. */
const SEP = '.';

/** One 32-bit lane: MurmurHash3's per-unit multiply-rotate-multiply and final avalanche, on UTF-16 units. */
function lane(parts: readonly string[], seed: number): number {
  let h = seed | 0;
  for (const p of parts) {
    // Length-prefixed, so ("ab","c") and ("a","bc") differ.
    for (let i = -1; i < p.length; i++) {
      let k = i < 0 ? p.length : p.charCodeAt(i);
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function hash(parts: readonly string[]): string {
  return hex8(lane(parts, 0x9747b28c)) + hex8(lane(parts, 0x5bd1e995));
}

/**
 * §16.6 step 8: the loop-detection part, over the retransmission- and method-invariant routing fields. The To
 * tag is left out: the ACK of a non-2xx response carries the tag of that response (§17.1.1.3), which its
 * INVITE had (a re-INVITE) or had not (an initial one) — which a proxy seeing only the ACK cannot tell — and a
 * stateless proxy must give it the INVITE's branch (§16.11) so that the next hop's server transaction absorbs
 * it. Loops are still found: a request that comes back never differs from its first passage by its To tag
 * alone.
 */
export function loopHash(msg: SipMessage): string {
  return hash([
    msg.fromTag ?? '',
    msg.callId ?? '',
    msg.requestUri,
    String(msg.cseq?.seq ?? ''),
    ...msg.getAll('Route'),
  ]);
}

/** §16.11: the deterministic UNIQUE part of a stateless proxy's branch. */
export function statelessUnique(msg: SipMessage): string {
  const received = msg.topVia?.branch;
  if (received?.startsWith(MAGIC_COOKIE) === true) return hash([received]);
  // No To tag, for the reason loopHash gives: a non-2xx ACK must get its INVITE's branch.
  return hash([
    msg.vias()[0]?.raw ?? '',
    msg.fromTag ?? '',
    msg.callId ?? '',
    String(msg.cseq?.seq ?? ''),
    msg.requestUri,
  ]);
}

/** A fresh UNIQUE part for a stateful branch (§16.6 step 7: each attempt a new branch). */
export function randomUnique(): string {
  return randomHex(8);
}

export function makeBranch(unique: string, loop: string): string {
  return `${MAGIC_COOKIE}${unique}${SEP}${loop}`;
}

/** The LOOP part of a branch this proxy wrote, or undefined when the branch is not of that shape. */
export function loopPartOf(branch: string | undefined): string | undefined {
  if (branch?.startsWith(MAGIC_COOKIE) !== true) return undefined;
  const rest = branch.slice(MAGIC_COOKIE.length);
  const i = rest.lastIndexOf(SEP);
  return i < 0 ? undefined : rest.slice(i + 1);
}
