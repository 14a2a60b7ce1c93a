/**
 * JSON-ready parsed form of a header line for `sipclf parse`: the typed accessor's result with Params
 * flattened, or `{ error: CODE }` when the value does not follow its grammar.
 */
import { SipParseError } from '../errors.js';
import { Params } from '../sip/grammar/params.js';
import { parseNameAddr, parseNameAddrList } from '../sip/grammar/address.js';
import { parseJoin, parseReplaces, parseTargetDialog } from '../sip/grammar/dialog-headers.js';
import { parseSessionId } from '../sip/grammar/session-id.js';
import { parseCSeq, parseMediaType, parseReferTo } from '../sip/grammar/simple.js';
import { splitTokens } from '../sip/grammar/split.js';
import { parseVia } from '../sip/grammar/via.js';
import { H, type HeaderId } from '../sip/header-names.js';
import type { SipMessage } from '../sip/message.js';

const PARSERS = new Map<HeaderId, (v: string) => unknown>([
  [H.VIA, parseVia],
  [H.FROM, parseNameAddr],
  [H.TO, parseNameAddr],
  [H.CONTACT, parseNameAddrList],
  [H.ROUTE, parseNameAddrList],
  [H.RECORD_ROUTE, parseNameAddrList],
  [H.CSEQ, parseCSeq],
  [H.CONTENT_TYPE, parseMediaType],
  [H.SESSION_ID, parseSessionId],
  [H.REFER_TO, parseReferTo],
  [H.REFERRED_BY, parseNameAddr],
  [H.TARGET_DIALOG, parseTargetDialog],
  [H.REPLACES, parseReplaces],
  [H.JOIN, parseJoin],
  [H.REQUIRE, splitTokens],
  [H.PROXY_REQUIRE, splitTokens],
  [H.SUPPORTED, splitTokens],
]);

/** Plain-JSON copy: Params become `{name: value}` objects, `raw` copies are dropped. */
export function toJson(v: unknown): unknown {
  if (v instanceof Params) {
    const o: Record<string, string | null> = {};
    for (const p of v) o[p.name] = p.value;
    return o;
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'raw' && x !== undefined) o[k] = toJson(x);
    return o;
  }
  return v;
}

export function describeHeader(msg: SipMessage, i: number): unknown {
  const parse = PARSERS.get(msg.idAt(i));
  if (parse === undefined) return undefined;
  try {
    return toJson(parse(msg.valueAt(i)));
  } catch (err) {
    if (err instanceof SipParseError) return { error: err.code, message: err.message };
    throw err;
  }
}
