/**
 * Request and response validation above the parser: what an element checks on a message that *parsed*
 * before it processes it (RFC 3261 §8.2 for a UAS, §16.3 for a proxy, §10.3 for a registrar, §8.1.3.3 for a
 * UAC receiving a response). Each rule returns a SipValidationError carrying the status, the Warning text and
 * the extra response headers (Unsupported, Accept…); buildErrorResponse (validate-response.ts) turns it into
 * the §8.2.6 response. Rules run in the order of §8.2 / §16.3 and the first failure is returned.
 *
 * What is deliberately NOT checked (it needs state or policy the caller owns): authentication (§8.2 401/407,
 * §16.3 step 6), method support (§8.2.1 405/501), the target (§8.2.2.1 404, §16.5), merged requests and
 * loops (§8.2.2.2, §16.3 step 4, 482), Accept negotiation for the response body (RFC 4475 §3.3.15, 406).
 * docs/reference/rfc4475.md lists the RFC 4475 verdicts these rules produce.
 */
import { SipParseError, SipValidationError, type ErrorCode } from '../errors.js';
import type { SipMessage } from './message.js';
import { unusableAddress, validateResponse } from './validate-response.js';

export { buildErrorResponse, reasonPhrase, validateResponse, type BuildResponseOptions, type ValidateResponseOptions } from './validate-response.js';

export interface ValidateOptions {
  /** The role the element plays for this request; a registrar is a UAS for REGISTER (RFC 3261 §10.3). */
  role: 'proxy' | 'uas' | 'registrar';
  /** Option tags this element supports (Require for a UAS, Proxy-Require for a proxy); default none. */
  supportedOptionTags?: readonly string[];
  /** Request-URI schemes this element handles (RFC 3261 §8.2.2.1, §16.3 step 2); default sip, sips, tel. */
  supportedSchemes?: readonly string[];
  /** Body types a UAS understands (RFC 3261 §8.2.3); `type/*` and `*\/*` are wildcards. */
  acceptedContentTypes?: readonly string[];
  /** Content-Encodings a UAS understands (RFC 3261 §8.2.3); default identity only. */
  acceptedContentEncodings?: readonly string[];
  /** Strict syntax: run msg.checkAll() first, so malformed headers nobody reads are rejected too. */
  strict?: boolean;
  /**
   * Reject a request without Max-Forwards (RFC 3261 §8.1.1 makes it mandatory for a UAC). Default false:
   * §16.3 step 3 passes such a request and RFC 4475 §3.4.1 (inv2543) asks to accept RFC 2543 requests.
   */
  requireMaxForwards?: boolean;
  /** Proxy: an OPTIONS with Max-Forwards 0 is answered by the caller instead of 483 (§16.3 step 3 MAY). */
  answerOptionsAtZeroMaxForwards?: boolean;
}

export const DEFAULT_SCHEMES: readonly string[] = ['sip', 'sips', 'tel'];
export const DEFAULT_CONTENT_TYPES: readonly string[] = [
  'application/sdp',
  'multipart/mixed',
  'multipart/alternative',
  'message/sipfrag',
  'text/plain',
];
export const DEFAULT_CONTENT_ENCODINGS: readonly string[] = ['identity'];

/** RFC 3261 §8.1.1: the header fields every request carries (Max-Forwards: see requireMaxForwards). */
const MANDATORY = ['To', 'From', 'CSeq', 'Call-ID', 'Via'] as const;
/** Single-valued fields a proxy reads (§16.3 step 1: only components it uses must be well-formed). */
const SINGLE_PROXY = ['To', 'From', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length'] as const;
/** …plus what a UAS reads for content processing (§8.2.3) and a registrar for the binding (§10.3). */
const SINGLE_UAS = [...SINGLE_PROXY, 'Content-Type'] as const;
const SINGLE_REGISTRAR = [...SINGLE_UAS, 'Expires'] as const;
/** Fields whose value cannot hold a bare comma, so a comma means several values (§7.3.1). */
const COMMA_SPLIT = new Set(['To', 'From', 'Call-ID', 'Content-Type']);

function reject(code: ErrorCode, message: string, reason: string, headers: ReadonlyArray<readonly [string, string]> = []): SipValidationError {
  return new SipValidationError(code, message, reason, headers);
}

/** A SipParseError met while reading a lazy header becomes a 400 with the same code (§16.3 step 1). */
function fromParseError(err: SipParseError): SipValidationError {
  return reject(err.code, err.message, `Malformed message: ${err.message}`);
}

/**
 * Validates a parsed request for the given role; returns the first problem in RFC 3261 §8.2 / §16.3 order,
 * or undefined. Never throws for malformed lazy headers: their SipParseError is returned as a 400 with the
 * same code. A response passed here is checked by validateResponse (role proxy → proxy, else uac).
 * An error for an ACK must not be answered (§17): the caller drops the ACK.
 */
export function validateRequest(msg: SipMessage, opts: ValidateOptions): SipValidationError | undefined {
  if (!msg.isRequest) return validateResponse(msg, { role: opts.role === 'proxy' ? 'proxy' : 'uac', strict: opts.strict });
  try {
    return syntax(msg, opts) ?? uriScheme(msg, opts) ?? maxForwards(msg, opts) ?? extensions(msg, opts) ?? content(msg, opts) ?? registrar(msg, opts);
  } catch (err) {
    if (err instanceof SipParseError) return fromParseError(err);
    throw err;
  }
}

/** §16.3 step 1 "Reasonable syntax" / §8.2: version, strict grammar, mandatory and single-valued fields. */
function syntax(msg: SipMessage, opts: ValidateOptions): SipValidationError | undefined {
  // RFC 3261 §8.2 + §21.5.20 (505): this element implements SIP/2.0 only ("SIP" is case-insensitive, §7.1).
  if (msg.version.toUpperCase() !== 'SIP/2.0') {
    return reject('SIP_UNSUPPORTED_VERSION', `SIP-Version ${msg.version} is not supported (RFC 3261 §21.5.20)`, `SIP version ${msg.version} not supported`);
  }
  // Strict mode (RFC 4475 §3.1.2): every header with a known grammar must parse.
  if (opts.strict === true) msg.checkAll();

  // RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Max-Forwards and Via are mandatory in a request.
  const missing: string[] = MANDATORY.filter((name) => msg.count(name) === 0);
  if (opts.requireMaxForwards === true && msg.count('Max-Forwards') === 0) missing.push('Max-Forwards');
  if (missing.length > 0) {
    return reject('SIP_MISSING_HEADER', `missing mandatory header field(s): ${missing.join(', ')} (RFC 3261 §8.1.1)`, `Missing ${missing.join(', ')} header field`);
  }

  // RFC 3261 §18.3 / RFC 4475 §3.3.9: conflicting Content-Length values are a framing error.
  // (The parser flags the conflict while scanning; the values are only read to report it.)
  if (msg.contentLengthConflict) {
    const lengths = msg.getAll('Content-Length');
    return reject('SIP_BAD_CONTENT_LENGTH', `conflicting Content-Length values: ${lengths.join(', ')} (RFC 4475 §3.3.9)`, 'Conflicting Content-Length values');
  }

  // RFC 3261 §7.3.1: only comma-list fields may repeat; RFC 4475 §3.3.8.
  const single = opts.role === 'proxy' ? SINGLE_PROXY : opts.role === 'uas' ? SINGLE_UAS : SINGLE_REGISTRAR;
  for (const name of single) {
    // One line holds one value unless it has a comma: only then split it (quoted strings, <URI> aside).
    const lines = msg.count(name);
    const n = lines === 1 && COMMA_SPLIT.has(name) && (msg.get(name) ?? '').includes(',') ? msg.values(name).length : lines;
    if (n > 1) {
      return reject('SIP_MULTIPLE_VALUES', `${name} has ${n} values; it allows one (RFC 3261 §7.3.1)`, `Multiple ${name} values`);
    }
  }

  // RFC 3261 §8.1.1.5 / §20.16: the CSeq method matches the Request-Line method, case-sensitively. No
  // exception for ACK or CANCEL: their CSeq carries ACK / CANCEL (§17.1.1.3, §9.1). RFC 4475 §3.1.2.17/18.
  const cseq = msg.cseq;
  if (cseq !== undefined && cseq.method !== msg.method) {
    return reject(
      'SIP_CSEQ_METHOD_MISMATCH',
      `CSeq method ${cseq.method} differs from the request method ${msg.method} (RFC 3261 §8.1.1.5)`,
      'CSeq method does not match the request method',
    );
  }

  // RFC 3261 §8.1.1.7 / §17.2.3, RFC 4475 §3.2.1: a branch that is only the magic cookie claims RFC 3261
  // matching but carries no transaction identifier. A missing branch is RFC 2543 style and accepted (§3.4.1).
  const top = msg.topVia;
  if (top !== undefined) {
    if (top.branch === 'z9hG4bK') {
      return reject('SIP_BAD_VIA', 'top Via branch is the bare magic cookie z9hG4bK: no transaction identifier (RFC 4475 §3.2.1)', 'Missing transaction identifier in Via branch');
    }
    // §18.2.2: responses go to `received`, else to sent-by; a broadcast / unspecified sent-by is no source.
    if (top.received === undefined && unusableAddress(top.host)) {
      return reject('SIP_BAD_VIA', `top Via sent-by ${top.host} cannot be a source address (RFC 3261 §18.2.2)`, 'Unusable Via sent-by');
    }
  }
  return undefined;
}

/** RFC 3261 §8.2.2.1 / §16.3 step 2 (416); §19.1.1 Table 1: no headers in a Request-URI. */
function uriScheme(msg: SipMessage, opts: ValidateOptions): SipValidationError | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(msg.requestUri);
  const scheme = m?.[1]?.toLowerCase() ?? '';
  const supported = (opts.supportedSchemes ?? DEFAULT_SCHEMES).map((s) => s.toLowerCase());
  if (!supported.includes(scheme)) {
    return reject('SIP_UNSUPPORTED_URI_SCHEME', `Request-URI scheme "${scheme}" is not supported (RFC 3261 §8.2.2.1, §16.3 step 2)`, `Unsupported URI scheme ${scheme}`);
  }
  // The Request-URI is used by every later step (routing, §16.5), so it must parse (§16.3 step 1).
  const uri = msg.uri();
  if (uri.kind === 'sip' && uri.headers.size > 0) {
    // RFC 4475 §3.1.2.11 (escruri): rejected, not stripped.
    return reject('SIP_BAD_REQUEST_URI', 'the Request-URI carries ?headers, which RFC 3261 §19.1.1 (Table 1) forbids there', 'Headers not allowed in the Request-URI');
  }
  return undefined;
}

/** RFC 3261 §16.3 step 3 (proxy only; a UAS ignores Max-Forwards, RFC 4475 §3.3.11). */
function maxForwards(msg: SipMessage, opts: ValidateOptions): SipValidationError | undefined {
  if (opts.role !== 'proxy' || msg.maxForwards !== 0) return undefined;
  if (msg.method === 'OPTIONS' && opts.answerOptionsAtZeroMaxForwards === true) return undefined;
  return reject('SIP_TOO_MANY_HOPS', 'Max-Forwards is 0: the request must not be forwarded (RFC 3261 §16.3 step 3)', 'Too many hops');
}

/** RFC 3261 §16.3 step 5 (Proxy-Require, proxy) and §8.2.2.3 (Require, UAS): 420 with Unsupported. */
function extensions(msg: SipMessage, opts: ValidateOptions): SipValidationError | undefined {
  // §8.2.2.3: both fields MUST be ignored in CANCEL and in ACK (for a non-2xx ACK they must not be present;
  // a 2xx ACK repeats the INVITE's values, already accepted).
  if (msg.method === 'CANCEL' || msg.method === 'ACK') return undefined;
  const header = opts.role === 'proxy' ? 'Proxy-Require' : 'Require';
  const tags = opts.role === 'proxy' ? msg.proxyRequire() : msg.require();
  // §20: option tags are tokens, compared case-insensitively.
  const known = new Set((opts.supportedOptionTags ?? []).map((t) => t.toLowerCase()));
  const unsupported: string[] = [];
  const seen = new Set<string>();
  for (const tag of tags) {
    const key = tag.toLowerCase();
    if (known.has(key) || seen.has(key)) continue;
    seen.add(key);
    unsupported.push(tag);
  }
  if (unsupported.length === 0) return undefined;
  const section = opts.role === 'proxy' ? '§16.3 step 5' : '§8.2.2.3';
  return reject('SIP_BAD_EXTENSION', `${header} lists unsupported option tag(s) ${unsupported.join(', ')} (RFC 3261 ${section})`, `Unsupported extension(s): ${unsupported.join(', ')}`, [
    ['Unsupported', unsupported.join(', ')],
  ]);
}

function mediaTypeAccepted(type: string, subtype: string, accepted: readonly string[]): boolean {
  for (const a of accepted) {
    const [t = '', s = ''] = a.toLowerCase().split('/');
    if ((t === '*' || t === type) && (s === '*' || s === subtype)) return true;
  }
  return false;
}

/** RFC 3261 §8.2.3 (UAS and registrar): 415 with Accept / Accept-Encoding. */
function content(msg: SipMessage, opts: ValidateOptions): SipValidationError | undefined {
  if (opts.role === 'proxy' || msg.body.length === 0) return undefined;
  // §20.15: "The Content-Type header field MUST be present if the body is not empty."
  const ct = msg.contentType();
  if (ct === undefined) {
    return reject('SIP_MISSING_HEADER', 'the request has a body but no Content-Type (RFC 3261 §20.15)', 'Missing Content-Type header field');
  }
  // §8.2.3: only a body part that is not optional (Content-Disposition handling=optional, §20.11) is refused.
  const disposition = msg.get('Content-Disposition') ?? '';
  if (/;\s*handling\s*=\s*"?optional"?\s*(?:;|$)/i.test(disposition)) return undefined;
  const accepted = opts.acceptedContentTypes ?? DEFAULT_CONTENT_TYPES;
  if (!mediaTypeAccepted(ct.type, ct.subtype, accepted)) {
    // Multipart bodies are accepted as a whole; their parts are not inspected here.
    return reject('SIP_UNSUPPORTED_MEDIA_TYPE', `Content-Type ${ct.type}/${ct.subtype} is not accepted (RFC 3261 §8.2.3)`, `Unsupported media type ${ct.type}/${ct.subtype}`, [
      ['Accept', accepted.join(', ')],
    ]);
  }
  const encodings = (opts.acceptedContentEncodings ?? DEFAULT_CONTENT_ENCODINGS).map((e) => e.toLowerCase());
  const unknown = msg.values('Content-Encoding').filter((e) => !encodings.includes(e.trim().toLowerCase()));
  if (unknown.length > 0) {
    return reject('SIP_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${unknown.join(', ')} is not understood (RFC 3261 §8.2.3)`, `Unsupported content encoding ${unknown.join(', ')}`, [
      ['Accept-Encoding', encodings.join(', ')],
    ]);
  }
  return undefined;
}

/** RFC 3261 §10.2 / §10.3 (registrar, REGISTER only). */
function registrar(msg: SipMessage, opts: ValidateOptions): SipValidationError | undefined {
  if (opts.role !== 'registrar' || msg.method !== 'REGISTER') return undefined;
  // §10.2: "This address-of-record MUST be a SIP URI or SIPS URI." RFC 4475 §3.3.4 (unksm2): 400.
  const to = msg.to();
  if (to !== undefined && to.uri.scheme !== 'sip' && to.uri.scheme !== 'sips') {
    return reject('SIP_BAD_HEADER_VALUE', `To: the address-of-record ${to.uri.raw} is not a SIP or SIPS URI (RFC 3261 §10.2)`, 'To must be a SIP or SIPS URI');
  }
  // §10.3 step 6: "*" only alone and only with an expiration of zero.
  const contacts = msg.values('Contact');
  if (contacts.some((c) => c.trim() === '*')) {
    const expires = msg.get('Expires')?.trim();
    if (contacts.length !== 1 || expires !== '0') {
      return reject('SIP_BAD_HEADER_VALUE', 'Contact "*" must be the only Contact and come with Expires: 0 (RFC 3261 §10.3 step 6)', 'Invalid Contact "*"');
    }
    return undefined;
  }
  // The bindings are built from Contact, so it must parse, including the §20.10 rule that a URI with
  // "?" or "," is enclosed in <> (RFC 4475 §3.1.2.13 regbadct).
  msg.contacts();
  return undefined;
}
