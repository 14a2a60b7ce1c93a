/**
 * Strict whole-message check (SipMessage.checkAll): parses the Request-URI and every header field whose
 * grammar sipclf knows, so that errors a lazy parser would never reach are found (RFC 4475 §3.1.2 asks an
 * element to reject such messages; a proxy that only routes does not need to). Throws the first
 * SipParseError with its byte offset in the message buffer.
 */
import { SipParseError } from '../errors.js';
import { parseContact, parseNameAddr, parseNameAddrList } from './grammar/address.js';
import { parseJoin, parseReplaces, parseTargetDialog } from './grammar/dialog-headers.js';
import { parseMediaType, parseReferTo, parseUint } from './grammar/simple.js';
import { splitTokens } from './grammar/split.js';
import { parseVia } from './grammar/via.js';
import { H, type HeaderId } from './header-names.js';
import { HBASE, HF_VALUE_S, HSTRIDE } from './layout.js';
import type { SipMessage } from './message.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const DATE = /^([A-Za-z]{3}), (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (\S+)$/;

/**
 * RFC 3261 §20.17 / §25.1: SIP-date = rfc1123-date, and "the time zone MUST be GMT" — RFC 4475 §3.1.2.12
 * (baddate, `EST`) must be rejected by an element that looks at Date.
 */
export function parseSipDate(v: string): Date {
  const m = DATE.exec(v);
  if (m === null) throw new SipParseError('SIP_BAD_HEADER_VALUE', 'Date: not an RFC 1123 date', 0);
  const [, wk, dd, mon, yyyy, hh, mi, ss, zone] = m as unknown as [string, string, string, string, string, string, string, string, string];
  if (zone !== 'GMT') throw new SipParseError('SIP_BAD_HEADER_VALUE', `Date: time zone must be GMT, not ${zone} (RFC 3261 §20.17)`, v.length - zone.length);
  const month = MONTHS.indexOf(mon);
  if (month < 0 || !WKDAYS.includes(wk)) throw new SipParseError('SIP_BAD_HEADER_VALUE', 'Date: bad month or weekday name', 0);
  const d = new Date(Date.UTC(Number(yyyy), month, Number(dd), Number(hh), Number(mi), Number(ss)));
  if (d.getUTCDate() !== Number(dd) || Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 60) {
    throw new SipParseError('SIP_BAD_HEADER_VALUE', 'Date: day or time out of range', 0);
  }
  return d;
}

const DELTA_MAX = 0xffffffff; // RFC 3261 §25.1 delta-seconds; 2^32-1 as §20.19 says of Expires.

type Checker = (value: string) => unknown;

const CHECKS = new Map<HeaderId, Checker>([
  [H.VIA, parseVia],
  [H.FROM, parseNameAddr],
  [H.TO, parseNameAddr],
  [H.CONTACT, parseContact],
  [H.ROUTE, parseNameAddrList],
  [H.RECORD_ROUTE, parseNameAddrList],
  [H.REPLY_TO, parseNameAddr],
  [H.REFER_TO, parseReferTo],
  [H.REFERRED_BY, parseNameAddr],
  [H.CONTENT_TYPE, parseMediaType],
  [H.REQUIRE, splitTokens],
  [H.PROXY_REQUIRE, splitTokens],
  [H.SUPPORTED, splitTokens],
  [H.UNSUPPORTED, splitTokens],
  [H.TARGET_DIALOG, parseTargetDialog],
  [H.REPLACES, parseReplaces],
  [H.JOIN, parseJoin],
  [H.DATE, parseSipDate],
  [H.EXPIRES, (v) => parseUint(v, DELTA_MAX)],
  [H.MIN_EXPIRES, (v) => parseUint(v, DELTA_MAX)],
  [H.RETRY_AFTER, (v) => parseUint(v.split(/[ \t;(]/, 1)[0] ?? '', DELTA_MAX)],
]);

export function checkAllHeaders(msg: SipMessage): void {
  if (msg.isRequest) msg.uri();
  for (let i = 0; i < msg.headerCount; i++) {
    const check = CHECKS.get(msg.idAt(i));
    if (check === undefined) continue;
    try {
      check(msg.valueAt(i));
    } catch (err) {
      throw msg.relocate(err, msg.e[HBASE + i * HSTRIDE + HF_VALUE_S] as number);
    }
  }
}
