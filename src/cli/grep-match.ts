/**
 * The record predicate of `sipclf grep`, built for the CLF reader (src/logfile/reader.ts): a prefilter the
 * scanner runs on raw bytes (`fieldIs` through the index pointers, `contains` at memmem speed) and a
 * `filter` that checks every criterion on the record in the reader's window, cheapest first, decoding only
 * what a criterion needs. Matching rules: docs/guides/grep.md.
 *
 * - Mandatory fields (Call-ID, tags, txns, CSeq, status, URIs) are read through their index pointers with
 *   the codec's `field()` and compared whole: a value never matches inside another field or as a prefix.
 * - Timestamp and flags are fixed-offset bytes (RFC 6873 §4: timestamp at 61, flags at 76).
 * - Session-ID criteria read the logged message (grep-session.ts). A record is decoded only if its text
 *   holds the UUID (or `logme`) in either case, or a base64 standard field whose text cannot be searched:
 *   a case-insensitive regex over the window, run once per hit, not once per record.
 */
import { field } from '../clf/decode.js';
import { writeMandatory } from '../clf/encode.js';
import type { MandatoryField } from '../clf/record.js';
import { ClfDecodeError } from '../errors.js';
import type { ReaderOptions, RecordFilter } from '../logfile/reader.js';
import type { SessionId } from '../sip/grammar/session-id.js';
import type { GrepCriteria } from './grep-criteria.js';

/** What the reader needs: the prefilter and the exact predicate. */
export type GrepReaderOptions = Pick<ReaderOptions, 'contains' | 'fieldIs' | 'filter'>;

/** Record offsets (RFC 6873 §4): timestamp seconds, request/response flag, direction flag. */
const TS = 61;
const FLAG_RR = 76;
const FLAG_DIR = 78;

/** Declared Record Length (the scanner has checked the 6 hex digits). */
function lengthAt(buf: string, start: number): number {
  return parseInt(buf.slice(start + 1, start + 7), 16);
}

/** The record timestamp in ms (10 digits of seconds, `.`, 3 of milliseconds); CLF_BAD_TIMESTAMP otherwise. */
export function timestampAt(buf: string, start: number): number {
  let v = 0;
  for (let i = 0; i < 14; i++) {
    const c = buf.charCodeAt(start + TS + i);
    if (i === 10) {
      if (c !== 0x2e) throw new ClfDecodeError('CLF_BAD_TIMESTAMP', 'expected "." in the timestamp', start + TS + i);
      continue;
    }
    if (c < 0x30 || c > 0x39) throw new ClfDecodeError('CLF_BAD_TIMESTAMP', 'timestamp: expected a decimal digit', start + TS + i);
    v = v * 10 + (c - 0x30);
  }
  return v;
}

/**
 * Next match of a global regex in the reader's window, found once for all the records before it: the
 * window string and record starts only move forward within one scan, so one exec serves many records.
 */
class WindowSearch {
  private src = '';
  private len = -1;
  private last = -1;
  /** Index of the next match at or after `last`, -2: none left in this window. */
  private next = -2;
  private matchLen = 0;

  constructor(private readonly re: RegExp) {}

  /** Does [start, end) of `buf` hold a whole match? */
  within(buf: string, start: number, end: number): boolean {
    if (buf.length !== this.len || start < this.last || buf !== this.src) {
      this.src = buf;
      this.len = buf.length;
      this.next = -1;
    }
    this.last = start;
    if (this.next !== -2 && this.next < start) {
      this.re.lastIndex = start;
      const m = this.re.exec(buf);
      this.next = m === null ? -2 : m.index;
      if (m !== null) this.matchLen = m[0].length;
    }
    return this.next !== -2 && this.next + this.matchLen <= end;
  }
}

/** A base64 Tag 00/01/02 field (BEB 01, RFC 6873 §4.4): its text cannot be searched, so it must be decoded. */
const BASE64_STD = /\t0[0-2]@00000000,[0-9A-Fa-f]{4},01,/g;

function anyCase(literal: string): RegExp {
  return new RegExp(literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
}

type Check = (buf: string, start: number) => boolean;

const hasUuid = (sids: readonly SessionId[], u: string): boolean => sids.some((s) => s.local === u || s.remote === u);

/** The Session-IDs logged with a record (grep-session.ts loggedSessionIds). */
export type SessionsOf = (buf: string, start: number) => SessionId[];

/** Does this search need the logged Session-IDs (and so grep-session.ts, which loads the SIP parser)? */
export function needsSessions(c: GrepCriteria): boolean {
  return c.sessionId !== undefined || c.testCase !== undefined || c.logme;
}

/**
 * Reader options selecting the records that meet every criterion. The returned filter is stateful when
 * --test-case is given (it learns the test case's Call-IDs in reading order), so use one per read.
 * `logged` is required when needsSessions(c) (it is passed in so that other searches load no SIP code).
 */
export function grepPlan(c: GrepCriteria, logged?: SessionsOf): GrepReaderOptions {
  const loggedSessionIds: SessionsOf =
    logged ??
    (() => {
      throw new TypeError('grepPlan: Session-ID criteria need loggedSessionIds');
    });
  const checks: Check[] = [];
  const f = (buf: string, start: number, name: MandatoryField): ReturnType<typeof field> => field(buf, start, name);

  // Session-IDs of the current record, decoded once whichever criteria need them.
  let sidBuf = '';
  let sidStart = -1;
  let sidList: SessionId[] = [];
  const sids = (buf: string, start: number): SessionId[] => {
    if (start !== sidStart || buf !== sidBuf) {
      sidList = loggedSessionIds(buf, start);
      sidBuf = buf;
      sidStart = start;
    }
    return sidList;
  };
  const base64 = new WindowSearch(new RegExp(BASE64_STD.source, 'g'));
  /** Could the record's logged Session-ID hold `search`'s text? (Its text, any case, or a base64 field.) */
  const maybe = (search: WindowSearch, buf: string, start: number): boolean => {
    const end = start + lengthAt(buf, start);
    return search.within(buf, start, end) || base64.within(buf, start, end);
  };

  // --test-case first: it must see every record that can be the test case's initial request, whatever
  // the other criteria say, to learn its Call-ID.
  if (c.testCase !== undefined) {
    const u = c.testCase;
    const search = new WindowSearch(anyCase(u));
    const calls = new Set<string>();
    checks.push((buf, start) => {
      if (maybe(search, buf, start)) {
        const list = sids(buf, start);
        if (hasUuid(list, u)) {
          // An initial request (no To tag: outside a dialog, RFC 3261 §12.1) whose local UUID is the test
          // case identifier (RFC 8497 §3.3): its Call-ID now belongs to the test case.
          if (buf.charCodeAt(start + FLAG_RR) === 0x52 && f(buf, start, 'toTag') === null && list.some((s) => s.local === u)) {
            const id = f(buf, start, 'callId');
            if (typeof id === 'string') calls.add(id);
          }
          return true;
        }
      }
      if (calls.size === 0) return false;
      const id = f(buf, start, 'callId');
      return typeof id === 'string' && calls.has(id);
    });
  }
  if (c.direction !== undefined) {
    const d = c.direction.charCodeAt(0);
    checks.push((buf, start) => buf.charCodeAt(start + FLAG_DIR) === d);
  }
  if (c.since !== undefined || c.until !== undefined) {
    const lo = c.since ?? -Infinity;
    const hi = c.until ?? Infinity;
    checks.push((buf, start) => {
      const t = timestampAt(buf, start);
      return t >= lo && t < hi;
    });
  }
  if (c.callId !== undefined) {
    const v = c.callId;
    checks.push((buf, start) => f(buf, start, 'callId') === v);
  }
  if (c.dialog !== undefined) {
    const { callId, tags } = c.dialog;
    const [a, b] = tags;
    checks.push((buf, start) => {
      if (f(buf, start, 'callId') !== callId) return false;
      const from = f(buf, start, 'fromTag');
      const to = f(buf, start, 'toTag');
      // Both tags in either order; or the From tag with no To tag yet (the dialog-creating request, its
      // CANCEL and a 100 Trying are sent before the To tag exists).
      return (from === a && (to === b || to === null)) || (from === b && (to === a || to === null));
    });
  }
  if (c.txn !== undefined) {
    const v = c.txn;
    checks.push((buf, start) => f(buf, start, 'serverTxn') === v || f(buf, start, 'clientTxn') === v);
  }
  if (c.status !== undefined) {
    const s = c.status;
    if ('code' in s) checks.push((buf, start) => f(buf, start, 'status') === s.code);
    else {
      checks.push((buf, start) => {
        const v = f(buf, start, 'status');
        return typeof v === 'string' && v.length === 3 && v[0] === s.cls && /^\d\d\d$/.test(v);
      });
    }
  }
  if (c.method !== undefined) {
    const m = c.method;
    checks.push((buf, start) => {
      const cseq = f(buf, start, 'cseq');
      if (typeof cseq !== 'string') return false;
      const sp = cseq.lastIndexOf(' ');
      return sp >= 0 && cseq.slice(sp + 1).toUpperCase() === m;
    });
  }
  if (c.fromUri !== undefined) {
    const v = c.fromUri;
    checks.push((buf, start) => f(buf, start, 'fromUri') === v);
  }
  if (c.toUri !== undefined) {
    const v = c.toUri;
    checks.push((buf, start) => f(buf, start, 'toUri') === v);
  }
  if (c.sessionId !== undefined) {
    const u = c.sessionId;
    const search = new WindowSearch(anyCase(u));
    checks.push((buf, start) => maybe(search, buf, start) && hasUuid(sids(buf, start), u));
  }
  if (c.logme) {
    // `logme` is a parameter name, a token, compared case-insensitively (RFC 3261 §7.3.1).
    const search = new WindowSearch(anyCase('logme'));
    checks.push((buf, start) => maybe(search, buf, start) && sids(buf, start).some((s) => s.logme));
  }

  const filter: RecordFilter = (buf, start) => {
    for (let i = 0; i < checks.length; i++) if (!(checks[i] as Check)(buf, start)) return false;
    return true;
  };
  return { filter, ...prefilter(c) };
}

/**
 * The scanner's prefilter: the most selective whole-field criterion as `fieldIs` (read at its pointer) and
 * its written value as `contains`. With --test-case only a Call-ID may prefilter: the test case must see
 * the initial request of every Call-ID that can still match.
 */
function prefilter(c: GrepCriteria): Pick<ReaderOptions, 'contains' | 'fieldIs'> {
  const callId = c.callId ?? c.dialog?.callId;
  if (callId !== undefined) return exact('callId', callId);
  if (c.testCase !== undefined) return {};
  if (c.txn !== undefined) return { contains: writeMandatory(c.txn) };
  if (c.fromUri !== undefined) return exact('fromUri', c.fromUri);
  if (c.toUri !== undefined) return exact('toUri', c.toUri);
  if (c.status !== undefined && 'code' in c.status) return { fieldIs: { field: 'status', written: c.status.code } };
  return {};
}

function exact(name: MandatoryField, value: string): Pick<ReaderOptions, 'contains' | 'fieldIs'> {
  const written = writeMandatory(value);
  return { fieldIs: { field: name, written }, contains: written };
}
