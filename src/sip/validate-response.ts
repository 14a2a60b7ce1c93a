/**
 * The response side of validation: checking a received response before a UAC or a proxy uses it (RFC 3261
 * §8.1.3.3, §16.7; RFC 4475 §3.3.10), and building the error response an element sends when
 * validateRequest rejects a request (RFC 3261 §8.2.6). A rejected *response* is never answered, only
 * dropped, so its error (SIP_BAD_RESPONSE) has no status.
 */
import { SipParseError, SipValidationError, SipclfError } from '../errors.js';
import type { SipMessage } from './message.js';
import { randomHex } from './random.js';

export interface ValidateResponseOptions {
  /** uac (default): the response ends here; proxy: it is forwarded to the next Via (§16.7). */
  role?: 'uac' | 'proxy';
  /** Run msg.checkAll() first. */
  strict?: boolean | undefined;
}

/** RFC 3261 §21 reason phrases for the statuses sipclf produces (and a few neighbours). */
const PHRASES = new Map<number, string>([
  [400, 'Bad Request'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [406, 'Not Acceptable'],
  [413, 'Request Entity Too Large'],
  [414, 'Request-URI Too Long'],
  [415, 'Unsupported Media Type'],
  [416, 'Unsupported URI Scheme'],
  [420, 'Bad Extension'],
  [482, 'Loop Detected'],
  [483, 'Too Many Hops'],
  [500, 'Server Internal Error'],
  [501, 'Not Implemented'],
  [505, 'Version Not Supported'],
  [513, 'Message Too Large'],
]);
const CLASS_PHRASES = ['', 'Trying', 'OK', 'Redirection', 'Client Error', 'Server Error', 'Global Failure'];

/** The RFC 3261 §21 Reason-Phrase of a status code (class default for codes not listed there). */
export function reasonPhrase(status: number): string {
  return PHRASES.get(status) ?? CLASS_PHRASES[Math.floor(status / 100)] ?? 'Unknown';
}

/** Addresses that can never be the destination of a response: limited broadcast and unspecified. */
export function unusableAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === '255.255.255.255' || h === '0.0.0.0' || h === '::' || /^0*:(?:0*:)*0*$/.test(h);
}

function bad(message: string): SipValidationError {
  return new SipValidationError('SIP_BAD_RESPONSE', message, message);
}

/**
 * Validates a received response; returns SIP_BAD_RESPONSE (drop it) or undefined. Kept simple on purpose:
 * version, the five mandatory fields, single values, and the Via rule of the role —
 * - uac: exactly one Via (RFC 3261 §8.1.3.3: "If more than one Via header field value is present in a
 *   response, the UAC SHOULD discard the message");
 * - proxy: the next hop (second Via: `received`, else sent-by, §18.2.2) must not be a broadcast or
 *   unspecified address (RFC 4475 §3.3.10 "proxies should drop such responses").
 * Matching the response to a client transaction (§17.1.3) is the transaction layer's job.
 */
export function validateResponse(msg: SipMessage, opts: ValidateResponseOptions = {}): SipValidationError | undefined {
  if (msg.isRequest) return bad('not a response');
  try {
    if (opts.strict === true) msg.checkAll();
    if (msg.version.toUpperCase() !== 'SIP/2.0') return bad(`SIP-Version ${msg.version} is not supported`);
    // RFC 3261 §8.1.1 / §8.2.6.2: a response copies Via, From, To, Call-ID and CSeq.
    const missing = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].filter((n) => msg.count(n) === 0);
    if (missing.length > 0) return bad(`missing header field(s): ${missing.join(', ')}`);
    for (const name of ['From', 'To', 'Call-ID', 'CSeq', 'Content-Length']) {
      if (msg.count(name) > 1) return bad(`${name} appears ${msg.count(name)} times (RFC 3261 §7.3.1)`);
    }
    const vias = msg.values('Via').length;
    if ((opts.role ?? 'uac') === 'uac') {
      if (vias !== 1) return bad(`a response reaching a UAC must carry exactly one Via, not ${vias} (RFC 3261 §8.1.3.3)`);
      return undefined;
    }
    const next = msg.vias()[1];
    if (next !== undefined && unusableAddress(next.received ?? next.host)) {
      return bad(`next Via ${next.received ?? next.host} is a broadcast or unspecified address (RFC 4475 §3.3.10)`);
    }
    return undefined;
  } catch (err) {
    if (err instanceof SipParseError) return bad(`malformed response (${err.code}): ${err.message}`);
    throw err;
  }
}

export interface BuildResponseOptions {
  /** warn-agent of the Warning header (RFC 3261 §20.43: hostport or pseudonym); default "sipclf". */
  warnAgent?: string;
}

/** Header values are copied from parsed (unfolded) values; never let a CR or LF through. */
function clean(v: string): string {
  return v.replace(/[\r\n]+/g, ' ').trim();
}

/** quoted-string body for the Warning text (§25.1 quoted-pair for " and \, no control characters). */
function quote(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f) out += ' ';
    else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return `"${out}"`;
}

/**
 * Builds the RFC 3261 §8.2.6 response for a rejected request: status line with the §21 reason phrase;
 * Via (all values, in order), From, To, Call-ID and CSeq copied (§8.2.6.2), a To tag added when the
 * request had none (`toTag`, else a random 64-bit one, §19.3); the error's response headers (Unsupported,
 * Accept…); `Warning: 399 <agent> "<reason>"` (§20.43); `Content-Length: 0`. Headers the request lacks
 * are left out. Values are re-encoded from their UTF-8 decoding (octets that are not UTF-8 are not
 * preserved). Throws SIP_EDIT for a response, an ACK (§17: never answered) or an error without status.
 */
export function buildErrorResponse(req: SipMessage, err: SipValidationError, toTag?: string, opts: BuildResponseOptions = {}): Buffer {
  if (!req.isRequest) throw new SipclfError('SIP_EDIT', 'cannot build a response to a response');
  if (req.method === 'ACK') throw new SipclfError('SIP_EDIT', 'an ACK is never answered (RFC 3261 §17)');
  const status = err.status;
  if (status === undefined) throw new SipclfError('SIP_EDIT', `error ${err.code} has no SIP status to answer with`);
  const lines = [`SIP/2.0 ${status} ${reasonPhrase(status)}`];
  for (const via of req.getAll('Via')) lines.push(`Via: ${clean(via)}`);
  const from = req.get('From');
  if (from !== undefined) lines.push(`From: ${clean(from)}`);
  const to = req.get('To');
  if (to !== undefined) {
    // §8.2.6.2: keep an existing tag; otherwise the UAS MUST add one.
    const tag = req.toTag !== undefined ? undefined : (toTag ?? randomHex(8));
    lines.push(tag === undefined ? `To: ${clean(to)}` : `To: ${clean(to)};tag=${tag}`);
  }
  const callId = req.get('Call-ID');
  if (callId !== undefined) lines.push(`Call-ID: ${clean(callId)}`);
  const cseq = req.get('CSeq');
  if (cseq !== undefined) lines.push(`CSeq: ${clean(cseq)}`);
  for (const [name, value] of err.responseHeaders) lines.push(`${name}: ${clean(value)}`);
  lines.push(`Warning: 399 ${opts.warnAgent ?? 'sipclf'} ${quote(err.reason)}`);
  lines.push('Content-Length: 0');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
}
