/**
 * SIP CLF encoder: a ClfRecord → one record of the indexed text format of RFC 6873 §4 (Figure 1), as a
 * binary string (one char per octet). It owns the index line (§4.1: version, Record Length, the 13
 * pointers), the fixed timestamp/flags prefix (§4, §4.2, RFC 7355 §4), the escaping of mandatory fields
 * (§4.3) and the framing of optional fields (§4.4: `TAB Tag@Vendor-ID,Length,BEB,Value`). Optional Values
 * arrive already written (see optional.ts); this file only checks they cannot break the framing.
 *
 * Pointers are 1-based (pointer = 0-based offset + 1): the RFC's bit-exact vectors (RFC 6873 §5, RFC 7355
 * §5.1/§5.2) are written so, although the §4.1 prose (">=82") describes 0-based offsets; decode.ts reads
 * both. The string is built by concatenation and every length is computed arithmetically: no per-byte
 * loops, because this is the hot path of a logging proxy (benchmarks/clf-encode.mjs).
 */
import { SipclfError } from '../errors.js';
import { MANDATORY_FIELDS, MAX_FIELD_BYTES, UNPARSEABLE, type ClfRecord, type ClfValue, type OptionalField } from './record.js';

export interface EncodeOptions {
  /**
   * Cap on each mandatory field as written, in bytes (RFC 6872 §8: 4096, the default). With the default
   * the pointers can never overflow (82 + 12 × 4097 < 0xFFFF); a larger cap makes CLF_POINTER_OVERFLOW
   * reachable.
   */
  readonly maxFieldBytes?: number;
}

/** Upper-case hex of 0-255, two digits (RFC 6873 §4: hex is '0'-'9' and 'A'-'F', zero-padded). */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** 4-digit hex of 0-4095, precomputed: pointers of ordinary records fall in this range (one lookup each). */
const HEX4: readonly string[] = Array.from({ length: 4096 }, (_, i) => (HEX2[i >>> 8] as string) + (HEX2[i & 255] as string));

/** 4 upper-case hex digits of 0-0xFFFF. */
export function hex4(n: number): string {
  return n < 4096 ? (HEX4[n] as string) : (HEX2[n >>> 8] as string) + (HEX2[n & 255] as string);
}

/** 6 upper-case hex digits of 0-0xFFFFFF. */
function hex6(n: number): string {
  return (HEX2[n >>> 16] as string) + (HEX2[(n >>> 8) & 255] as string) + (HEX2[n & 255] as string);
}

const TAG2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const MAX_TIMESTAMP = 9_999_999_999_999; // 10 digits of seconds + 3 of milliseconds
/** Offset of the first mandatory field (CSeq) in the record, 0-based: 61 index bytes + 21 prefix bytes. */
const FIELDS_START = 82;
/** Any of TAB, CR, LF: a mandatory field must not contain them as written (RFC 6873 §4.3). */
const CONTROL = /[\t\r\n]/;
const CONTROL_G = /[\t\r\n]/g;

function fail(code: 'CLF_RECORD_TOO_LONG' | 'CLF_POINTER_OVERFLOW' | 'CLF_TIMESTAMP_RANGE' | 'CLF_TAG_RANGE' | 'CLF_VALUE_TOO_LONG' | 'CLF_BAD_VALUE', message: string): never {
  throw new SipclfError(code, message);
}

/**
 * Cuts a binary string to at most `max` bytes without splitting a UTF-8 sequence: if the cut lands after a
 * lead byte or inside continuation bytes, back off to the lead byte (at most 3 bytes; non-UTF-8 data is cut
 * at `max`).
 */
export function cutUtf8(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  // s[end] is the first byte left out; while it is a continuation byte, the cut splits a character.
  while (end > max - 3 && end > 0 && (s.charCodeAt(end) & 0xc0) === 0x80) end--;
  if (s.charCodeAt(end) < 0xc0 || end === max) end = max; // no lead byte found: not UTF-8, plain cut
  return s.slice(0, end);
}

/**
 * One mandatory field as written (RFC 6873 §4.3): null → `-`, UNPARSEABLE → `?`, a lone `-`/`?` →
 * `%2D`/`%3F`, TAB/CR/LF → SP (TAB → SP is the RFC's rule; CR and LF → SP because "mandatory fields MUST NOT
 * contain a CRLF" and any LF would end the record), capped at `max` bytes.
 */
export function writeMandatory(v: ClfValue, max: number = MAX_FIELD_BYTES): string {
  if (v === null) return '-';
  if (v === UNPARSEABLE) return '?';
  if (v.length === 1) {
    if (v === '-') return '%2D';
    if (v === '?') return '%3F';
  }
  const s = CONTROL.test(v) ? v.replace(CONTROL_G, ' ') : v;
  return s.length > max ? cutUtf8(s, max) : s;
}

/** `TAB` + the 5 flag bytes (RFC 6873 §4.2), looked up by the middle three: one string per combination. */
function flagTable(rr: string, enc: string): Readonly<Record<string, string>> {
  const t: Record<string, string> = {};
  for (const x of 'ODS') for (const d of 'SR') for (const tr of 'UTSW') t[x + d + tr] = '\t' + rr + x + d + tr + enc;
  return t;
}
const FLAGS_RE = flagTable('R', 'E');
const FLAGS_RU = flagTable('R', 'U');
const FLAGS_rE = flagTable('r', 'E');
const FLAGS_rU = flagTable('r', 'U');

function checkFlags(r: ClfRecord): void {
  const t = r.transport;
  const ok =
    (r.retransmission === 'O' || r.retransmission === 'D' || r.retransmission === 'S') &&
    (r.direction === 'S' || r.direction === 'R') &&
    (t === 'U' || t === 'T' || t === 'S' || t === 'W');
  if (!ok) fail('CLF_BAD_VALUE', `invalid flags ${String(r.retransmission)}/${String(r.direction)}/${String(t)}`);
}

/** The seconds part of the last timestamp written: consecutive records mostly share it. */
let lastSec = -1;
let lastSecText = '';

/** `SSSSSSSSSS.mmm` (RFC 6873 §4: decimal, zero-padded). */
function writeTimestamp(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIMESTAMP) fail('CLF_TIMESTAMP_RANGE', `timestamp ${ms} ms is out of range`);
  const sec = Math.floor(ms / 1000);
  const frac = ms - sec * 1000;
  if (sec !== lastSec) {
    lastSec = sec;
    lastSecText = String(sec).padStart(10, '0') + '.';
  }
  return lastSecText + (frac < 10 ? '00' : frac < 100 ? '0' : '') + String(frac);
}

/** `TAB Tag@Vendor-ID,Length,BEB,Value` (RFC 6873 §4.4; BEB as the two digits `00`/`01` the examples use). */
function writeOptional(f: OptionalField): string {
  const { tag, vendor, value } = f;
  if (!Number.isInteger(tag) || tag < 0 || tag > 99) fail('CLF_TAG_RANGE', `optional field tag ${tag} is not 0-99`);
  if (!Number.isInteger(vendor) || vendor < 0 || vendor > 99_999_999) fail('CLF_TAG_RANGE', `vendor ${vendor} is not 0-99999999`);
  if (value.length > 0xffff) fail('CLF_VALUE_TOO_LONG', `optional field ${tag}@${vendor} value is ${value.length} bytes`);
  // Two memchr-speed scans instead of a regex: a TAB or LF as written would split or end the record.
  if (value.indexOf('\t') >= 0 || value.indexOf('\n') >= 0) {
    fail('CLF_BAD_VALUE', `optional field ${tag}@${vendor} value contains a TAB or LF (use the optional.ts helpers)`);
  }
  const v = vendor === 0 ? '00000000' : String(vendor).padStart(8, '0');
  return '\t' + (TAG2[tag] as string) + '@' + v + ',' + hex4(value.length) + (f.base64 ? ',01,' : ',00,') + value;
}

/** Writes a value without the TAB/CR/LF check (quick()'s fast path). */
function plain(v: ClfValue, max: number): string {
  if (v === null) return '-';
  if (v === UNPARSEABLE) return '?';
  if (v.length === 1) {
    if (v === '-') return '%2D';
    if (v === '?') return '%3F';
  }
  return v.length > max ? cutUtf8(v, max) : v;
}

/** `TAB f1 TAB f2 … TAB f12` (plain concatenation: faster than Array.join for 12 short strings). */
function join(f: readonly string[]): string {
  let line = '';
  for (let i = 0; i < f.length; i++) line += '\t' + (f[i] as string);
  return line;
}

/**
 * True when the line joined from `f` has no CR/LF and its only TABs are the 12 separators: checked on the
 * whole line with indexOf (memchr speed) instead of a regex per value.
 */
function clean(line: string, f: readonly string[]): boolean {
  if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) return false;
  let at = 0;
  for (let i = 0; i < f.length; i++) {
    const next = at + 1 + (f[i] as string).length;
    if (line.indexOf('\t', at + 1) !== (i === f.length - 1 ? -1 : next)) return false;
    at = next;
  }
  return true;
}

/**
 * Encodes one record (RFC 6873 §4). Throws SipclfError CLF_TIMESTAMP_RANGE, CLF_TAG_RANGE,
 * CLF_VALUE_TOO_LONG, CLF_BAD_VALUE, CLF_POINTER_OVERFLOW or CLF_RECORD_TOO_LONG for what the format cannot
 * hold.
 */
export function encodeRecord(r: ClfRecord, opts?: EncodeOptions): string {
  const max = opts?.maxFieldBytes ?? MAX_FIELD_BYTES;
  checkFlags(r);
  const head = writeTimestamp(r.timestamp) + (r.isRequest ? (r.encrypted ? FLAGS_RE : FLAGS_RU) : r.encrypted ? FLAGS_rE : FLAGS_rU)[r.retransmission + r.direction + r.transport];
  // Fast path: write the values without the TAB/CR/LF check, then verify the joined line once; only a line
  // that fails is rewritten field by field (writeMandatory).
  let f = [
    plain(r.cseq, max), plain(r.status, max), plain(r.requestUri, max), plain(r.destination, max),
    plain(r.source, max), plain(r.toUri, max), plain(r.toTag, max), plain(r.fromUri, max),
    plain(r.fromTag, max), plain(r.callId, max), plain(r.serverTxn, max), plain(r.clientTxn, max),
  ];
  let line = join(f);
  if (!clean(line, f)) {
    f = MANDATORY_FIELDS.map((name) => writeMandatory(r[name], max));
    line = join(f);
  }
  // `pos` is the 1-based pointer of the next field (0-based offset + 1); CSeq starts at offset 82.
  let pointers = '';
  let pos = FIELDS_START + 1;
  for (let i = 0; i < f.length; i++) {
    if (pos > 0xffff) fail('CLF_POINTER_OVERFLOW', `pointer of ${MANDATORY_FIELDS[i] as string} would be ${pos}`);
    pointers += hex4(pos);
    pos += (f[i] as string).length + 1;
  }
  // Optional Fields Start: the TAB of the first optional field, or the final LF (§4.1) — both at `pos - 1`.
  if (pos - 1 > 0xffff) fail('CLF_POINTER_OVERFLOW', `optional fields start pointer would be ${pos - 1}`);
  pointers += hex4(pos - 1);
  let opt = '';
  for (const f of r.optional) opt += writeOptional(f);
  const length = pos - 1 + opt.length; // bytes through the final LF: (pos - 2) before it, then LF
  if (length > 0xffffff) fail('CLF_RECORD_TOO_LONG', `record would be ${length} bytes`);
  return 'A' + hex6(length) + ',' + pointers + '\n' + head + line + opt + '\n';
}
