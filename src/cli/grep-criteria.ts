/**
 * `sipclf grep` option values → validated criteria. Every value problem is a CLI_USAGE error naming the
 * option. Values compared with CLF fields become binary strings (src/clf/record.ts: one char per octet),
 * since the fields are octets as logged; UUIDs are normalised to 32 lowercase hex digits (RFC 7989 §5).
 */
import { toBinary } from '../clf/record.js';
import { SipclfError } from '../errors.js';

export interface GrepCriteria {
  /** Call-ID equals (binary string). */
  readonly callId?: string;
  /** Session-ID local or remote UUID equals (32 lowercase hex digits). */
  readonly sessionId?: string;
  /** RFC 8497 §3.3 test case identifier (32 lowercase hex digits). */
  readonly testCase?: string;
  /** Call-ID and the two tags, in either order (RFC 6872 §9). */
  readonly dialog?: { readonly callId: string; readonly tags: readonly [string, string] };
  /** Server-Txn or Client-Txn equals. */
  readonly txn?: string;
  /** CSeq method, upper-cased (compared case-insensitively). */
  readonly method?: string;
  /** Exact status code (`404`) or class digit (`4` for `4xx`). */
  readonly status?: { readonly code: string } | { readonly cls: string };
  readonly fromUri?: string;
  readonly toUri?: string;
  /** Inclusive lower bound, ms since the epoch. */
  readonly since?: number;
  /** Exclusive upper bound, ms since the epoch. */
  readonly until?: number;
  readonly logme: boolean;
  /** 'S' sent, 'R' received (RFC 6873 §4.2 flag byte 3). */
  readonly direction?: 'S' | 'R';
}

export interface GrepOutput {
  readonly count: boolean;
  readonly json: boolean;
}

function usage(message: string): never {
  throw new SipclfError('CLI_USAGE', message);
}

/** A value compared with a whole CLF field: non-empty, no TAB/CR/LF (no written field holds them). */
function fieldValue(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) usage(`--${name} needs a non-empty value`);
  if (/[\t\r\n]/.test(v)) usage(`--${name} must not contain TAB, CR or LF`);
  return toBinary(v);
}

const UUID32 = /^[0-9a-f]{32}$/i;
const UUID36 = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL = '00000000000000000000000000000000';

/**
 * A Session-ID UUID: 32 hex digits as in the header (RFC 7989 §5), either case, or the hyphenated
 * RFC 4122 form; lowercased. The nil UUID is refused: it means "not known yet" and identifies nothing.
 */
export function uuidOption(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  const s = typeof v === 'string' ? v.trim() : '';
  let u: string;
  if (UUID32.test(s)) u = s.toLowerCase();
  else if (UUID36.test(s)) u = s.replaceAll('-', '').toLowerCase();
  else usage(`--${name} needs a UUID of 32 hex digits (RFC 7989 §5), got ${JSON.stringify(v)}`);
  if (u === NIL) usage(`--${name}: the nil UUID identifies no session (RFC 7989 §5)`);
  return u;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const EPOCH = /^\d{1,11}(?:\.\d{1,3})?$/;

/**
 * `--since`/`--until` value → ms since the epoch. Epoch seconds (`1767603600`, `1767603600.250`) or ISO 8601
 * (`2026-01-05`, `2026-01-05T09:00Z`, `2026-01-05T09:00:00.5+01:00`; `T` or a space). Without a zone the
 * time is local time, as `date` and `sipclf cat` show it. Fractions beyond milliseconds are truncated.
 */
export function timeOption(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const s = typeof v === 'string' ? v.trim() : '';
  if (EPOCH.test(s)) return Math.round(Number(s) * 1000);
  const m = ISO.exec(s);
  if (m === null) usage(`--${name} needs ISO 8601 (2026-01-05T09:00:00Z) or epoch seconds, got ${JSON.stringify(v)}`);
  const n = (i: number): number => Number(m[i] ?? 0);
  const [y, mo, d, h, mi, sec] = [n(1), n(2), n(3), n(4), n(5), n(6)];
  const ms = Number(((m[7] ?? '') + '000').slice(0, 3));
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || sec > 59) usage(`--${name}: ${JSON.stringify(v)} is not a valid time`);
  const zone = m[8];
  if (zone === undefined) return new Date(y, mo - 1, d, h, mi, sec, ms).getTime();
  let off = 0;
  if (zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    const zh = Number(z?.[2] ?? 0);
    const zm = Number(z?.[3] ?? 0);
    if (zh > 23 || zm > 59) usage(`--${name}: bad zone offset ${zone}`);
    off = (z?.[1] === '-' ? -1 : 1) * (zh * 60 + zm) * 60_000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - off;
}

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

/** Validates the option values of `sipclf grep`; throws CLI_USAGE. */
export function grepCriteria(o: Record<string, unknown>): GrepCriteria {
  const c: { -readonly [K in keyof GrepCriteria]: GrepCriteria[K] } = { logme: o['logme'] === true };
  const callId = fieldValue(o['callId'], 'call-id');
  if (callId !== undefined) c.callId = callId;
  const sid = uuidOption(o['sessionId'], 'session-id');
  if (sid !== undefined) c.sessionId = sid;
  const tc = uuidOption(o['testCase'], 'test-case');
  if (tc !== undefined) c.testCase = tc;
  const dialog = fieldValue(o['dialog'], 'dialog');
  if (dialog !== undefined) {
    const parts = dialog.split(',');
    if (parts.length !== 3 || parts.some((p) => p.length === 0)) usage('--dialog needs CALLID,TAG,TAG (three non-empty values; neither a Call-ID nor a tag holds a comma)');
    c.dialog = { callId: parts[0] as string, tags: [parts[1] as string, parts[2] as string] };
  }
  const txn = fieldValue(o['txn'], 'txn');
  if (txn !== undefined) c.txn = txn;
  const method = o['method'];
  if (method !== undefined) {
    if (typeof method !== 'string' || !TOKEN.test(method)) usage(`--method needs a method name (an RFC 3261 token), got ${JSON.stringify(method)}`);
    c.method = method.toUpperCase();
  }
  const status = o['status'];
  if (status !== undefined) {
    const s = typeof status === 'string' ? status : '';
    if (/^[1-6]\d\d$/.test(s)) c.status = { code: s };
    else if (/^[1-6]xx$/i.test(s)) c.status = { cls: s[0] as string };
    else usage(`--status needs a code 100-699 or a class 1xx-6xx, got ${JSON.stringify(status)}`);
  }
  const from = fieldValue(o['from'], 'from');
  if (from !== undefined) c.fromUri = from;
  const to = fieldValue(o['to'], 'to');
  if (to !== undefined) c.toUri = to;
  const since = timeOption(o['since'], 'since');
  if (since !== undefined) c.since = since;
  const until = timeOption(o['until'], 'until');
  if (until !== undefined) c.until = until;
  if (since !== undefined && until !== undefined && since >= until) usage('--since must be before --until');
  const dir = o['direction'];
  if (dir !== undefined) {
    const d = typeof dir === 'string' ? dir.toLowerCase() : '';
    if (d === 's' || d === 'sent') c.direction = 'S';
    else if (d === 'r' || d === 'received') c.direction = 'R';
    else usage(`--direction needs s (sent) or r (received), got ${JSON.stringify(dir)}`);
  }
  const any = Object.keys(c).some((k) => k !== 'logme') || c.logme;
  if (!any) usage('give at least one criterion (--call-id, --session-id, --test-case, --dialog, --txn, --method, --status, --from, --to, --since, --until, --logme, --direction)');
  return c;
}

export function grepOutput(o: Record<string, unknown>): GrepOutput {
  const count = o['count'] === true;
  const json = o['json'] === true;
  if (count && json) usage('--count and --json exclude each other');
  return { count, json };
}
