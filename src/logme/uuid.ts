/**
 * UUIDs for Session-ID values the engine inserts on behalf of endpoints (RFC 7989 §4.1, §7): version 5
 * (SHA-1) from the Call-ID concatenated with the tag of the endpoint the UUID represents, in the namespace
 * a58587da-c93d-11e2-ae90-f4ea67801e29 — so a stateless or restarted element computes the same value; and
 * version 4 (random) for a UA's own UUID. Output is the RFC 7989 §5 form: 32 lowercase hex digits, no dashes.
 * node:crypto is pure computation here (no I/O).
 */
import { createHash, randomUUID } from 'node:crypto';

/** RFC 7989 §4.1 namespace for version-5 Session-ID UUIDs. */
export const SESSION_ID_NAMESPACE = 'a58587da-c93d-11e2-ae90-f4ea67801e29';

const NS = Buffer.from(SESSION_ID_NAMESPACE.replace(/-/g, ''), 'hex');

/** RFC 4122 §4.3 version-5 UUID of `callId + tag` (RFC 7989 §4.1), 32 lowercase hex digits. */
export function uuidV5(callId: string, tag: string): string {
  const h = createHash('sha1').update(NS).update(Buffer.from(callId + tag, 'utf8')).digest();
  const b = h.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  return b.toString('hex');
}

/** Normalises a v4 UUID from a generator (dashes removed, lowercased); throws if not 32 hex digits. */
export function normaliseUuid(u: string): string {
  const s = u.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(s)) throw new TypeError(`uuid generator returned ${JSON.stringify(u)}, not a UUID`);
  return s;
}

export const defaultUuid = { v4: (): string => randomUUID() };
