/**
 * SipMessage: a parsed SIP message that keeps the received bytes.
 *
 * It owns the byte buffer, the header table and the eager table built by parser.ts. Eager fields (what a
 * proxy reads on every message) were validated during parsing and are decoded to strings on first read;
 * every other header is parsed by src/sip/grammar/ on first access and cached. Header names and values
 * stay available exactly as received (RFC 8123 REQ2, RFC 8497 §3.6: log header fields in the form they
 * appear on the wire).
 */
import { SipParseError } from '../errors.js';
import { canonicalName, H, headerIdOf, type HeaderId } from './header-names.js';
import { TOKEN } from './bytes.js';
import { E, HBASE, HF_ID, HF_LINE_E, HF_VALUE_E, HF_VALUE_S, HSTRIDE } from './layout.js';
import { parseContact, parseNameAddr, parseNameAddrList, type NameAddr } from './grammar/address.js';
import { parseJoin, parseReplaces, parseTargetDialog } from './grammar/dialog-headers.js';
import { parseSessionId, type SessionId } from './grammar/session-id.js';
import { parseMediaType, parseReferTo } from './grammar/simple.js';
import { splitCommaValues, splitTokens } from './grammar/split.js';
import { parseUri, type Uri } from './grammar/uri.js';
import { parseVia, type Via } from './grammar/via.js';
import { checkAllHeaders } from './check-all.js';

/** One header line as received. */
export interface RawHeader {
  /** Name as received (long or compact form, original case). */
  readonly name: string;
  /** Canonical long name for known headers, otherwise the received name. */
  readonly canonical: string;
  /** Value unfolded (CRLF+WSP → SP) and trimmed. */
  readonly value: string;
  /** The whole line as received: name, colon, value, folds and the terminating CRLF. */
  readonly raw: Buffer;
  /** Byte offset of the line in the message buffer. */
  readonly offset: number;
}

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

export interface TopVia {
  readonly transport: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly branch: string | undefined;
  readonly received: string | undefined;
  /** `true` for a valueless rport (RFC 3581 request), the port for a filled-in one. */
  readonly rport: number | true | undefined;
}

const FOLD = /\r?\n[ \t]+/g;

/** Methods interned so the common ones cost no allocation. */
const METHODS = new Map<string, string>(
  ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE'].map(
    (m) => [m, m],
  ),
);

export class SipMessage {
  /** The buffer the message was parsed from (may extend beyond the message: see `raw`). */
  readonly buffer: Buffer;
  readonly isRequest: boolean;
  readonly headerCount: number;
  /** @internal latin1 view of `buffer` (one char per octet): offsets are byte offsets. */
  readonly text: string;
  /** @internal eager table then header table, see layout.ts */
  readonly e: number[];

  #method: string | undefined;
  #callId: string | undefined;
  #cseq: CSeq | undefined;
  #topVia: TopVia | undefined;
  #cache: Map<string, unknown> | undefined;

  constructor(buffer: Buffer, text: string, isRequest: boolean, table: number[], headerCount: number) {
    this.buffer = buffer;
    this.text = text;
    this.isRequest = isRequest;
    this.e = table;
    this.headerCount = headerCount;
  }

  // ---- start line ----------------------------------------------------------------------------------------

  /** The message bytes, start line to end of body (extra datagram octets and leading CRLFs excluded). */
  get raw(): Buffer {
    // One Buffer object per message: the transaction layer sends `raw` and the message log recognises what it
    // sends by identity (src/msglog), without parsing the bytes again.
    this.#raw ??= this.buffer.subarray(this.e[E.START], this.e[E.END]);
    return this.#raw;
  }
  #raw: Buffer | undefined;

  /** Request method; for a response, the CSeq method (the request it answers). */
  get method(): string {
    if (this.#method === undefined) {
      const s = this.isRequest ? this.span(E.METHOD_S) : this.span(E.CSEQ_M_S);
      this.#method = METHODS.get(s) ?? s;
    }
    return this.#method;
  }

  /** The Request-URI as received ('' for responses). */
  get requestUri(): string {
    return this.isRequest ? this.span(E.URI_S) : '';
  }

  get version(): string {
    return this.span(E.VER_S);
  }

  /** Status code of a response (0 for requests). */
  get status(): number {
    return this.e[E.STATUS] as number;
  }

  /** Reason-Phrase of a response, UTF-8 decoded ('' for requests). */
  get reason(): string {
    if (this.isRequest) return '';
    return this.buffer.toString('utf8', this.e[E.REASON_S], this.e[E.REASON_E]);
  }

  /** The parsed Request-URI (lazy). */
  uri(): Uri {
    return this.cached('ruri', () => {
      try {
        return parseUri(this.requestUri);
      } catch (err) {
        throw this.relocate(err, this.e[E.URI_S] as number);
      }
    });
  }

  // ---- eager fields ---------------------------------------------------------------------------------------

  get callId(): string | undefined {
    if (this.#callId === undefined && this.e[E.CALLID_S] !== -1) this.#callId = this.span(E.CALLID_S);
    return this.#callId;
  }

  get cseq(): CSeq | undefined {
    if (this.#cseq === undefined && this.e[E.CSEQ_SEQ] !== -1) {
      const m = this.span(E.CSEQ_M_S);
      this.#cseq = { seq: this.e[E.CSEQ_SEQ] as number, method: METHODS.get(m) ?? m };
    }
    return this.#cseq;
  }

  get maxForwards(): number | undefined {
    const v = this.e[E.MAXFWD] as number;
    return v === -1 ? undefined : v;
  }

  /** Content-Length as declared (first occurrence), undefined when absent. */
  get contentLength(): number | undefined {
    const v = this.e[E.CLEN] as number;
    return v === -1 ? undefined : v;
  }

  /** True when several Content-Length headers disagree (RFC 4475 §3.3.9); the validator rejects it. */
  get contentLengthConflict(): boolean {
    return this.e[E.CLEN_CONFLICT] === 1;
  }

  get fromTag(): string | undefined {
    return this.e[E.FROMTAG_S] === -1 || this.e[E.FROMTAG_S] === undefined ? undefined : this.span(E.FROMTAG_S);
  }

  get toTag(): string | undefined {
    return this.e[E.TOTAG_S] === -1 || this.e[E.TOTAG_S] === undefined ? undefined : this.span(E.TOTAG_S);
  }

  /** The first via-parm of the first Via header, as a proxy needs it. */
  get topVia(): TopVia | undefined {
    if (this.#topVia === undefined && this.e[E.VIA_IDX] !== -1) {
      const rp = this.e[E.VIA_RPORT] as number;
      const port = this.e[E.VIA_PORT] as number;
      let host = this.span(E.VIA_HOST_S).toLowerCase();
      if (host.startsWith('[')) host = host.slice(1, -1);
      this.#topVia = {
        transport: this.span(E.VIA_TRANSPORT_S).toUpperCase(),
        host,
        port: port === -1 ? undefined : port,
        branch: this.e[E.VIA_BRANCH_S] === -1 ? undefined : this.span(E.VIA_BRANCH_S),
        received: this.e[E.VIA_RECEIVED_S] === -1 ? undefined : this.span(E.VIA_RECEIVED_S),
        rport: rp === -1 ? undefined : rp === 0 ? true : rp,
      };
    }
    return this.#topVia;
  }

  /** Number of Via header lines. */
  get viaCount(): number {
    return this.e[E.VIA_COUNT] as number;
  }

  get hasRoute(): boolean {
    return (this.e[E.ROUTE_COUNT] as number) > 0;
  }

  get hasRecordRoute(): boolean {
    return (this.e[E.RR_COUNT] as number) > 0;
  }

  /** True when the message carries a well-formed Session-ID with the RFC 8497 `logme` marker. */
  get logme(): boolean {
    return this.e[E.SID_STATE] === 1 && this.e[E.SID_LOGME] === 1;
  }

  /** True when a Session-ID header is present but malformed (RFC 7989 §7 treats it as absent). */
  get sessionIdMalformed(): boolean {
    return this.e[E.SID_STATE] === 2;
  }

  /** The Session-ID (RFC 7989) when present and well formed. */
  get sessionId(): SessionId | undefined {
    if (this.e[E.SID_STATE] !== 1) return undefined;
    return this.cached('sid', () => parseSessionId(this.valueAt(this.e[E.SID_IDX] as number)));
  }

  // ---- body -------------------------------------------------------------------------------------------------

  get body(): Buffer {
    return this.buffer.subarray(this.e[E.BODY_S], this.e[E.END]);
  }

  /** Byte offset (within `buffer`) where the body starts. */
  get bodyOffset(): number {
    return this.e[E.BODY_S] as number;
  }

  // ---- generic header access --------------------------------------------------------------------------------

  /** First value of the named header (long or compact name, any case), unfolded; undefined if absent. */
  get(name: string): string | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** Every value of the named header, one per header line. */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (const i of this.indexesOf(name)) out.push(this.valueAt(i));
    return out;
  }

  /** Number of header lines with this name. */
  count(name: string): number {
    return this.indexesOf(name).length;
  }

  /** Comma-separated values across all lines of the named header (quoted strings and <> respected). */
  values(name: string): string[] {
    const out: string[] = [];
    for (const v of this.getAll(name)) out.push(...splitCommaValues(v));
    return out;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** All header lines as received, in order. */
  headers(): RawHeader[] {
    const out: RawHeader[] = [];
    for (let i = 0; i < this.headerCount; i++) out.push(this.headerAt(i));
    return out;
  }

  headerAt(i: number): RawHeader {
    const b = HBASE + i * HSTRIDE;
    const id = this.e[b + HF_ID] as HeaderId;
    const start = this.lineStart(i);
    const name = this.text.slice(start, this.nameEnd(i));
    return {
      name,
      canonical: id === H.OTHER ? name : canonicalName(id),
      value: this.valueAt(i),
      raw: this.buffer.subarray(start, this.e[b + HF_LINE_E]),
      offset: start,
    };
  }

  /** Header id of line i (H.OTHER for unknown names). */
  idAt(i: number): HeaderId {
    return this.e[HBASE + i * HSTRIDE + HF_ID] as HeaderId;
  }

  /** Unfolded, trimmed value of header line i, UTF-8 decoded. */
  valueAt(i: number): string {
    const b = HBASE + i * HSTRIDE;
    const v = this.buffer.toString('utf8', this.e[b + HF_VALUE_S], this.e[b + HF_VALUE_E]);
    return v.includes('\n') ? v.replace(FOLD, ' ') : v;
  }

  // ---- typed lazy accessors -----------------------------------------------------------------------------------

  /** Every via-parm of every Via header, top first. */
  vias(): Via[] {
    return this.cached('via', () => this.parseEach(H.VIA, parseVia));
  }

  /**
   * @internal The first To or From value as received: latin1 text of its bytes, folds included, not decoded.
   * A cache key for what is derived from it (src/clf/from-sip.ts: a dialog's To and From repeat in every
   * message). undefined when the header is absent.
   */
  firstAddressText(which: 'to' | 'from'): string | undefined {
    const i = this.e[which === 'to' ? E.TO_IDX : E.FROM_IDX];
    if (i === undefined || i < 0) return undefined;
    const b = HBASE + i * HSTRIDE;
    return this.text.slice(this.e[b + HF_VALUE_S], this.e[b + HF_VALUE_E]);
  }

  from(): NameAddr | undefined {
    return this.cached('from', () => this.parseFirst(H.FROM, parseNameAddr));
  }

  to(): NameAddr | undefined {
    return this.cached('to', () => this.parseFirst(H.TO, parseNameAddr));
  }

  /** Contact values; empty for the wildcard `Contact: *` (RFC 3261 §10.2.2), see contactStar. */
  contacts(): NameAddr[] {
    return this.cached('contact', () => this.parseEach(H.CONTACT, (v) => {
      const c = parseContact(v);
      return c === '*' ? [] : c;
    }));
  }

  /** True for `Contact: *` (RFC 3261 §10.2.2: remove all bindings, REGISTER only). */
  get contactStar(): boolean {
    return this.indexesOfId(H.CONTACT).some((i) => this.valueAt(i).trim() === '*');
  }

  routes(): NameAddr[] {
    return this.cached('route', () => this.parseEach(H.ROUTE, parseNameAddrList));
  }

  recordRoutes(): NameAddr[] {
    return this.cached('rr', () => this.parseEach(H.RECORD_ROUTE, parseNameAddrList));
  }

  require(): string[] {
    return this.cached('require', () => this.parseEach(H.REQUIRE, splitTokens));
  }

  proxyRequire(): string[] {
    return this.cached('preq', () => this.parseEach(H.PROXY_REQUIRE, splitTokens));
  }

  supported(): string[] {
    return this.cached('supported', () => this.parseEach(H.SUPPORTED, splitTokens));
  }

  contentType(): ReturnType<typeof parseMediaType> | undefined {
    return this.cached('ctype', () => this.parseFirst(H.CONTENT_TYPE, parseMediaType));
  }

  referTo(): ReturnType<typeof parseReferTo> | undefined {
    return this.cached('referto', () => this.parseFirst(H.REFER_TO, parseReferTo));
  }

  targetDialog(): ReturnType<typeof parseTargetDialog> | undefined {
    return this.cached('tdialog', () => this.parseFirst(H.TARGET_DIALOG, parseTargetDialog));
  }

  replaces(): ReturnType<typeof parseReplaces> | undefined {
    return this.cached('replaces', () => this.parseFirst(H.REPLACES, parseReplaces));
  }

  join(): ReturnType<typeof parseJoin> | undefined {
    return this.cached('join', () => this.parseFirst(H.JOIN, parseJoin));
  }

  /**
   * Strict mode: parse the Request-URI and every header that has a known grammar, throwing the first
   * SipParseError (with its byte offset). Elements that must reject what a lazy parser would never look
   * at (RFC 4475 §3.1.2) call this.
   */
  checkAll(): void {
    checkAllHeaders(this);
  }

  // ---- internals ------------------------------------------------------------------------------------------------

  /** latin1 string of the eager span whose start slot is `slot` (end slot follows it). */
  private span(slot: number): string {
    return this.text.slice(this.e[slot], this.e[slot + 1]);
  }

  /** @internal index of the first header line with this name, or -1. */
  indexOf(name: string): number {
    const id = headerIdOf(name);
    for (let i = 0; i < this.headerCount; i++) {
      if (this.e[HBASE + i * HSTRIDE] === id && (id !== H.OTHER || this.nameIs(i, name))) return i;
    }
    return -1;
  }

  /** @internal indexes of every header line with this name. */
  indexesOf(name: string): number[] {
    const id = headerIdOf(name);
    const out: number[] = [];
    for (let i = 0; i < this.headerCount; i++) {
      if (this.e[HBASE + i * HSTRIDE] === id && (id !== H.OTHER || this.nameIs(i, name))) out.push(i);
    }
    return out;
  }

  /** @internal indexes of every header line with this id. */
  indexesOfId(id: HeaderId): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.headerCount; i++) if (this.e[HBASE + i * HSTRIDE] === id) out.push(i);
    return out;
  }

  /**
   * @internal Offset of header line i, where its name starts (layout.ts: not stored): the end of the line before
   * it, or for the first line the octet after the start line's LF.
   */
  lineStart(i: number): number {
    return i === 0 ? this.text.indexOf('\n', this.e[E.START]) + 1 : (this.e[HBASE + (i - 1) * HSTRIDE + HF_LINE_E] as number);
  }

  /** @internal End of header line i's name: a field-name is a token (RFC 3261 §7.3.1), the parser took all of it. */
  nameEnd(i: number): number {
    let k = this.lineStart(i);
    while (TOKEN[this.buffer[k] as number] === 1) k++;
    return k;
  }

  private nameIs(i: number, name: string): boolean {
    const s = this.lineStart(i);
    const e = this.nameEnd(i);
    if (e - s !== name.length) return false;
    return this.text.slice(s, e).toLowerCase() === name.toLowerCase();
  }

  private cached<T>(key: string, make: () => T): T {
    this.#cache ??= new Map();
    if (this.#cache.has(key)) return this.#cache.get(key) as T;
    const v = make();
    this.#cache.set(key, v);
    return v;
  }

  private parseFirst<T>(id: HeaderId, parse: (v: string) => T): T | undefined {
    const idx = this.indexesOfId(id)[0];
    if (idx === undefined) return undefined;
    try {
      return parse(this.valueAt(idx));
    } catch (err) {
      throw this.relocate(err, this.e[HBASE + idx * HSTRIDE + HF_VALUE_S] as number);
    }
  }

  private parseEach<T>(id: HeaderId, parse: (v: string) => T[]): T[] {
    const out: T[] = [];
    for (const idx of this.indexesOfId(id)) {
      try {
        out.push(...parse(this.valueAt(idx)));
      } catch (err) {
        throw this.relocate(err, this.e[HBASE + idx * HSTRIDE + HF_VALUE_S] as number);
      }
    }
    return out;
  }

  /** Turn a grammar error (offset within a value string) into one with a message byte offset. */
  relocate(err: unknown, base: number): unknown {
    if (err instanceof SipParseError) return new SipParseError(err.code, err.message, base + err.offset);
    return err;
  }
}
