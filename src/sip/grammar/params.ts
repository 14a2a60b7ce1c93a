/**
 * Header parameters: the ordered `Params` collection and the `*( SEMI generic-param )` parser.
 *
 * Implements RFC 3261 §25.1 generic-param = token [ EQUAL gen-value ], gen-value = token / host /
 * quoted-string, with SEMI = SWS ";" SWS and EQUAL = SWS "=" SWS (LWS around both is accepted, RFC 4475
 * §3.1.1.1). Parameter names are tokens and compare case-insensitively (RFC 3261 §7.3.1); values keep
 * their case. The same `Params` class also carries URI parameters and headers (uri.ts), whose names and
 * values arrive `%`-decoded.
 */
import { TOKEN, WSP, fail, lower, readQuoted, scan, skipLws } from './chars.js';

/** One parameter. `value` is null for a valueless parameter; quoted values are unquoted/unescaped. */
export interface Param {
  /** Name as received (for URI parameters: after `%`-decoding). */
  readonly name: string;
  /** Value: null when valueless; quoted-strings unquoted with `\`-escapes resolved; URI values decoded. */
  readonly value: string | null;
  /** Value exactly as received (quotes and escapes kept), null when valueless. */
  readonly raw: string | null;
}

/** Ordered parameter list with case-insensitive lookup by name. */
export class Params implements Iterable<Param> {
  private readonly list: Param[] = [];
  private readonly keys: string[] = [];

  /** Appends a parameter (duplicates are kept; lookups return the first). */
  add(name: string, value: string | null, raw: string | null = value): this {
    this.list.push({ name, value, raw });
    this.keys.push(lower(name));
    return this;
  }

  private indexOf(name: string): number {
    return this.keys.indexOf(lower(name));
  }

  /** Value of the first parameter named `name`: undefined when absent, null when valueless. */
  get(name: string): string | null | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : (this.list[i]?.value ?? null);
  }

  /** The first parameter named `name` (case-insensitive). */
  getParam(name: string): Param | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.list[i];
  }

  /** All parameters named `name`, in order. */
  getAll(name: string): Param[] {
    const key = lower(name);
    const out: Param[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.list[i] as Param);
    return out;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** How many parameters have this name (case-insensitive). */
  count(name: string): number {
    const key = lower(name);
    let n = 0;
    for (const k of this.keys) if (k === key) n++;
    return n;
  }

  /** Parameters in received order. */
  entries(): readonly Param[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  [Symbol.iterator](): Iterator<Param> {
    return this.list[Symbol.iterator]();
  }

  /** Serialises as `;name=value…`, each value written as received. */
  toString(): string {
    let out = '';
    for (const p of this.list) out += p.raw === null ? `;${p.name}` : `;${p.name}=${p.raw}`;
    return out;
  }
}

/** Options of `parseParams`. */
export interface ParseParamsOptions {
  /**
   * Also accept `:` in unquoted values. Via `received` carries an IPv6address without brackets
   * (RFC 3261 §20.42 via-received, RFC 5118 §4.5), which neither token nor host (§25.1) allows.
   */
  readonly colonInValue?: boolean;
}

/**
 * Parses `*( SEMI generic-param )` from `pos`, stopping at the end of `s` (or at `end`) or, outside a
 * quoted-string and before a `;`, at any character of `stop`. Throws SIP_BAD_HEADER_VALUE on anything else
 * and SIP_UNTERMINATED_QUOTE on an open quoted-string. Offsets are indexes into `s`.
 */
export function parseParams(
  s: string,
  pos: number,
  stop: string = '',
  opts: ParseParamsOptions = {},
  end: number = s.length,
): { params: Params; end: number } {
  const params = new Params();
  for (;;) {
    pos = skipLws(s, pos, end);
    if (pos >= end) return { params, end: pos };
    const c = s.charAt(pos);
    if (c !== ';') {
      if (stop.includes(c)) return { params, end: pos };
      fail('SIP_BAD_HEADER_VALUE', `expected ";" before parameter, found ${JSON.stringify(c)}`, pos);
    }
    pos = skipLws(s, pos + 1, end);
    const nameEnd = scan(TOKEN, s, pos, end);
    if (nameEnd === pos) fail('SIP_BAD_HEADER_VALUE', 'parameter name is not a token', pos);
    const name = s.slice(pos, nameEnd);
    pos = skipLws(s, nameEnd, end);
    if (pos >= end || s.charCodeAt(pos) !== 0x3d) {
      params.add(name, null, null);
      continue;
    }
    pos = skipLws(s, pos + 1, end);
    const vStart = pos;
    if (s.charCodeAt(pos) === 0x22) {
      const q = readQuoted(s, pos, end);
      params.add(name, q.value, s.slice(vStart, q.end));
      pos = q.end;
      continue;
    }
    pos = scanValue(s, pos, end, opts.colonInValue === true);
    if (pos === vStart) fail('SIP_BAD_HEADER_VALUE', `parameter "${name}" has an empty or invalid value`, pos);
    const value = s.slice(vStart, pos);
    params.add(name, value, value);
    // the value must be followed by LWS, ";", a stop character or the end
    if (pos < end && WSP[s.charCodeAt(pos)] !== 1 && s.charCodeAt(pos) !== 0x3b && !stop.includes(s.charAt(pos))) {
      fail('SIP_BAD_HEADER_VALUE', `parameter "${name}": character ${JSON.stringify(s.charAt(pos))} is not allowed`, pos);
    }
  }
}

/** gen-value = token / host: token characters, or an IPv6reference in brackets (RFC 3261 §25.1). */
function scanValue(s: string, pos: number, end: number, colon: boolean): number {
  if (s.charCodeAt(pos) === 0x5b) {
    const close = s.indexOf(']', pos);
    if (close < 0 || close >= end) fail('SIP_BAD_HEADER_VALUE', 'IPv6 reference is not closed by "]"', pos);
    for (let i = pos + 1; i < close; i++) {
      const c = s.charCodeAt(i);
      if (!(c === 0x3a || c === 0x2e || (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66))) {
        fail('SIP_BAD_HEADER_VALUE', 'invalid character in IPv6 reference', i);
      }
    }
    return close + 1;
  }
  for (;;) {
    pos = scan(TOKEN, s, pos, end);
    if (colon && pos < end && s.charCodeAt(pos) === 0x3a) pos++;
    else return pos;
  }
}

/** Quotes `value` as a quoted-string when it is not a token (RFC 3261 §25.1), escaping `"` and `\`. */
export function quoteIfNeeded(value: string): string {
  let token = value.length > 0;
  for (let i = 0; i < value.length && token; i++) if (TOKEN[value.charCodeAt(i)] !== 1) token = false;
  if (token) return value;
  let out = '"';
  for (const ch of value) out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  return `${out}"`;
}
