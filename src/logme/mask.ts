/**
 * Privacy masking before logging (RFC 8497 §8.2): the values of SDP attributes that carry key material —
 * `a=crypto` (RFC 4568), `a=key-mgmt` (RFC 4567), `a=3GPP-Integrity-Key`, `a=3GPP-SRTP-Config` (RFC 6064)
 * and any configured ones — "MUST be masked with a dummy value prior to storing the message in a log file".
 * SDP `k=` lines (RFC 4566 §5.12, encryption keys) are masked too. Only the body is touched (after the first
 * empty line), every masked character becomes `X` so lengths — and Content-Length — stay right, and line
 * endings are kept as they are.
 */

export interface MaskOptions {
  readonly attributes: readonly string[];
  readonly maskKeyLines: boolean;
}

/** Returns a function that masks key material in a whole SIP message text. */
export function makeMasker(opts: MaskOptions): (text: string) => string {
  const names = opts.attributes.map((a) => a.replace(/[.+^${}()|[\]\\-]/g, '\\$&')).join('|');
  const parts: string[] = [];
  if (names !== '') parts.push(`a=(?:${names}):`);
  if (opts.maskKeyLines) parts.push('k=');
  if (parts.length === 0) return (text) => text;
  // Line start (in the body), the attribute prefix, then the value up to the line end.
  const re = new RegExp(`(^|\\n)(${parts.join('|')})([^\\r\\n]*)`, 'gi');
  const any = new RegExp(`(^|\\n)(${parts.join('|')})`, 'i');
  return (text: string): string => {
    let bodyAt = text.indexOf('\r\n\r\n');
    if (bodyAt < 0) bodyAt = text.indexOf('\n\n');
    if (bodyAt < 0) return text;
    const body = text.slice(bodyAt);
    // Nothing to mask (the usual case): the text itself, with no copy for the CLF layer to compare (from-sip.ts).
    if (!any.test(body)) return text;
    const head = text.slice(0, bodyAt);
    return head + body.replace(re, (_m, nl: string, prefix: string, value: string) => nl + prefix + 'X'.repeat(value.length));
  };
}
