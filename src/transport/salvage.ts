/**
 * Error responses for input the parser rejected. RFC 3261 §18.3 asks for a 400 to a malformed request
 * ("the element SHOULD generate a 400 (Bad Request) response"), and a response needs the request's Via,
 * From, To, Call-ID and CSeq (§8.2.6.2) to reach and match its client transaction. When parseMessage threw,
 * those lines are looked for in the raw bytes, best effort, in one bounded pass: if the start line reads as
 * a request other than ACK and all five are there, a 400 (or the status of the error's code, 513 for a
 * message too large) is built with a Warning naming the error; otherwise the input is dropped. Pure.
 */
import { ERRORS, type ErrorCode } from '../errors.js';
import { reasonPhrase } from '../sip/validate.js';

/** Canonical names of the copied headers by lowercase long and compact name (RFC 3261 §7.3.3). */
const COPIED = new Map<string, string>([
  ['via', 'Via'],
  ['v', 'Via'],
  ['from', 'From'],
  ['f', 'From'],
  ['to', 'To'],
  ['t', 'To'],
  ['call-id', 'Call-ID'],
  ['i', 'Call-ID'],
  ['cseq', 'CSeq'],
]);

/** Request-Line = Method SP Request-URI SP SIP-Version, loosely: enough to know it is a request. */
const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) +\S+ +SIP\/\d+\.\d+ *$/i;
/** Header lines are looked for in this many bytes at most (a message's header section is bounded too). */
const SCAN_LIMIT = 16_384;

export interface SalvageOptions {
  /** warn-agent of the Warning header (RFC 3261 §20.43). */
  readonly warnAgent: string;
  /** To tag to add when the request's To has none (§8.2.6.2); random when absent. */
  readonly toTag: string;
}

/** A control character other than HT would break the response's framing: such a value is not copied. */
function printable(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

function quote(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f ? ' ' : ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  }
  return `"${out}"`;
}

/**
 * Builds the error response for a request that did not parse, or returns undefined when none can be formed
 * (a response, an ACK — never answered, §17 —, a start line that is no request, a missing Via, From, To,
 * Call-ID or CSeq, or a value with control characters). `code` is the parse error; its registry status is
 * used (400 for syntax, 513 for SIP_LIMIT_MESSAGE_SIZE); codes without a status give undefined.
 */
export function salvageErrorResponse(input: Buffer, code: ErrorCode, detail: string, opts: SalvageOptions): Buffer | undefined {
  const status = (ERRORS[code] as { status?: number }).status;
  if (status === undefined) return undefined;
  const text = input.latin1Slice(0, Math.min(input.length, SCAN_LIMIT));
  let pos = 0;
  while (pos < text.length && (text.charCodeAt(pos) === 0x0d || text.charCodeAt(pos) === 0x0a)) pos++;
  let lf = text.indexOf('\n', pos);
  if (lf < 0) return undefined;
  const startLine = text.slice(pos, text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf);
  const m = REQUEST_LINE.exec(startLine);
  if (m === null || m[1] === 'ACK') return undefined;
  const found = new Map<string, string[]>();
  let lastName: string | undefined;
  for (pos = lf + 1; pos < text.length; pos = lf + 1) {
    lf = text.indexOf('\n', pos);
    const lineEnd = lf < 0 ? text.length : lf;
    const line = text.slice(pos, text.charCodeAt(lineEnd - 1) === 0x0d ? lineEnd - 1 : lineEnd);
    if (line === '') break;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // §7.3.1 folding: the line continues the previous header.
      const values = lastName === undefined ? undefined : found.get(lastName);
      if (values !== undefined && values.length > 0) values[values.length - 1] += ` ${line.trim()}`;
    } else {
      const colon = line.indexOf(':');
      const name = colon < 0 ? undefined : COPIED.get(line.slice(0, colon).trim().toLowerCase());
      lastName = name;
      if (name !== undefined) {
        const values = found.get(name) ?? [];
        // Only Via may repeat; a second From/To/Call-ID/CSeq keeps the first.
        if (name === 'Via' || values.length === 0) values.push(line.slice(colon + 1).trim());
        found.set(name, values);
      }
    }
    if (lf < 0) break;
  }
  const lines = [`SIP/2.0 ${status} ${reasonPhrase(status)}`];
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    const values = found.get(name);
    if (values === undefined || values.length === 0) return undefined;
    for (const v of values) {
      if (v === '' || !printable(v)) return undefined;
      // §8.2.6.2: the UAS MUST add a To tag when the request has none.
      const tagged = name === 'To' && !/;\s*tag\s*=/i.test(v) ? `${v};tag=${opts.toTag}` : v;
      lines.push(`${name}: ${tagged}`);
    }
  }
  lines.push(`Warning: 399 ${opts.warnAgent} ${quote(`Malformed message: ${code}: ${detail}`)}`);
  lines.push('Content-Length: 0');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}
