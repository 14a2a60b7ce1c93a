/**
 * The Session-IDs logged with a CLF record, for `sipclf grep --session-id/--test-case/--logme` and the
 * log-me mark of `cat` and `stats`: from the
 * Tag 02 whole message (RFC 6873 §4.4, RFC 8497 §3.6) parsed with parseMessage — or, when the parser
 * rejects it (e.g. a message cut at the RFC 6872 §8 4096-byte cap), from its header section — and from any
 * Tag 00 `Session-ID:` header field. Loaded only by searches that need it (it brings in the SIP parser).
 */
import { optionalFields } from '../clf/decode.js';
import { decodeOptionalValue } from '../clf/optional.js';
import { TAG_HEADER, TAG_MESSAGE, type OptionalField } from '../clf/record.js';
import { parseSessionId, type SessionId } from '../sip/grammar/session-id.js';
import { parseMessage } from '../sip/parser.js';

const SESSION_ID_HEADER = /^session-id[ \t]*:/i;

function sessionIdOf(value: string): SessionId | undefined {
  try {
    return parseSessionId(value);
  } catch {
    return undefined; // a malformed Session-ID is treated as absent (RFC 7989 §7)
  }
}

/** The first Session-ID header field of a message's header section (folding undone), by text. */
export function sessionIdFromHeaderText(message: string): SessionId | undefined {
  const end = message.indexOf('\r\n\r\n');
  const head = (end < 0 ? message : message.slice(0, end)).split(/\r?\n/);
  for (let i = 1; i < head.length; i++) {
    let line = head[i] as string;
    if (!SESSION_ID_HEADER.test(line)) continue;
    while (i + 1 < head.length && /^[ \t]/.test(head[i + 1] as string)) line += head[++i] as string;
    return sessionIdOf(line.slice(line.indexOf(':') + 1));
  }
  return undefined;
}

function sessionIdOfMessage(f: OptionalField): SessionId | undefined {
  let text: string;
  try {
    text = decodeOptionalValue(f);
  } catch {
    return undefined; // undecodable base64: no message, no Session-ID
  }
  try {
    const msg = parseMessage(Buffer.from(text, 'latin1'));
    if (msg.sessionIdMalformed) return undefined;
    return msg.sessionId;
  } catch {
    return sessionIdFromHeaderText(text);
  }
}

/**
 * The Session-IDs logged in a record's optional fields: from the Tag 02 message and from Tag 00
 * `Session-ID:` header fields (vendor 0).
 */
export function sessionIdsOfFields(fields: readonly OptionalField[]): SessionId[] {
  const out: SessionId[] = [];
  for (const f of fields) {
    if (f.vendor !== 0) continue;
    if (f.tag === TAG_MESSAGE) {
      const sid = sessionIdOfMessage(f);
      if (sid !== undefined) out.push(sid);
    } else if (f.tag === TAG_HEADER) {
      let v: string;
      try {
        v = decodeOptionalValue(f);
      } catch {
        continue;
      }
      if (!SESSION_ID_HEADER.test(v)) continue;
      const sid = sessionIdOf(v.slice(v.indexOf(':') + 1));
      if (sid !== undefined) out.push(sid);
    }
  }
  return out;
}

/**
 * The Session-IDs logged with the record at `start` (see sessionIdsOfFields). Throws ClfDecodeError for
 * broken optional-field framing (the record is damaged).
 */
export function loggedSessionIds(buf: string, start: number): SessionId[] {
  return sessionIdsOfFields(optionalFields(buf, start, { lenientLength: true }));
}
