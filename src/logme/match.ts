/**
 * Matching for log-me session scopes (RFC 8497 §3.2 trigger examples, §7.1 "specific calls of interest"):
 * globs over identities and User-Agent values, and the AOR of a From/To/Request-URI. A glob is `*` (any run
 * of characters), `?` (one character) and literal text, matched case-insensitively over the whole value.
 */
import type { SipMessage } from '../sip/message.js';

/** Compiles a glob into an anchored case-insensitive RegExp; undefined when empty. */
export function compileGlob(glob: string): RegExp | undefined {
  if (glob.length === 0) return undefined;
  let src = '^';
  for (const ch of glob) {
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else src += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`${src}$`, 'is');
}

/** `scheme:user@host` and `user@host` forms of a URI (parameters, headers, port and brackets dropped). */
export function aorForms(uri: string): string[] {
  let u = uri.trim();
  if (u.includes('<')) u = u.slice(u.indexOf('<') + 1, u.includes('>') ? u.indexOf('>') : undefined);
  const colon = u.indexOf(':');
  const scheme = colon > 0 ? u.slice(0, colon).toLowerCase() : '';
  let rest = colon > 0 ? u.slice(colon + 1) : u;
  rest = rest.split(/[;?]/)[0] ?? '';
  if (scheme === 'sip' || scheme === 'sips') {
    const at = rest.lastIndexOf('@');
    const host = rest.slice(at + 1).replace(/:\d+$/, '');
    rest = at >= 0 ? `${rest.slice(0, at)}@${host}` : host;
  }
  return scheme === '' ? [rest] : [`${scheme}:${rest}`, rest];
}

/** True when any glob matches any of the values. */
export function anyMatch(globs: readonly RegExp[], values: readonly string[]): boolean {
  for (const g of globs) for (const v of values) if (g.test(v)) return true;
  return false;
}

/** The AOR forms of the From header (empty when absent or unparsable). */
export function fromForms(msg: SipMessage): string[] {
  try {
    const f = msg.from();
    return f === undefined ? [] : aorForms(f.uri.raw);
  } catch {
    const raw = msg.get('From');
    return raw === undefined ? [] : aorForms(raw);
  }
}

/** The called identity forms: Request-URI and To AOR. */
export function calledForms(msg: SipMessage): string[] {
  const out: string[] = [];
  if (msg.isRequest) out.push(...aorForms(msg.requestUri));
  try {
    const t = msg.to();
    if (t !== undefined) out.push(...aorForms(t.uri.raw));
  } catch {
    const raw = msg.get('To');
    if (raw !== undefined) out.push(...aorForms(raw));
  }
  return out;
}
