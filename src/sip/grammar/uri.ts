/**
 * URIs: SIP and SIPS URIs, tel URIs and any other absoluteURI.
 *
 * Implements RFC 3261 §19.1.1/§25.1 SIP-URI / SIPS-URI (userinfo, hostport, uri-parameters, headers) with
 * `%` HEX HEX escapes (§19.1.2; `%00` is legal in the user part, RFC 4475 §3.1.1.4), RFC 3966 §3
 * telephone-uri, and RFC 3261 §25.1 absoluteURI for unknown schemes, which a parser must accept (RFC 4475
 * §3.3.2, §3.3.3, §3.3.4). The user part may hold `;`, `?`, `,` (user-unreserved), so the userinfo ends at the
 * one `@`, which no other component may contain unescaped (RFC 4475 §3.1.1.9 semiuri; §3.1.1.2 intmeth).
 * Scheme names are case-insensitive and returned lowercased (RFC 3261 §19.1.4). Formatting and comparison
 * (§19.1.4) are in uri-format.ts and re-exported here.
 */
import type { ErrorCode } from '../../errors.js';
import { ALPHANUM, DIGIT, HNV_CHAR, PARAM_CHAR, PASSWORD_CHAR, USER_CHAR, decodeEscaped, fail, lower } from './chars.js';
import { parseHostPort, type HostType } from './host.js';
import { Params } from './params.js';

export { formatUri, uriEquals } from './uri-format.js';
export { parseHost, parseHostPort, parsePort, type HostType } from './host.js';

/** sip: / sips: URI (RFC 3261 §19.1.1). */
export interface SipUri {
  readonly kind: 'sip';
  readonly scheme: 'sip' | 'sips';
  /** User part with `%`-escapes decoded; absent when there is no userinfo. */
  readonly user?: string;
  /** User part as received. */
  readonly userRaw?: string;
  /** Password with `%`-escapes decoded (its use is NOT RECOMMENDED, §19.1.1, but it parses). */
  readonly password?: string;
  /** Lowercased; IPv6 without brackets. */
  readonly host: string;
  readonly hostType: HostType;
  readonly port?: number;
  /** uri-parameters; names and values `%`-decoded, `raw` as received. */
  readonly params: Params;
  /** headers (`?h=v&…`); names and values `%`-decoded. */
  readonly headers: Params;
  readonly raw: string;
}

/** tel: URI (RFC 3966 §3). */
export interface TelUri {
  readonly kind: 'tel';
  readonly scheme: 'tel';
  /** The number with visual separators (`-`, `.`, `(`, `)`) removed, `+` kept for global numbers. */
  readonly number: string;
  readonly isGlobal: boolean;
  readonly params: Params;
  readonly raw: string;
}

/** Any other absoluteURI (RFC 3261 §25.1), kept opaque. */
export interface OtherUri {
  readonly kind: 'other';
  /** Lowercased. */
  readonly scheme: string;
  /** Everything after the first `:`. */
  readonly opaque: string;
  readonly raw: string;
}

export type Uri = SipUri | TelUri | OtherUri;

export function isSipUri(u: Uri): u is SipUri {
  return u.kind === 'sip';
}

export function isTelUri(u: Uri): u is TelUri {
  return u.kind === 'tel';
}

/** Parses a whole string as a URI. Errors are SIP_BAD_URI (SIP_SCALAR_RANGE for a port > 65535). */
export function parseUri(s: string): Uri {
  return parseUriAt(s, 0, s.length);
}

/** Scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3261 §25.1); returns the index of the ":". */
function schemeEnd(s: string, start: number, end: number, code: ErrorCode): number {
  let i = start;
  const c0 = s.charCodeAt(i) | 0x20;
  if (i >= end || c0 < 0x61 || c0 > 0x7a) fail(code, 'URI does not start with a scheme', start);
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) return i;
    if (ALPHANUM[c] !== 1 && c !== 0x2b && c !== 0x2d && c !== 0x2e) break;
    i++;
  }
  return fail(code, 'URI scheme is not followed by ":"', i);
}

/** Parses s[start, end) as a URI; error offsets are indexes into `s`. */
export function parseUriAt(s: string, start: number, end: number, code: ErrorCode = 'SIP_BAD_URI'): Uri {
  const colon = schemeEnd(s, start, end, code);
  const scheme = lower(s.slice(start, colon));
  const raw = s.slice(start, end);
  if (scheme === 'sip' || scheme === 'sips') return parseSip(s, colon + 1, end, scheme, raw, code);
  if (scheme === 'tel') return parseTel(s, colon + 1, end, raw, code);
  if (colon + 1 >= end) fail(code, 'URI has nothing after the scheme', colon + 1);
  for (let i = colon + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    // absoluteURI characters: printable ASCII except the delimiters that end a URI in SIP (§25.1 uric)
    if (c <= 0x20 || c >= 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
      fail(code, `character ${JSON.stringify(s.charAt(i))} is not allowed in a URI`, i);
    }
  }
  return { kind: 'other', scheme, opaque: s.slice(colon + 1, end), raw };
}

function parseSip(s: string, pos: number, end: number, scheme: 'sip' | 'sips', raw: string, code: ErrorCode): SipUri {
  let user: string | undefined;
  let userRaw: string | undefined;
  let password: string | undefined;
  const at = s.indexOf('@', pos);
  if (at >= 0 && at < end) {
    // userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"; the user holds no ":" (§25.1)
    let uEnd = s.indexOf(':', pos);
    if (uEnd < 0 || uEnd > at) uEnd = at;
    if (uEnd === pos) fail(code, 'empty user part before "@"', pos);
    user = decodeEscaped(s, pos, uEnd, USER_CHAR, code, 'user part');
    userRaw = s.slice(pos, uEnd);
    if (uEnd < at) password = decodeEscaped(s, uEnd + 1, at, PASSWORD_CHAR, code, 'password');
    pos = at + 1;
  }
  const hp = parseHostPort(s, pos, end, code);
  pos = hp.end;
  const params = new Params();
  const headers = new Params();
  pos = parseUriParams(s, pos, end, params, code);
  if (pos < end && s.charCodeAt(pos) === 0x3f) pos = parseUriHeaders(s, pos + 1, end, headers, code);
  if (pos < end) fail(code, `character ${JSON.stringify(s.charAt(pos))} is not allowed in a SIP URI`, pos);
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = {
    kind: 'sip',
    scheme,
    host: hp.host,
    hostType: hp.hostType,
    params,
    headers,
    raw,
  };
  if (user !== undefined) {
    uri.user = user;
    uri.userRaw = userRaw;
  }
  if (password !== undefined) uri.password = password;
  if (hp.port !== undefined) uri.port = hp.port;
  return uri;
}

/**
 * uri-parameters = *( ";" uri-parameter ), uri-parameter = pname [ "=" pvalue ] with paramchar
 * characters and escapes (RFC 3261 §25.1; RFC 3966 §3 parameter has the same shape). Returns the index
 * of the first character that does not start another parameter.
 */
export function parseUriParams(s: string, pos: number, end: number, into: Params, code: ErrorCode = 'SIP_BAD_URI'): number {
  while (pos < end && s.charCodeAt(pos) === 0x3b) {
    const nStart = pos + 1;
    let i = nStart;
    while (i < end && (PARAM_CHAR[s.charCodeAt(i)] === 1 || s.charCodeAt(i) === 0x25)) i++;
    if (i === nStart) fail(code, 'empty URI parameter name', nStart);
    const name = decodeEscaped(s, nStart, i, PARAM_CHAR, code, 'URI parameter name');
    if (i < end && s.charCodeAt(i) === 0x3d) {
      const vStart = i + 1;
      i = vStart;
      while (i < end && (PARAM_CHAR[s.charCodeAt(i)] === 1 || s.charCodeAt(i) === 0x25)) i++;
      if (i === vStart) fail(code, `URI parameter "${name}" has an empty value`, vStart);
      into.add(name, decodeEscaped(s, vStart, i, PARAM_CHAR, code, 'URI parameter value'), s.slice(vStart, i));
    } else into.add(name, null, null);
    pos = i;
  }
  return pos;
}

/** headers = "?" header *( "&" header ), header = hname "=" hvalue (RFC 3261 §25.1); `pos` is after "?". */
function parseUriHeaders(s: string, pos: number, end: number, into: Params, code: ErrorCode): number {
  for (;;) {
    const nStart = pos;
    while (pos < end && (HNV_CHAR[s.charCodeAt(pos)] === 1 || s.charCodeAt(pos) === 0x25)) pos++;
    if (pos === nStart) fail(code, 'empty URI header name', nStart);
    const name = decodeEscaped(s, nStart, pos, HNV_CHAR, code, 'URI header name');
    if (pos >= end || s.charCodeAt(pos) !== 0x3d) fail(code, `URI header "${name}" has no "="`, pos);
    const vStart = ++pos;
    while (pos < end && (HNV_CHAR[s.charCodeAt(pos)] === 1 || s.charCodeAt(pos) === 0x25)) pos++;
    into.add(name, decodeEscaped(s, vStart, pos, HNV_CHAR, code, 'URI header value'), s.slice(vStart, pos));
    if (pos < end && s.charCodeAt(pos) === 0x26) pos++;
    else return pos;
  }
}

/** RFC 3966 §3 visual-separator. */
function isVisual(c: number): boolean {
  return c === 0x2d || c === 0x2e || c === 0x28 || c === 0x29;
}

function parseTel(s: string, pos: number, end: number, raw: string, code: ErrorCode): TelUri {
  const isGlobal = pos < end && s.charCodeAt(pos) === 0x2b;
  let i = isGlobal ? pos + 1 : pos;
  let number = isGlobal ? '+' : '';
  let digits = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3b) break;
    if (isVisual(c)) continue;
    // global-number-digits: DIGIT only; local-number-digits: HEXDIG / "*" / "#" (RFC 3966 §3)
    const ok = isGlobal ? DIGIT[c] === 1 : DIGIT[c] === 1 || c === 0x2a || c === 0x23 || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
    if (!ok) fail(code, `character ${JSON.stringify(s.charAt(i))} is not allowed in a telephone number`, i);
    number += s.charAt(i);
    digits++;
  }
  if (digits === 0) fail(code, 'tel URI has no digits', pos);
  const params = new Params();
  i = parseUriParams(s, i, end, params, code);
  if (i < end) fail(code, `character ${JSON.stringify(s.charAt(i))} is not allowed in a tel URI`, i);
  return { kind: 'tel', scheme: 'tel', number, isGlobal, params, raw };
}
