/**
 * Character classes and lexical helpers shared by the string-level SIP grammar parsers.
 *
 * Owns the 256-entry lookup tables for the RFC 3261 §25.1 core rules (token, alphanum, unreserved, mark,
 * user-unreserved, param-unreserved, hnv-unreserved, word, HEXDIG, WSP), the LWS skipper (§25.1: the values
 * handed to us are already unfolded, so LWS is SP / HTAB), the quoted-string reader (§25.1 quoted-string,
 * qdtext, quoted-pair) and the `%` HEX HEX decoder (§19.1.2, RFC 2396 §2.4.1 "escaped").
 *
 * Tables are indexed with `charCodeAt`; any code point >= 256 reads `undefined`, which is "not in class".
 */
import { SipParseError, type ErrorCode } from '../../errors.js';

function table(...sets: string[]): Uint8Array {
  const t = new Uint8Array(256);
  for (const set of sets) for (let i = 0; i < set.length; i++) t[set.charCodeAt(i)] = 1;
  return t;
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
/** RFC 3261 §25.1 mark. */
const MARK = "-_.!~*'()";

/** RFC 3261 §25.1 alphanum. */
export const ALPHANUM = table(ALPHA, DIGITS);
/** DIGIT (RFC 5234 B.1). */
export const DIGIT = table(DIGITS);
/** HEXDIG, both cases (RFC 5234 B.1 is case-insensitive). */
export const HEX = table(DIGITS, 'abcdefABCDEF');
/** WSP: SP / HTAB (RFC 5234 B.1); CR and LF are tolerated too in case a caller did not unfold. */
export const WSP = table(' \t\r\n');
/** RFC 3261 §25.1 token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"). */
export const TOKEN = table(ALPHA, DIGITS, "-.!%*_+`'~");
/** RFC 3261 §25.1 unreserved = alphanum / mark. */
export const UNRESERVED = table(ALPHA, DIGITS, MARK);
/** RFC 3261 §25.1 user = 1*( unreserved / escaped / user-unreserved ); `%` is validated separately. */
export const USER_CHAR = table(ALPHA, DIGITS, MARK, '&=+$,;?/');
/** RFC 3261 §25.1 password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ). */
export const PASSWORD_CHAR = table(ALPHA, DIGITS, MARK, '&=+$,');
/** RFC 3261 §25.1 paramchar = param-unreserved / unreserved / escaped (RFC 3966 §3 has the same set). */
export const PARAM_CHAR = table(ALPHA, DIGITS, MARK, '[]/:&+$');
/** RFC 3261 §25.1 hname / hvalue characters: hnv-unreserved / unreserved / escaped. */
export const HNV_CHAR = table(ALPHA, DIGITS, MARK, '[]/?:+$');
/** RFC 3261 §25.1 word (Call-ID). */
export const WORD = table(ALPHA, DIGITS, '-.!%*_+`\'~()<>:\\"/[]?{}');
/** RFC 3261 §25.1 user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/". */
export const USER_UNRESERVED = table('&=+$,;?/');
/** RFC 3261 §25.1 param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$". */
export const PARAM_UNRESERVED = table('[]/:&+$');
/** RFC 3261 §25.1 hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$". */
export const HNV_UNRESERVED = table('[]/?:+$');

/** True when `c` (a UTF-16 code unit) is in table `t`. */
export function inClass(t: Uint8Array, c: number): boolean {
  return t[c] === 1;
}

/** Throws a `SipParseError`; typed `never` so callers can use it in expressions. */
export function fail(code: ErrorCode, message: string, offset: number): never {
  throw new SipParseError(code, message, offset);
}

/** RFC 3261 §25.1 token: one or more token characters. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/** ASCII-only lowercase (tokens are case-insensitive, RFC 3261 §7.3.1); never changes the length. */
export function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      let out = s.slice(0, i);
      for (let j = i; j < s.length; j++) {
        const d = s.charCodeAt(j);
        out += d >= 0x41 && d <= 0x5a ? String.fromCharCode(d + 32) : s.charAt(j);
      }
      return out;
    }
  }
  return s;
}

/** ASCII-only uppercase. */
export function upper(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i);
    out += d >= 0x61 && d <= 0x7a ? String.fromCharCode(d - 32) : s.charAt(i);
  }
  return out;
}

/** Skips LWS (RFC 3261 §25.1) starting at `pos`; returns the first non-whitespace index (<= end). */
export function skipLws(s: string, pos: number, end: number = s.length): number {
  while (pos < end && WSP[s.charCodeAt(pos)] === 1) pos++;
  return pos;
}

/** Index just past the run of `t` characters starting at `pos`. */
export function scan(t: Uint8Array, s: string, pos: number, end: number = s.length): number {
  while (pos < end && t[s.charCodeAt(pos)] === 1) pos++;
  return pos;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function hexVal(c: number): number {
  if (c <= 0x39) return c - 0x30;
  return (c | 0x20) - 0x57;
}

/**
 * Reads a quoted-string (RFC 3261 §25.1) whose opening DQUOTE is at `pos`. Resolves quoted-pairs; any
 * character other than an unescaped DQUOTE is accepted inside (RFC 4475 §3.1.1.2 has NUL/BEL/DEL).
 * Throws SIP_UNTERMINATED_QUOTE when the closing DQUOTE is missing before `end` (RFC 4475 §3.1.2.6).
 */
export function readQuoted(s: string, pos: number, end: number = s.length): { value: string; end: number } {
  let value = '';
  let i = pos + 1;
  let chunk = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return { value: value + s.slice(chunk, i), end: i + 1 };
    if (c === 0x5c) {
      if (i + 1 >= end) break;
      value += s.slice(chunk, i) + s.charAt(i + 1);
      i += 2;
      chunk = i;
      continue;
    }
    i++;
  }
  return fail('SIP_UNTERMINATED_QUOTE', 'quoted-string is not closed', pos);
}

/** Index past the closing DQUOTE of the quoted-string opening at `pos` (no unescaping). */
export function skipQuoted(s: string, pos: number, end: number = s.length): number {
  let i = pos + 1;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    i += c === 0x5c ? 2 : 1;
  }
  return fail('SIP_UNTERMINATED_QUOTE', 'quoted-string is not closed', pos);
}

/**
 * Validates the characters of s[start, end) against `t` plus `%` HEX HEX escapes (RFC 3261 §19.1.2) and
 * returns the decoded text. Escapes decode to octets, which are then read as UTF-8 when they form valid
 * UTF-8 and as Latin-1 otherwise (so `%00` and lone high octets survive, RFC 4475 §3.1.1.4).
 */
export function decodeEscaped(s: string, start: number, end: number, t: Uint8Array, code: ErrorCode, what: string): string {
  let hasEscape = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= end || HEX[s.charCodeAt(i + 1)] !== 1 || HEX[s.charCodeAt(i + 2)] !== 1) {
        fail(code, `${what}: "%" is not followed by two hex digits`, i);
      }
      hasEscape = true;
      i += 2;
    } else if (t[c] !== 1) {
      fail(code, `${what}: character ${JSON.stringify(s.charAt(i))} is not allowed`, i);
    }
  }
  if (!hasEscape) return s.slice(start, end);
  const bytes: number[] = [];
  let ascii = true;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const b = hexVal(s.charCodeAt(i + 1)) * 16 + hexVal(s.charCodeAt(i + 2));
      if (b >= 0x80) ascii = false;
      bytes.push(b);
      i += 2;
    } else bytes.push(c);
  }
  if (!ascii) {
    try {
      return UTF8.decode(Uint8Array.from(bytes));
    } catch {
      // not UTF-8: fall through to one character per octet (Latin-1)
    }
  }
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}
