/**
 * Character classes and small scanning helpers shared by the hot-path parser (parser.ts, eager.ts).
 *
 * The parser keeps two views of the received bytes: the Buffer itself, for classifying characters, and a
 * latin1 string of it (one char per octet, so string offsets are byte offsets), for `indexOf` and for the
 * substrings the lazy accessors return. Why both: an indexed load from the Buffer is cheaper than
 * `String.prototype.charCodeAt` (a 20-char class scan: 31 vs 45 ns; switching the header-name scan alone
 * saved 0.27 µs per INVITE), while the string's `indexOf('\n')` is a fast builtin (~15 ns a line, vs ~25 ns
 * for the C++ `Buffer#indexOf`). Every helper here reads only indexes below its `end` argument, which callers
 * keep within the buffer (reading past a typed array's end would yield undefined and deoptimize).
 *
 * RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").
 */

/*
 * Hot-path modules (parser.ts, eager.ts, this file) read these values through bindings of their own module
 * (`const { SP, TOKEN } = bytes;` at the top of the file), never through the import itself. V8 keeps every exported
 * binding in a module cell, and TurboFan's code loads an imported binding from that cell, with a TDZ hole check,
 * at each use, even a number in a per-byte loop; a module's own `const` it folds into the code (the number, or
 * the table and its data address). Rebinding the imports of the eager scanners and the parser this way made
 * parseMessage ~25 % faster on the benchmark INVITE. This file's own functions use the unexported copies below
 * for the same reason (an exported binding is a module cell inside its own module too).
 */
const sp = 0x20;
const ht = 0x09;
const cr = 0x0d;
const lf = 0x0a;
const tokenTable = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) tokenTable[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) tokenTable[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) tokenTable[c] = 1;
for (const ch of '-.!%*_+`\'~') tokenTable[ch.charCodeAt(0)] = 1;

export const SP = sp;
export const HT = ht;
export const CR = cr;
export const LF = lf;
export const COLON = 0x3a;
export const SEMI = 0x3b;
export const COMMA = 0x2c;
export const EQUAL = 0x3d;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const LAQUOT = 0x3c;
export const SLASH = 0x2f;

/** 1 for RFC 3261 token characters. */
export const TOKEN = tokenTable;

/** 1 for hexadecimal digits. */
export const HEX = new Uint8Array(256);
for (const ch of '0123456789abcdefABCDEF') HEX[ch.charCodeAt(0)] = 1;

/** Index of the first char at or after `i` (before `end`) that is not LWS (SP, HT, or the CR/LF of a fold). */
export function skipLws(s: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const b = s[i];
    if (b !== sp && b !== ht && b !== cr && b !== lf) break;
    i++;
  }
  return i;
}

/** Index just past the run of token characters starting at `i`. */
export function scanToken(s: Uint8Array, i: number, end: number): number {
  while (i < end && tokenTable[s[i] as number] === 1) i++;
  return i;
}

/** Case-insensitive comparison of s[start, end) with a lowercase ASCII literal. */
export function equalsLower(s: Uint8Array, start: number, end: number, lit: string): boolean {
  const n = lit.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) {
    if (((s[start + i] as number) | 0x20) !== lit.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Decimal value of s[start, end) (digits only), or -1 if empty or not all digits, or -2 if the value
 * exceeds `max` (checked digit by digit so huge inputs cannot overflow into a wrong small value).
 */
export function parseDecimal(s: Uint8Array, start: number, end: number, max: number): number {
  if (start >= end) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = (s[i] as number) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
    if (v > max) {
      // Keep scanning so that "12x" is still reported as not-a-number rather than out of range.
      for (let j = i + 1; j < end; j++) {
        const e = (s[j] as number) - 0x30;
        if (!(e >= 0 && e <= 9)) return -1;
      }
      return -2;
    }
  }
  return v;
}

/** Index just past the run of decimal digits starting at `i`. */
export function scanDigits(s: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const d = s[i] as number;
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

/**
 * A copy of `s` that does not keep a message alive. The strings a SipMessage hands out are slices of its
 * latin1 text (V8 makes a substring of 13 or more characters a view on its parent), so a branch or a tag
 * kept in a long-lived map would keep the whole ~1 KB message text alive with it. Long-lived keepers (the
 * transaction tables, a proxy's per-branch maps) store `detach(value)`: prepending a character makes V8
 * build the result by copying into a new flat string, whose slice is returned.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
