/**
 * Character classes and small scanning helpers shared by the hot-path parser (parser.ts, eager.ts).
 *
 * The parser scans a latin1 view of the received bytes (one char per octet, so string offsets are byte
 * offsets and nothing is lost): V8's string builtins (`indexOf`, `charCodeAt`, sliced substrings) are
 * markedly faster than per-byte Buffer access, and eager fields become substrings without copying.
 * Reads past the end yield NaN from charCodeAt, which matches no class — scans stop safely.
 *
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
export const SLASH = 0x2f;

/** 1 for RFC 3261 token characters (indexes ≥ 256 and NaN read as undefined: not a token). */
export const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of '-.!%*_+`\'~') TOKEN[ch.charCodeAt(0)] = 1;

/** 1 for hexadecimal digits. */
export const HEX = new Uint8Array(256);
for (const ch of '0123456789abcdefABCDEF') HEX[ch.charCodeAt(0)] = 1;

/** Index of the first char at or after `i` (before `end`) that is not LWS (SP, HT, or the CR/LF of a fold). */
export function skipLws(s: string, i: number, end: number): number {
  while (i < end) {
    const b = s.charCodeAt(i);
    if (b !== SP && b !== HT && b !== CR && b !== LF) break;
    i++;
  }
  return i;
}

/** Index just past the run of token characters starting at `i`. */
export function scanToken(s: string, i: number, end: number): number {
  while (i < end && TOKEN[s.charCodeAt(i)] === 1) i++;
  return i;
}

/** Case-insensitive comparison of s[start, end) with a lowercase ASCII literal. */
export function equalsLower(s: string, start: number, end: number, lit: string): boolean {
  const n = lit.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) {
    if ((s.charCodeAt(start + i) | 0x20) !== lit.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Decimal value of s[start, end) (digits only), or -1 if empty or not all digits, or -2 if the value
 * exceeds `max` (checked digit by digit so huge inputs cannot overflow into a wrong small value).
 */
export function parseDecimal(s: string, start: number, end: number, max: number): number {
  if (start >= end) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
    if (v > max) {
      // Keep scanning so that "12x" is still reported as not-a-number rather than out of range.
      for (let j = i + 1; j < end; j++) {
        const e = s.charCodeAt(j) - 0x30;
        if (!(e >= 0 && e <= 9)) return -1;
      }
      return -2;
    }
  }
  return v;
}

/** Index just past the run of decimal digits starting at `i`. */
export function scanDigits(s: string, i: number, end: number): number {
  while (i < end) {
    const d = s.charCodeAt(i);
    if (d < 0x30 || d > 0x39) break;
    i++;
  }
  return i;
}

declare module 'node:buffer' {
  interface Buffer {
    /** Undocumented but long-standing Buffer method (used by undici): latin1 decode without option parsing. */
    latin1Slice(start?: number, end?: number): string;
  }
}
