/**
 * Replies of the proxy core. The response builders live in src/sip/reply.ts (the test UA uses them too);
 * they are re-exported here for the proxy's callers.
 */
import { SipValidationError, type ErrorCode } from '../errors.js';

export { buildResponse, errorResponse, newTag, phraseOf, type ReplyOptions } from '../sip/reply.js';

/** A SipValidationError for a proxy-layer rejection (the registry gives the status). */
export function proxyError(code: ErrorCode, message: string, reason: string, headers: ReadonlyArray<readonly [string, string]> = []): SipValidationError {
  return new SipValidationError(code, message, reason, headers);
}

