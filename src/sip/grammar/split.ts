/**
 * Splitting list-valued header fields into their elements.
 *
 * RFC 3261 §7.3.1: a header field whose grammar is a comma-separated list may carry several values in one
 * field; COMMA = SWS "," SWS (§25.1). A comma inside a quoted-string or inside `<…>` (a URI in a name-addr,
 * §20.10) does not separate values. Option-tag lists (Require §20.32, Supported §20.37, Proxy-Require
 * §20.29, Unsupported §20.40) and Allow (§20.5) are lists of tokens.
 */
import { fail, isToken, skipLws, skipQuoted, WSP } from './chars.js';

/** Element boundaries [start, end) of a comma list, each trimmed of LWS. Used by the list parsers. */
export function splitCommaRanges(s: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const n = s.length;
  if (skipLws(s, 0) >= n) return out;
  const push = (start: number, stop: number): void => {
    const a = skipLws(s, start, stop);
    let b = stop;
    while (b > a && WSP[s.charCodeAt(b - 1)] === 1) b--;
    if (a === b) fail('SIP_BAD_HEADER_VALUE', 'empty element in comma-separated list', a);
    out.push([a, b]);
  };
  let start = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      i = skipQuoted(s, i);
      continue;
    }
    if (c === 0x3c) {
      // "<" opens a URI (§20.10), which holds no unescaped ">"; an unclosed "<" is left to the element parser
      const close = s.indexOf('>', i + 1);
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (c === 0x2c) {
      push(start, i);
      start = i + 1;
    }
    i++;
  }
  push(start, n);
  return out;
}

/**
 * Splits a header value on the commas that lie outside quoted-strings and `<…>`, trimming each element.
 * An empty value gives `[]`; an empty element (`a,,b`, trailing comma) throws SIP_BAD_HEADER_VALUE; an
 * unterminated quoted-string throws SIP_UNTERMINATED_QUOTE.
 */
export function splitCommaValues(s: string): string[] {
  return splitCommaRanges(s).map(([a, b]) => s.slice(a, b));
}

/**
 * Splits a token list (`option-tag *(COMMA option-tag)`, RFC 3261 §25.1; `Allow` methods) and checks that
 * every element is a token. Empty value gives `[]`; an empty element throws SIP_BAD_HEADER_VALUE. Case is
 * kept as received (option-tag = token, §19.2; callers compare as they need).
 */
export function splitTokens(s: string): string[] {
  const out: string[] = [];
  const n = s.length;
  let pos = skipLws(s, 0);
  if (pos >= n) return out;
  for (;;) {
    const start = pos;
    while (pos < n && s.charCodeAt(pos) !== 0x2c && WSP[s.charCodeAt(pos)] !== 1) pos++;
    const tok = s.slice(start, pos);
    if (!isToken(tok)) fail('SIP_BAD_HEADER_VALUE', `${JSON.stringify(tok)} is not a token`, start);
    out.push(tok);
    pos = skipLws(s, pos);
    if (pos >= n) return out;
    if (s.charCodeAt(pos) !== 0x2c) fail('SIP_BAD_HEADER_VALUE', 'expected "," between tokens', pos);
    pos = skipLws(s, pos + 1);
    if (pos >= n) fail('SIP_BAD_HEADER_VALUE', 'trailing "," in token list', pos);
  }
}
