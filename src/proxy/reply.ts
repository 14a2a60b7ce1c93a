/**
 * Replies of the proxy core. The response builders live in src/sip/reply.ts (the test UA uses them too);
 * here they are wrapped so that every response the proxy originates carries the Session-ID RFC 7989 §7 asks
 * of an intermediary (intermediarySessionId: the request's UUIDs swapped, its `logme` marker echoed).
 */
import { SipValidationError, type ErrorCode } from '../errors.js';
import type { SipMessage } from '../sip/message.js';
import * as sip from '../sip/reply.js';

export { newTag, phraseOf, intermediarySessionId, type ReplyOptions } from '../sip/reply.js';

/** sip/reply.ts buildResponse, with the intermediary's Session-ID (RFC 7989 §7) unless `opts` gives one. */
export function buildResponse(req: SipMessage, status: number, opts: sip.ReplyOptions = {}): Buffer {
  const sessionId = opts.sessionId ?? sip.intermediarySessionId(req);
  return sip.buildResponse(req, status, sessionId === undefined ? opts : { ...opts, sessionId });
}

/** sip/reply.ts errorResponse, with the intermediary's Session-ID (RFC 7989 §7). */
export function errorResponse(req: SipMessage, err: SipValidationError, toTag?: string): Buffer {
  return sip.errorResponse(req, err, toTag, 'sipclf', sip.intermediarySessionId(req));
}

/** A SipValidationError for a proxy-layer rejection (the registry gives the status). */
export function proxyError(code: ErrorCode, message: string, reason: string, headers: ReadonlyArray<readonly [string, string]> = []): SipValidationError {
  return new SipValidationError(code, message, reason, headers);
}

