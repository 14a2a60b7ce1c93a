/**
 * Scanners for the header fields a proxy reads on every message (sipgo's "eager" set): CSeq, the top Via,
 * the From/To tags, Session-ID. They classify the bytes of the value span in the message Buffer `s` (and
 * search the latin1 text `t` with indexOf; see bytes.ts for why both), treat the CR/LF of a fold as LWS
 * (RFC 3261 §7.3.1), record offsets in the eager table and create no strings or closures. Every read stays
 * below the value end, which is below the buffer end (a line's LF follows it). Everything else is parsed lazily by src/sip/grammar/ on first access.
 */
import { SipParseError } from '../errors.js';
import * as bytes from './bytes.js';
import * as layout from './layout.js';

// Module-local bindings of the imports, so that TurboFan folds them into the scanners' code (bytes.ts says why).
const { BACKSLASH, COLON, SP, COMMA, DQUOTE, EQUAL, HEX, LAQUOT, SEMI, SLASH, TOKEN, equalsLower, parseDecimal, scanToken, skipLws } = bytes;
const { E_CSEQ_M_E, E_CSEQ_M_S, E_CSEQ_SEQ, E_SID_LOCAL_S, E_SID_LOGME, E_SID_REMOTE_S, E_SID_STATE, E_VIA_BRANCH_E, E_VIA_BRANCH_S, E_VIA_HOST_E, E_VIA_HOST_S, E_VIA_PARM_E, E_VIA_PORT, E_VIA_RECEIVED_E, E_VIA_RECEIVED_S, E_VIA_RPORT, E_VIA_TRANSPORT_E, E_VIA_TRANSPORT_S } = layout;

// `(s[i]! > SP ? i : skipLws(s, i, e))`: LWS is rare inside these values, so the byte is tested here and
// skipLws is called only for a char ≤ SP (all LWS chars are). Reading s[e] is safe: e is at most the value end,
// which lies below the line's LF. The guard saved ~0.13 µs per INVITE (nextParam alone skips LWS 4 times).

/** 1 for the chars of a generic-param value that is not quoted: token, and ':' '[' ']' for hosts (IPv6). */
const PARAM_VALUE = new Uint8Array(256);
for (let c = 0; c < 256; c++) if (TOKEN[c] === 1 || c === COLON || c === 0x5b || c === 0x5d) PARAM_VALUE[c] = 1;
/** 1 for the chars of a hostname or IPv4address (RFC 3261 §25.1): alphanum, '-', '.', and '_' (tolerated). */
const HOST_CHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const l = c | 0x20;
  if ((c >= 0x30 && c <= 0x39) || (l >= 0x61 && l <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f) HOST_CHAR[c] = 1;
}

function bad(header: string, why: string, at: number): never {
  throw new SipParseError('SIP_BAD_HEADER_VALUE', `${header}: ${why}`, at);
}

/**
 * The digit run from `i` in one pass (scanDigits then parseDecimal read it twice): returns its end and leaves in
 * NUM[0] what parseDecimal gives for it, the value, -1 when empty or -2 above `max`.
 */
const NUM = new Int32Array(1);
function scanNumber(s: Uint8Array, i: number, e: number, max: number): number {
  const start = i;
  let v = 0;
  while (i < e) {
    const d = (s[i] as number) - 0x30;
    if (d < 0 || d > 9) break;
    if (v <= max) v = v * 10 + d; // once above max it stays there: at most max * 10 + 9, exact in a double
    i++;
  }
  NUM[0] = i === start ? -1 : v > max ? -2 : v;
  return i;
}

/** RFC 3261 §20.16: CSeq = 1*DIGIT LWS Method; the number "MUST be less than 2**31" (§8.1.1.5). */
export function scanCSeq(s: Uint8Array, vs: number, ve: number, out: number[]): void {
  const i = scanNumber(s, vs, ve, 0x7fffffff);
  const seq = NUM[0] as number;
  if (seq === -1) bad('CSeq', 'sequence number expected', vs);
  if (seq === -2) throw new SipParseError('SIP_SCALAR_RANGE', 'CSeq: sequence number is not below 2^31 (RFC 3261 §8.1.1.5)', vs);
  const j = (s[i]! > SP ? i : skipLws(s, i, ve));
  if (j === i) bad('CSeq', 'LWS expected between number and method', i);
  const m = scanToken(s, j, ve);
  if (m === j || m !== ve) bad('CSeq', 'method token expected after the number', m);
  out[E_CSEQ_SEQ] = seq;
  out[E_CSEQ_M_S] = j;
  out[E_CSEQ_M_E] = m;
}

/** Index just past a quoted-string starting at the DQUOTE at `i` (RFC 3261 §25.1 quoted-pair aware). */
export function skipQuoted(s: Uint8Array, i: number, e: number, header: string): number {
  i++;
  while (i < e) {
    const b = s[i] as number;
    if (b === DQUOTE) return i + 1;
    if (b === BACKSLASH) i++;
    i++;
  }
  throw new SipParseError('SIP_UNTERMINATED_QUOTE', `${header}: quoted string is not closed`, e);
}

/** Index just past a generic-param value: quoted-string, or token / host characters (incl. IPv6 and ':'). */
function skipParamValue(s: Uint8Array, i: number, e: number, header: string): number {
  if (s[i] === DQUOTE) return skipQuoted(s, i, e, header);
  // One table load per char rather than four tests.
  while (i < e && PARAM_VALUE[s[i] as number] === 1) i++;
  return i;
}

/**
 * One step of `*( SEMI generic-param )`: from `i`, skips LWS; at the end or a COMMA returns -1 (the caller
 * reads `at` from P[0]); otherwise parses `; name [= value]` into P = [next, nameS, nameE, valS, valE]
 * (valS = -1 when valueless) and returns the index after it.
 */
const P = new Int32Array(5);
function nextParam(s: Uint8Array, i: number, e: number, header: string): number {
  i = (s[i]! > SP ? i : skipLws(s, i, e));
  if (i >= e || s[i] === COMMA) {
    P[0] = i;
    return -1;
  }
  if (s[i] !== SEMI) bad(header, "';' expected before a parameter", i);
  i = (s[i + 1]! > SP ? i + 1 : skipLws(s, i + 1, e));
  const ns = i;
  i = scanToken(s, i, e);
  if (i === ns) bad(header, 'parameter name expected', i);
  P[1] = ns;
  P[2] = i;
  i = (s[i]! > SP ? i : skipLws(s, i, e));
  if (s[i] === EQUAL) {
    i = (s[i + 1]! > SP ? i + 1 : skipLws(s, i + 1, e));
    const vs = i;
    i = skipParamValue(s, i, e, header);
    if (i === vs) bad(header, 'parameter value expected after =', i);
    P[3] = vs;
    P[4] = i;
  } else {
    P[3] = -1;
    P[4] = -1;
  }
  return i;
}

/**
 * equalsLower(s, ns, ns + 6, 'branch') spelled out: the Via scan meets this name in nearly every message, and the
 * generic loop reads the literal's chars at run time.
 */
function isBranch(s: Uint8Array, ns: number): boolean {
  return ((s[ns] as number) | 0x20) === 0x62 && ((s[ns + 1] as number) | 0x20) === 0x72 && ((s[ns + 2] as number) | 0x20) === 0x61 &&
    ((s[ns + 3] as number) | 0x20) === 0x6e && ((s[ns + 4] as number) | 0x20) === 0x63 && ((s[ns + 5] as number) | 0x20) === 0x68;
}

/** equalsLower(s, ns, ns + 3, 'tag'), spelled out as isBranch is. */
function isTag(s: Uint8Array, ns: number): boolean {
  return ((s[ns] as number) | 0x20) === 0x74 && ((s[ns + 1] as number) | 0x20) === 0x61 && ((s[ns + 2] as number) | 0x20) === 0x67;
}

/** 1 for the chars scanTag stops at: DQUOTE, '<' and ';' (one table load for every other char). */
const TAG_STOP = new Uint8Array(256);
TAG_STOP[DQUOTE] = 1;
TAG_STOP[LAQUOT] = 1;
TAG_STOP[SEMI] = 1;

/**
 * From/To (RFC 3261 §20.20, §20.39): find the `tag` header parameter. In the name-addr form the params
 * follow `>`; in the addr-spec form (no `<>`) every `;` starts a header parameter (§20.10).
 */
export function scanTag(s: Uint8Array, t: string, vs: number, ve: number, out: number[], slotS: number, header: string): void {
  let i = vs;
  let at = -1;
  while (i < ve) {
    const b = s[i] as number;
    if (TAG_STOP[b] === 0) {
      i++;
      continue;
    }
    if (b === DQUOTE) {
      i = skipQuoted(s, i, ve, header);
      continue;
    }
    if (b === LAQUOT) {
      const close = t.indexOf('>', i + 1);
      if (close < 0 || close >= ve) bad(header, "'<' without '>'", i);
      at = close + 1;
      break;
    }
    if (b === SEMI) {
      at = i;
      break;
    }
  }
  out[slotS] = -1;
  out[slotS + 1] = -1;
  if (at < 0) return;
  while ((at = nextParam(s, at, ve, header)) >= 0) {
    if (P[3] !== -1 && out[slotS] === -1 && (P[2] as number) - (P[1] as number) === 3 && isTag(s, P[1] as number)) {
      out[slotS] = P[3] as number;
      out[slotS + 1] = P[4] as number;
    }
  }
  if (P[0] !== ve) bad(header, 'unexpected character after the parameters', P[0] as number);
}

/**
 * The first via-parm of the top Via (RFC 3261 §20.42): sent-protocol, sent-by and the params a proxy
 * needs (branch, received, rport). LWS is allowed around '/' and ':' (RFC 4475 §3.1.1.1).
 */
export function scanTopVia(s: Uint8Array, t: string, vs: number, ve: number, out: number[]): void {
  let i = (s[vs]! > SP ? vs : skipLws(s, vs, ve));
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport
  // Fast path: the usual exact `SIP/2.0/` skips to the transport in the state the loop would reach; any other
  // spelling (case, LWS around '/', another version) takes the loop.
  let part = 0;
  if (ve - i > 8 && s[i] === 0x53 && s[i + 1] === 0x49 && s[i + 2] === 0x50 && s[i + 3] === SLASH &&
      s[i + 4] === 0x32 && s[i + 5] === 0x2e && s[i + 6] === 0x30 && s[i + 7] === SLASH) {
    i += 8;
    part = 2;
  }
  for (; ; part++) {
    const ts = i;
    i = scanToken(s, i, ve);
    if (i === ts) bad('Via', 'sent-protocol expected (e.g. SIP/2.0/UDP)', i);
    if (part === 2) {
      out[E_VIA_TRANSPORT_S] = ts;
      out[E_VIA_TRANSPORT_E] = i;
      break;
    }
    i = (s[i]! > SP ? i : skipLws(s, i, ve));
    if (s[i] !== SLASH) bad('Via', "'/' expected in sent-protocol", i);
    i = (s[i + 1]! > SP ? i + 1 : skipLws(s, i + 1, ve));
  }
  const afterProto = i;
  i = (s[i]! > SP ? i : skipLws(s, i, ve));
  if (i === afterProto) bad('Via', 'LWS expected before sent-by', i);
  // sent-by = host [ COLON port ]; host = hostname / IPv4address / IPv6reference
  const hs = i;
  if (s[i] === 0x5b) {
    const close = t.indexOf(']', i);
    if (close < 0 || close >= ve) bad('Via', "IPv6 reference without ']'", i);
    i = close + 1;
  } else {
    while (i < ve && HOST_CHAR[s[i] as number] === 1) i++;
  }
  if (i === hs) bad('Via', 'sent-by host expected', i);
  out[E_VIA_HOST_S] = hs;
  out[E_VIA_HOST_E] = i;
  out[E_VIA_PORT] = -1;
  const j = (s[i]! > SP ? i : skipLws(s, i, ve));
  if (s[j] === COLON) {
    const ps = (s[j + 1]! > SP ? j + 1 : skipLws(s, j + 1, ve));
    const pe = scanNumber(s, ps, ve, 65535);
    const port = NUM[0] as number;
    if (port === -1) bad('Via', 'port expected after ":"', ps);
    if (port === -2) throw new SipParseError('SIP_SCALAR_RANGE', 'Via: port above 65535', ps);
    out[E_VIA_PORT] = port;
    i = pe;
  }
  out[E_VIA_BRANCH_S] = -1;
  out[E_VIA_RECEIVED_S] = -1;
  out[E_VIA_RPORT] = -1;
  while ((i = nextParam(s, i, ve, 'Via')) >= 0) {
    const ns = P[1] as number;
    const ne = P[2] as number;
    const pvs = P[3] as number;
    const len = ne - ns;
    if (len === 6 && pvs !== -1 && out[E_VIA_BRANCH_S] === -1 && isBranch(s, ns)) {
      out[E_VIA_BRANCH_S] = pvs;
      out[E_VIA_BRANCH_E] = P[4] as number;
    } else if (len === 8 && pvs !== -1 && equalsLower(s, ns, ne, 'received')) {
      out[E_VIA_RECEIVED_S] = pvs;
      out[E_VIA_RECEIVED_E] = P[4] as number;
    } else if (len === 5 && equalsLower(s, ns, ne, 'rport')) {
      if (pvs === -1) out[E_VIA_RPORT] = 0;
      else {
        const p = parseDecimal(s, pvs, P[4] as number, 65535);
        if (p < 0) bad('Via', 'rport value is not a port number (RFC 3581)', pvs);
        out[E_VIA_RPORT] = p;
      }
    }
  }
  out[E_VIA_PARM_E] = P[0] as number;
}

/**
 * Whether s[at, at + 32) are all hex digits (the caller checks that they lie within the value). The table values
 * are and-ed four at a time with no branch per char: a Session-ID carries two such ids, and the run-length loop
 * (a test and a branch per char) measured ~30 ns more per INVITE, scanSessionId timed alone.
 */
function hex32(s: Uint8Array, at: number): boolean {
  let all = 1;
  for (let x = at; x < at + 32; x += 4) {
    all &= (HEX[s[x] as number] as number) & (HEX[s[x + 1] as number] as number) & (HEX[s[x + 2] as number] as number) &
      (HEX[s[x + 3] as number] as number);
  }
  return all === 1;
}

/**
 * Session-ID (RFC 7989 §4): `sess-id *( SEMI generic-param )` with `remote` and, for RFC 8497 §6, the
 * valueless `logme` parameter (name case-insensitive). A malformed Session-ID does not make the message
 * unparseable: RFC 7989 §7 has intermediaries treat it as absent, so state 2 is recorded instead of throwing.
 */
export function scanSessionId(s: Uint8Array, vs: number, ve: number, out: number[]): void {
  out[E_SID_STATE] = 2;
  out[E_SID_REMOTE_S] = -1;
  out[E_SID_LOGME] = 0;
  const i = (s[vs]! > SP ? vs : skipLws(s, vs, ve));
  // sess-id: a run of exactly 32 hex chars.
  if (ve - i < 32 || !hex32(s, i) || (i + 32 < ve && HEX[s[i + 32] as number] === 1)) return;
  let k = i + 32;
  // Fast path for the usual value end `;remote=<32 HEXDIG>` (lowercase name, no LWS): the same result as the
  // general loop below without its per-parameter calls and second pass over the hex (saved ~0.15 µs per INVITE).
  if (ve - k === 40 && s[k] === SEMI && s[k + 1] === 0x72 && s[k + 2] === 0x65 && s[k + 3] === 0x6d &&
      s[k + 4] === 0x6f && s[k + 5] === 0x74 && s[k + 6] === 0x65 && s[k + 7] === EQUAL) {
    if (hex32(s, k + 8)) {
      out[E_SID_STATE] = 1;
      out[E_SID_LOCAL_S] = i;
      out[E_SID_REMOTE_S] = k + 8;
      return;
    }
  }
  let remote = -1;
  let logme = 0;
  try {
    while ((k = nextParam(s, k, ve, 'Session-ID')) >= 0) {
      const ns = P[1] as number;
      const ne = P[2] as number;
      const pvs = P[3] as number;
      if (ne - ns === 6 && equalsLower(s, ns, ne, 'remote')) {
        // A second `remote` makes the value malformed, as the full grammar (grammar/session-id.ts) says.
        if (remote >= 0 || pvs === -1 || (P[4] as number) - pvs !== 32) return;
        for (let x = pvs; x < pvs + 32; x++) if (HEX[s[x] as number] !== 1) return;
        remote = pvs;
      } else if (ne - ns === 5 && pvs === -1 && equalsLower(s, ns, ne, 'logme')) {
        // RFC 8497 §6: logme-param = "logme", valueless; "logme=x" is some other, unknown parameter.
        logme = 1;
      }
    }
  } catch {
    return;
  }
  if (P[0] !== ve) return;
  out[E_SID_STATE] = 1;
  out[E_SID_LOCAL_S] = i;
  out[E_SID_REMOTE_S] = remote;
  out[E_SID_LOGME] = logme;
}
