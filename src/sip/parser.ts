/**
 * parseMessage: one complete SIP message (a UDP datagram, or a frame from the stream framer) → SipMessage.
 *
 * A single forward pass over the bytes (RFC 3261 §7): start line, then header lines (name interned through
 * header-names.ts, folds kept, raw offsets recorded), then the body by Content-Length. Only what a proxy
 * needs on every message is parsed here (eager.ts); everything else is parsed on first access. Limits are
 * checked before anything sized by the input is allocated: the header table is built in a shared scratch
 * array and copied out once, at its final size.
 */
import { SipParseError } from '../errors.js';
import * as bytes from './bytes.js';
import * as eagerScanners from './eager.js';
import * as headerNames from './header-names.js';
import * as layout from './layout.js';
import { DEFAULT_LIMITS, resolveLimits, type ParseLimits } from './limits.js';
import { SipMessage } from './message.js';

// Module-local bindings of the imports, so that TurboFan folds them into parseMessage's code (bytes.ts says why).
const { COLON, CR, HT, LF, SP, TOKEN, parseDecimal } = bytes;
const { scanCSeq, scanSessionId, scanTag, scanTopVia } = eagerScanners;
const { H, NAME_CLASS, NAME_CLASS_BITS, NAME_ID, NAME_NEXT, NAME_ROOT } = headerNames;
const { E_BODY_S, E_CALLID_E, E_CALLID_S, E_CLEN, E_CLEN_CONFLICT, E_CSEQ_M_E, E_CSEQ_M_S, E_CSEQ_SEQ, E_END, E_FROMTAG_E, E_FROMTAG_S, E_FROM_IDX, E_HDR_END, E_MAXFWD, E_METHOD_E, E_METHOD_S, E_REASON_E, E_REASON_S, E_ROUTE_COUNT, E_RR_COUNT, E_SID_IDX, E_SID_LOCAL_S, E_SID_LOGME, E_SID_REMOTE_S, E_SID_STATE, E_START, E_STATUS, E_TOTAG_E, E_TOTAG_S, E_TO_IDX, E_URI_E, E_URI_S, E_VER_E, E_VER_S, E_VIA_BRANCH_E, E_VIA_BRANCH_S, E_VIA_COUNT, E_VIA_HOST_E, E_VIA_HOST_S, E_VIA_IDX, E_VIA_PARM_E, E_VIA_PORT, E_VIA_RECEIVED_E, E_VIA_RECEIVED_S, E_VIA_RPORT, E_VIA_TRANSPORT_E, E_VIA_TRANSPORT_S, HBASE, HSTRIDE } = layout;

/**
 * Bit `id` set for the header ids whose eager fields the header loop records. Most known headers in a typical
 * request (Contact, Allow, Supported, User-Agent, Content-Type, …) need nothing at parse time; testing the bit
 * lets them skip the dispatch.
 */
const EAGER_IDS =
  (1 << H.VIA) | (1 << H.FROM) | (1 << H.TO) | (1 << H.CALL_ID) | (1 << H.CSEQ) | (1 << H.MAX_FORWARDS) |
  (1 << H.ROUTE) | (1 << H.RECORD_ROUTE) | (1 << H.CONTENT_LENGTH) | (1 << H.SESSION_ID);

/**
 * 1 for the chars the Request-URI check below lets through (all but controls, SP, DEL, '<', '>' and DQUOTE): one
 * table load per char, and the tests that tell the errors apart only for the others.
 */
const URI_CHAR = new Uint8Array(256);
for (let c = 0x21; c < 256; c++) if (c !== 0x7f && c !== 0x3c && c !== 0x3e && c !== 0x22) URI_CHAR[c] = 1;

/** Shared scratch table (eager slots, then headers); copied out once per message at its final size. */
let scratch: number[] = new Array<number>(HBASE + 64 * HSTRIDE).fill(0);

function fail(code: 'SIP_BAD_START_LINE' | 'SIP_BAD_HEADER_LINE' | 'SIP_NO_HEADER_END', msg: string, at: number): never {
  throw new SipParseError(code, msg, at);
}

/**
 * Position of the LF ending the line that starts at `i`, or -1; throws when the line (counted from
 * `lineStart`, folds included) exceeds the limit. The text is already bounded by maxMessageBytes, so the
 * scan allocates nothing.
 */
function findLineEnd(t: string, i: number, lineStart: number, maxLine: number): number {
  return checkLineEnd(t, t.indexOf('\n', i), lineStart, maxLine);
}

/** `lf` (the position of an LF, or -1 when there is none), after the line-length check of findLineEnd. */
function checkLineEnd(t: string, lf: number, lineStart: number, maxLine: number): number {
  const limitAt = lineStart + maxLine + 2;
  if (lf > limitAt || (lf < 0 && t.length > limitAt)) {
    throw new SipParseError('SIP_LIMIT_LINE_LENGTH', `line longer than ${maxLine} bytes`, lineStart);
  }
  return lf;
}

/** RFC 3261 §7.1: SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT ("SIP" case-insensitive, as ABNF literals are). */
function isVersion(t: Uint8Array, s: number, e: number): boolean {
  if (e - s < 7) return false;
  if (((t[s] as number) | 0x20) !== 0x73 || ((t[s + 1] as number) | 0x20) !== 0x69) return false;
  if (((t[s + 2] as number) | 0x20) !== 0x70 || (t[s + 3] as number) !== 0x2f) return false;
  let i = s + 4;
  const d1 = i;
  while (i < e && (t[i] as number) >= 0x30 && (t[i] as number) <= 0x39) i++;
  if (i === d1 || (t[i] as number) !== 0x2e) return false;
  const d2 = ++i;
  while (i < e && (t[i] as number) >= 0x30 && (t[i] as number) <= 0x39) i++;
  return i > d2 && i === e;
}

function parseStatusLine(t: Uint8Array, s: number, e: number, out: number[]): void {
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2)
  let i = s;
  while (i < e && (t[i] as number) !== SP) i++;
  if (!isVersion(t, s, i)) fail('SIP_BAD_START_LINE', 'SIP-Version expected at the start of the status line', s);
  out[E_VER_S] = s;
  out[E_VER_E] = i;
  const cs = i + 1;
  let c = cs;
  while (c < e && (t[c] as number) !== SP) c++;
  const code = parseDecimal(t, cs, c, 999_999);
  if (code === -1 || c - cs !== 3) {
    if (code === -2 || (code >= 0 && c - cs > 3)) {
      throw new SipParseError('SIP_BAD_STATUS_CODE', 'Status-Code is not three digits (RFC 3261 §7.2)', cs);
    }
    if (code === -1) fail('SIP_BAD_START_LINE', 'Status-Code expected', cs);
    throw new SipParseError('SIP_BAD_STATUS_CODE', 'Status-Code is not three digits (RFC 3261 §7.2)', cs);
  }
  if (code < 100 || code > 699) throw new SipParseError('SIP_BAD_STATUS_CODE', `Status-Code ${code} is outside 100-699`, cs);
  out[E_STATUS] = code;
  // RFC 4475 §3.1.1.13: the Reason-Phrase may be empty; a missing SP before it is tolerated as well.
  out[E_REASON_S] = c < e ? c + 1 : e;
  out[E_REASON_E] = e;
  for (let k = c + 1; k < e; k++) {
    const b = (t[k] as number);
    if (b < 0x20 && b !== HT) fail('SIP_BAD_START_LINE', 'control character in Reason-Phrase', k);
  }
}

function parseRequestLine(t: Uint8Array, s: number, e: number, out: number[]): void {
  // Request-Line = Method SP Request-URI SP SIP-Version (§7.1): exactly single SPs, nothing trailing.
  let i = s;
  while (i < e && TOKEN[t[i] as number] === 1) i++;
  if (i === s) fail('SIP_BAD_START_LINE', 'method token expected at the start of the request line', s);
  if ((t[i] as number) !== SP) {
    if (i < e && (t[i] as number) !== HT) throw new SipParseError('SIP_BAD_METHOD', 'method is not a token', i);
    fail('SIP_BAD_START_LINE', 'single SP expected after the method', i);
  }
  out[E_METHOD_S] = s;
  out[E_METHOD_E] = i;
  const us = i + 1;
  let v: number;
  if (e - us > 8 && t[e - 8] === SP && t[e - 7] === 0x53 && t[e - 6] === 0x49 && t[e - 5] === 0x50 && t[e - 4] === 0x2f &&
      t[e - 3] === 0x32 && t[e - 2] === 0x2e && t[e - 1] === 0x30) {
    // The usual exact " SIP/2.0" at the end: where the scan and the check below would land.
    v = e - 7;
  } else {
    v = e;
    while (v > us && (t[v - 1] as number) !== SP) v--;
    if (v <= us || !isVersion(t, v, e)) {
      fail('SIP_BAD_START_LINE', 'request line does not end with " SIP/x.y" (RFC 3261 §7.1)', v > us ? v : e);
    }
  }
  const ue = v - 1;
  if (ue <= us) fail('SIP_BAD_START_LINE', 'Request-URI missing', us);
  // RFC 4475 §3.1.2.9/§3.1.2.10: extra SP around the elements is a start-line error; §3.1.2.8: LWS inside
  // the URI is a Request-URI error; §3.1.2.7: the URI must not be enclosed in <>.
  if ((t[us] as number) === SP || (t[ue - 1] as number) === SP) fail('SIP_BAD_START_LINE', 'more than one SP between request-line elements', us);
  for (let k = us; k < ue; k++) {
    const b = (t[k] as number);
    if (URI_CHAR[b] === 1) continue;
    if (b === SP || b === HT) {
      if ((t[k + 1] as number) === SP) fail('SIP_BAD_START_LINE', 'more than one SP between request-line elements', k);
      throw new SipParseError('SIP_BAD_REQUEST_URI', 'whitespace inside the Request-URI', k);
    }
    if (b < 0x21 || b === 0x7f || b === 0x3c || b === 0x3e || b === 0x22) {
      throw new SipParseError('SIP_BAD_REQUEST_URI', `character 0x${b.toString(16)} not allowed in the Request-URI`, k);
    }
  }
  // scheme ":" — RFC 3261 §25.1 absoluteURI / SIP-URI
  let k = us;
  const first = (t[k] as number);
  if (!((first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a)) throw new SipParseError('SIP_BAD_REQUEST_URI', 'Request-URI has no scheme', us);
  while (k < ue && (t[k] as number) !== COLON) k++;
  if (k === ue || k === ue - 1) throw new SipParseError('SIP_BAD_REQUEST_URI', 'Request-URI has no scheme or is empty after it', us);
  out[E_URI_S] = us;
  out[E_URI_E] = ue;
  out[E_VER_S] = v;
  out[E_VER_E] = e;
}

/** Parse one complete SIP message. Throws SipParseError (with a byte offset) on malformed input. */
export function parseMessage(input: Uint8Array, limits?: Partial<ParseLimits>): SipMessage {
  const lim = limits === undefined ? DEFAULT_LIMITS : resolveLimits(limits);
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const len = buf.length;
  if (len > lim.maxMessageBytes) {
    throw new SipParseError('SIP_LIMIT_MESSAGE_SIZE', `message of ${len} bytes exceeds the ${lim.maxMessageBytes}-byte limit`, lim.maxMessageBytes);
  }
  const t = buf.latin1Slice(0, len);
  const out = scratch;
  // Every eager slot is reset, one store each: -1 (absent) or 0 (a count or flag). Not reset are the six a message
  // that parses always sets (E_START, E_VER_S, E_VER_E, E_HDR_END, E_BODY_S, E_END). Stores at constant indexes
  // measured ~4 % less time per INVITE than a loop over all 47 slots (and Array#fill(v, start, end) ~70 ns).
  // A slot added to layout.ts must be added here; test/sip/parser.test.ts checks that no value leaks from one
  // message into the next.
  out[E_METHOD_S] = -1; out[E_METHOD_E] = -1; out[E_URI_S] = -1; out[E_URI_E] = -1; out[E_REASON_S] = -1;
  out[E_REASON_E] = -1; out[E_CALLID_S] = -1; out[E_CALLID_E] = -1; out[E_CSEQ_SEQ] = -1; out[E_CSEQ_M_S] = -1;
  out[E_CSEQ_M_E] = -1; out[E_MAXFWD] = -1; out[E_CLEN] = -1; out[E_FROM_IDX] = -1; out[E_FROMTAG_S] = -1;
  out[E_FROMTAG_E] = -1; out[E_TO_IDX] = -1; out[E_TOTAG_S] = -1; out[E_TOTAG_E] = -1; out[E_VIA_IDX] = -1;
  out[E_VIA_PARM_E] = -1; out[E_VIA_TRANSPORT_S] = -1; out[E_VIA_TRANSPORT_E] = -1; out[E_VIA_HOST_S] = -1;
  out[E_VIA_HOST_E] = -1; out[E_VIA_PORT] = -1; out[E_VIA_BRANCH_S] = -1; out[E_VIA_BRANCH_E] = -1;
  out[E_VIA_RECEIVED_S] = -1; out[E_VIA_RECEIVED_E] = -1; out[E_VIA_RPORT] = -1; out[E_SID_IDX] = -1;
  out[E_SID_LOCAL_S] = -1; out[E_SID_REMOTE_S] = -1;
  out[E_ROUTE_COUNT] = 0; out[E_RR_COUNT] = 0; out[E_VIA_COUNT] = 0; out[E_CLEN_CONFLICT] = 0; out[E_SID_STATE] = 0;
  out[E_SID_LOGME] = 0; out[E_STATUS] = 0;

  // RFC 3261 §7.5: implementations processing streams SHOULD ignore CRLFs before the start line; a datagram
  // gets the same tolerance.
  let pos = 0;
  while (pos < len && (t.charCodeAt(pos) === CR || t.charCodeAt(pos) === LF)) pos++;
  if (pos === len) throw new SipParseError('SIP_EMPTY', 'no start line', pos);
  out[E_START] = pos;

  const maxLine = lim.maxLineBytes;
  const slEnd = findLineEnd(t, pos, pos, maxLine);
  if (slEnd < 0) fail('SIP_NO_HEADER_END', 'start line is not terminated by CRLF', len);
  const slContentEnd = slEnd > pos && t.charCodeAt(slEnd - 1) === CR ? slEnd - 1 : slEnd;
  const isResponse =
    slContentEnd - pos > 4 && (t.charCodeAt(pos) | 0x20) === 0x73 && (t.charCodeAt(pos + 1) | 0x20) === 0x69 &&
    (t.charCodeAt(pos + 2) | 0x20) === 0x70 && t.charCodeAt(pos + 3) === 0x2f;
  if (isResponse) parseStatusLine(buf, pos, slContentEnd, out);
  else parseRequestLine(buf, pos, slContentEnd, out);

  // Header lines.
  const maxHeaders = lim.maxHeaders;
  let n = 0;
  let i = slEnd + 1;
  let sawEnd = false;
  while (i < len) {
    const b0 = buf[i];
    if (b0 === LF || (b0 === CR && t.charCodeAt(i + 1) === LF)) {
      out[E_HDR_END] = i;
      i += b0 === LF ? 1 : 2;
      sawEnd = true;
      break;
    }
    if (b0 === SP || b0 === HT) fail('SIP_BAD_HEADER_LINE', 'header line starts with whitespace but follows no header', i);
    // field-name: a token, recognised while it is scanned (header-names.ts: one pass identifies the known
    // names, long or compact, any case, §7.3.1/§7.3.3; the scan itself stops at the first non-token char).
    const ns = i;
    // The line's first LF, searched before the name: the value scan below reuses it, and an LF ahead lets the
    // name scan run without a bounds test per byte (LF is no token char, so the scan stops at it at the latest).
    const lf0 = t.indexOf('\n', i);
    let st = NAME_ROOT;
    if (lf0 >= 0) {
      for (;;) {
        const nx = NAME_NEXT[st | (NAME_CLASS[buf[i] as number] as number)] as number;
        if (nx === 0) break;
        st = nx;
        i++;
      }
    } else {
      while (i < len) {
        const nx = NAME_NEXT[st | (NAME_CLASS[buf[i] as number] as number)] as number;
        if (nx === 0) break;
        st = nx;
        i++;
      }
    }
    const ne = i;
    if (ne === ns) fail('SIP_BAD_HEADER_LINE', 'header name expected', ns);
    // The usual `: ` followed by the value on the same line (all before lf0, so within the buffer) skips the
    // general LWS handling below, which gives the same value start.
    let c: number;
    if (lf0 > i + 1 && buf[i] === COLON && buf[i + 1] === SP && (buf[i + 2] as number) > SP) i += 2;
    else {
      c = i < len ? (buf[i] as number) : -1;
      while (c === SP || c === HT) c = ++i < len ? (buf[i] as number) : -1;
      if (c !== COLON) fail('SIP_BAD_HEADER_LINE', "':' expected after the header name", i);
      i++;
    }
    // Leading LWS of the value, folds included (RFC 3261 §7.3.1: a value may start on a continuation line).
    for (;;) {
      c = i < len ? (buf[i] as number) : -1;
      while (c === SP || c === HT) c = ++i < len ? (buf[i] as number) : -1;
      if (c !== CR && c !== LF) break;
      const k = c === CR ? i + 1 : i;
      const n1 = t.charCodeAt(k + 1);
      if (t.charCodeAt(k) === LF && (n1 === SP || n1 === HT)) i = k + 1;
      else break;
    }
    const vs = i;
    // The value runs to the LF that is not followed by SP/HT (a fold continues it, §7.3.1).
    let lf = lf0;
    for (;;) {
      // lf0 is this line's LF unless a fold before the value moved past it.
      lf = lf >= i ? checkLineEnd(t, lf, ns, maxLine) : findLineEnd(t, i, ns, maxLine);
      if (lf < 0) fail('SIP_NO_HEADER_END', 'header section is not terminated by an empty line', len);
      const next = t.charCodeAt(lf + 1);
      if (next === SP || next === HT) {
        i = lf + 1;
        continue;
      }
      break;
    }
    // Trailing LWS and the CR (a value char before the CR, the usual case, ends the value at once).
    let ve = lf;
    if (lf - 1 > vs && buf[lf - 1] === CR && (buf[lf - 2] as number) > SP) ve = lf - 1;
    else while (ve > vs) {
      const b = buf[ve - 1];
      if (b !== CR && b !== LF && b !== SP && b !== HT) break;
      ve--;
    }
    if (n >= maxHeaders) throw new SipParseError('SIP_LIMIT_HEADER_COUNT', `more than ${maxHeaders} header lines`, ns);
    const base = HBASE + n * HSTRIDE;
    if (base + HSTRIDE > scratch.length) grow();
    const id = NAME_ID[st >> NAME_CLASS_BITS] as number;
    const tab = scratch;
    tab[base] = id;
    tab[base + 1] = vs;
    tab[base + 2] = ve;
    tab[base + 3] = lf + 1;
    i = lf + 1;
    // The eager fields (what a proxy reads on every message; scanners in eager.ts), dispatched here rather than
    // from a function of their own: that call on each such line measured ~3 % of the INVITE parse.
    if (id < 32 && ((EAGER_IDS >>> id) & 1) !== 0) {
      switch (id) {
        case H.VIA:
          if (tab[E_VIA_IDX] === -1) {
            tab[E_VIA_IDX] = n;
            scanTopVia(buf, t, vs, ve, tab);
          }
          tab[E_VIA_COUNT] = (tab[E_VIA_COUNT] as number) + 1;
          break;
        case H.FROM:
          if (tab[E_FROM_IDX] === -1) {
            tab[E_FROM_IDX] = n;
            scanTag(buf, t, vs, ve, tab, E_FROMTAG_S, 'From');
          }
          break;
        case H.TO:
          if (tab[E_TO_IDX] === -1) {
            tab[E_TO_IDX] = n;
            scanTag(buf, t, vs, ve, tab, E_TOTAG_S, 'To');
          }
          break;
        case H.CALL_ID:
          if (tab[E_CALLID_S] === -1) {
            if (ve === vs) throw new SipParseError('SIP_BAD_HEADER_VALUE', 'Call-ID: empty', vs);
            tab[E_CALLID_S] = vs;
            tab[E_CALLID_E] = ve;
          }
          break;
        case H.CSEQ:
          if (tab[E_CSEQ_SEQ] === -1) scanCSeq(buf, vs, ve, tab);
          break;
        case H.MAX_FORWARDS: {
          // RFC 3261 §20.22: 1*DIGIT, 0-255 in practice ("the range 0-255"); larger is a scalar overflow.
          const v = parseDecimal(buf, vs, ve, 255);
          if (v === -1) throw new SipParseError('SIP_BAD_HEADER_VALUE', 'Max-Forwards: not a decimal number', vs);
          if (v === -2) throw new SipParseError('SIP_SCALAR_RANGE', 'Max-Forwards: above 255', vs);
          if (tab[E_MAXFWD] === -1) tab[E_MAXFWD] = v;
          break;
        }
        case H.CONTENT_LENGTH: {
          const v = parseDecimal(buf, vs, ve, 0xffffffff);
          if (v === -1) throw new SipParseError('SIP_BAD_CONTENT_LENGTH', 'Content-Length: not a non-negative decimal number', vs);
          if (v === -2) throw new SipParseError('SIP_SCALAR_RANGE', 'Content-Length: above 2^32-1', vs);
          const prev = tab[E_CLEN];
          if (prev === -1) tab[E_CLEN] = v;
          else if (prev !== v) tab[E_CLEN_CONFLICT] = 1; // RFC 4475 §3.3.9: judged by the validator
          break;
        }
        case H.ROUTE:
          tab[E_ROUTE_COUNT] = (tab[E_ROUTE_COUNT] as number) + 1;
          break;
        case H.RECORD_ROUTE:
          tab[E_RR_COUNT] = (tab[E_RR_COUNT] as number) + 1;
          break;
        case H.SESSION_ID:
          if (tab[E_SID_IDX] === -1) {
            tab[E_SID_IDX] = n;
            scanSessionId(buf, vs, ve, tab);
          }
          break;
        default:
          break;
      }
    }
    n++;
  }
  if (!sawEnd) fail('SIP_NO_HEADER_END', 'header section is not terminated by an empty line', len);

  // Body (RFC 3261 §18.3, §20.14): Content-Length bytes; on a datagram extra octets after them are ignored
  // (RFC 4475 §3.1.1.8) and a missing Content-Length means "the rest of the datagram".
  const tab = scratch;
  const bodyStart = i;
  const cl = tab[E_CLEN] as number;
  let end = len;
  if (cl >= 0) {
    if (cl > len - bodyStart) {
      throw new SipParseError('SIP_BODY_TRUNCATED', `Content-Length ${cl} exceeds the ${len - bodyStart} body octets present`, bodyStart);
    }
    end = bodyStart + cl;
  }
  tab[E_BODY_S] = bodyStart;
  tab[E_END] = end;
  return new SipMessage(buf, t, !isResponse, tab.slice(0, HBASE + n * HSTRIDE), n);
}

function grow(): void {
  // Plain arrays of small integers: V8 keeps them as packed SMI arrays, which copy out far faster than
  // typed arrays (whose backing stores are allocated off-heap above 64 bytes).
  scratch = scratch.concat(new Array<number>(scratch.length).fill(0));
}
