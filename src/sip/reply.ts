/**
 * Responses an element generates itself, acting as a UAS (RFC 3261 §8.2.6): a proxy's 200 to a REGISTER
 * (§10.3 step 8) or a CANCEL (§16.10), 100 Trying (§16.2), the 408 / 500 of best-response selection
 * (§16.7 step 6); the test UA's 180, 200 and rejections (§13.3.1). Errors that come with a
 * SipValidationError (400, 404, 420, 423, 480, 482, 483…) go through errorResponse, which adds the Warning
 * header; both copy Via, From, To, Call-ID and CSeq from the request (§8.2.6.2).
 */
import type { SipValidationError } from '../errors.js';
import { formatSessionId, NIL_UUID } from './grammar/session-id.js';
import type { SipMessage } from './message.js';
import { randomHex } from './random.js';
import { reasonPhrase } from './validate.js';

/** RFC 3261 §21 (and RFC 3515 §2.4.2 202) phrases of the statuses the proxy and UA produce beyond validate.ts's table. */
const PHRASES = new Map<number, string>([
  [180, 'Ringing'],
  [181, 'Call Is Being Forwarded'],
  [182, 'Queued'],
  [183, 'Session Progress'],
  [202, 'Accepted'],
  [408, 'Request Timeout'],
  [423, 'Interval Too Brief'],
  [480, 'Temporarily Unavailable'],
  [485, 'Ambiguous'],
  [481, 'Call/Transaction Does Not Exist'],
  [486, 'Busy Here'],
  [487, 'Request Terminated'],
  [488, 'Not Acceptable Here'],
  [503, 'Service Unavailable'],
  [600, 'Busy Everywhere'],
  [603, 'Decline'],
]);

/** The RFC 3261 §21 Reason-Phrase of a status. */
export function phraseOf(status: number): string {
  return PHRASES.get(status) ?? reasonPhrase(status);
}

export interface ReplyOptions {
  /** Reason-Phrase; default the RFC 3261 §21 phrase. */
  reason?: string;
  /** Extra header lines, in order, after CSeq. */
  headers?: ReadonlyArray<readonly [string, string]>;
  /**
   * To tag to add when the request has none (§8.2.6.2). Default: a random one, except for 100 Trying,
   * which never gets one (§8.2.6.1; a proxy "MUST NOT insert a tag into the To header field of a 1xx").
   */
  toTag?: string;
  /** A body with its Content-Type (the UA's SDP answer, a NOTIFY's sipfrag). Default: none. */
  body?: { readonly type: string; readonly bytes: Buffer };
  /** A Session-ID value (RFC 7989), written after CSeq; see intermediarySessionId. Default: none. */
  sessionId?: string;
}

/**
 * The Session-ID of a response an intermediary originates (a proxy's 100 Trying, its 200 to a CANCEL, its
 * errors), RFC 7989 §7: "the remote-uuid field will contain the UUID value of the receiving endpoint" — the
 * request's local-uuid — and "when the UUID of the peer endpoint is known, the intermediary MUST insert" it as
 * local-uuid: the request's remote-uuid, which names it (nil when not known yet, as §10.8.1's {N,A} 100
 * Trying). A `logme` marker is echoed (RFC 8497 §4, Figure 3 F3 and F5: the proxies' own 100s are marked); a
 * log-me engine may still strip it toward a boundary. Undefined when the request has no well-formed Session-ID
 * (§7: a malformed one counts as absent).
 */
export function intermediarySessionId(req: SipMessage): string | undefined {
  const sid = req.sessionId;
  if (sid === undefined) return undefined;
  return formatSessionId({ local: sid.remote ?? NIL_UUID, remote: sid.local, logme: sid.logme });
}

function clean(v: string): string {
  return v.replace(/[\r\n]+/g, ' ').trim();
}

/** A random To tag (§19.3: at least 32 bits of randomness). */
export function newTag(): string {
  return randomHex(8);
}

/** Builds a response to `req`: `Content-Length: 0` and no body unless `opts.body` is given. */
export function buildResponse(req: SipMessage, status: number, opts: ReplyOptions = {}): Buffer {
  const lines = [`SIP/2.0 ${status} ${clean(opts.reason ?? phraseOf(status))}`];
  for (const v of req.getAll('Via')) lines.push(`Via: ${clean(v)}`);
  const from = req.get('From');
  if (from !== undefined) lines.push(`From: ${clean(from)}`);
  const to = req.get('To');
  if (to !== undefined) {
    const tag = req.toTag !== undefined || status === 100 ? undefined : (opts.toTag ?? newTag());
    lines.push(tag === undefined ? `To: ${clean(to)}` : `To: ${clean(to)};tag=${tag}`);
  }
  const callId = req.get('Call-ID');
  if (callId !== undefined) lines.push(`Call-ID: ${clean(callId)}`);
  const cseq = req.get('CSeq');
  if (cseq !== undefined) lines.push(`CSeq: ${clean(cseq)}`);
  // §8.2.6.1: a 100 copies any Timestamp header field of the request.
  const ts = req.get('Timestamp');
  if (status === 100 && ts !== undefined) lines.push(`Timestamp: ${clean(ts)}`);
  if (opts.sessionId !== undefined) lines.push(`Session-ID: ${clean(opts.sessionId)}`);
  for (const [name, value] of opts.headers ?? []) lines.push(`${name}: ${clean(value)}`);
  const body = opts.body;
  if (body === undefined) {
    lines.push('Content-Length: 0');
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  }
  lines.push(`Content-Type: ${clean(body.type)}`, `Content-Length: ${body.bytes.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body.bytes]);
}

/** quoted-string body for the Warning text (§25.1). */
function quote(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    out += c < 0x20 || c === 0x7f ? ' ' : ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  }
  return `"${out}"`;
}

/**
 * The §8.2.6 error response for a rejected request: the error's status, its response headers
 * (Unsupported, Min-Expires…) and `Warning: 399 <agent> "<reason>"` (§20.43). Throws for an error without
 * status; never call it for an ACK (§17: an ACK is not answered).
 */
export function errorResponse(req: SipMessage, err: SipValidationError, toTag?: string, warnAgent = 'sipclf', sessionId?: string): Buffer {
  if (err.status === undefined) throw new TypeError(`error ${err.code} has no SIP status`);
  const headers: Array<readonly [string, string]> = [...err.responseHeaders, ['Warning', `399 ${warnAgent} ${quote(err.reason)}`]];
  const opts: ReplyOptions = { headers };
  if (toTag !== undefined) opts.toTag = toTag;
  if (sessionId !== undefined) opts.sessionId = sessionId;
  return buildResponse(req, err.status, opts);
}
