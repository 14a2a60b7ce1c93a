/**
 * Index layout of the table a parsed message carries: the header table (six ints per header
 * line) and the eager table (fixed slots for what a proxy reads on every message). Offsets are absolute
 * byte offsets into the input buffer; -1 means absent.
 */

/**
 * A message carries one array of small integers: the eager table in [0, E.SIZE), then the header table from HBASE on,
 * HSTRIDE ints per header line (one allocation per message).
 */

/** Ints per header entry in the header table. */
export const HSTRIDE = 6;
/** Header entry fields. */
export const HF_ID = 0;
export const HF_NAME_S = 1;
export const HF_NAME_E = 2;
export const HF_VALUE_S = 3;
export const HF_VALUE_E = 4;
/** Start of the next line: the raw header line (with folds and its CRLF) is [HF_NAME_S, HF_LINE_E). */
export const HF_LINE_E = 5;

/** Eager table slots. */
export const E = {
  START: 0,
  METHOD_S: 1,
  METHOD_E: 2,
  URI_S: 3,
  URI_E: 4,
  VER_S: 5,
  VER_E: 6,
  STATUS: 7,
  REASON_S: 8,
  REASON_E: 9,
  CALLID_S: 10,
  CALLID_E: 11,
  CSEQ_SEQ: 12,
  CSEQ_M_S: 13,
  CSEQ_M_E: 14,
  MAXFWD: 15,
  CLEN: 16,
  CLEN_CONFLICT: 17,
  FROM_IDX: 18,
  FROMTAG_S: 19,
  FROMTAG_E: 20,
  TO_IDX: 21,
  TOTAG_S: 22,
  TOTAG_E: 23,
  VIA_IDX: 24,
  VIA_PARM_E: 25,
  VIA_TRANSPORT_S: 26,
  VIA_TRANSPORT_E: 27,
  VIA_HOST_S: 28,
  VIA_HOST_E: 29,
  VIA_PORT: 30,
  VIA_BRANCH_S: 31,
  VIA_BRANCH_E: 32,
  VIA_RECEIVED_S: 33,
  VIA_RECEIVED_E: 34,
  /** -1 absent, 0 valueless `rport`, otherwise the port. */
  VIA_RPORT: 35,
  SID_IDX: 36,
  /** 0 no Session-ID, 1 parsed, 2 present but malformed (RFC 7989 §7: treat as absent). */
  SID_STATE: 37,
  SID_LOCAL_S: 38,
  SID_REMOTE_S: 39,
  SID_LOGME: 40,
  ROUTE_COUNT: 41,
  RR_COUNT: 42,
  HDR_END: 43,
  BODY_S: 44,
  END: 45,
  VIA_COUNT: 46,
  SIZE: 47,
} as const;

/** Where the header table starts in a message's table. */
export const HBASE: number = E.SIZE;
