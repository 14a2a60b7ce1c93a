/**
 * Random identifiers for tags (RFC 3261 §19.3: "at least 32 bits of randomness") and branches (§8.1.1.7:
 * unique in space and time): hex of bytes from crypto.randomBytes, drawn from a 4 KiB pool refilled from
 * the CSPRNG, so a proxy forwarding thousands of requests a second pays one crypto call per 512 identifiers
 * instead of one each. The bytes are as random as a direct call; none is ever handed out twice.
 */
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let at = 0;

/** `n` random bytes (1–64) as 2·n lower-case hex digits. */
export function randomHex(n: number): string {
  if (at + n > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    at = 0;
  }
  const s = pool.toString('hex', at, at + n);
  at += n;
  return s;
}
