/**
 * Index layout of the table a parsed message carries: the header table (four ints per header
 * line) and the eager table (fixed slots for what a proxy reads on every message). Offsets are absolute
 * byte offsets into the input buffer; -1 means absent.
 */

/**
 * A message carries one array of small integers: the eager table in [0, E.SIZE), then the header table from HBASE on,
 * HSTRIDE ints per header line (one allocation per message).
 */

/** Ints per header entry in the header table. */
export const HSTRIDE = 4;
/** Header entry fields. */
export const HF_ID = 0;
export const HF_VALUE_S = 1;
export const HF_VALUE_E = 2;
/**
 * Start of the next line: the raw header line (with folds and its CRLF) is [name start, HF_LINE_E).
 *
 * The name's start and end are not stored: header lines are contiguous, so a line starts where the one before it
 * ends (the first one just past the start line's LF), and a field-name is a token (RFC 3261 §7.3.1), so it ends at
 * the first non-token char. SipMessage.lineStart/nameEnd derive them on the (lazy) paths that need them. On the
 * benchmark INVITE, two ints fewer per line cut the table from 149 to 115 ints (2,302 → 2,047 heap bytes allocated
 * per parse) and the parse time by ~3 %.
 */
export const HF_LINE_E = 3;

/**
 * Eager table slots, as plain module constants: the hot-path files (parser.ts, eager.ts) bind these to consts
 * of their own module (`const { E_VIA_IDX, … } = layout;`), which TurboFan folds into the code. Read through the
 * import itself, each is loaded from its module cell at every use (see bytes.ts); a property of the `E` object
 * costs more again (on every slot access it measured ~2x slower in scanTopVia, 677 → 348 ns in isolation).
 */
export const E_START = 0;
export const E_METHOD_S = 1;
export const E_METHOD_E = 2;
export const E_URI_S = 3;
export const E_URI_E = 4;
export const E_VER_S = 5;
export const E_VER_E = 6;
export const E_STATUS = 7;
export const E_REASON_S = 8;
export const E_REASON_E = 9;
export const E_CALLID_S = 10;
export const E_CALLID_E = 11;
export const E_CSEQ_SEQ = 12;
export const E_CSEQ_M_S = 13;
export const E_CSEQ_M_E = 14;
export const E_MAXFWD = 15;
export const E_CLEN = 16;
export const E_CLEN_CONFLICT = 17;
export const E_FROM_IDX = 18;
export const E_FROMTAG_S = 19;
export const E_FROMTAG_E = 20;
export const E_TO_IDX = 21;
export const E_TOTAG_S = 22;
export const E_TOTAG_E = 23;
export const E_VIA_IDX = 24;
export const E_VIA_PARM_E = 25;
export const E_VIA_TRANSPORT_S = 26;
export const E_VIA_TRANSPORT_E = 27;
export const E_VIA_HOST_S = 28;
export const E_VIA_HOST_E = 29;
export const E_VIA_PORT = 30;
export const E_VIA_BRANCH_S = 31;
export const E_VIA_BRANCH_E = 32;
export const E_VIA_RECEIVED_S = 33;
export const E_VIA_RECEIVED_E = 34;
/** -1 absent, 0 valueless `rport`, otherwise the port. */
export const E_VIA_RPORT = 35;
export const E_SID_IDX = 36;
/** 0 no Session-ID, 1 parsed, 2 present but malformed (RFC 7989 §7: treat as absent). */
export const E_SID_STATE = 37;
export const E_SID_LOCAL_S = 38;
export const E_SID_REMOTE_S = 39;
export const E_SID_LOGME = 40;
export const E_ROUTE_COUNT = 41;
export const E_RR_COUNT = 42;
export const E_HDR_END = 43;
export const E_BODY_S = 44;
export const E_END = 45;
export const E_VIA_COUNT = 46;
export const E_SIZE = 47;

/** The same slots as one object, for code off the hot path (`E.CALLID_S`). */
export const E = {
  START: E_START,
  METHOD_S: E_METHOD_S,
  METHOD_E: E_METHOD_E,
  URI_S: E_URI_S,
  URI_E: E_URI_E,
  VER_S: E_VER_S,
  VER_E: E_VER_E,
  STATUS: E_STATUS,
  REASON_S: E_REASON_S,
  REASON_E: E_REASON_E,
  CALLID_S: E_CALLID_S,
  CALLID_E: E_CALLID_E,
  CSEQ_SEQ: E_CSEQ_SEQ,
  CSEQ_M_S: E_CSEQ_M_S,
  CSEQ_M_E: E_CSEQ_M_E,
  MAXFWD: E_MAXFWD,
  CLEN: E_CLEN,
  CLEN_CONFLICT: E_CLEN_CONFLICT,
  FROM_IDX: E_FROM_IDX,
  FROMTAG_S: E_FROMTAG_S,
  FROMTAG_E: E_FROMTAG_E,
  TO_IDX: E_TO_IDX,
  TOTAG_S: E_TOTAG_S,
  TOTAG_E: E_TOTAG_E,
  VIA_IDX: E_VIA_IDX,
  VIA_PARM_E: E_VIA_PARM_E,
  VIA_TRANSPORT_S: E_VIA_TRANSPORT_S,
  VIA_TRANSPORT_E: E_VIA_TRANSPORT_E,
  VIA_HOST_S: E_VIA_HOST_S,
  VIA_HOST_E: E_VIA_HOST_E,
  VIA_PORT: E_VIA_PORT,
  VIA_BRANCH_S: E_VIA_BRANCH_S,
  VIA_BRANCH_E: E_VIA_BRANCH_E,
  VIA_RECEIVED_S: E_VIA_RECEIVED_S,
  VIA_RECEIVED_E: E_VIA_RECEIVED_E,
  VIA_RPORT: E_VIA_RPORT,
  SID_IDX: E_SID_IDX,
  SID_STATE: E_SID_STATE,
  SID_LOCAL_S: E_SID_LOCAL_S,
  SID_REMOTE_S: E_SID_REMOTE_S,
  SID_LOGME: E_SID_LOGME,
  ROUTE_COUNT: E_ROUTE_COUNT,
  RR_COUNT: E_RR_COUNT,
  HDR_END: E_HDR_END,
  BODY_S: E_BODY_S,
  END: E_END,
  VIA_COUNT: E_VIA_COUNT,
  SIZE: E_SIZE,
} as const;

/** Where the header table starts in a message's table. */
export const HBASE: number = E.SIZE;
