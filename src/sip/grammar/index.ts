/**
 * The string-level SIP grammar parsers (RFC 3261 §25 and extensions), re-exported in one place. Each parser
 * takes an unfolded, trimmed header value (or a URI string) and throws `SipParseError` on bad input.
 */
export * from './chars.js';
export * from './params.js';
export * from './split.js';
export * from './host.js';
export { formatUri, uriEquals, escapeWith } from './uri-format.js';
export { parseUri, parseUriAt, parseUriParams, isSipUri, isTelUri, type Uri, type SipUri, type TelUri, type OtherUri } from './uri.js';
export * from './address.js';
export * from './via.js';
export * from './session-id.js';
export * from './dialog-headers.js';
export * from './simple.js';
