/**
 * Byte classes and small byte-level helpers shared by the hot-path parser (parser.ts, eager.ts).
 * RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").
 */

export const SP = 0x20;
export const HT = 0x09;
export const CR = 0x0d;
export const LF = 0x0a;
export const COLON = 0x3a;
export const SEMI = 0x3b;
export const COMMA = 0x2c;
export const EQUAL = 0x3d;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const LAQUOT = 0x3c;
export const RAQUOT = 0x3e;
export const SLASH = 0x2f;

/** 1 for RFC 3261 token characters. */
export const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of '-.!%*_+`\'~') TOKEN[ch.charCodeAt(0)] = 1;

/** 1 for hexadecimal digits. */
export const HEX = new Uint8Array(256);
for (const ch of '0123456789abcdefABCDEF') HEX[ch.charCodeAt(0)] = 1;

/** Linear white space inside a header value span: SP, HT, and the CR/LF of a fold (RFC 3261 §7.3.1). */
export function isLws(b: number): boolean {
  return b === SP || b === HT || b === CR || b === LF;
}

/** Index of the first byte at or after `i` (before `end`) that is not LWS. */
export function skipLws(buf: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const b = buf[i] as number;
    if (b !== SP && b !== HT && b !== CR && b !== LF) break;
    i++;
  }
  return i;
}

/** Index just past the run of token characters starting at `i`. */
export function scanToken(buf: Uint8Array, i: number, end: number): number {
  while (i < end && TOKEN[buf[i] as number] === 1) i++;
  return i;
}

/** Case-insensitive comparison of buf[start, start+lit.length) with a lowercase ASCII literal. */
export function equalsLower(buf: Uint8Array, start: number, end: number, lit: string): boolean {
  const n = lit.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) {
    if (((buf[start + i] as number) | 0x20) !== lit.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Decimal value of buf[start, end) (digits only), or -1 if empty or not all digits, or -2 if the value
 * exceeds `max` (checked digit by digit so huge inputs cannot overflow into a wrong small value).
 */
export function parseDecimal(buf: Uint8Array, start: number, end: number, max: number): number {
  if (start >= end) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
    if (v > max) {
      // Keep scanning so that "12x" is still reported as not-a-number rather than out of range.
      for (let j = i + 1; j < end; j++) {
        const e = (buf[j] as number) - 0x30;
        if (e < 0 || e > 9) return -1;
      }
      return -2;
    }
  }
  return v;
}

/** Latin-1 decoding: one char per byte, lossless for any octet (used for tokens and raw spans). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return buf.latin1Slice(start, end);
}

declare module 'node:buffer' {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    utf8Slice(start?: number, end?: number): string;
  }
}
