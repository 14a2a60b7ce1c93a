/**
 * From a parsed SIP message to a ClfRecord: the mapping of RFC 6872 §8 (information model) onto the
 * RFC 6873 §4.2 mandatory fields, plus the optional fields a logger asks for (§4.4: Tag 02 whole message by
 * default — what RFC 8497 §3.6 "log me" prescribes —, Tag 00 headers, Tag 01 body).
 *
 * Field choices: CSeq `num SP method`; Status `-` for requests, R-URI `-` for responses (RFC 6872 §8.2
 * "not applicable"); To/From URI without display name, `<>`, header parameters or URI parameters
 * (RFC 6872 §8 "URI parameters should not be logged"; the RFC 6873 §5 vector logs
 * `sip:1001@example.com:5060` for `"Alice" <sip:1001@example.com:5060>;tag=…;epid=…`) — the port stays; a
 * header that is present but does not parse → `?` (UNPARSEABLE), absent → `-`. Addresses are `ip:port`,
 * IPv6 in `[ ]` in RFC 5952 canonical text (RFC 6873 §4.2). Values are binary strings cut from the
 * message's latin1 view, so non-ASCII octets are logged exactly as received.
 */
import { isSipclfError } from '../errors.js';
import { headerIdOf, H } from '../sip/header-names.js';
import { detach } from '../sip/bytes.js';
import { canonicalIPv6 } from '../sip/grammar/host.js';
import type { NameAddr } from '../sip/grammar/address.js';
import type { SipMessage } from '../sip/message.js';
import { octetMessageField } from './octet-field.js';
import { bodyField, headerField, messageField, reasonPhraseField, type Capped } from './optional.js';
import { toBinary, UNPARSEABLE, type ClfRecord, type ClfValue, type Direction, type OptionalField, type Retransmission, type TransportFlag } from './record.js';

export interface MessageMeta {
  /** Milliseconds since the Unix epoch (integer). */
  readonly timestamp: number;
  readonly direction: Direction;
  readonly transport: TransportFlag;
  readonly encrypted: boolean;
  readonly retransmission: Retransmission;
  /** `ip:port` of the sender (see formatAddress). */
  readonly source: string;
  /** `ip:port` of the recipient. */
  readonly destination: string;
  readonly serverTxn?: string | null;
  readonly clientTxn?: string | null;
  /**
   * The message as logged in Tag 02 (default `msg.raw`, which it may also be): other bytes are those a proxy
   * sent for a response it forwards, whose every mandatory field is the received `msg`'s (only Vias removed,
   * challenges added). Only Tag 02 comes from these bytes: Tag 00 and Tag 01, when asked for, are still read
   * from `msg`.
   */
  readonly octets?: Buffer | undefined;
}

export interface FromMessageOptions {
  /** Log the whole message as Tag 02 (default true). */
  readonly wholeMessage?: boolean;
  /**
   * Log these headers as Tag 00, each occurrence separately in message order, with the name as received
   * (long or compact names match either form). `Reason-Phrase` logs a response's Reason-Phrase.
   */
  readonly headers?: readonly string[];
  /** Log the body as Tag 01 (default false). */
  readonly body?: boolean;
  /** Rewrites the whole message text (binary string) before it is logged as Tag 02, e.g. to obfuscate. */
  readonly mask?: (message: string) => string;
}

/**
 * `ip:port` for a CLF address field (RFC 6873 §4.2): IPv4 as given, IPv6 in RFC 5952 canonical form inside
 * `[ ]` (brackets in the input are accepted).
 */
export function formatAddress(ip: string, port: number): string {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  return bare.includes(':') ? `[${canonicalIPv6(bare)}]:${port}` : `${bare}:${port}`;
}

/** The URI of a To/From value without parameters or headers (RFC 6872 §8), as a binary string. */
export function bareUri(na: NameAddr): string {
  const raw = na.uri.raw;
  let cut = raw.length;
  if (na.uri.kind === 'sip' || na.uri.kind === 'tel') {
    // Parameters start at the first `;` or `?` after the userinfo (a user part may hold `;` and `?`).
    const at = na.uri.kind === 'sip' ? raw.indexOf('@') : -1;
    const from = at >= 0 ? at : raw.indexOf(':');
    for (let i = from + 1; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c === 0x3b || c === 0x3f) {
        cut = i;
        break;
      }
    }
  }
  return toBinary(raw.slice(0, cut));
}

/** Runs a lazy parse: its value, undefined when the header is absent, UNPARSEABLE when it fails. */
function attempt<T>(parse: () => T | undefined): T | undefined | typeof UNPARSEABLE {
  try {
    return parse();
  } catch (err) {
    if (isSipclfError(err)) return UNPARSEABLE;
    throw err;
  }
}

/** What a record takes from a To or From value: the bare URI, and the tag as the full grammar reads it. */
interface AddressFields {
  readonly uri: ClfValue;
  /** UNPARSEABLE when the value does not parse; the tag parameter otherwise (null: none). */
  readonly tag: ClfValue;
}

const ABSENT: AddressFields = { uri: null, tag: null };
const BAD: AddressFields = { uri: UNPARSEABLE, tag: UNPARSEABLE };

/**
 * Value as received → its fields. Every message of a dialog repeats the same To and From (a proxy logs each
 * twice, received and sent), so each distinct value is parsed once. Bounded: emptied when full. The result
 * depends on the bytes only, so a cached one is exactly what a parse would give.
 */
const ADDRESS_MEMO = new Map<string, AddressFields>();
const ADDRESS_MEMO_MAX = 4096;
const ADDRESS_MEMO_KEY_MAX = 512;

function addressFields(msg: SipMessage, which: 'to' | 'from'): AddressFields {
  const key = msg.firstAddressText(which);
  if (key === undefined) return ABSENT;
  const hit = ADDRESS_MEMO.get(key);
  if (hit !== undefined) return hit;
  const na = attempt(() => (which === 'to' ? msg.to() : msg.from()));
  const fields = na === undefined ? ABSENT : na === UNPARSEABLE ? BAD : { uri: bareUri(na), tag: na.tag === undefined ? null : toBinary(na.tag) };
  if (key.length > ADDRESS_MEMO_KEY_MAX) return fields; // kept small: at most 4096 × 512 bytes of keys
  if (ADDRESS_MEMO.size >= ADDRESS_MEMO_MAX) ADDRESS_MEMO.clear();
  ADDRESS_MEMO.set(detach(key), fields);
  return fields;
}

/** The tag field: UNPARSEABLE for a value that does not parse, else the parser's eager tag (same bytes). */
function tagOf(f: AddressFields, eager: string | undefined): ClfValue {
  if (f.tag === UNPARSEABLE) return UNPARSEABLE;
  return eager ?? f.tag;
}

function push(out: OptionalField[], c: Capped): void {
  out.push(c.field);
  if (c.marker !== undefined) out.push(c.marker);
}

/** Tag 00 entries for the requested headers, in message order (RFC 6873 §4.4: each occurrence separately). */
function headerFields(msg: SipMessage, names: readonly string[], out: OptionalField[]): void {
  const ids = new Set<number>();
  const others = new Set<string>();
  let reason = false;
  for (const n of names) {
    if (n.toLowerCase() === 'reason-phrase') reason = true;
    const id = headerIdOf(n);
    if (id === H.OTHER) others.add(n.toLowerCase());
    else ids.add(id);
  }
  if (reason && !msg.isRequest) push(out, reasonPhraseField(toBinary(msg.reason)));
  const text = msg.text;
  for (let i = 0; i < msg.headerCount; i++) {
    const id = msg.idAt(i);
    if (!(id === H.OTHER ? others.size > 0 && others.has(msg.headerAt(i).name.toLowerCase()) : ids.has(id))) continue;
    const h = msg.headerAt(i);
    const line = text.slice(h.offset, h.offset + h.raw.length);
    const colon = line.indexOf(':');
    push(out, headerField(line.slice(0, colon), line.slice(colon + 1)));
  }
}

/**
 * Builds the CLF record of one SIP message sent or received (RFC 6872 §8, RFC 6873 §4.2, §4.4). Never throws
 * on message content: fields that fail to parse are logged as `?`.
 */
export function recordFromMessage(msg: SipMessage, meta: MessageMeta, opts: FromMessageOptions = {}): ClfRecord {
  const cseq = msg.cseq;
  const to = addressFields(msg, 'to');
  const from = addressFields(msg, 'from');
  const callId = msg.callId;
  const optional: OptionalField[] = [];
  if (opts.headers !== undefined && opts.headers.length > 0) headerFields(msg, opts.headers, optional);
  if (opts.body === true && msg.body.length > 0) {
    const ct = msg.get('Content-Type');
    const b = msg.body;
    const start = msg.bodyOffset;
    push(optional, bodyField(ct === undefined ? '-' : toBinary(ct), msg.text.slice(start, start + b.length), b));
  }
  if (opts.wholeMessage !== false) {
    const raw = meta.octets ?? msg.raw;
    // The message's own bytes are a slice of its latin1 view; other octets get a view of their own.
    const start = raw.byteOffset - msg.buffer.byteOffset;
    const text = raw === msg.raw ? msg.text.slice(start, start + raw.length) : raw.latin1Slice(0, raw.length);
    // A mask that changed nothing (equal text): the octets are logged as they are, without a string copy.
    const masked = opts.mask === undefined ? text : opts.mask(text);
    const fast = masked === text ? octetMessageField(raw, text) : undefined;
    if (fast !== undefined) optional.push(fast);
    else push(optional, masked === text ? messageField(text, raw) : messageField(masked));
  }
  return {
    timestamp: meta.timestamp,
    isRequest: msg.isRequest,
    retransmission: meta.retransmission,
    direction: meta.direction,
    transport: meta.transport,
    encrypted: meta.encrypted,
    cseq: cseq !== undefined ? `${cseq.seq} ${cseq.method}` : msg.has('CSeq') ? UNPARSEABLE : null,
    status: msg.isRequest ? null : String(msg.status),
    requestUri: msg.isRequest ? msg.requestUri : null,
    destination: meta.destination,
    source: meta.source,
    toUri: to.uri,
    toTag: tagOf(to, msg.toTag),
    fromUri: from.uri,
    fromTag: tagOf(from, msg.fromTag),
    callId: callId !== undefined ? callId : msg.has('Call-ID') ? UNPARSEABLE : null,
    serverTxn: meta.serverTxn ?? null,
    clientTxn: meta.clientTxn ?? null,
    optional,
  };
}
