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
  readonly layer: 'sip' | 'clf' | 'logme' | 'capture' | 'transport' | 'transaction' | 'proxy' | 'ua' | 'config' | 'cli' | 'io';
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
  // --- SIP CLF encoding (src/clf/encode.ts, optional.ts) — RFC 6873 §4 --------------------------------------
  CLF_RECORD_TOO_LONG: { layer: 'clf', summary: 'The encoded record would be longer than 0xFFFFFF bytes (6 hex digits of Record Length, RFC 6873 §4).' },
  CLF_POINTER_OVERFLOW: {
    layer: 'clf',
    summary: 'A mandatory-field index pointer would exceed 0xFFFF (4 hex digits, RFC 6873 §4.1): the mandatory part is too long.',
  },
  CLF_TIMESTAMP_RANGE: { layer: 'clf', summary: 'The timestamp is not an integer number of milliseconds that fits 10 decimal digits of seconds.' },
  CLF_TAG_RANGE: { layer: 'clf', summary: 'An optional field Tag is not 0-99 or its Vendor-ID is not 0-99999999 (RFC 6873 §4.4).' },
  CLF_VALUE_TOO_LONG: { layer: 'clf', summary: 'An optional field Value is longer than 0xFFFF bytes (4 hex digits of Length, RFC 6873 §4.4).' },
  CLF_BAD_VALUE: {
    layer: 'clf',
    summary: 'An optional field Value as written contains a TAB or LF (it would break the record), or a record flag is not a known letter.',
  },
  CLF_BAD_BASE64: { layer: 'clf', summary: 'An optional field marked BEB 01 does not hold valid base64 (RFC 4648, optionally with %0D%0A line breaks).' },
  // --- SIP CLF decoding (src/clf/decode.ts) — RFC 6873 §4; ClfDecodeError carries the byte offset ----------
  CLF_TRUNCATED: { layer: 'clf', summary: 'The input ends before the record does (shorter than the index line or than the declared Record Length).' },
  CLF_BAD_JSON: {
    layer: 'clf',
    summary: 'A JSON Lines record is not valid JSON or does not follow docs/reference/clf-json.md (the message names the path).',
  },
  CLF_BAD_VERSION: { layer: 'clf', summary: 'The first byte of a record is not a version letter A-Z (RFC 6873 §4, §9).' },
  CLF_UNKNOWN_VERSION: { layer: 'clf', summary: 'The version letter is A-Z but not "A", the only version defined (RFC 6873 §9).' },
  CLF_BAD_LENGTH: { layer: 'clf', summary: 'The Record Length is not 6 hex digits, or is smaller than the shortest possible record.' },
  CLF_BAD_DELIMITER: { layer: 'clf', summary: 'A fixed delimiter is missing: "," at byte 7, TAB at bytes 75 and 81.' },
  CLF_BAD_POINTER: {
    layer: 'clf',
    summary: 'An index pointer is not 4 hex digits, not increasing, outside the record, or does not point just after a TAB.',
  },
  CLF_MISSING_LF: { layer: 'clf', summary: 'No LF where one must be: at byte 60 (end of the index line) or as the last byte of the record.' },
  CLF_STRAY_LF: { layer: 'clf', summary: 'An LF inside the field line, before the final byte of the record.' },
  CLF_BAD_TIMESTAMP: { layer: 'clf', summary: 'The timestamp is not 10 decimal digits, ".", 3 decimal digits.' },
  CLF_BAD_FLAGS: { layer: 'clf', summary: 'A flag byte is not one of its allowed letters (RFC 6873 §4.2, RFC 7355 §4).' },
  CLF_BAD_FIELD_COUNT: { layer: 'clf', summary: 'The TAB-separated fields do not match the index pointers (a mandatory field holds a TAB).' },
  CLF_BAD_OPTIONAL: { layer: 'clf', summary: 'An optional field does not follow Tag@Vendor-ID,Length,BEB, (2 digits, 8 digits, 4 hex, 00/01).' },
  CLF_OPTIONAL_LENGTH: { layer: 'clf', summary: 'An optional field Length differs from the bytes of its Value up to the next TAB or the final LF.' },
  CLF_LIMIT_RECORD_SIZE: {
    layer: 'clf',
    summary: "A record's declared Record Length exceeds the reader's maxRecordBytes limit; it is not buffered, the reader resynchronises.",
  },
  // --- Packet captures (src/capture) — pcap, pcapng, IPv4/IPv6, UDP, TCP; CaptureError carries the packet number --
  CAPTURE_NOT_A_CAPTURE: {
    layer: 'capture',
    summary: 'The input does not start with a pcap (a1b2c3d4, a1b23c4d, a1b2cd34 in either byte order) or pcapng magic number, plain or gzipped.',
  },
  CAPTURE_BAD_HEADER: {
    layer: 'capture',
    summary: 'The pcap file header or a pcapng Section Header Block is malformed (byte-order magic, major version, block length).',
  },
  CAPTURE_TRUNCATED: { layer: 'capture', summary: 'The capture ends inside a file header, packet record or block; every packet before it was delivered.' },
  CAPTURE_BAD_RECORD: {
    layer: 'capture',
    summary: 'A packet record or block is corrupt (captured length beyond the limit, block length not a multiple of 4 or not equal to its trailer, unknown interface).',
  },
  CAPTURE_UNSUPPORTED_LINK: { layer: 'capture', summary: 'Packets of a link type sipclf does not decode were skipped (reported once per link type).' },
  CAPTURE_BAD_PACKET: {
    layer: 'capture',
    summary: 'A link, IPv4, IPv6, UDP or TCP header of the packet is truncated or inconsistent; the packet is skipped.',
  },
  CAPTURE_PACKET_CUT: {
    layer: 'capture',
    summary: 'The packet was cut by the snapshot length before the end of its datagram: its payload is incomplete (UDP: skipped; TCP: a gap).',
  },
  CAPTURE_FRAGMENT_OVERLAP: {
    layer: 'capture',
    summary: 'IP fragments of one datagram overlap with different bytes (RFC 8200 §4.5, RFC 5722): the whole datagram is abandoned.',
  },
  CAPTURE_FRAGMENT_DROPPED: {
    layer: 'capture',
    summary: 'An IP datagram could not be reassembled: fragments missing at the timeout or end of capture, over 65535 bytes, or the reassembly limits were hit.',
  },
  CAPTURE_TCP_GAP: {
    layer: 'capture',
    summary: 'A TCP stream misses bytes (not captured, or dropped by the buffering limits); its SIP framing restarts at the next start line.',
  },
  CAPTURE_PCAP_UNWRITABLE: {
    layer: 'capture',
    summary: 'A message cannot be written to pcap (its time is outside 1970-2106, the range of a pcap record, or it does not fit a UDP datagram); it is skipped.',
  },
  CAPTURE_BAD_ADDRESS: {
    layer: 'capture',
    summary: 'A CLF record written to pcap has a Source or Destination that is not ip:port or [ipv6]:port; the record is skipped.',
  },
  // --- HEP v3 (src/capture/hep*.ts, HEP3 spec rev. 37); HepError carries the byte offset in the packet ------
  HEP_NOT_HEP: { layer: 'capture', summary: 'The packet does not start with "HEP3" or "EEP3" (and is not HEP v1/v2 either).' },
  HEP_UNSUPPORTED_VERSION: {
    layer: 'capture',
    summary: 'A HEP v1 or v2 packet (first byte 1 or 2): only HEP v3 is decoded; set the sender to version 3 (e.g. Kamailio siptrace hep_version 3).',
  },
  HEP_TRUNCATED: { layer: 'capture', summary: 'The packet is shorter than its 6-byte header or than the total length the header announces.' },
  HEP_BAD_LENGTH: {
    layer: 'capture',
    summary: 'The total length in the HEP3 header is below 6, or a datagram holds bytes beyond it.',
  },
  HEP_CHUNK_TRUNCATED: { layer: 'capture', summary: 'Fewer than 6 bytes (one chunk header) remain after the last whole chunk.' },
  HEP_CHUNK_TOO_SHORT: {
    layer: 'capture',
    summary: 'A chunk length is below 6, the size of its own header (zero-length chunks included): decoding stops there rather than loop.',
  },
  HEP_CHUNK_OVERLONG: { layer: 'capture', summary: 'A chunk length runs past the end of the packet (its total length).' },
  HEP_BAD_CHUNK: {
    layer: 'capture',
    summary: 'A generic chunk has the wrong size for its type (e.g. an IPv4 address that is not 4 bytes); the packet is not decoded.',
  },
  HEP_BAD_PAYLOAD: {
    layer: 'capture',
    summary: 'The compressed payload chunk (0x0010) does not inflate (gzip, zlib or raw deflate) or inflates beyond the size limit.',
  },
  HEP_ENCODE: { layer: 'capture', summary: 'A HEP packet cannot be encoded: a value out of range for its chunk, or more than 65535 bytes in all.' },
  HEP_NO_PAYLOAD: { layer: 'capture', summary: 'The collector received a HEP packet without a payload chunk (0x000f or 0x0010), e.g. a keep-alive; not logged.' },
  HEP_NOT_SIP: {
    layer: 'capture',
    summary: 'The collector received a HEP packet whose protocol type (0x000b) is not SIP (1), or whose payload is not a SIP message; not logged.',
  },
  HEP_AUTH_FAILED: { layer: 'capture', summary: 'The auth key chunk (0x000e) is missing or differs from --auth-key: the packet was dropped and counted.' },
  HEP_DROPPED: {
    layer: 'capture',
    summary: 'Overload: the collector queue was full or the log writer refused the record, so a message was dropped and counted, not buffered.',
  },
  // --- Transactions (src/transaction) — RFC 3261 §17, RFC 6026; programming errors of the caller or the layer --
  TXN_ILLEGAL_TRANSITION: {
    layer: 'transaction',
    summary: 'A transaction state machine was asked for a move its RFC 3261 §17 / RFC 6026 figure does not allow (a bug, never caused by network input).',
  },
  TXN_BAD_MESSAGE: {
    layer: 'transaction',
    summary: 'A message handed to the transaction layer cannot drive it: a response where a request is due, no top Via or CSeq, an ACK as a client transaction, a status outside 100-699.',
  },
  TXN_EXISTS: {
    layer: 'transaction',
    summary: 'A client transaction with the same branch and method already exists (RFC 3261 §17.1.3 needs the branch to be unique).',
  },
  // --- Transport (src/transport) — RFC 3261 §18; counted in TransportLayer.stats().errors ------------------
  TRANSPORT_BIND: {
    layer: 'transport',
    summary: 'A listener cannot be bound (EADDRINUSE, EADDRNOTAVAIL, EACCES); the message names the listen address.',
  },
  TRANSPORT_CONNECT: { layer: 'transport', summary: 'A TCP or TLS connection to a target could not be opened (refused, unreachable, timed out).' },
  TRANSPORT_TLS: {
    layer: 'transport',
    summary: 'A TLS handshake failed (certificate not trusted or not matching the peer, protocol alert) or a TLS connection failed.',
  },
  TRANSPORT_SEND: { layer: 'transport', summary: 'A message could not be written: socket error, or the connection closed before the write.' },
  TRANSPORT_NO_LISTENER: {
    layer: 'transport',
    summary: 'No UDP listener of the address family of the target to send from (UDP is sent from a listening socket).',
  },
  TRANSPORT_NO_ROUTE: {
    layer: 'transport',
    summary: 'A response cannot be routed (RFC 3261 §18.2.2): it does not parse, has no top Via, or names a transport sipclf does not speak.',
  },
  TRANSPORT_TOO_LARGE: { layer: 'transport', summary: 'A message is larger than a UDP datagram can carry (65,507 bytes); send it over TCP.' },
  TRANSPORT_CONNECTION_LIMIT: {
    layer: 'transport',
    summary: 'The maxConnections limit is reached: an incoming connection was refused, or an outgoing one not opened.',
  },
  TRANSPORT_CONNECTION_RESET: { layer: 'transport', summary: 'The peer reset or aborted a TCP/TLS connection (ECONNRESET, EPIPE, ECONNABORTED).' },
  TRANSPORT_SLOW_PEER: {
    layer: 'transport',
    summary: 'A connection was closed because more than maxWriteBufferBytes were waiting to be sent: the peer does not read.',
  },
  TRANSPORT_CLOSED: { layer: 'transport', summary: 'The transport layer is not running (not started yet, or closed): nothing can be sent.' },
  TRANSPORT_HANDLER: { layer: 'transport', summary: "A 'message' or 'connection' listener threw; the exception was caught and counted." },
  TRANSPORT_INTERNAL: { layer: 'transport', summary: 'An unexpected exception on the receive path was caught; the input was dropped (a bug: please report it).' },
  // --- Proxy core (src/proxy) — RFC 3261 §16 (proxy), §10.3 (registrar) ---------------------------------------
  PROXY_LOOP_DETECTED: {
    layer: 'proxy',
    status: 482,
    summary: 'The request carries a Via this proxy inserted whose loop-detection hash equals the hash of the request as received now: a loop, not a spiral (RFC 3261 §16.3 step 4).',
  },
  PROXY_NOT_FOUND: {
    layer: 'proxy',
    status: 404,
    summary: 'The Request-URI (or the REGISTER address-of-record) names a resource of a local domain that does not exist, and no static route matches (RFC 3261 §16.5, §10.3 step 5).',
  },
  PROXY_TEMPORARILY_UNAVAILABLE: {
    layer: 'proxy',
    status: 480,
    summary: 'The address-of-record is known but has no live binding, and no static route matches: the target set is empty (RFC 3261 §16.5).',
  },
  PROXY_REQUEST_TIMEOUT: {
    layer: 'proxy',
    status: 408,
    summary: 'Every branch ended without a final response (Timer B/F or Timer C fired): the proxy answers 408 (RFC 3261 §16.7 step 6, §16.8).',
  },
  PROXY_SERVICE_UNAVAILABLE: {
    layer: 'proxy',
    status: 500,
    summary: 'The only final responses were 503 (or transport errors, which count as 503, §16.9): the proxy answers 500 instead of forwarding a 503 (RFC 3261 §16.7 step 6).',
  },
  PROXY_OVERLOADED: {
    layer: 'proxy',
    status: 503,
    summary: 'Overload control: messages waited too long before the proxy read them (UDP queueing delay, or a saturated event loop without UDP listeners), so a new out-of-dialog request was answered 503 instead of forwarded (RFC 3261 §21.5.4; docs/reference/proxy-config.md "overload"). In-dialog requests, ACK and CANCEL are never shed.',
  },
  PROXY_INTERVAL_TOO_BRIEF: {
    layer: 'proxy',
    status: 423,
    summary: 'A REGISTER asks for an expiration above 0 and below the configured minimum; the response carries Min-Expires (RFC 3261 §10.3 step 7).',
  },
  PROXY_REGISTER_STALE: {
    layer: 'proxy',
    status: 500,
    summary: 'A REGISTER with the Call-ID of an existing binding has a CSeq not higher than the stored one: out of order, nothing is changed (RFC 3261 §10.3 steps 6-7).',
  },
  PROXY_REGISTRAR_FULL: {
    layer: 'proxy',
    status: 503,
    summary: 'A REGISTER would add a binding past `registrar.maxContacts` for its address-of-record, or a new address-of-record past `registrar.maxAors`: answered 503 and nothing is changed (RFC 3261 §21.5.4; docs/reference/proxy-config.md). Bounds the table against REGISTER floods.',
  },
  PROXY_BAD_ROUTE: {
    layer: 'proxy',
    summary: 'A static route, next hop or default outbound proxy is malformed (expected DOMAIN=host[:port][;transport=udp|tcp|tls] or user:PREFIX=…).',
  },
  PROXY_REGISTRAR_STORE: {
    layer: 'proxy',
    status: 500,
    summary: 'The registrar file cannot be read, parsed or written atomically (temp file + rename, mode 0600); the message names the path. A REGISTER whose bindings cannot be saved gets 500 and changes nothing (RFC 3261 §10.3 step 7).',
  },
  PROXY_STRAY_RESPONSE: {
    layer: 'proxy',
    summary: 'A response whose top Via was not inserted by this proxy, or that has no second Via to forward to, is silently discarded (RFC 3261 §16.11, §16.7 step 3).',
  },
  PROXY_NO_NEXT_HOP: {
    layer: 'proxy',
    summary: 'A target URI (or top Route) cannot give a next hop: not a SIP/SIPS URI, or a transport sipclf does not speak (RFC 3261 §16.6 step 7).',
  },
  // --- Test UA (src/ua) — RFC 3261 §8.1, §12, §13 -------------------------------------------------------
  UA_BAD_TARGET: {
    layer: 'ua',
    summary: 'A call target, Refer-To or outbound proxy is not a usable sip:/sips: URI or HOST[:PORT][;transport=udp|tcp] (RFC 3261 §8.1.2, §19.1).',
  },
  UA_CLOSED: { layer: 'ua', summary: 'The user agent was asked to place a call or send a request after close().' },
  // --- Configuration and CLI --------------------------------------------------------------------------------
  CONFIG_INVALID: { layer: 'config', summary: 'A configuration value is invalid; the message names the path and the reason.' },
  CLI_USAGE: { layer: 'cli', summary: 'The command line is wrong: unknown option, missing argument or value out of range.' },
  IO_READ: { layer: 'io', summary: 'An input file or stream cannot be read.' },
  // --- Log files (src/logfile) — RFC 6872 §10, RFC 8497 §7.4, §8.5 ------------------------------------------
  IO_WRITE: {
    layer: 'io',
    summary: 'A log file cannot be created, written, fsynced or closed (disk full, EACCES…); the message names the path.',
  },
  IO_WRITER_CLOSED: { layer: 'io', summary: 'A record was written to a ClfWriter after close(); it is dropped and counted.' },
  IO_BAD_RECORD: { layer: 'io', summary: 'ClfWriter.write() was given something that is not one encoded CLF record ending in LF.' },
  IO_INSECURE_DIR: {
    layer: 'io',
    summary: 'The log directory is writable by group or others (refused) or accessible by others (warning), RFC 6872 §10.',
  },
  IO_ROTATE: { layer: 'io', summary: 'Background maintenance of rotated log files (gzip, retention, current link) failed.' },
  IO_LOCKED: {
    layer: 'io',
    summary:
      'Another live writer holds the log directory for this file-name pattern (lock file .PATTERN.lock): refused, since two writers would prune each other\'s files. As a warning: a stale lock was replaced.',
  },
  IO_LOG_BATCH_CORRUPT: {
    layer: 'io',
    summary: 'A batch of messages handed to the logging worker does not decode (a bug, not input): the batch is counted as lost.',
  },
  IO_LOG_WORKER_FAILED: {
    layer: 'io',
    summary: 'The logging worker thread could not start or stopped; messages not yet written are counted as lost, forwarding goes on.',
  },
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

/**
 * A SIP CLF record could not be decoded (src/clf/decode.ts). `offset` is the byte offset of the problem in
 * the input string (absolute, not relative to the record start).
 */
export class ClfDecodeError extends SipclfError {
  readonly offset: number;

  constructor(code: ErrorCode, message: string, offset: number) {
    super(code, message);
    this.name = 'ClfDecodeError';
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
