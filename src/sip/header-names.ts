/**
 * Header-name interning: maps the bytes of a received header name (long or compact form, any case) to a
 * small integer id without creating a string — the parser's hot path.
 *
 * RFC 3261 §7.3.1: field names are case-insensitive; §7.3.3: "Implementations MUST accept both the long and
 * short forms of each header name." The compact forms beyond RFC 3261 §20 come from the extensions that
 * define them (RFC 3515 `r` Refer-To, RFC 3892 `b` Referred-By, RFC 4028 `x` Session-Expires, RFC 6665 `o`
 * Event and `u` Allow-Events, RFC 3841 `a`/`j`/`d`, RFC 8224 `y` Identity, RFC 4474 `n` Identity-Info).
 * Session-ID has no compact form (RFC 7989 §13.1).
 *
 * The received spelling is always kept (RFC 8123 REQ2: log header names in the form received); the id is
 * only for lookup.
 */

/** Header ids. 0 is "not a known header". */
export const H = {
  OTHER: 0,
  VIA: 1,
  FROM: 2,
  TO: 3,
  CALL_ID: 4,
  CSEQ: 5,
  CONTACT: 6,
  MAX_FORWARDS: 7,
  ROUTE: 8,
  RECORD_ROUTE: 9,
  CONTENT_LENGTH: 10,
  CONTENT_TYPE: 11,
  CONTENT_ENCODING: 12,
  SUBJECT: 13,
  SUPPORTED: 14,
  REQUIRE: 15,
  PROXY_REQUIRE: 16,
  SESSION_ID: 17,
  REFER_TO: 18,
  REFERRED_BY: 19,
  TARGET_DIALOG: 20,
  REPLACES: 21,
  JOIN: 22,
  EVENT: 23,
  ALLOW_EVENTS: 24,
  SESSION_EXPIRES: 25,
  ACCEPT_CONTACT: 26,
  REJECT_CONTACT: 27,
  REQUEST_DISPOSITION: 28,
  IDENTITY: 29,
  IDENTITY_INFO: 30,
  EXPIRES: 31,
  ALLOW: 32,
  ACCEPT: 33,
  AUTHORIZATION: 34,
  PROXY_AUTHORIZATION: 35,
  WWW_AUTHENTICATE: 36,
  PROXY_AUTHENTICATE: 37,
  USER_AGENT: 38,
  SERVER: 39,
  DATE: 40,
  UNSUPPORTED: 41,
  WARNING: 42,
  REASON: 43,
  PRIVACY: 44,
  P_ASSERTED_IDENTITY: 45,
  MIN_EXPIRES: 46,
  TIMESTAMP: 47,
  ACCEPT_ENCODING: 48,
  ACCEPT_LANGUAGE: 49,
  CONTENT_DISPOSITION: 50,
  CONTENT_LANGUAGE: 51,
  MIME_VERSION: 52,
  RETRY_AFTER: 53,
  PATH: 54,
  RSEQ: 55,
  RACK: 56,
  ORGANIZATION: 57,
  PRIORITY: 58,
  ALERT_INFO: 59,
  CALL_INFO: 60,
  ERROR_INFO: 61,
  IN_REPLY_TO: 62,
  REPLY_TO: 63,
  MIN_SE: 64,
  SERVICE_ROUTE: 65,
  P_PREFERRED_IDENTITY: 66,
  SIP_ETAG: 67,
  SIP_IF_MATCH: 68,
  SUBSCRIPTION_STATE: 69,
} as const;

export type HeaderId = (typeof H)[keyof typeof H];

/** H.OTHER as a binding of this module, which TurboFan folds (an exported one it loads at each use; see bytes.ts). */
const OTHER: HeaderId = H.OTHER;

/** Canonical spelling and compact form of each known header, indexed by id. */
const TABLE: ReadonlyArray<readonly [HeaderId, string, string?]> = [
  [H.VIA, 'Via', 'v'],
  [H.FROM, 'From', 'f'],
  [H.TO, 'To', 't'],
  [H.CALL_ID, 'Call-ID', 'i'],
  [H.CSEQ, 'CSeq'],
  [H.CONTACT, 'Contact', 'm'],
  [H.MAX_FORWARDS, 'Max-Forwards'],
  [H.ROUTE, 'Route'],
  [H.RECORD_ROUTE, 'Record-Route'],
  [H.CONTENT_LENGTH, 'Content-Length', 'l'],
  [H.CONTENT_TYPE, 'Content-Type', 'c'],
  [H.CONTENT_ENCODING, 'Content-Encoding', 'e'],
  [H.SUBJECT, 'Subject', 's'],
  [H.SUPPORTED, 'Supported', 'k'],
  [H.REQUIRE, 'Require'],
  [H.PROXY_REQUIRE, 'Proxy-Require'],
  [H.SESSION_ID, 'Session-ID'],
  [H.REFER_TO, 'Refer-To', 'r'],
  [H.REFERRED_BY, 'Referred-By', 'b'],
  [H.TARGET_DIALOG, 'Target-Dialog'],
  [H.REPLACES, 'Replaces'],
  [H.JOIN, 'Join'],
  [H.EVENT, 'Event', 'o'],
  [H.ALLOW_EVENTS, 'Allow-Events', 'u'],
  [H.SESSION_EXPIRES, 'Session-Expires', 'x'],
  [H.ACCEPT_CONTACT, 'Accept-Contact', 'a'],
  [H.REJECT_CONTACT, 'Reject-Contact', 'j'],
  [H.REQUEST_DISPOSITION, 'Request-Disposition', 'd'],
  [H.IDENTITY, 'Identity', 'y'],
  [H.IDENTITY_INFO, 'Identity-Info', 'n'],
  [H.EXPIRES, 'Expires'],
  [H.ALLOW, 'Allow'],
  [H.ACCEPT, 'Accept'],
  [H.AUTHORIZATION, 'Authorization'],
  [H.PROXY_AUTHORIZATION, 'Proxy-Authorization'],
  [H.WWW_AUTHENTICATE, 'WWW-Authenticate'],
  [H.PROXY_AUTHENTICATE, 'Proxy-Authenticate'],
  [H.USER_AGENT, 'User-Agent'],
  [H.SERVER, 'Server'],
  [H.DATE, 'Date'],
  [H.UNSUPPORTED, 'Unsupported'],
  [H.WARNING, 'Warning'],
  [H.REASON, 'Reason'],
  [H.PRIVACY, 'Privacy'],
  [H.P_ASSERTED_IDENTITY, 'P-Asserted-Identity'],
  [H.MIN_EXPIRES, 'Min-Expires'],
  [H.TIMESTAMP, 'Timestamp'],
  [H.ACCEPT_ENCODING, 'Accept-Encoding'],
  [H.ACCEPT_LANGUAGE, 'Accept-Language'],
  [H.CONTENT_DISPOSITION, 'Content-Disposition'],
  [H.CONTENT_LANGUAGE, 'Content-Language'],
  [H.MIME_VERSION, 'MIME-Version'],
  [H.RETRY_AFTER, 'Retry-After'],
  [H.PATH, 'Path'],
  [H.RSEQ, 'RSeq'],
  [H.RACK, 'RAck'],
  [H.ORGANIZATION, 'Organization'],
  [H.PRIORITY, 'Priority'],
  [H.ALERT_INFO, 'Alert-Info'],
  [H.CALL_INFO, 'Call-Info'],
  [H.ERROR_INFO, 'Error-Info'],
  [H.IN_REPLY_TO, 'In-Reply-To'],
  [H.REPLY_TO, 'Reply-To'],
  [H.MIN_SE, 'Min-SE'],
  [H.SERVICE_ROUTE, 'Service-Route'],
  [H.P_PREFERRED_IDENTITY, 'P-Preferred-Identity'],
  [H.SIP_ETAG, 'SIP-ETag'],
  [H.SIP_IF_MATCH, 'SIP-If-Match'],
  [H.SUBSCRIPTION_STATE, 'Subscription-State'],
];

const CANONICAL: string[] = [];
const COMPACT: string[] = [];
for (const [id, name, compact] of TABLE) {
  CANONICAL[id] = name;
  if (compact !== undefined) COMPACT[id] = compact;
}

/** Canonical long name of a known header id ('' for OTHER). */
export function canonicalName(id: HeaderId): string {
  return CANONICAL[id] ?? '';
}

/** Compact form of a known header id, if it has one. */
export function compactName(id: HeaderId): string | undefined {
  return COMPACT[id];
}

// Open-addressed hash table over the lowercased names. Collisions are resolved by comparing bytes.
const SLOTS = 1024;
const MASK = SLOTS - 1;
const slotId = new Uint8Array(SLOTS);
const slotName: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(SLOTS);

/**
 * Slot hash of a name from its length and its first, second and last chars only — O(1), so the parser's
 * name scan does no per-char arithmetic (dropping the per-char multiply-add hash saved ~0.05 µs per INVITE). Over the
 * known names and compact forms it probes at most one extra slot. `b | 0x20` lowercases ASCII letters and
 * maps no other token char to a letter, so case-insensitive names hash alike.
 */
function nameHash(len: number, first: number, second: number, last: number): number {
  return (((first | 0x20) ^ ((last | 0x20) << 3) ^ ((second | 0x20) << 1)) + len * 37) & MASK;
}

function insert(name: string, id: HeaderId): void {
  const bytes = Buffer.from(name.toLowerCase(), 'latin1');
  let slot = lookupHash(bytes, 0, bytes.length);
  while (slotName[slot] !== undefined) slot = (slot + 1) & MASK;
  slotName[slot] = bytes;
  slotId[slot] = id;
}

function lookupHash(b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  const first = b[start] as number;
  return nameHash(len, first, len > 1 ? (b[start + 1] as number) : first, b[end - 1] as number);
}

for (const [id, name, compact] of TABLE) {
  insert(name, id);
  if (compact !== undefined) insert(compact, id);
}

/**
 * Id of the header whose name occupies b[start, end) in the received bytes, which must be token chars (the
 * `| 0x20` comparison relies on it). H.OTHER when not known. The parser recognises names with the automaton
 * below, which gives the same ids (test/sip/header-names.test.ts checks the two against each other).
 */
export function lookupHeaderBytes(b: Uint8Array, start: number, end: number): HeaderId {
  const len = end - start;
  let slot = lookupHash(b, start, end);
  for (;;) {
    const cand = slotName[slot];
    if (cand === undefined) return OTHER;
    if (cand.length === len) {
      let i = 0;
      while (i < len && ((b[start + i] as number) | 0x20) === cand[i]) i++;
      if (i === len) return slotId[slot] as HeaderId;
    }
    slot = (slot + 1) & MASK;
  }
}

/** Id of a header name given as a string (API lookups such as `msg.get('Call-ID')` or `msg.get('i')`). */
export function headerIdOf(name: string): HeaderId {
  const len = name.length;
  if (len === 0) return H.OTHER;
  const first = name.charCodeAt(0);
  let slot = nameHash(len, first, len > 1 ? name.charCodeAt(1) : first, name.charCodeAt(len - 1));
  for (;;) {
    const cand = slotName[slot];
    if (cand === undefined) return H.OTHER;
    if (cand.length === len) {
      let i = 0;
      while (i < len && (name.charCodeAt(i) | 0x20) === cand[i]) i++;
      if (i === len) return slotId[slot] as HeaderId;
    }
    slot = (slot + 1) & MASK;
  }
}

// ---- header-name automaton (the parser's name scan) ------------------------------------------------------------
//
// The parser must both check that a field-name is a token (RFC 3261 §7.3.1, §25.1) and find which known header it
// names. Scanning the token and then comparing it with a hash-table candidate reads every name byte twice; this
// automaton does both in one pass: a trie of the lowercased known names whose states step on a byte class (letters
// case-folded, §7.3.1: names are case-insensitive), with a sink state for any other token and state 0 for a byte
// that ends the token. It accepts exactly what the token scan plus lookupHeaderBytes accept: every known name is
// made of letters and '-', and `b | 0x20` maps no other token char to those. Measured on the benchmark INVITE
// (17 header lines): ~5 % less time per parseMessage than the token scan followed by lookupHeaderBytes.

/** Byte classes: 0 not a token char, 1-26 a letter (either case), 27 '-', 28 any other token char. */
export const NAME_CLASS_BITS = 5;
export const NAME_CLASS = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) NAME_CLASS[c] = 28;
for (const ch of '.!%*_+`\'~') NAME_CLASS[ch.charCodeAt(0)] = 28;
NAME_CLASS[0x2d] = 27;
for (let c = 0; c < 26; c++) {
  NAME_CLASS[0x41 + c] = c + 1;
  NAME_CLASS[0x61 + c] = c + 1;
}

function trieSize(): number {
  const prefixes = new Set<string>();
  for (const [, name, compact] of TABLE) {
    for (const n of compact === undefined ? [name] : [name, compact]) {
      for (let k = 1; k <= n.length; k++) prefixes.add(n.slice(0, k).toLowerCase());
    }
  }
  return prefixes.size;
}

/*
 * States are stored pre-shifted: a state's number is its row index times 2^NAME_CLASS_BITS, so the transition is
 * `NAME_NEXT[st | class]`. The scan is a chain of dependent loads (each byte's row comes from the previous load),
 * and putting the shift back into that chain measured ~2 % more time per parseMessage on the benchmark INVITE.
 */
/** State of the empty prefix, where a name scan starts. */
export const NAME_ROOT = 1 << NAME_CLASS_BITS;
/** Sink: a token that is no known name (nor a prefix of one). */
const NAME_OTHER = 2 << NAME_CLASS_BITS;
const NAME_STATES = 3 + trieSize();
if (NAME_STATES << NAME_CLASS_BITS > 0xffff) throw new Error('header-name automaton: too many states for Uint16Array');
/** Next state (pre-shifted) for (state | class); 0 ends the name. */
export const NAME_NEXT = new Uint16Array(NAME_STATES << NAME_CLASS_BITS);
/** Header id of a state, indexed by `state >> NAME_CLASS_BITS` (H.OTHER for the root, the sink and prefixes that are no name). */
export const NAME_ID = new Uint8Array(NAME_STATES);
{
  let next = 3;
  const child = new Map<string, number>();
  for (const [id, name, compact] of TABLE) {
    for (const n of compact === undefined ? [name] : [name, compact]) {
      let st = NAME_ROOT;
      let prefix = '';
      for (const ch of n.toLowerCase()) {
        const cls = NAME_CLASS[ch.charCodeAt(0)] as number;
        if (cls === 0 || cls === 28) throw new Error(`header name ${n}: only letters and '-' are supported here`);
        prefix += ch;
        let s = child.get(prefix);
        if (s === undefined) {
          s = next++ << NAME_CLASS_BITS;
          child.set(prefix, s);
          NAME_NEXT[st | cls] = s;
        }
        st = s;
      }
      NAME_ID[st >> NAME_CLASS_BITS] = id;
    }
  }
  // Every other token char leads to the sink, which stays there until the token ends.
  for (let row = 1; row < NAME_STATES; row++) {
    for (let cls = 1; cls <= 28; cls++) {
      const k = (row << NAME_CLASS_BITS) | cls;
      if (NAME_NEXT[k] === 0) NAME_NEXT[k] = NAME_OTHER;
    }
  }
}
