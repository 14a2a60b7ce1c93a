/**
 * SIP CLF decoder: one record of the RFC 6873 §4 indexed text format → ClfRecord, with every structural
 * rule of Figure 1 checked and each problem reported as a ClfDecodeError with its own code and the
 * absolute byte offset in the input. It also offers what the index exists for (§4.1, §6): the declared
 * length of a record (to skip it), one mandatory field read through its pointer without decoding the rest,
 * and the optional fields alone.
 *
 * Pointers: the RFC's bit-exact vectors (§5, RFC 7355 §5) are 1-based (CSeq pointer 0x0053 = 83), the §4.1
 * prose 0-based (">=82"); the base is detected from the CSeq pointer (83 or 82), so both read. Mandatory
 * values (§4.3): `-` → null, `?` → UNPARSEABLE, `%2D`/`%3F` → `-`/`?`, nothing else unescaped ("A log
 * reader should never unescape anything"). Optional fields (§4.4): the Value ends at the next TAB or at the
 * final LF (neither can occur in a written Value), and Length must equal its byte count unless
 * `lenientLength` (the RFC's own examples (3) and (6) carry wrong Lengths).
 */
import { ClfDecodeError, type ErrorCode } from '../errors.js';
import {
  MANDATORY_FIELDS,
  UNPARSEABLE,
  type ClfRecord,
  type ClfValue,
  type Direction,
  type MandatoryField,
  type OptionalField,
  type Retransmission,
  type TransportFlag,
} from './record.js';

export interface DecodeOptions {
  /** Accept an optional field whose Length differs from its Value's byte count (default false). */
  readonly lenientLength?: boolean;
}

const TAB = 0x09;
const LF = 0x0a;
/** Shortest record: 82 fixed bytes, 12 empty fields with their 11 separating TABs, the final LF. */
const MIN_LENGTH = 82 + 11 + 1;
const INDEX_LF = 60;
const FIELDS_START = 82;

function fail(code: ErrorCode, message: string, offset: number): never {
  throw new ClfDecodeError(code, message, offset);
}

/** Value of `n` hex digits at `at` (either case: a lenient reader), or -1. */
function hexAt(buf: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = buf.charCodeAt(i);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Value of `n` decimal digits at `at`, or -1 with the offset of the first non-digit in `bad`. */
function decAt(buf: string, at: number, n: number, code: ErrorCode, what: string): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = buf.charCodeAt(i);
    if (c < 0x30 || c > 0x39) fail(code, `${what}: expected a decimal digit`, i);
    v = v * 10 + (c - 0x30);
  }
  return v;
}

/**
 * Declared Record Length of the record at `offset` (RFC 6873 §4: from the version byte through the final
 * LF). Throws CLF_TRUNCATED, CLF_BAD_VERSION, CLF_UNKNOWN_VERSION or CLF_BAD_LENGTH.
 */
export function recordLengthAt(buf: string, offset = 0): number {
  if (buf.length < offset + 7) fail('CLF_TRUNCATED', 'input ends inside the record header', buf.length);
  const v = buf.charCodeAt(offset);
  if (v < 0x41 || v > 0x5a) fail('CLF_BAD_VERSION', 'version is not a letter A-Z', offset);
  if (v !== 0x41) fail('CLF_UNKNOWN_VERSION', `unknown record version ${buf[offset] as string}`, offset);
  const len = hexAt(buf, offset + 1, 6);
  if (len < 0) fail('CLF_BAD_LENGTH', 'Record Length is not 6 hex digits', offset + 1);
  if (len < MIN_LENGTH) fail('CLF_BAD_LENGTH', `Record Length ${len} is shorter than any record`, offset + 1);
  return len;
}

interface Index {
  readonly len: number;
  /** 0 or 1: what a pointer adds to a 0-based offset. */
  readonly base: number;
}

/** Checks the frame: length, input long enough, `,`, LF at 60, final LF, pointer base (from CSeq). */
function frame(buf: string, offset: number): Index {
  const len = recordLengthAt(buf, offset);
  if (buf.length < offset + len) fail('CLF_TRUNCATED', `input ends before the ${len}-byte record does`, buf.length);
  if (buf.charCodeAt(offset + 7) !== 0x2c) fail('CLF_BAD_DELIMITER', 'expected "," after the Record Length', offset + 7);
  if (buf.charCodeAt(offset + INDEX_LF) !== LF) fail('CLF_MISSING_LF', 'expected LF at the end of the index line', offset + INDEX_LF);
  if (buf.charCodeAt(offset + len - 1) !== LF) fail('CLF_MISSING_LF', 'the record does not end with LF', offset + len - 1);
  const cseq = hexAt(buf, offset + 8, 4);
  if (cseq !== FIELDS_START + 1 && cseq !== FIELDS_START) fail('CLF_BAD_POINTER', 'CSeq pointer is neither 0x0053 (1-based) nor 0x0052 (0-based)', offset + 8);
  return { len, base: cseq - FIELDS_START };
}

/** Pointer `i` (0-12) as a 0-based offset within the record, checked to lie in [82, len-1]. */
function pointer(buf: string, offset: number, ix: Index, i: number): number {
  const at = offset + 8 + 4 * i;
  const p = hexAt(buf, at, 4);
  if (p < 0) fail('CLF_BAD_POINTER', `pointer ${i + 1} is not 4 hex digits`, at);
  const q = p - ix.base;
  if (q < FIELDS_START || q > ix.len - 1) fail('CLF_BAD_POINTER', `pointer ${i + 1} (0x${p.toString(16)}) is outside the field line`, at);
  return q;
}

/** Mandatory field text → value (RFC 6873 §4.3). */
export function readMandatory(s: string): ClfValue {
  if (s.length === 1) {
    if (s === '-') return null;
    if (s === '?') return UNPARSEABLE;
  } else if (s.length === 3) {
    if (s === '%2D') return '-';
    if (s === '%3F') return '?';
  }
  return s;
}

/**
 * Mandatory field `i` read through its pointer. `start` and `end` are 0-based record offsets; the field
 * must follow a TAB, end at a TAB (or, for the last, at the final LF) and hold neither TAB nor LF.
 */
function fieldText(buf: string, offset: number, ix: Index, i: number, start: number, end: number): string {
  const at = offset + 8 + 4 * (i + 1);
  if (buf.charCodeAt(offset + start - 1) !== TAB) fail('CLF_BAD_POINTER', `pointer ${i + 1} does not follow a TAB`, offset + 8 + 4 * i);
  if (end < start) fail('CLF_BAD_POINTER', `pointer ${i + 2} is before pointer ${i + 1}`, at);
  const e = buf.charCodeAt(offset + end);
  if (!(e === TAB || (e === LF && end === ix.len - 1 && i === MANDATORY_FIELDS.length - 1))) {
    fail('CLF_BAD_POINTER', `pointer ${i + 2} does not follow the TAB that ends field ${i + 1}`, at);
  }
  const text = buf.slice(offset + start, offset + end);
  const tab = text.indexOf('\t');
  if (tab >= 0) fail('CLF_BAD_FIELD_COUNT', `mandatory field ${MANDATORY_FIELDS[i] as string} holds a TAB`, offset + start + tab);
  const lf = text.indexOf('\n');
  if (lf >= 0) fail('CLF_STRAY_LF', `mandatory field ${MANDATORY_FIELDS[i] as string} holds an LF`, offset + start + lf);
  return text;
}

/** One mandatory field through the index, without decoding the rest of the record (RFC 6873 §4.1). */
export function field(buf: string, offset: number, name: MandatoryField): ClfValue {
  const i = MANDATORY_FIELDS.indexOf(name);
  if (i < 0) throw new TypeError(`not a mandatory field: ${String(name)}`);
  const ix = frame(buf, offset);
  const start = i === 0 ? FIELDS_START : pointer(buf, offset, ix, i);
  const next = pointer(buf, offset, ix, i + 1);
  return readMandatory(fieldText(buf, offset, ix, i, start, i === MANDATORY_FIELDS.length - 1 ? next : next - 1));
}

const RETRANSMISSION = 'ODS';
const DIRECTION = 'SR';
const TRANSPORT = 'UTSW';

/** The five flag bytes at record offset 76 (RFC 6873 §4.2, RFC 7355 §4). */
function flags(buf: string, at: number): Pick<ClfRecord, 'isRequest' | 'retransmission' | 'direction' | 'transport' | 'encrypted'> {
  const f = buf.slice(at, at + 5);
  const check = (k: number, set: string, what: string): string => {
    const c = f[k] as string;
    if (!set.includes(c) || c.length !== 1) fail('CLF_BAD_FLAGS', `${what} flag must be one of ${set.split('').join(' ')}`, at + k);
    return c;
  };
  const rr = check(0, 'Rr', 'request/response');
  const retransmission = check(1, RETRANSMISSION, 'retransmission') as Retransmission;
  const direction = check(2, DIRECTION, 'sent/received') as Direction;
  const transport = check(3, TRANSPORT, 'transport') as TransportFlag;
  const enc = check(4, 'EU', 'encryption');
  return { isRequest: rr === 'R', retransmission, direction, transport, encrypted: enc === 'E' };
}

/** Optional fields from the Optional Fields Start pointer `p` (0-based) to the final LF (RFC 6873 §4.4). */
function readOptional(buf: string, offset: number, ix: Index, p: number, opts?: DecodeOptions): OptionalField[] {
  const out: OptionalField[] = [];
  const end = offset + ix.len - 1; // the final LF
  let at = offset + p;
  while (at < end) {
    if (buf.charCodeAt(at) !== TAB) fail('CLF_BAD_OPTIONAL', 'optional field does not start with a TAB', at);
    const h = at + 1;
    if (h + 20 > end) fail('CLF_BAD_OPTIONAL', 'optional field header Tag@Vendor-ID,Length,BEB, is cut short', h);
    const tag = decAt(buf, h, 2, 'CLF_BAD_OPTIONAL', 'Tag');
    if (buf.charCodeAt(h + 2) !== 0x40) fail('CLF_BAD_OPTIONAL', 'expected "@" after the Tag', h + 2);
    const vendor = decAt(buf, h + 3, 8, 'CLF_BAD_OPTIONAL', 'Vendor-ID');
    if (buf.charCodeAt(h + 11) !== 0x2c) fail('CLF_BAD_OPTIONAL', 'expected "," after the Vendor-ID', h + 11);
    const length = hexAt(buf, h + 12, 4);
    if (length < 0) fail('CLF_BAD_OPTIONAL', 'Length is not 4 hex digits', h + 12);
    if (buf.charCodeAt(h + 16) !== 0x2c) fail('CLF_BAD_OPTIONAL', 'expected "," after the Length', h + 16);
    const beb = buf.slice(h + 17, h + 19);
    if (beb !== '00' && beb !== '01') fail('CLF_BAD_OPTIONAL', 'BEB is neither 00 nor 01', h + 17);
    if (buf.charCodeAt(h + 19) !== 0x2c) fail('CLF_BAD_OPTIONAL', 'expected "," after the BEB', h + 19);
    const vs = h + 20;
    let ve = buf.indexOf('\t', vs);
    if (ve < 0 || ve > end) ve = end;
    const lf = buf.indexOf('\n', vs);
    if (lf < ve) fail('CLF_STRAY_LF', 'optional field value holds an LF', lf);
    if (ve - vs !== length && opts?.lenientLength !== true) {
      fail('CLF_OPTIONAL_LENGTH', `Length says ${length} bytes, the value has ${ve - vs}`, h + 12);
    }
    out.push({ tag, vendor, base64: beb === '01', value: buf.slice(vs, ve) });
    at = ve;
  }
  return out;
}

/** The optional fields of the record at `offset`, read through the Optional Fields Start pointer. */
export function optionalFields(buf: string, offset = 0, opts?: DecodeOptions): OptionalField[] {
  const ix = frame(buf, offset);
  const p = pointer(buf, offset, ix, 12);
  const c = buf.charCodeAt(offset + p);
  if (!(c === TAB || p === ix.len - 1)) fail('CLF_BAD_POINTER', 'Optional Fields Start does not point at a TAB or the final LF', offset + 56);
  return readOptional(buf, offset, ix, p, opts);
}

/**
 * Decodes and validates the record at `offset` (RFC 6873 §4). Bytes after the declared length are not
 * read. Throws ClfDecodeError (see docs/reference/errors.md, layer clf).
 */
export function decodeRecord(buf: string, offset = 0, opts?: DecodeOptions): ClfRecord {
  const ix = frame(buf, offset);
  const ptr: number[] = [FIELDS_START];
  for (let i = 1; i <= MANDATORY_FIELDS.length; i++) {
    const q = pointer(buf, offset, ix, i);
    if (q <= (ptr[i - 1] as number) - (i === MANDATORY_FIELDS.length ? 1 : 0)) {
      fail('CLF_BAD_POINTER', `pointer ${i + 1} does not increase`, offset + 8 + 4 * i);
    }
    ptr.push(q);
  }
  const t = offset + 61;
  const sec = decAt(buf, t, 10, 'CLF_BAD_TIMESTAMP', 'timestamp seconds');
  if (buf.charCodeAt(t + 10) !== 0x2e) fail('CLF_BAD_TIMESTAMP', 'expected "." in the timestamp', t + 10);
  const ms = decAt(buf, t + 11, 3, 'CLF_BAD_TIMESTAMP', 'timestamp milliseconds');
  if (buf.charCodeAt(offset + 75) !== TAB) fail('CLF_BAD_DELIMITER', 'expected TAB after the timestamp', offset + 75);
  const fl = flags(buf, offset + 76);
  if (buf.charCodeAt(offset + 81) !== TAB) fail('CLF_BAD_DELIMITER', 'expected TAB after the flags', offset + 81);
  const values: ClfValue[] = [];
  for (let i = 0; i < MANDATORY_FIELDS.length; i++) {
    const start = ptr[i] as number;
    const next = ptr[i + 1] as number;
    values.push(readMandatory(fieldText(buf, offset, ix, i, start, i === MANDATORY_FIELDS.length - 1 ? next : next - 1)));
  }
  const v = (i: number): ClfValue => values[i] as ClfValue;
  return {
    timestamp: sec * 1000 + ms,
    ...fl,
    cseq: v(0),
    status: v(1),
    requestUri: v(2),
    destination: v(3),
    source: v(4),
    toUri: v(5),
    toTag: v(6),
    fromUri: v(7),
    fromTag: v(8),
    callId: v(9),
    serverTxn: v(10),
    clientTxn: v(11),
    optional: readOptional(buf, offset, ix, ptr[MANDATORY_FIELDS.length] as number, opts),
  };
}
