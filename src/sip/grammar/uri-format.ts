/**
 * Serialising and comparing parsed URIs.
 *
 * `formatUri` writes RFC 3261 §19.1.1 / RFC 3966 §3 text, escaping with `%` HEX HEX (§19.1.2) every
 * character outside the component's allowed set; spellings as received are kept when they still decode to
 * the parsed value. `uriEquals` implements the RFC 3261 §19.1.4 comparison rules for SIP/SIPS URIs, the
 * RFC 3966 §4 rules for tel URIs, and exact comparison for other schemes.
 */
import { PARAM_CHAR, HNV_CHAR, PASSWORD_CHAR, USER_CHAR, decodeEscaped, lower } from './chars.js';
import { canonicalIPv6 } from './host.js';
import type { Param, Params } from './params.js';
import type { SipUri, TelUri, Uri } from './uri.js';

const UTF8 = new TextEncoder();
const HEXCHARS = '0123456789ABCDEF';

/** `%`-escapes every character of `s` not in table `t` (UTF-8 for non-ASCII, RFC 3261 §19.1.2). */
export function escapeWith(t: Uint8Array, s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && t[c] === 1) {
      out += ch;
      continue;
    }
    for (const b of UTF8.encode(ch)) out += `%${HEXCHARS.charAt(b >> 4)}${HEXCHARS.charAt(b & 15)}`;
  }
  return out;
}

/** `raw` when it is valid escaped text for `t` that decodes to `value`, else `value` escaped. */
function spell(t: Uint8Array, value: string, raw: string | null | undefined): string {
  if (raw !== null && raw !== undefined && raw !== value) {
    try {
      if (decodeEscaped(raw, 0, raw.length, t, 'SIP_BAD_URI', '') === value) return raw;
    } catch {
      // fall through: re-escape
    }
  }
  return escapeWith(t, value);
}

function formatParams(params: Params): string {
  let out = '';
  for (const p of params) {
    out += `;${escapeWith(PARAM_CHAR, p.name)}`;
    if (p.value !== null) out += `=${spell(PARAM_CHAR, p.value, p.raw)}`;
  }
  return out;
}

/** Serialises a URI (RFC 3261 §19.1.1 for sip/sips, RFC 3966 §3 for tel, verbatim for others). */
export function formatUri(uri: Uri): string {
  if (uri.kind === 'other') return `${uri.scheme}:${uri.opaque}`;
  if (uri.kind === 'tel') return `tel:${uri.number}${formatParams(uri.params)}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += spell(USER_CHAR, uri.user, uri.userRaw);
    if (uri.password !== undefined) out += `:${escapeWith(PASSWORD_CHAR, uri.password)}`;
    out += '@';
  }
  out += uri.hostType === 'ipv6' ? `[${uri.host}]` : uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  out += formatParams(uri.params);
  let sep = '?';
  for (const h of uri.headers) {
    out += `${sep}${escapeWith(HNV_CHAR, h.name)}=${spell(HNV_CHAR, h.value ?? '', h.raw)}`;
    sep = '&';
  }
  return out;
}

function valueEq(a: Param, b: Param): boolean {
  if (a.value === null || b.value === null) return a.value === b.value;
  return lower(a.value) === lower(b.value);
}

/** uri-parameters appearing in only one URI that make the URIs differ (RFC 3261 §19.1.4). */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** Parameters compare by name; when a name repeats, its first occurrence is the one that counts. */
function paramsEq(a: Params, b: Params): boolean {
  for (const p of a) {
    if (a.getParam(p.name) !== p) continue;
    const q = b.getParam(p.name);
    if (q === undefined) {
      if (MUST_MATCH.includes(lower(p.name))) return false;
    } else if (!valueEq(p, q)) return false;
  }
  for (const q of b) if (!a.has(q.name) && MUST_MATCH.includes(lower(q.name))) return false;
  return true;
}

function headersEq(a: Params, b: Params): boolean {
  if (a.size !== b.size) return false;
  const used = new Set<Param>();
  outer: for (const h of a) {
    for (const k of b.getAll(h.name)) {
      if (!used.has(k) && valueEq(h, k)) {
        used.add(k);
        continue outer;
      }
    }
    return false;
  }
  return true;
}

function hostKey(u: SipUri): string {
  return u.hostType === 'ipv6' ? canonicalIPv6(u.host) : lower(u.host);
}

function sipEquals(a: SipUri, b: SipUri): boolean {
  return (
    a.scheme === b.scheme &&
    a.user === b.user && // userinfo compares case-sensitively, after unescaping
    a.password === b.password &&
    a.hostType === b.hostType &&
    hostKey(a) === hostKey(b) &&
    a.port === b.port &&
    paramsEq(a.params, b.params) &&
    headersEq(a.headers, b.headers)
  );
}

/** RFC 3966 §4: same number (case-insensitive), same set of parameters regardless of order. */
function telEquals(a: TelUri, b: TelUri): boolean {
  if (a.isGlobal !== b.isGlobal || lower(a.number) !== lower(b.number) || a.params.size !== b.params.size) return false;
  for (const p of a.params) {
    if (a.params.getParam(p.name) !== p) continue;
    const q = b.params.getParam(p.name);
    if (q === undefined || !valueEq(p, q)) return false;
  }
  for (const q of b.params) if (!a.params.has(q.name)) return false;
  return true;
}

/** URI equivalence: RFC 3261 §19.1.4 (sip/sips), RFC 3966 §4 (tel), exact text otherwise. */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind === 'sip') return b.kind === 'sip' && sipEquals(a, b);
  if (a.kind === 'tel') return b.kind === 'tel' && telEquals(a, b);
  return b.kind === 'other' && a.scheme === b.scheme && a.opaque === b.opaque;
}
