/**
 * Byte-level parsers for the header fields a proxy reads on every message (sipgo's "eager" set): CSeq,
 * the top Via, the From/To tags, Session-ID. They work on the value span inside the received buffer, treat
 * the CR/LF of a fold as LWS (RFC 3261 §7.3.1), record offsets in the eager table and create no strings.
 * Everything else is parsed lazily by src/sip/grammar/ on first access.
 */
import { SipParseError } from '../errors.js';
import {
  BACKSLASH,
  COLON,
  COMMA,
  DQUOTE,
  EQUAL,
  HEX,
  LAQUOT,
  RAQUOT,
  SEMI,
  SLASH,
  TOKEN,
  equalsLower,
  parseDecimal,
  scanToken,
  skipLws,
} from './bytes.js';
import { E } from './layout.js';

function bad(header: string, why: string, at: number): never {
  throw new SipParseError('SIP_BAD_HEADER_VALUE', `${header}: ${why}`, at);
}

/** RFC 3261 §20.16: CSeq = 1*DIGIT LWS Method; the number "MUST be less than 2**31" (§8.1.1.5). */
export function scanCSeq(buf: Uint8Array, s: number, e: number, out: Int32Array): void {
  let i = s;
  while (i < e && (buf[i] as number) >= 0x30 && (buf[i] as number) <= 0x39) i++;
  const seq = parseDecimal(buf, s, i, 0x7fffffff);
  if (seq === -1) bad('CSeq', 'sequence number expected', s);
  if (seq === -2) throw new SipParseError('SIP_SCALAR_RANGE', 'CSeq: sequence number is not below 2^31 (RFC 3261 §8.1.1.5)', s);
  const j = skipLws(buf, i, e);
  if (j === i) bad('CSeq', 'LWS expected between number and method', i);
  const m = scanToken(buf, j, e);
  if (m === j || m !== e) bad('CSeq', 'method token expected after the number', m);
  out[E.CSEQ_SEQ] = seq;
  out[E.CSEQ_M_S] = j;
  out[E.CSEQ_M_E] = m;
}

/** Index just past a quoted-string starting at the DQUOTE at `i` (RFC 3261 §25.1 quoted-pair aware). */
export function skipQuoted(buf: Uint8Array, i: number, e: number, header: string): number {
  i++;
  while (i < e) {
    const b = buf[i] as number;
    if (b === DQUOTE) return i + 1;
    if (b === BACKSLASH) i++;
    i++;
  }
  throw new SipParseError('SIP_UNTERMINATED_QUOTE', `${header}: quoted string is not closed`, e);
}

/** Index just past a generic-param value: quoted-string, or token / host characters (incl. IPv6 and ':'). */
function skipParamValue(buf: Uint8Array, i: number, e: number, header: string): number {
  if (i < e && buf[i] === DQUOTE) return skipQuoted(buf, i, e, header);
  while (i < e) {
    const b = buf[i] as number;
    if (TOKEN[b] !== 1 && b !== COLON && b !== 0x5b && b !== 0x5d) break;
    i++;
  }
  return i;
}

/**
 * Scans `*( SEMI generic-param )` from `i`, calling `onParam(nameS, nameE, valS, valE)` (valS = -1 when
 * valueless). Stops at `e` or at a COMMA outside a quoted string; returns the stop index.
 */
function scanParams(
  buf: Uint8Array,
  i: number,
  e: number,
  header: string,
  onParam: (ns: number, ne: number, vs: number, ve: number) => void,
): number {
  for (;;) {
    i = skipLws(buf, i, e);
    if (i >= e || buf[i] === COMMA) return i;
    if (buf[i] !== SEMI) bad(header, "';' expected before a parameter", i);
    i = skipLws(buf, i + 1, e);
    const ns = i;
    i = scanToken(buf, i, e);
    if (i === ns) bad(header, 'parameter name expected', i);
    const ne = i;
    i = skipLws(buf, i, e);
    if (i < e && buf[i] === EQUAL) {
      i = skipLws(buf, i + 1, e);
      const vs = i;
      i = skipParamValue(buf, i, e, header);
      if (i === vs) bad(header, 'parameter value expected after =', i);
      onParam(ns, ne, vs, i);
    } else {
      onParam(ns, ne, -1, -1);
    }
  }
}

/**
 * From/To (RFC 3261 §20.20, §20.39): find the `tag` header parameter. In the name-addr form the params
 * follow `>`; in the addr-spec form (no `<>`) every `;` starts a header parameter (§20.10).
 */
export function scanTag(buf: Uint8Array, s: number, e: number, out: Int32Array, slotS: number, header: string): void {
  let i = s;
  let paramsAt = -1;
  while (i < e) {
    const b = buf[i] as number;
    if (b === DQUOTE) {
      i = skipQuoted(buf, i, e, header);
      continue;
    }
    if (b === LAQUOT) {
      const close = buf.indexOf(RAQUOT, i + 1);
      if (close < 0 || close >= e) bad(header, "'<' without '>'", i);
      paramsAt = close + 1;
      break;
    }
    if (b === SEMI) {
      paramsAt = i;
      break;
    }
    i++;
  }
  out[slotS] = -1;
  out[slotS + 1] = -1;
  if (paramsAt < 0) return;
  const end = scanParams(buf, paramsAt, e, header, (ns, ne, vs, ve) => {
    if (vs >= 0 && out[slotS] === -1 && equalsLower(buf, ns, ne, 'tag')) {
      out[slotS] = vs;
      out[slotS + 1] = ve;
    }
  });
  if (end !== e) bad(header, 'unexpected character after the parameters', end);
}

/**
 * The first via-parm of the top Via (RFC 3261 §20.42): sent-protocol, sent-by and the params a proxy
 * needs (branch, received, rport). LWS is allowed around '/' and ':' (RFC 4475 §3.1.1.1).
 */
export function scanTopVia(buf: Uint8Array, s: number, e: number, out: Int32Array): void {
  let i = skipLws(buf, s, e);
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport
  for (let part = 0; part < 3; part++) {
    const ts = i;
    i = scanToken(buf, i, e);
    if (i === ts) bad('Via', 'sent-protocol expected (e.g. SIP/2.0/UDP)', i);
    if (part === 2) {
      out[E.VIA_TRANSPORT_S] = ts;
      out[E.VIA_TRANSPORT_E] = i;
      break;
    }
    i = skipLws(buf, i, e);
    if (buf[i] !== SLASH) bad('Via', "'/' expected in sent-protocol", i);
    i = skipLws(buf, i + 1, e);
  }
  const afterProto = i;
  i = skipLws(buf, i, e);
  if (i === afterProto) bad('Via', 'LWS expected before sent-by', i);
  // sent-by = host [ COLON port ]; host = hostname / IPv4address / IPv6reference
  const hs = i;
  if (buf[i] === 0x5b) {
    const close = buf.indexOf(0x5d, i);
    if (close < 0 || close >= e) bad('Via', "IPv6 reference without ']'", i);
    i = close + 1;
  } else {
    while (i < e) {
      const b = buf[i] as number;
      if (!((b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f)) break;
      i++;
    }
  }
  if (i === hs) bad('Via', 'sent-by host expected', i);
  out[E.VIA_HOST_S] = hs;
  out[E.VIA_HOST_E] = i;
  out[E.VIA_PORT] = -1;
  let j = skipLws(buf, i, e);
  if (j < e && buf[j] === COLON) {
    j = skipLws(buf, j + 1, e);
    let k = j;
    while (k < e && (buf[k] as number) >= 0x30 && (buf[k] as number) <= 0x39) k++;
    const port = parseDecimal(buf, j, k, 65535);
    if (port === -1) bad('Via', 'port expected after ":"', j);
    if (port === -2) throw new SipParseError('SIP_SCALAR_RANGE', 'Via: port above 65535', j);
    out[E.VIA_PORT] = port;
    i = k;
  }
  out[E.VIA_BRANCH_S] = -1;
  out[E.VIA_RECEIVED_S] = -1;
  out[E.VIA_RPORT] = -1;
  const end = scanParams(buf, i, e, 'Via', (ns, ne, vs, ve) => {
    const len = ne - ns;
    if (len === 6 && vs >= 0 && out[E.VIA_BRANCH_S] === -1 && equalsLower(buf, ns, ne, 'branch')) {
      out[E.VIA_BRANCH_S] = vs;
      out[E.VIA_BRANCH_E] = ve;
    } else if (len === 8 && vs >= 0 && equalsLower(buf, ns, ne, 'received')) {
      out[E.VIA_RECEIVED_S] = vs;
      out[E.VIA_RECEIVED_E] = ve;
    } else if (len === 5 && equalsLower(buf, ns, ne, 'rport')) {
      if (vs < 0) out[E.VIA_RPORT] = 0;
      else {
        const p = parseDecimal(buf, vs, ve, 65535);
        if (p < 0) bad('Via', 'rport value is not a port number (RFC 3581)', vs);
        out[E.VIA_RPORT] = p;
      }
    }
  });
  out[E.VIA_PARM_E] = end;
}

/**
 * Session-ID (RFC 7989 §4): `sess-id *( SEMI generic-param )` with `remote` and, for RFC 8497 §6, the
 * valueless `logme` parameter (name case-insensitive). A malformed Session-ID does not make the message
 * unparseable: RFC 7989 §7 has intermediaries treat it as absent, so state 2 is recorded instead of throwing.
 */
export function scanSessionId(buf: Uint8Array, s: number, e: number, out: Int32Array): void {
  out[E.SID_STATE] = 2;
  out[E.SID_REMOTE_S] = -1;
  out[E.SID_LOGME] = 0;
  const i = skipLws(buf, s, e);
  let k = i;
  while (k < e && HEX[buf[k] as number] === 1) k++;
  if (k - i !== 32) return;
  let remote = -1;
  let logme = 0;
  let ok = true;
  try {
    const end = scanParams(buf, k, e, 'Session-ID', (ns, ne, vs, ve) => {
      if (ne - ns === 6 && equalsLower(buf, ns, ne, 'remote')) {
        if (vs < 0 || ve - vs !== 32) ok = false;
        else {
          for (let x = vs; x < ve; x++) if (HEX[buf[x] as number] !== 1) ok = false;
          remote = vs;
        }
      } else if (ne - ns === 5 && vs < 0 && equalsLower(buf, ns, ne, 'logme')) {
        // RFC 8497 §6: logme-param = "logme", valueless; "logme=x" is some other, unknown parameter.
        logme = 1;
      }
    });
    if (end !== e) ok = false;
  } catch {
    ok = false;
  }
  if (!ok) return;
  out[E.SID_STATE] = 1;
  out[E.SID_LOCAL_S] = i;
  out[E.SID_REMOTE_S] = remote;
  out[E.SID_LOGME] = logme;
}
