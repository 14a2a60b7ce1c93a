/**
 * MessageEditor: the changes a proxy makes to a message it forwards, applied as splices on the received
 * bytes so that every byte it does not have to touch is forwarded exactly as received (RFC 3261 §16.6:
 * "MUST NOT add to, modify, or remove the message body", and only the listed header edits; RFC 8123 REQ2).
 *
 * Edits are recorded against offsets of the original buffer and applied once by toBuffer(). Each edit
 * method documents the RFC step it serves. Leading CRLFs and extra datagram octets after the body are not
 * part of the message and are not forwarded.
 */
import { SipclfError } from '../errors.js';
import { splitCommaRanges } from './grammar/split.js';
import { H, type HeaderId } from './header-names.js';
import { E, HBASE, HF_ID, HF_LINE_E, HF_VALUE_E, HF_VALUE_S, HSTRIDE } from './layout.js';
import type { SipMessage } from './message.js';

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string | Buffer;
  readonly seq: number;
}

/** Element ranges of a list-valued header line, absolute offsets; `removed` tracks popped elements. */
interface ListLine {
  readonly line: number;
  readonly ranges: Array<[number, number]>;
  removed: number;
}

/**
 * The `logme` parameter with the `;` before it, for removal (RFC 8497 §6: valueless; parameter names are
 * case-insensitive). LWS around `;` may be a fold (RFC 3261 §7.3.1, CRLF then SP/HT), which a value span
 * keeps as received: the fold goes with the parameter, so none is left dangling at the value's end.
 */
const LOGME_PARAM = /(?:[ \t]|\r?\n[ \t])*;(?:[ \t]|\r?\n[ \t])*logme(?=(?:[ \t]|\r?\n[ \t])*(?:;|$))/gi;
/** Any `logme` parameter text at all in a value (a malformed Session-ID, or a second one). */
const LOGME_ANY = /;(?:[ \t]|\r?\n[ \t])*logme(?![A-Za-z0-9.!%*_+`'~=-])/i;

export class MessageEditor {
  readonly msg: SipMessage;
  readonly #splices: Splice[] = [];
  #seq = 0;
  #lists = new Map<HeaderId, ListLine[]>();
  #removedLines = new Set<number>();
  #body: Buffer | undefined;

  constructor(msg: SipMessage) {
    this.msg = msg;
  }

  // ---- generic ---------------------------------------------------------------------------------------------

  private splice(start: number, end: number, text: string | Buffer): this {
    this.#splices.push({ start, end, text, seq: this.#seq++ });
    return this;
  }

  private field(i: number, f: number): number {
    return this.msg.e[HBASE + i * HSTRIDE + f] as number;
  }

  /** Offset where header lines are appended: the empty line ending the header section. */
  private get headerEnd(): number {
    return this.msg.e[E.HDR_END] as number;
  }

  private firstLine(id: HeaderId): number {
    for (let i = 0; i < this.msg.headerCount; i++) if (this.field(i, HF_ID) === id && !this.#removedLines.has(i)) return i;
    return -1;
  }

  /** Adds a header line at the end of the header section (or before `before`, a header name, if present). */
  addHeader(name: string, value: string, before?: string): this {
    let at = this.headerEnd;
    if (before !== undefined) {
      const i = this.msg.indexOf(before);
      if (i >= 0) at = this.msg.lineStart(i);
    }
    return this.splice(at, at, `${name}: ${value}\r\n`);
  }

  /** Removes every line of the named header. */
  removeHeader(name: string): this {
    for (const i of this.msg.indexesOf(name)) this.removeLine(i);
    return this;
  }

  /** Replaces the value of the first line of the named header, or adds the header when absent. */
  setHeader(name: string, value: string): this {
    const i = this.msg.indexOf(name);
    if (i < 0) return this.addHeader(name, value);
    return this.splice(this.field(i, HF_VALUE_S), this.field(i, HF_VALUE_E), value);
  }

  private removeLine(i: number): void {
    if (this.#removedLines.has(i)) return;
    this.#removedLines.add(i);
    this.splice(this.msg.lineStart(i), this.field(i, HF_LINE_E), '');
  }

  // ---- list-valued headers (Via, Route) ---------------------------------------------------------------------

  private lines(id: HeaderId): ListLine[] {
    let l = this.#lists.get(id);
    if (l === undefined) {
      l = this.msg.indexesOfId(id).map((line) => {
        const vs = this.field(line, HF_VALUE_S);
        const ranges = splitCommaRanges(this.msg.text.slice(vs, this.field(line, HF_VALUE_E))).map(
          ([a, b]) => [vs + a, vs + b] as [number, number],
        );
        return { line, ranges, removed: 0 };
      });
      this.#lists.set(id, l);
    }
    return l;
  }

  /** Removes the topmost element of a list header: the element alone, or its whole line when it is the last. */
  private popFirst(id: HeaderId, what: string): this {
    const l = this.lines(id).find((x) => x.removed < x.ranges.length);
    if (l === undefined) throw new SipclfError('SIP_EDIT', `no ${what} left to remove`);
    if (l.removed === l.ranges.length - 1) {
      // The line's last element: remove the whole line (element splices made earlier fall inside it and are
      // dropped by toBuffer()).
      this.removeLine(l.line);
    } else {
      const [start] = l.ranges[l.removed] as [number, number];
      const [next] = l.ranges[l.removed + 1] as [number, number];
      this.splice(start, next, '');
    }
    l.removed++;
    return this;
  }

  /** RFC 3261 §16.6 step 8: insert the proxy's Via "before the existing Via header field values". */
  pushVia(value: string): this {
    const i = this.firstLine(H.VIA);
    const at = i < 0 ? this.headerEnd : this.msg.lineStart(i);
    return this.splice(at, at, `Via: ${value}\r\n`);
  }

  /** RFC 3261 §16.7 step 3: remove the topmost Via value from a response. */
  popVia(): this {
    return this.popFirst(H.VIA, 'Via value');
  }

  /** RFC 3261 §16.4: remove the first Route value when it names this proxy. */
  popRoute(): this {
    return this.popFirst(H.ROUTE, 'Route value');
  }

  /** RFC 3261 §16.6 step 6: push a Route value on top of the route set. */
  pushRoute(value: string): this {
    const i = this.firstLine(H.ROUTE);
    const at = i < 0 ? this.headerEnd : this.msg.lineStart(i);
    return this.splice(at, at, `Route: ${value}\r\n`);
  }

  /** RFC 3261 §16.6 step 4: "insert a Record-Route header field value … before any existing Record-Route". */
  insertRecordRoute(value: string): this {
    const i = this.firstLine(H.RECORD_ROUTE);
    const at = i < 0 ? this.headerEnd : this.msg.lineStart(i);
    return this.splice(at, at, `Record-Route: ${value}\r\n`);
  }

  // ---- start line and scalars ---------------------------------------------------------------------------------

  /** RFC 3261 §16.6 step 2: replace the Request-URI. */
  setRequestUri(uri: string): this {
    if (!this.msg.isRequest) throw new SipclfError('SIP_EDIT', 'a response has no Request-URI');
    if (/[\s<>"]/.test(uri) || uri.length === 0) throw new SipclfError('SIP_EDIT', `not a valid Request-URI: ${JSON.stringify(uri)}`);
    return this.splice(this.msg.e[E.URI_S] as number, this.msg.e[E.URI_E] as number, uri);
  }

  /**
   * RFC 3261 §16.6 step 3: decrement Max-Forwards, or add it with 70 when absent. Throws SIP_EDIT at 0:
   * the caller must have answered 483 (§16.3 step 2) instead of forwarding.
   */
  decrementMaxForwards(initial = 70): this {
    const i = this.firstLine(H.MAX_FORWARDS);
    if (i < 0) return this.addHeader('Max-Forwards', String(initial));
    const v = this.msg.maxForwards ?? 0;
    if (v <= 0) throw new SipclfError('SIP_EDIT', 'Max-Forwards is 0: answer 483 instead of forwarding');
    return this.splice(this.field(i, HF_VALUE_S), this.field(i, HF_VALUE_E), String(v - 1));
  }

  // ---- Session-ID / log-me (RFC 7989, RFC 8497) -------------------------------------------------------------------

  /**
   * RFC 8497 §4.5: add or remove the `logme` parameter of the Session-ID header. Adding to a message without
   * a well-formed Session-ID throws: the log-me engine must supply one (RFC 7989 §7) with setSessionId().
   */
  setLogme(on: boolean): this {
    const i = this.msg.e[E.SID_IDX] as number;
    if (!on) return this.#stripLogme();
    if (this.msg.e[E.SID_STATE] !== 1 || i < 0) {
      throw new SipclfError('SIP_EDIT', 'no well-formed Session-ID to mark: set one with setSessionId()');
    }
    if (this.msg.logme) return this;
    const ve = this.field(i, HF_VALUE_E);
    return this.splice(ve, ve, ';logme');
  }

  /**
   * Removes `logme` from every Session-ID line, not only from the first well-formed one the parser reads: at a
   * trust-domain boundary (RFC 8497 §3.4.2, §7.2) a marker in a second or malformed Session-ID header must not
   * pass either, since a lenient parser downstream could honour it.
   */
  #stripLogme(): this {
    for (let i = 0; i < this.msg.headerCount; i++) {
      if (this.field(i, HF_ID) !== H.SESSION_ID || this.#removedLines.has(i)) continue;
      const vs = this.field(i, HF_VALUE_S);
      const ve = this.field(i, HF_VALUE_E);
      const value = this.msg.text.slice(vs, ve);
      if (!LOGME_ANY.test(value)) continue;
      const next = value.replace(LOGME_PARAM, '');
      // A `logme` the pattern cannot cut cleanly (`;logme = x`; `;logme=x` and `;logmex` are other parameters,
      // which LOGME_ANY does not see, as the parser does not): the line goes, rather than the marker.
      if (LOGME_ANY.test(next)) this.splice(this.msg.lineStart(i), this.field(i, HF_LINE_E), '');
      // `value` came from the message as latin1 (an octet per char): written back as such, so octets above
      // 0x7F in the line (a quoted string) stay what they were rather than becoming UTF-8 pairs.
      else this.splice(vs, ve, Buffer.from(next, 'latin1'));
    }
    return this;
  }

  /** Whether any Session-ID line holds `logme` text (well-formed or not): what a boundary must remove. */
  static hasLogmeText(msg: SipMessage): boolean {
    if (msg.logme) return true;
    for (let i = 0; i < msg.headerCount; i++) {
      if ((msg.e[HBASE + i * HSTRIDE + HF_ID] as number) !== H.SESSION_ID) continue;
      if (LOGME_ANY.test(msg.text.slice(msg.e[HBASE + i * HSTRIDE + HF_VALUE_S], msg.e[HBASE + i * HSTRIDE + HF_VALUE_E]))) return true;
    }
    return false;
  }

  /** Sets (replaces or adds) the Session-ID header value (RFC 7989 §7 intermediary insertion). */
  setSessionId(value: string): this {
    const i = this.msg.e[E.SID_IDX] as number;
    if (i >= 0) return this.splice(this.field(i, HF_VALUE_S), this.field(i, HF_VALUE_E), value);
    return this.addHeader('Session-ID', value);
  }

  // ---- body ------------------------------------------------------------------------------------------------------------

  /** Replaces the body and updates Content-Length (a UA or B2BUA edit; a proxy never changes the body). */
  setBody(body: Buffer): this {
    this.#body = body;
    return this;
  }

  /** RFC 3261 §16.6 step 9 / §18.3: stream transports need Content-Length; add it when absent. */
  ensureContentLength(): this {
    if (this.msg.contentLength === undefined && this.#body === undefined) this.addHeader('Content-Length', String(this.msg.body.length));
    return this;
  }

  // ---- output ------------------------------------------------------------------------------------------------------------

  /** The edited message. Untouched bytes are copied exactly as received. */
  toBuffer(): Buffer {
    const msg = this.msg;
    const splices = [...this.#splices];
    if (this.#body !== undefined) {
      const cl = msg.indexesOfId(H.CONTENT_LENGTH);
      if (cl.length === 0) splices.push({ start: this.headerEnd, end: this.headerEnd, text: `Content-Length: ${this.#body.length}\r\n`, seq: this.#seq++ });
      for (const i of cl) {
        splices.push({ start: this.field(i, HF_VALUE_S), end: this.field(i, HF_VALUE_E), text: String(this.#body.length), seq: this.#seq++ });
      }
      splices.push({ start: msg.bodyOffset, end: msg.e[E.END] as number, text: this.#body, seq: this.#seq++ });
    }
    // Insertions before removals at the same offset, so that a line pushed where one is removed survives.
    splices.sort((a, b) => a.start - b.start || Number(a.end > a.start) - Number(b.end > b.start) || a.seq - b.seq);
    const parts: Buffer[] = [];
    let pos = msg.e[E.START] as number;
    for (const s of splices) {
      if (s.start < pos) {
        // A splice inside a removed line is dropped with the line; any other overlap is a caller error.
        if (s.end <= pos) continue;
        throw new SipclfError('SIP_EDIT', 'overlapping edits');
      }
      if (s.start > pos) parts.push(msg.buffer.subarray(pos, s.start));
      parts.push(typeof s.text === 'string' ? Buffer.from(s.text, 'utf8') : s.text);
      pos = s.end;
    }
    parts.push(msg.buffer.subarray(pos, msg.e[E.END]));
    return Buffer.concat(parts);
  }
}
