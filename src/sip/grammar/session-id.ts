/**
 * The Session-ID header field value and its `logme` marker.
 *
 * Implements RFC 7989 §5: session-id-value = local-uuid *(SEMI sess-id-param), local-uuid / remote-uuid =
 * sess-uuid / nil, sess-uuid = 32(DIGIT / %x61-66), sess-id-param = remote-param / generic-param,
 * remote-param = "remote" EQUAL remote-uuid; and RFC 8497 §6 logme-param = "logme" (a valueless flag,
 * IANA "no values are allowed", §9.1). Interworking with pre-standard RFC 7329 senders (RFC 7989 §11): a value
 * without `remote` is accepted and `remote` is then undefined.
 *
 * Decisions: UUIDs are 32 hex digits; uppercase hex is accepted on input and lowercased (RFC 7989 §5 says
 * they are *presented* lowercase; being liberal costs nothing and the value is normalised). More than one
 * `remote` is rejected ("MUST NOT have more than one", §5). `logme` matches case-insensitively (parameter
 * names are tokens, RFC 3261 §7.3.1); `logme=value` is a generic-param, not the marker, so `logme` is false.
 */
import { HEX, fail, lower } from './chars.js';
import type { Params} from './params.js';
import { parseParams, quoteIfNeeded, type Param } from './params.js';

/** The nil UUID, 32 zeros (RFC 7989 §5). */
export const NIL_UUID = '00000000000000000000000000000000';

export interface SessionId {
  /** The sender's UUID, lowercased 32 hex digits. */
  readonly local: string;
  /** The peer's UUID, lowercased; absent from a pre-standard (RFC 7329) value. */
  readonly remote?: string;
  readonly localIsNil: boolean;
  /** True when `remote` is present and nil. */
  readonly remoteIsNil: boolean;
  /** RFC 8497 "log me" marker present. */
  readonly logme: boolean;
  /** All sess-id-params in order, including `remote` and `logme`. */
  readonly params: Params;
  readonly raw: string;
}

const BAD = 'SIP_BAD_HEADER_VALUE';

/** True when `s` is 32 hex digits (either case). */
export function isSessUuid(s: string): boolean {
  if (s.length !== 32) return false;
  for (let i = 0; i < 32; i++) if (HEX[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Parses a Session-ID header field value (RFC 7989 §5, RFC 8497 §6). */
export function parseSessionId(value: string): SessionId {
  let pos = 0;
  while (pos < value.length && (value.charCodeAt(pos) === 0x20 || value.charCodeAt(pos) === 0x09)) pos++;
  const uStart = pos;
  while (pos < value.length && HEX[value.charCodeAt(pos)] === 1) pos++;
  if (pos - uStart !== 32) fail(BAD, 'Session-ID: local-uuid is not 32 hex digits', uStart);
  const local = lower(value.slice(uStart, pos));
  const { params } = parseParams(value, pos);
  const out: { -readonly [K in keyof SessionId]: SessionId[K] } = {
    local,
    localIsNil: local === NIL_UUID,
    remoteIsNil: false,
    logme: false,
    params,
    raw: value.trim(),
  };
  let remotes = 0;
  for (const p of params) {
    const name = lower(p.name);
    if (name === 'remote') {
      if (++remotes > 1) fail(BAD, 'Session-ID: more than one remote parameter', pos);
      if (p.value === null || p.raw !== p.value || !isSessUuid(p.value)) {
        fail(BAD, 'Session-ID: remote-uuid is not 32 hex digits', pos);
      }
      out.remote = lower(p.value);
      out.remoteIsNil = out.remote === NIL_UUID;
    } else if (name === 'logme' && p.value === null) out.logme = true;
  }
  return out;
}

export interface SessionIdInit {
  readonly local: string;
  /** Omit for a pre-standard (RFC 7329) value. */
  readonly remote?: string;
  readonly logme?: boolean;
  /** Further generic-params; any `remote` or `logme` among them is ignored (use the fields above). */
  readonly otherParams?: Iterable<Pick<Param, 'name' | 'value'>>;
}

/**
 * Formats a Session-ID value: `local;remote=…[;logme][;other…]`, UUIDs lowercased. Throws
 * SIP_BAD_HEADER_VALUE when a UUID is not 32 hex digits or a parameter name is not a token.
 */
export function formatSessionId(init: SessionIdInit): string {
  if (!isSessUuid(init.local)) fail(BAD, 'Session-ID: local-uuid is not 32 hex digits', 0);
  let out = lower(init.local);
  if (init.remote !== undefined) {
    if (!isSessUuid(init.remote)) fail(BAD, 'Session-ID: remote-uuid is not 32 hex digits', 0);
    out += `;remote=${lower(init.remote)}`;
  }
  if (init.logme === true) out += ';logme';
  for (const p of init.otherParams ?? []) {
    const name = lower(p.name);
    if (name === 'remote' || name === 'logme') continue;
    if (quoteIfNeeded(p.name) !== p.name) fail(BAD, `Session-ID: parameter name ${JSON.stringify(p.name)} is not a token`, 0);
    out += p.value === null ? `;${p.name}` : `;${p.name}=${quoteIfNeeded(p.value)}`;
  }
  return out;
}
