/**
 * Optional-field helpers (RFC 6873 §4.4): turn a logical value — a header field (Tag 00), a body (Tag 01),
 * a whole message (Tag 02) or vendor data — into the Value *as written*, and back (decodeOptionalValue).
 * All strings are binary strings (record.ts).
 *
 * Writing rules (docs/reference/clf-format.md "Optional fields"; standards-digest §1.6):
 * - TAB → SP in text written as is (§4.3, §4.4: "Tab characters ... are replaced"). Base64'd bytes keep
 *   their TABs: base64 output cannot hold a TAB, and the RFC's own binary example (§4.4, RFC 4475
 *   mpart01) preserves 5 TAB octets inside its base64.
 * - "Unprintable" (§4.4: octets 0-31, 127, invalid UTF-8) → BEB 01, plain RFC 4648 base64 without line
 *   breaks. The §4.4 SDP example shows CRLF is *not* unprintable: it is written as `%0D%0A`, and TAB is
 *   replaced first, so neither counts. A lone CR or LF has no rule in the RFC: treated as unprintable.
 *   A value that already holds the literal text `%0D%0A` is base64'd too, so decoding is unambiguous.
 * - Length (encode.ts) = bytes of the Value as written, the reading example (4) supports.
 * - RFC 6872 §8 caps a field at 4096 bytes: the *written* Value is cut to ≤ 4096 bytes — base64 by
 *   cutting the raw bytes before encoding (stays decodable), text never inside `%0D%0A` nor inside a UTF-8
 *   character — and the helper returns a truncation marker `11@00032473` = `TT@VVVVVVVV N` (N = logical
 *   bytes before the cut) that the caller appends after the field.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { SipclfError } from '../errors.js';
import { cutUtf8 } from './encode.js';
import { MAX_FIELD_BYTES, SIPCLF_PEN, TAG_BODY, TAG_HEADER, TAG_MESSAGE, VTAG_ENTITY, VTAG_TRUNCATED, type OptionalField } from './record.js';

/** A helper's result: the field, and the truncation marker to append after it when the value was cut. */
export interface Capped {
  readonly field: OptionalField;
  readonly marker?: OptionalField;
}

/**
 * No control octet nor DEL. Tested on the value once TABs are spaces and CRLFs `%0D%0A`, so none may remain.
 * Anchored (whole-string match) because irregexp runs that ~1.5× faster than an unanchored search.
 */
// eslint-disable-next-line no-control-regex -- matching control octets is the point (RFC 6873 §4.4)
const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/;
const HIGH = /[\x80-\xff]/;
const ESCAPED_CRLF = '%0D%0A';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `s` (TABs already spaces) as written when it may be logged as text, or undefined when it must be base64'd:
 * it holds a control octet other than a CRLF pair, DEL, invalid UTF-8 (RFC 6873 §4.4 "unprintable"), a lone
 * CR or LF, or the literal text `%0D%0A` (our rules). One regex pass; the rest runs at memchr speed, and
 * UTF-8 is checked natively (isUtf8, on `bytes` when given).
 */
export function writeText(s: string, bytes?: Uint8Array): string | undefined {
  if (s.indexOf(ESCAPED_CRLF) >= 0) return undefined;
  const w = s.indexOf('\r') >= 0 ? s.replaceAll('\r\n', ESCAPED_CRLF) : s;
  if (!NO_CONTROL.test(w)) return undefined;
  if (bytes !== undefined ? !isAscii(bytes) && !isUtf8(bytes) : HIGH.test(s) && !isUtf8(Buffer.from(s, 'latin1'))) return undefined;
  return w;
}

function tabsToSpaces(s: string): string {
  return s.indexOf('\t') >= 0 ? s.replaceAll('\t', ' ') : s;
}

/** A prefix (header name + LWS, Content-Type) is always text: TAB, CR and LF become SP. */
function prefixText(s: string): string {
  return s.replace(/[\t\r\n]/g, ' ');
}

function marker(tag: number, vendor: number, logicalBytes: number): OptionalField {
  const v = `${String(tag).padStart(2, '0')}@${String(vendor).padStart(8, '0')} ${logicalBytes}`;
  return { tag: VTAG_TRUNCATED, vendor: SIPCLF_PEN, base64: false, value: v };
}

/**
 * The common writer: Value = `prefix` (text, TAB → SP) + `data` written as text or base64. `bytes`, when
 * given, are the octets of `data` (lets isUtf8 run without a copy; ignored when data had TABs replaced).
 */
function build(tag: number, vendor: number, prefix: string, data: string, bytes?: Uint8Array): Capped {
  const pre = prefix.length === 0 ? prefix : prefixText(prefix);
  const room = MAX_FIELD_BYTES - pre.length;
  if (room < 0) throw new SipclfError('CLF_VALUE_TOO_LONG', `optional field ${tag}@${vendor} prefix exceeds ${MAX_FIELD_BYTES} bytes`);
  const text = tabsToSpaces(data);
  const written = writeText(text, bytes !== undefined && bytes.length === data.length ? bytes : undefined);
  if (written !== undefined) {
    if (written.length <= room) return { field: { tag, vendor, base64: false, value: pre + written } };
    return { field: { tag, vendor, base64: false, value: pre + cutText(written, room) }, marker: marker(tag, vendor, pre.length + text.length) };
  }
  // Base64 of the raw bytes (TABs kept: see the file comment); cut the bytes so the result fits `room`.
  const raw = bytes !== undefined && bytes.length === data.length ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) : Buffer.from(data, 'latin1');
  const fit = Math.floor(room / 4) * 3;
  const b64 = (raw.length > fit ? raw.subarray(0, fit) : raw).toString('base64');
  const field = { tag, vendor, base64: true, value: pre + b64 };
  return raw.length > fit ? { field, marker: marker(tag, vendor, pre.length + data.length) } : { field };
}

/** Cuts escaped text to ≤ `room` bytes, never inside `%0D%0A` nor inside a UTF-8 character. */
function cutText(written: string, room: number): string {
  const cut = cutUtf8(written, room);
  // An escape starting in the last 5 kept bytes runs past the cut: cut before its `%` instead. Every
  // `%0D%0A` in a text Value is an escape (a literal one sends the value to base64).
  for (let p = Math.max(0, cut.length - 5); p < cut.length; p++) {
    if (written.startsWith(ESCAPED_CRLF, p)) return cut.slice(0, p);
  }
  return cut;
}

/** Splits a raw header value into leading LWS and the rest; unfolds (CRLF WSP → WSP) and drops a final CRLF. */
function unfold(rawValue: string): string {
  let v = rawValue.endsWith('\r\n') ? rawValue.slice(0, -2) : rawValue;
  if (v.indexOf('\n') >= 0) v = v.replace(/\r?\n(?=[ \t])/g, '');
  return v;
}

/**
 * Tag 00: one header field as received (RFC 6873 §4.4): Value = `name:` + the raw value (LWS after the
 * colon kept). Folding is undone (a Tag 00 Value must not contain CRLF) and a final CRLF dropped. If the
 * value is unprintable only the field-value is base64'd; name, colon and LWS stay text.
 */
export function headerField(name: string, rawValue: string): Capped {
  const v = unfold(rawValue);
  let i = 0;
  while (i < v.length && (v.charCodeAt(i) === 0x20 || v.charCodeAt(i) === 0x09)) i++;
  return build(TAG_HEADER, 0, name + ':' + v.slice(0, i), v.slice(i));
}

/** Tag 00 pseudo-header for a response's Reason-Phrase: `Reason-Phrase: <phrase>` (RFC 6873 §4.4). */
export function reasonPhraseField(phrase: string): Capped {
  return headerField('Reason-Phrase', ' ' + phrase);
}

/**
 * Tag 01: a body (RFC 6873 §4.4): Value = `Content-Type SP body`, CRLF → `%0D%0A`; if the body is
 * unprintable only the body is base64'd. `bytes` may carry the body's octets to skip a copy.
 */
export function bodyField(contentType: string, body: string, bytes?: Uint8Array): Capped {
  return build(TAG_BODY, 0, contentType + ' ', body, bytes);
}

/** Tag 02: the whole message, start line to end of body (RFC 6873 §4.4; RFC 8497 §3.6 "log me"). */
export function messageField(message: string, bytes?: Uint8Array): Capped {
  return build(TAG_MESSAGE, 0, '', message, bytes);
}

/** Vendor data under a Private Enterprise Number (RFC 6873 §4.4), written with the same rules. */
export function vendorField(tag: number, pen: number, value: string): Capped {
  if (!Number.isInteger(pen) || pen < 1 || pen > 99_999_999) throw new SipclfError('CLF_TAG_RANGE', `PEN ${pen} is not 1-99999999`);
  return build(tag, pen, '', value);
}

/** `10@00032473`: the label of the entity that logged the record (written by `sipclf merge`). */
export function entityField(label: string): Capped {
  return vendorField(VTAG_ENTITY, SIPCLF_PEN, label);
}

function unbase64(s: string): string {
  const b = s.indexOf('%') >= 0 ? s.replaceAll(ESCAPED_CRLF, '') : s;
  if (!BASE64.test(b)) throw new SipclfError('CLF_BAD_BASE64', 'optional field value is not valid base64');
  return Buffer.from(b, 'base64').latin1Slice();
}

/**
 * The logical value of an optional field (binary string): `%0D%0A` → CRLF, base64 decoded — for Tag 00
 * after `name:` + LWS, for Tag 01 after the last SP (base64 has none; a Content-Type may), otherwise the
 * whole Value. Accepts MIME-style base64 with `%0D%0A` line breaks as in the RFC's binary example.
 * Throws CLF_BAD_BASE64.
 */
export function decodeOptionalValue(f: OptionalField): string {
  const v = f.value;
  if (!f.base64) return v.indexOf('%') >= 0 ? v.replaceAll(ESCAPED_CRLF, '\r\n') : v;
  let start = 0;
  if (f.vendor === 0 && f.tag === TAG_HEADER) {
    start = v.indexOf(':') + 1;
    while (start < v.length && v.charCodeAt(start) === 0x20) start++;
  } else if (f.vendor === 0 && f.tag === TAG_BODY) {
    start = v.lastIndexOf(' ') + 1;
  }
  return v.slice(0, start) + unbase64(v.slice(start));
}

/** Parses a truncation marker value `TT@VVVVVVVV N` (VTAG_TRUNCATED@SIPCLF_PEN); undefined if malformed. */
export function parseTruncationMarker(value: string): { tag: number; vendor: number; bytes: number } | undefined {
  const m = /^(\d\d)@(\d{8}) (\d+)$/.exec(value);
  if (m === null) return undefined;
  return { tag: Number(m[1]), vendor: Number(m[2]), bytes: Number(m[3]) };
}
