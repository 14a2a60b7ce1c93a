/**
 * SIP CLF encoder into bytes: the same record as encodeRecord (encode.ts, RFC 6873 §4), written straight
 * into a caller's Buffer instead of built as a string. A log writer needs the bytes anyway; building ~60
 * small strings and then copying them out (what encodeRecord + latin1Write costs) is what dominated the
 * per-record time (benchmarks/clf-encode.mjs, issue #3). Per-octet JavaScript loops are avoided where a
 * value is long: one native copy costs about as much as a 30-octet loop.
 *
 * Two passes over the record, one intermediate string (the mandatory fields joined) on the common path:
 *  1. sizes — every check of encodeRecord in the same order with the same SipclfError (code and message),
 *     and the written length of each field (RFC 6873 §4.3 rules: `-`, `?`, `%2D`, `%3F`, the 4096-byte
 *     cap of RFC 6872 §8). TAB/CR/LF → SP does not change a length, so no field is rewritten to be sized.
 *  2. bytes — index line (§4.1: Record Length and the 13 pointers, known from pass 1), timestamp and
 *     flags (§4, §4.2, RFC 7355 §4) as octets from lookup tables, the mandatory fields joined and copied
 *     by one native call (char by char with TAB/CR/LF → SP only when a field holds one), the optional
 *     fields (§4.4) with one native copy for a long Value (the Tag 02 message).
 *
 * The output is byte-identical to `Buffer.from(encodeRecord(r, opts), 'latin1')` for every record
 * (test/clf/encode-into.test.ts checks it on hostile random records): the two files must change together.
 * The small checks below (mandatory, checkFlags, checkOptional) are deliberate copies of encode.ts's: sharing
 * them (tried, same run) made both encoders 10-18 % slower, the shared functions' type feedback turning
 * polymorphic between the two callers.
 */
import { SipclfError } from '../errors.js';
import { cutUtf8, type EncodeOptions } from './encode.js';
import { OctetValueField, writeOctetValue } from './octet-field.js';
import { MANDATORY_FIELDS, MAX_FIELD_BYTES, UNPARSEABLE, type ClfRecord, type ClfValue, type OptionalField } from './record.js';

/** Upper-case hex digits as octets (RFC 6873 §4: hex is '0'-'9' and 'A'-'F'), two per byte value 0-255. */
const HEX2 = Uint8Array.from({ length: 512 }, (_, i) => '0123456789ABCDEF'.charCodeAt(i & 1 ? (i >>> 1) & 15 : i >>> 5));
/** Octet as written in a mandatory field: TAB, CR and LF → SP (RFC 6873 §4.3), the rest unchanged. */
const FIELD_OCTET = Uint8Array.from({ length: 256 }, (_, c) => (c === 0x09 || c === 0x0a || c === 0x0d ? 0x20 : c));
const MAX_TIMESTAMP = 9_999_999_999_999; // 10 digits of seconds + 3 of milliseconds
/** Offset of the first mandatory field (CSeq), 0-based: 61 index bytes + 21 prefix bytes (§4.1). */
const FIELDS_START = 82;
/** `TAB Tag@Vendor-ID,Length,BEB,` before an optional Value: 1 + 2 + 1 + 8 + 1 + 4 + 4 bytes (§4.4). */
const OPTIONAL_HEAD = 21;
/** Values longer than this are copied with one native call rather than a charCodeAt loop. */
const LONG = 64;

/**
 * Buffer#latin1Write (Node ≥ 0.x, used by Buffer#write for 'latin1'): the same copy without write()'s
 * argument parsing, which costs as much as copying a SIP message. Not in @types/node, hence the cast.
 */
type Latin1Write = (this: Buffer, s: string, offset: number, length: number) => number;
const latin1Write = (Buffer.prototype as unknown as { latin1Write?: Latin1Write }).latin1Write;
function writeLatin1(buf: Buffer, s: string, p: number): number {
  return latin1Write !== undefined ? latin1Write.call(buf, s, p, s.length) : buf.write(s, p, s.length, 'latin1');
}
const TAB = 0x09;
const LF = 0x0a;

/** The written form of each mandatory field (pass 1 → pass 2): the value itself, a constant, or a cut copy. */
const written: string[] = ['', '', '', '', '', '', '', '', '', '', '', ''];
/** The 1-based pointer of each mandatory field (pass 1 → pass 2), then the Optional Fields Start + 1. */
const ptrs = new Int32Array(13);

function fail(code: 'CLF_RECORD_TOO_LONG' | 'CLF_POINTER_OVERFLOW' | 'CLF_TIMESTAMP_RANGE' | 'CLF_TAG_RANGE' | 'CLF_VALUE_TOO_LONG' | 'CLF_BAD_VALUE', message: string): never {
  throw new SipclfError(code, message);
}

/**
 * A mandatory field as written before TAB/CR/LF → SP (RFC 6873 §4.3, encode.ts writeMandatory): `-` for
 * null, `?` for UNPARSEABLE, `%2D`/`%3F` for a lone `-`/`?`, else the value capped at `max` bytes. The cap
 * cuts the same place with or without the replacement: TAB/CR/LF and SP are all below 0x80, so cutUtf8's
 * continuation-byte test sees the same octets.
 */
function mandatory(v: ClfValue, max: number): string {
  if (v === null) return '-';
  if (v === UNPARSEABLE) return '?';
  if (v.length === 1) {
    if (v === '-') return '%2D';
    if (v === '?') return '%3F';
  }
  return v.length > max ? cutUtf8(v, max) : v;
}

/** The checks of encode.ts checkFlags (RFC 6873 §4.2, RFC 7355 §4), same error. */
function checkFlags(r: ClfRecord): void {
  const t = r.transport;
  const ok =
    (r.retransmission === 'O' || r.retransmission === 'D' || r.retransmission === 'S') &&
    (r.direction === 'S' || r.direction === 'R') &&
    (t === 'U' || t === 'T' || t === 'S' || t === 'W');
  if (!ok) fail('CLF_BAD_VALUE', `invalid flags ${String(r.retransmission)}/${String(r.direction)}/${String(t)}`);
}

/** The checks of encode.ts writeOptional (RFC 6873 §4.4), same errors: a Value must not break the framing. */
function checkOptional(f: OptionalField): number {
  const { tag, vendor } = f;
  if (!Number.isInteger(tag) || tag < 0 || tag > 99) fail('CLF_TAG_RANGE', `optional field tag ${tag} is not 0-99`);
  if (!Number.isInteger(vendor) || vendor < 0 || vendor > 99_999_999) fail('CLF_TAG_RANGE', `vendor ${vendor} is not 0-99999999`);
  // Octets written as text (octet-field.ts): checked when the field was made, length known without the string.
  if (f instanceof OctetValueField) return f.writtenLength;
  const value = f.value;
  if (value.length > 0xffff) fail('CLF_VALUE_TOO_LONG', `optional field ${tag}@${vendor} value is ${value.length} bytes`);
  if (value.indexOf('\t') >= 0 || value.indexOf('\n') >= 0) {
    fail('CLF_BAD_VALUE', `optional field ${tag}@${vendor} value contains a TAB or LF (use the optional.ts helpers)`);
  }
  return value.length;
}

/** The last Vendor-ID written (§4.4: 8 decimal digits), as ASCII digits: mostly 0, the standard tags. */
let lastVendor = 0;
const vendorDigits = new Uint8Array(8).fill(0x30);

/** The seconds of the last timestamp written, as 10 ASCII digits: consecutive records mostly share them. */
let lastSec = -1;
const secDigits = new Uint8Array(10);

/** `SSSSSSSSSS.mmm` at `p` (RFC 6873 §4: decimal, zero-padded); the range was checked in pass 1. */
function putTimestamp(buf: Buffer, p: number, ms: number): void {
  const sec = Math.floor(ms / 1000);
  let frac = ms - sec * 1000;
  if (sec !== lastSec) {
    lastSec = sec;
    let s = sec; // up to 9,999,999,999: beyond int32, so plain number arithmetic
    for (let i = 9; i >= 0; i--) {
      const d = s % 10;
      secDigits[i] = 0x30 + d;
      s = (s - d) / 10;
    }
  }
  for (let i = 0; i < 10; i++) buf[p + i] = secDigits[i] as number;
  buf[p + 10] = 0x2e; // '.'
  buf[p + 13] = 0x30 + (frac % 10);
  frac = Math.floor(frac / 10);
  buf[p + 12] = 0x30 + (frac % 10);
  buf[p + 11] = 0x30 + Math.floor(frac / 10);
}

/** `n` (0-0xFFFF) as 4 upper-case hex digits at `p`. */
function putHex4(buf: Buffer, p: number, n: number): void {
  const hi = (n >>> 7) & 0x1fe;
  const lo = (n & 0xff) << 1;
  buf[p] = HEX2[hi] as number;
  buf[p + 1] = HEX2[hi + 1] as number;
  buf[p + 2] = HEX2[lo] as number;
  buf[p + 3] = HEX2[lo + 1] as number;
}

/**
 * The 12 mandatory fields at `p`, each after its TAB; returns the offset after them. Fast path: one
 * string joined natively and copied by one native call, valid when it has no CR/LF and its only TABs are
 * the 11 separators (indexOf runs at memchr speed). Field values from the SIP parser are slices of the
 * message text, which a charCodeAt loop reads slowly; the loop (putField) is the fallback for a field
 * holding TAB/CR/LF.
 */
function putFields(buf: Buffer, p: number): number {
  const line = written.join('\t');
  if (line.indexOf('\n') < 0 && line.indexOf('\r') < 0 && onlySeparators(line)) {
    buf[p] = TAB;
    return p + 1 + writeLatin1(buf, line, p + 1);
  }
  for (let i = 0; i < 12; i++) {
    const s = written[i] as string;
    buf[p] = TAB;
    putField(buf, p + 1, s);
    p += s.length + 1;
  }
  return p;
}

/**
 * Whether the TABs of `line` (the fields joined by TAB) are exactly the 11 separators: from the start of
 * each field the next TAB must be the one before the next field (offsets from the pointers of pass 1).
 */
function onlySeparators(line: string): boolean {
  const base = ptrs[0] as number;
  for (let i = 0; i < 11; i++) {
    if (line.indexOf('\t', (ptrs[i] as number) - base) !== (ptrs[i + 1] as number) - base - 1) return false;
  }
  return line.indexOf('\t', (ptrs[11] as number) - base) < 0;
}

/** A mandatory field's written form at `p`, TAB/CR/LF → SP (RFC 6873 §4.3: a field must not hold them). */
function putField(buf: Buffer, p: number, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A code unit above 0xFF (not a binary string: a caller bug) keeps its low byte, as latin1 does.
    buf[p + i] = c > 0xff ? c : (FIELD_OCTET[c] as number);
  }
}

/** An optional Value at `p`, as is (checked in pass 1: no TAB, no LF). */
function putValue(buf: Buffer, p: number, s: string): void {
  if (s.length > LONG) {
    writeLatin1(buf, s, p);
    return;
  }
  for (let i = 0; i < s.length; i++) buf[p + i] = s.charCodeAt(i);
}

/** `TAB Tag@Vendor-ID,Length,BEB,Value` at `p` (RFC 6873 §4.4); returns the offset after it. */
function putOptional(buf: Buffer, p: number, f: OptionalField): number {
  const { tag, vendor } = f;
  buf[p] = TAB;
  buf[p + 1] = 0x30 + ((tag / 10) | 0);
  buf[p + 2] = 0x30 + (tag % 10);
  buf[p + 3] = 0x40; // '@'
  if (vendor !== lastVendor) {
    lastVendor = vendor; // 0-99999999 (checked): int32 arithmetic is exact
    for (let i = 7, v = vendor; i >= 0; i--, v = (v / 10) | 0) vendorDigits[i] = 0x30 + (v % 10);
  }
  for (let i = 0; i < 8; i++) buf[p + 4 + i] = vendorDigits[i] as number;
  buf[p + 12] = 0x2c; // ','
  buf[p + 17] = 0x2c;
  buf[p + 18] = 0x30;
  buf[p + 19] = f.base64 ? 0x31 : 0x30; // BEB as the two digits `00`/`01` the RFC examples use
  buf[p + 20] = 0x2c;
  if (f instanceof OctetValueField) {
    putHex4(buf, p + 13, f.writtenLength);
    return writeOctetValue(buf, p + OPTIONAL_HEAD, f);
  }
  const value = f.value;
  putHex4(buf, p + 13, value.length);
  putValue(buf, p + OPTIONAL_HEAD, value);
  return p + OPTIONAL_HEAD + value.length;
}

/**
 * Encodes one record (RFC 6873 §4) into `buf` at `offset`, byte-identical to encodeRecord. Returns the
 * bytes written (> 0), or minus the record's length when it does not fit in `buf.length - offset` — then
 * nothing is written and the caller grows or flushes its buffer and calls again. Throws what encodeRecord
 * throws (SipclfError CLF_TIMESTAMP_RANGE, CLF_TAG_RANGE, CLF_VALUE_TOO_LONG, CLF_BAD_VALUE,
 * CLF_POINTER_OVERFLOW, CLF_RECORD_TOO_LONG), whatever the room, before writing anything.
 */
export function encodeRecordInto(r: ClfRecord, buf: Buffer, offset: number, opts?: EncodeOptions): number {
  const max = opts?.maxFieldBytes ?? MAX_FIELD_BYTES;
  // ---- pass 1: checks (encodeRecord's order) and sizes ----
  checkFlags(r);
  const ms = r.timestamp;
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIMESTAMP) fail('CLF_TIMESTAMP_RANGE', `timestamp ${ms} ms is out of range`);
  written[0] = mandatory(r.cseq, max);
  written[1] = mandatory(r.status, max);
  written[2] = mandatory(r.requestUri, max);
  written[3] = mandatory(r.destination, max);
  written[4] = mandatory(r.source, max);
  written[5] = mandatory(r.toUri, max);
  written[6] = mandatory(r.toTag, max);
  written[7] = mandatory(r.fromUri, max);
  written[8] = mandatory(r.fromTag, max);
  written[9] = mandatory(r.callId, max);
  written[10] = mandatory(r.serverTxn, max);
  written[11] = mandatory(r.clientTxn, max);
  // `pos` is the 1-based pointer of the next field (0-based offset + 1, as the RFC vectors; encode.ts).
  let pos = FIELDS_START + 1;
  for (let i = 0; i < 12; i++) {
    if (pos > 0xffff) fail('CLF_POINTER_OVERFLOW', `pointer of ${MANDATORY_FIELDS[i] as string} would be ${pos}`);
    ptrs[i] = pos;
    pos += (written[i] as string).length + 1;
  }
  // Optional Fields Start: the TAB of the first optional field, or the final LF (§4.1) — both at `pos - 1`.
  const optStart = pos - 1;
  if (optStart > 0xffff) fail('CLF_POINTER_OVERFLOW', `optional fields start pointer would be ${optStart}`);
  const optional = r.optional;
  let length = optStart; // bytes through the final LF: (optStart - 1) before it, then LF
  for (let i = 0; i < optional.length; i++) {
    length += OPTIONAL_HEAD + checkOptional(optional[i] as OptionalField);
  }
  if (length > 0xffffff) fail('CLF_RECORD_TOO_LONG', `record would be ${length} bytes`);
  if (length > buf.length - offset) return -length;

  // ---- pass 2: bytes ----
  let p = offset;
  buf[p] = 0x41; // version 'A' (RFC 6873 §4.1, the only version, §9)
  buf[p + 1] = HEX2[(length >>> 15) & 0x1fe] as number;
  buf[p + 2] = HEX2[((length >>> 15) & 0x1fe) + 1] as number;
  putHex4(buf, p + 3, length & 0xffff);
  buf[p + 7] = 0x2c;
  p += 8;
  for (let i = 0; i < 12; i++) {
    putHex4(buf, p, ptrs[i] as number);
    p += 4;
  }
  putHex4(buf, p, optStart);
  buf[p + 4] = LF;
  p += 5;
  putTimestamp(buf, p, ms);
  p += 14;
  // TAB + the five flag bytes (RFC 6873 §4.2; `W` from RFC 7355 §4) + the TAB before CSeq.
  buf[p] = TAB;
  buf[p + 1] = r.isRequest ? 0x52 : 0x72; // 'R' request, 'r' response
  buf[p + 2] = r.retransmission.charCodeAt(0);
  buf[p + 3] = r.direction.charCodeAt(0);
  buf[p + 4] = r.transport.charCodeAt(0);
  buf[p + 5] = r.encrypted ? 0x45 : 0x55; // 'E' / 'U'
  p += 6;
  p = putFields(buf, p);
  for (let i = 0; i < optional.length; i++) p = putOptional(buf, p, optional[i] as OptionalField);
  buf[p] = LF;
  return length;
}
