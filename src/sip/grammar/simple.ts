/**
 * Small single-value header grammars: CSeq, media types, unsigned decimals, Refer-To.
 *
 * Implements RFC 3261 §20.16 / §25.1 CSeq = 1*DIGIT LWS Method (sequence number < 2^31, §8.1.1.5),
 * §20.15 / §25.1 media-type = m-type SLASH m-subtype *(SEMI m-parameter) (Content-Type, and each element
 * of Accept), the decimal scalars of §20 (Content-Length, Max-Forwards, Expires, Min-Expires… with
 * range checks, RFC 4475 §3.1.2.4), and RFC 3515 §2.1 Refer-To = ( name-addr / addr-spec ) *(SEMI
 * generic-param).
 */
import { DIGIT, TOKEN, fail, lower, scan, skipLws } from './chars.js';
import { type NameAddr, parseNameAddr } from './address.js';
import { type Params, parseParams } from './params.js';

const BAD = 'SIP_BAD_HEADER_VALUE';

/** 2^31 - 1: the largest CSeq sequence number (RFC 3261 §8.1.1.5). */
export const MAX_CSEQ = 0x7fffffff;

/**
 * Parses an unsigned decimal (1*DIGIT, no sign, no whitespace, leading zeros allowed). Throws
 * SIP_BAD_HEADER_VALUE when it is not a number and SIP_SCALAR_RANGE when it exceeds `max`
 * (max must be <= Number.MAX_SAFE_INTEGER).
 */
export function parseUint(value: string, max: number): number {
  return parseUintAt(value, 0, value.length, max);
}

function parseUintAt(s: string, start: number, end: number, max: number): number {
  if (start >= end) fail(BAD, 'expected a decimal number', start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (DIGIT[c] !== 1) fail(BAD, `expected a decimal number, found ${JSON.stringify(s.charAt(i))}`, i);
    if (n <= max) n = n * 10 + (c - 0x30);
  }
  if (n > max) fail('SIP_SCALAR_RANGE', `number is larger than ${max}`, start);
  return n;
}

export interface CSeq {
  readonly seq: number;
  /** Method as received (methods are case-sensitive, RFC 3261 §7.1). */
  readonly method: string;
}

/** CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); seq 0..2^31-1 else SIP_SCALAR_RANGE. */
export function parseCSeq(value: string): CSeq {
  const start = skipLws(value, 0);
  const dEnd = scan(DIGIT, value, start);
  if (dEnd === start) fail(BAD, 'CSeq: sequence number is missing', start);
  const seq = parseUintAt(value, start, dEnd, MAX_CSEQ);
  const mStart = skipLws(value, dEnd);
  if (mStart === dEnd) fail(BAD, 'CSeq: expected LWS between number and method', dEnd);
  const mEnd = scan(TOKEN, value, mStart);
  if (mEnd === mStart) fail(BAD, 'CSeq: method is not a token', mStart);
  if (skipLws(value, mEnd) !== value.length) fail(BAD, 'CSeq: unexpected text after the method', mEnd);
  return { seq, method: value.slice(mStart, mEnd) };
}

export interface MediaType {
  /** Lowercased. */
  readonly type: string;
  /** Lowercased. */
  readonly subtype: string;
  /** m-parameters (names case-insensitive; values as received, quoted-strings unquoted). */
  readonly params: Params;
}

/** media-type = m-type SLASH m-subtype *(SEMI m-parameter) (RFC 3261 §25.1), LWS around "/". */
export function parseMediaType(value: string): MediaType {
  let pos = skipLws(value, 0);
  const tEnd = scan(TOKEN, value, pos);
  if (tEnd === pos) fail(BAD, 'media type: type is not a token', pos);
  const type = lower(value.slice(pos, tEnd));
  pos = skipLws(value, tEnd);
  if (value.charCodeAt(pos) !== 0x2f) fail(BAD, 'media type: expected "/"', pos);
  pos = skipLws(value, pos + 1);
  const sEnd = scan(TOKEN, value, pos);
  if (sEnd === pos) fail(BAD, 'media type: subtype is not a token', pos);
  const subtype = lower(value.slice(pos, sEnd));
  const { params } = parseParams(value, sEnd);
  return { type, subtype, params };
}

/**
 * Refer-To (RFC 3515 §2.1, compact form `r`): a name-addr or addr-spec with generic-params. The §20.10 rule
 * applies: a URI with `?` headers (common in Refer-To, e.g. `?Replaces=…`) must be enclosed in `<>`.
 */
export function parseReferTo(value: string): NameAddr {
  return parseNameAddr(value);
}
