/**
 * The SIP CLF record model (RFC 6872 §8 information model, RFC 6873 §4 encoding, RFC 7355 `W` flag).
 *
 * Strings in this layer are *binary strings*: one char per octet (latin1), exactly as the parser's latin1
 * view of a message (src/sip/bytes.ts). Lengths and index pointers of the text format are then plain string
 * lengths, and logged SIP bytes go to disk unchanged whatever their encoding. Use `toBinary()` /
 * `fromBinary()` to convert to and from ordinary (UTF-16) JavaScript text.
 */

/** A mandatory field that was present but failed to parse: written as `?` (RFC 6873 §4.3). */
export const UNPARSEABLE: unique symbol = Symbol('clf.unparseable');

/**
 * A mandatory field value: a binary string (logged as is, TAB → SP, a lone `-`/`?` escaped as `%2D`/`%3F`),
 * `null` when the element is absent (`-`), or UNPARSEABLE (`?`).
 */
export type ClfValue = string | null | typeof UNPARSEABLE;

/** RFC 6873 §4.2 flags byte 2. */
export type Retransmission = 'O' | 'D' | 'S';
/** RFC 6873 §4.2 flags byte 3 (RFC 6872 spells it `s`/`r`; the file format uses upper case). */
export type Direction = 'S' | 'R';
/** RFC 6873 §4.2 flags byte 4 and RFC 7355 §4: UDP, TCP, SCTP, WebSocket. */
export type TransportFlag = 'U' | 'T' | 'S' | 'W';

/** The 12 mandatory fields, in index-pointer order (RFC 6873 §4.1). */
export const MANDATORY_FIELDS = [
  'cseq',
  'status',
  'requestUri',
  'destination',
  'source',
  'toUri',
  'toTag',
  'fromUri',
  'fromTag',
  'callId',
  'serverTxn',
  'clientTxn',
] as const;
export type MandatoryField = (typeof MANDATORY_FIELDS)[number];

/**
 * One optional field `Tag@Vendor-ID,Length,BEB,Value` (RFC 6873 §4.4). `value` is the Value *as written*
 * (after TAB → SP, base64 and `%0D%0A` escaping) so that a record decodes and re-encodes byte-exact;
 * codec helpers turn logical bytes into this form and back.
 */
export interface OptionalField {
  /** 0-99. Standard tags (vendor 0): 0 header field, 1 body, 2 whole message. */
  readonly tag: number;
  /** IANA Private Enterprise Number, 0 for the standard tags; 0-99999999. */
  readonly vendor: number;
  /** BEB: the value is base64. */
  readonly base64: boolean;
  /** The Value as written (binary string). */
  readonly value: string;
}

export interface ClfRecord {
  /** Milliseconds since the Unix epoch, integer (the format keeps seconds.millis, RFC 6873 §4). */
  readonly timestamp: number;
  readonly isRequest: boolean;
  readonly retransmission: Retransmission;
  readonly direction: Direction;
  readonly transport: TransportFlag;
  readonly encrypted: boolean;
  /** "number SP method", e.g. `1 INVITE`. */
  readonly cseq: ClfValue;
  /** Status code for responses; null (`-`) for requests. */
  readonly status: ClfValue;
  /** Request-URI; null for responses. */
  readonly requestUri: ClfValue;
  /** `ip:port`, IPv6 in brackets (RFC 6873 §4.2, RFC 5952). */
  readonly destination: ClfValue;
  readonly source: ClfValue;
  readonly toUri: ClfValue;
  readonly toTag: ClfValue;
  readonly fromUri: ClfValue;
  readonly fromTag: ClfValue;
  readonly callId: ClfValue;
  readonly serverTxn: ClfValue;
  readonly clientTxn: ClfValue;
  readonly optional: readonly OptionalField[];
}

/** RFC 6873 §4.4 standard tags (vendor 00000000). */
export const TAG_HEADER = 0;
export const TAG_BODY = 1;
export const TAG_MESSAGE = 2;

/**
 * sipclf's own optional fields, under the documentation PEN 32473 (RFC 5612) until the project has its own
 * (docs/reference/clf-format.md).
 */
export const SIPCLF_PEN = 32473;
/** 10@32473: label of the entity that logged the record (written by `sipclf merge`). */
export const VTAG_ENTITY = 10;
/** 11@32473: `TT@VVVVVVVV N` — optional field TT@VVVVVVVV was truncated from N bytes (RFC 6872 §8 cap). */
export const VTAG_TRUNCATED = 11;

/** RFC 6872 §8: the maximum size of any logged field. */
export const MAX_FIELD_BYTES = 4096;

const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-16 JavaScript text → binary string of its UTF-8 bytes. */
export function toBinary(text: string): string {
  if (!NON_ASCII.test(text)) return text; // ASCII, the usual case: the same string either way
  const b = Buffer.from(text, 'utf8'); // one UTF-8 scan (a lone surrogate becomes EF BF BD)
  return b.latin1Slice(0, b.length);
}

/** Binary string → JavaScript text, decoding the bytes as UTF-8 (invalid sequences become U+FFFD). */
export function fromBinary(bin: string): string {
  return Buffer.from(bin, 'latin1').toString('utf8');
}
