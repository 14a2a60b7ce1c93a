/**
 * The one error registry of sipclf.
 *
 * Every error the library throws is a `SipclfError` whose `code` is one of the keys of `ERRORS`. Codes are
 * stable public API: users match on them, and docs/reference/errors.md documents each one (a test keeps the
 * two in sync, in the manner of fastify's and undici's registries). Where an error maps onto a SIP response
 * (RFC 3261 §8.2, §16.3, §21), the registry carries the status code an element answers with.
 *
 * Layering: this file sits below every layer (it imports nothing) so that `sip`, `clf`, `logme` and the
 * upper layers all share it.
 */

export interface ErrorSpec {
  /** Which layer raises it (for the docs' grouping). */
  readonly layer: 'sip' | 'clf' | 'logme' | 'config' | 'cli' | 'io';
  /** SIP status code a SIP element answers with when this error rejects a request, if any. */
  readonly status?: number;
  /** One line: what it means. */
  readonly summary: string;
}

export const ERRORS = {
  // --- SIP message syntax (src/sip) — RFC 3261 §7, §25 --------------------------------------------------
  SIP_EMPTY: { layer: 'sip', status: 400, summary: 'No start line: the input is empty or holds only CRLFs.' },
  SIP_BAD_START_LINE: {
    layer: 'sip',
    status: 400,
    summary: 'The Request-Line or Status-Line does not follow RFC 3261 §7.1/§7.2 (single SP separators, three elements).',
  },
  SIP_BAD_METHOD: { layer: 'sip', status: 400, summary: 'The method is not an RFC 3261 token.' },
  SIP_BAD_REQUEST_URI: {
    layer: 'sip',
    status: 400,
    summary: 'The Request-URI is malformed (embedded whitespace, enclosed in <>, bad escape, no scheme).',
  },
  SIP_BAD_VERSION: { layer: 'sip', status: 400, summary: 'The SIP-Version is not "SIP/" 1*DIGIT "." 1*DIGIT.' },
  SIP_BAD_STATUS_CODE: { layer: 'sip', summary: 'The Status-Code is not three digits in the range 100-699.' },
  SIP_BAD_HEADER_LINE: {
    layer: 'sip',
    status: 400,
    summary: 'A header line has no colon, an empty or non-token name, or starts with whitespace after the start line.',
  },
  SIP_NO_HEADER_END: { layer: 'sip', status: 400, summary: 'The header section is not terminated by an empty line.' },
  SIP_BAD_HEADER_VALUE: {
    layer: 'sip',
    status: 400,
    summary: "A header field's value does not follow its grammar (the message names the header).",
  },
  SIP_UNTERMINATED_QUOTE: { layer: 'sip', status: 400, summary: 'A quoted-string is not closed before the end of its header value.' },
  SIP_BAD_URI: { layer: 'sip', status: 400, summary: 'A SIP, SIPS or tel URI is malformed.' },
  SIP_BAD_CONTENT_LENGTH: {
    layer: 'sip',
    status: 400,
    summary: 'Content-Length is not a non-negative decimal integer, or appears more than once with different values.',
  },
  SIP_BODY_TRUNCATED: {
    layer: 'sip',
    status: 400,
    summary: 'Content-Length announces more body octets than the message holds (RFC 3261 §18.3).',
  },
  SIP_MISSING_CONTENT_LENGTH: {
    layer: 'sip',
    status: 400,
    summary: 'A message on a stream transport has no Content-Length (mandatory there, RFC 3261 §18.3, §20.14).',
  },
  SIP_SCALAR_RANGE: {
    layer: 'sip',
    status: 400,
    summary: 'A numeric field is out of its range (CSeq > 2^31-1, Max-Forwards > 255, Expires or Content-Length > 2^32-1).',
  },
  // --- Limits, checked before allocating ------------------------------------------------------------------
  SIP_LIMIT_MESSAGE_SIZE: { layer: 'sip', status: 513, summary: 'The message is larger than the maxMessageBytes limit.' },
  SIP_LIMIT_HEADER_COUNT: { layer: 'sip', status: 400, summary: 'The message has more header lines than the maxHeaders limit.' },
  SIP_LIMIT_LINE_LENGTH: {
    layer: 'sip',
    status: 400,
    summary: 'A start line or header line (with its folded continuations) is longer than the maxLineBytes limit.',
  },
  // --- SIP validation above the parser (src/sip/validate.ts) — RFC 3261 §8.2, §16.3 ----------------------
  SIP_MISSING_HEADER: {
    layer: 'sip',
    status: 400,
    summary: 'A mandatory header field (To, From, CSeq, Call-ID, Max-Forwards for requests, Via) is missing.',
  },
  SIP_MULTIPLE_VALUES: {
    layer: 'sip',
    status: 400,
    summary: 'A header field that allows one value (To, From, CSeq, Call-ID, Max-Forwards, Content-Length…) has several.',
  },
  SIP_CSEQ_METHOD_MISMATCH: { layer: 'sip', status: 400, summary: 'The CSeq method differs from the Request-Line method (RFC 3261 §8.1.1.5).' },
  SIP_UNSUPPORTED_VERSION: { layer: 'sip', status: 505, summary: 'The SIP-Version is well formed but not SIP/2.0 (RFC 3261 §8.2.2 via §21.5.20).' },
  SIP_TOO_MANY_HOPS: { layer: 'sip', status: 483, summary: 'Max-Forwards is 0 on a request that would be forwarded (RFC 3261 §16.3 step 2).' },
  SIP_BAD_EXTENSION: {
    layer: 'sip',
    status: 420,
    summary: 'Require or Proxy-Require names an option tag this element does not support (RFC 3261 §8.2.2.3, §16.3 step 5).',
  },
  SIP_UNSUPPORTED_URI_SCHEME: { layer: 'sip', status: 416, summary: 'The Request-URI scheme is not supported (RFC 3261 §8.2.2.1).' },
  SIP_UNSUPPORTED_MEDIA_TYPE: {
    layer: 'sip',
    status: 415,
    summary: 'A UA cannot process the body: Content-Type is not among the types it accepts (RFC 3261 §8.2.3).',
  },
  SIP_BAD_VIA: { layer: 'sip', status: 400, summary: 'The top Via is unusable: a branch that is only the magic cookie z9hG4bK, or a sent-by that cannot be a source (RFC 3261 §8.1.1.7).' },
  SIP_BAD_RESPONSE: { layer: 'sip', summary: 'A response violates RFC 3261 (for example more than one Via, or a CSeq method the element never sent).' },
  // --- Editing ----------------------------------------------------------------------------------------------
  SIP_EDIT: { layer: 'sip', summary: 'An edit cannot be applied to this message (for example popping a Via from a message that has none).' },
  // --- Configuration and CLI --------------------------------------------------------------------------------
  CONFIG_INVALID: { layer: 'config', summary: 'A configuration value is invalid; the message names the path and the reason.' },
  CLI_USAGE: { layer: 'cli', summary: 'The command line is wrong: unknown option, missing argument or value out of range.' },
  IO_READ: { layer: 'io', summary: 'An input file or stream cannot be read.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** Base class of every error sipclf throws on purpose. */
export class SipclfError extends Error {
  readonly code: ErrorCode;
  /** SIP status code an element answers with, when the error rejects a request. */
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SipclfError';
    this.code = code;
    const spec: ErrorSpec = ERRORS[code];
    this.status = spec.status;
  }
}

/** A SIP message (or one of its parts) could not be parsed. `offset` is the byte offset in the input. */
export class SipParseError extends SipclfError {
  readonly offset: number;

  constructor(code: ErrorCode, message: string, offset: number) {
    super(code, message);
    this.name = 'SipParseError';
    this.offset = offset;
  }
}

/** A message parsed, but an element must reject it (RFC 3261 §8.2, §16.3); carries the response to send. */
export class SipValidationError extends SipclfError {
  /** Reason text for the response's Reason-Phrase / Warning header. */
  readonly reason: string;
  /** Extra headers the response must carry (for example `Unsupported` with 420). */
  readonly responseHeaders: ReadonlyArray<readonly [string, string]>;

  constructor(code: ErrorCode, message: string, reason: string, responseHeaders: ReadonlyArray<readonly [string, string]> = []) {
    super(code, message);
    this.name = 'SipValidationError';
    this.reason = reason;
    this.responseHeaders = responseHeaders;
  }
}

export function isSipclfError(e: unknown): e is SipclfError {
  return e instanceof SipclfError;
}
