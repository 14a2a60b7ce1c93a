/**
 * Addresses: name-addr / addr-spec with header parameters (To, From, Contact, Route, Record-Route,
 * Refer-To, Reply-To…).
 *
 * Implements RFC 3261 §25.1 name-addr = [ display-name ] LAQUOT addr-spec RAQUOT, display-name =
 * *(token LWS) / quoted-string, followed by *( SEMI generic-param ), and the §20.10 rule that without `<>`
 * every `;` starts a header parameter and the URI must not contain `,`, `?` or `;` (RFC 4475 §3.1.2.13
 * regbadct is rejected). Accepted liberally: no LWS before `<` (RFC 4475 §3.1.1.6 lwsdisp), LWS around `;`
 * and `=` (§3.1.1.1 wsinv), escapes in quoted display names. Rejected: unterminated quotes (§3.1.2.6
 * quotbal → SIP_UNTERMINATED_QUOTE), non-token characters in an unquoted display name (§3.1.2.15 baddn),
 * LWS inside `<…>` or inside an addr-spec (§3.1.2.14 badaspec → SIP_BAD_URI / SIP_BAD_HEADER_VALUE).
 */
import { TOKEN, WSP, fail, readQuoted, skipLws, skipQuoted } from './chars.js';
import { type Params, parseParams } from './params.js';
import { splitCommaRanges } from './split.js';
import { formatUri, parseUriAt, type Uri } from './uri.js';

export interface NameAddr {
  /** Display name: quoted-string unquoted with escapes resolved, or the tokens as received. */
  readonly displayName?: string;
  readonly uri: Uri;
  /** Header parameters after the URI (for To/From: tag; for Contact: q, expires…). */
  readonly params: Params;
  /** Value of the `tag` parameter (RFC 3261 §19.3), when present. */
  readonly tag?: string;
  /** True when the URI was enclosed in `<>` (name-addr form). */
  readonly bracketed: boolean;
  /** The value as received, trimmed. */
  readonly raw: string;
}

/** Parses one name-addr / addr-spec with its header parameters (RFC 3261 §20.10, §25.1). */
export function parseNameAddr(s: string): NameAddr {
  return parseNameAddrAt(s, 0, s.length);
}

/** Finds the first `<` outside quoted-strings in s[pos, end), or -1. */
function findLaquot(s: string, pos: number, end: number): number {
  while (pos < end) {
    const c = s.charCodeAt(pos);
    if (c === 0x3c) return pos;
    if (c === 0x22) pos = skipQuoted(s, pos, end);
    else pos++;
  }
  return -1;
}

/** Parses s[start, end) as a name-addr / addr-spec plus header parameters; offsets index `s`. */
export function parseNameAddrAt(s: string, start: number, end: number): NameAddr {
  const pos = skipLws(s, start, end);
  let last = end;
  while (last > pos && WSP[s.charCodeAt(last - 1)] === 1) last--;
  if (pos >= last) fail('SIP_BAD_HEADER_VALUE', 'empty address', pos);
  const raw = s.slice(pos, last);
  const lt = findLaquot(s, pos, last);
  let displayName: string | undefined;
  let uri: Uri;
  let paramsFrom: number;
  if (lt >= 0) {
    if (pos < lt && s.charCodeAt(pos) === 0x22) {
      const q = readQuoted(s, pos, last);
      displayName = q.value;
      if (skipLws(s, q.end, lt) !== lt) fail('SIP_BAD_HEADER_VALUE', 'unexpected text between display name and "<"', q.end);
    } else if (pos < lt) {
      // display-name = *(token LWS); RFC 4475 §3.1.1.6: no LWS before "<" is accepted
      let e = lt;
      while (e > pos && WSP[s.charCodeAt(e - 1)] === 1) e--;
      for (let i = pos; i < e; i++) {
        const c = s.charCodeAt(i);
        if (TOKEN[c] !== 1 && WSP[c] !== 1) {
          fail('SIP_BAD_HEADER_VALUE', `character ${JSON.stringify(s.charAt(i))} in an unquoted display name (RFC 4475 §3.1.2.15)`, i);
        }
      }
      displayName = s.slice(pos, e);
    }
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0 || gt >= last) fail('SIP_BAD_HEADER_VALUE', '"<" is not closed by ">"', lt);
    uri = parseUriAt(s, lt + 1, gt);
    paramsFrom = gt + 1;
  } else {
    // addr-spec without <>: the URI ends at the first ";" (RFC 3261 §20.10)
    let uEnd = s.indexOf(';', pos);
    if (uEnd < 0 || uEnd > last) uEnd = last;
    paramsFrom = uEnd;
    while (uEnd > pos && WSP[s.charCodeAt(uEnd - 1)] === 1) uEnd--;
    for (let i = pos; i < uEnd; i++) {
      const c = s.charCodeAt(i);
      if (WSP[c] === 1) fail('SIP_BAD_HEADER_VALUE', 'whitespace inside an addr-spec (RFC 4475 §3.1.2.14)', i);
      if (c === 0x2c || c === 0x3f) {
        fail('SIP_BAD_HEADER_VALUE', `a URI containing ${JSON.stringify(s.charAt(i))} must be enclosed in <> (RFC 3261 §20.10)`, i);
      }
    }
    uri = parseUriAt(s, pos, uEnd);
  }
  const { params } = parseParams(s, paramsFrom, '', {}, last);
  const out: { -readonly [K in keyof NameAddr]: NameAddr[K] } = { uri, params, bracketed: lt >= 0, raw };
  if (displayName !== undefined) out.displayName = displayName;
  const tags = params.getAll('tag');
  if (tags.length > 1) fail('SIP_BAD_HEADER_VALUE', 'more than one tag parameter', paramsFrom);
  const tag = tags[0];
  if (tag !== undefined) {
    if (tag.value === null || tag.raw?.charCodeAt(0) === 0x22) fail('SIP_BAD_HEADER_VALUE', 'tag parameter must be a token', paramsFrom);
    out.tag = tag.value;
  }
  return out;
}

/** Options of `parseNameAddrList`. */
export interface NameAddrListOptions {
  /** Accept the Contact `*` wildcard (RFC 3261 §20.10, §10.2.2), returned as the string `'*'`. */
  readonly allowStar?: boolean;
}

/**
 * Parses a comma-separated list of name-addr / addr-spec values (Contact, Route, Record-Route, Path…).
 * An empty value throws SIP_BAD_HEADER_VALUE. With `allowStar`, a lone `*` returns `'*'`.
 */
export function parseNameAddrList(s: string): NameAddr[];
export function parseNameAddrList(s: string, opts: NameAddrListOptions): NameAddr[] | '*';
export function parseNameAddrList(s: string, opts: NameAddrListOptions = {}): NameAddr[] | '*' {
  const ranges = splitCommaRanges(s);
  if (ranges.length === 0) fail('SIP_BAD_HEADER_VALUE', 'empty address list', 0);
  const out: NameAddr[] = [];
  for (const [a, b] of ranges) {
    if (b - a === 1 && s.charCodeAt(a) === 0x2a) {
      if (opts.allowStar === true && ranges.length === 1) return '*';
      fail('SIP_BAD_HEADER_VALUE', '"*" is only allowed alone, in Contact', a);
    }
    out.push(parseNameAddrAt(s, a, b));
  }
  return out;
}

/** Contact (RFC 3261 §20.10): `'*'` or the list of contacts. */
export function parseContact(s: string): NameAddr[] | '*' {
  return parseNameAddrList(s, { allowStar: true });
}

/** Serialises a name-addr: `"display" <uri>;params` (always in name-addr form, RFC 3261 §20.10). */
export function formatNameAddr(na: Pick<NameAddr, 'displayName' | 'uri' | 'params'>): string {
  let out = '';
  if (na.displayName !== undefined && na.displayName !== '') {
    let q = '"';
    for (const ch of na.displayName) q += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    out = `${q}" `;
  }
  return `${out}<${formatUri(na.uri)}>${na.params.toString()}`;
}
