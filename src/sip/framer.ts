/**
 * StreamFramer: cuts a TCP/TLS byte stream into SIP messages and keep-alives (RFC 3261 §18.3, RFC 5626 §3.5.1).
 *
 * On a stream the only frame delimiter SIP has is Content-Length (mandatory there, RFC 3261 §18.3, §20.14), so
 * the framer reads just enough of each header section to find it; the full parse is parser.ts's job.
 *
 * Rules (each decision depends only on the bytes, never on where the chunks were cut, so a stream split at
 * any byte boundary frames the same):
 *
 * - Line ends. A line ends at LF; a CR immediately before that LF belongs to the line end. So CRLF and bare LF
 *   are both line ends, as in parser.ts; a CR not followed by LF is an ordinary byte. The header section ends
 *   at the first empty line (CRLF CRLF, LF LF, CRLF LF or LF CRLF).
 * - Between messages (and before the first one), line ends are keep-alives, never messages (RFC 3261 §7.5
 *   says to skip CRLFs before a start line; RFC 5626 §3.5.1 gives them meaning). They are paired greedily:
 *   two consecutive line ends (CRLF CRLF) are a `ping` (the transport answers with a CRLF pong); a line end
 *   that is followed by anything other than another line end (a start-line byte, or the end of the stream)
 *   is a `pong`. The decision is taken when that next byte arrives: no timer. So CRLF×3 + INVITE is a ping
 *   and then a pong, and CRLF×4 is two pings. The event's offset is that of the keep-alive's first byte. A
 *   CR not followed by LF is the first byte of a message (which the parser will reject).
 * - Header lines. A line starting with SP or HT continues the previous one (folding, RFC 3261 §7.3.1). Its
 *   length (for maxLineBytes) is the sum of its physical lines without their line ends; the start line is
 *   not a header line (maxHeaders counts header lines only, a folded header once).
 * - Content-Length. Name `Content-Length` or compact `l` (RFC 3261 §7.3.3, §20.14), case-insensitive,
 *   SP/HT allowed before the colon (HCOLON, §25.1); value 1*DIGIT with optional surrounding whitespace.
 *   Anything else in the value (a sign, a second number) → SIP_BAD_CONTENT_LENGTH; more than 2^32-1 →
 *   SIP_SCALAR_RANGE (as parser.ts, a non-digit wins over the range); several Content-Length headers must
 *   agree in value, else SIP_BAD_CONTENT_LENGTH; none → SIP_MISSING_CONTENT_LENGTH.
 * - Limits are checked before bytes are kept: a header section longer than maxMessageBytes fails at the
 *   first byte beyond it, header bytes + Content-Length > maxMessageBytes fails as soon as the header
 *   section ends (before any body byte is waited for), a line fails at its first byte beyond maxLineBytes,
 *   and header line maxHeaders + 1 fails at its first byte. Hence `buffered` ≤ maxMessageBytes after a push.
 * - Errors. After an error the stream cannot be resynchronised reliably (the next message start is unknown,
 *   RFC 3261 §18.3: the connection should be closed), so the framer emits the error once, drops its
 *   buffers, sets `failed`, and ignores all further input. Error offsets are stream offsets: the message
 *   start for message-level errors, the start of the offending line for line-level ones.
 * - `end()`: a pending lone line end is a pong; an unfinished message is SIP_NO_HEADER_END (headers
 *   incomplete) or SIP_BODY_TRUNCATED (body incomplete). After `end()` the framer accepts nothing.
 *
 * Efficiency (framer-parts.ts holds the chunk list and the Content-Length recogniser): every pushed byte is
 * scanned at most once (the scan state survives between pushes; body bytes are skipped, not scanned; header
 * lines that cannot be Content-Length are skipped with indexOf). Chunks are kept in a list and only joined
 * when a message spans several; a message inside one chunk is emitted as a `subarray` of it, without copying. The framer takes ownership of pushed chunks: the caller must not
 * modify them afterwards (Node's sockets hand out a fresh Buffer per 'data' event), and the emitted
 * messages never alias memory the framer writes to.
 */
import { SipParseError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { CL_EMPTY, CL_NOT_CL, CL_OVERFLOW, ChunkList, ContentLengthMatcher, MAX_CONTENT_LENGTH } from './framer-parts.js';
import { resolveLimits } from './limits.js';
import type { ParseLimits } from './limits.js';

export type FrameEvent =
  | { type: 'message'; bytes: Buffer; offset: number /* stream offset of the first byte */ }
  | { type: 'keepalive'; kind: 'ping' | 'pong'; offset: number }
  | { type: 'error'; error: SipParseError };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

const IDLE = 0; // between messages: only line ends (keep-alives) so far
const HEADERS = 1; // inside a start line or header section
const BODY = 2; // header section complete, waiting for the Content-Length body bytes
const DONE = 3; // failed or ended
type State = typeof IDLE | typeof HEADERS | typeof BODY | typeof DONE;

export class StreamFramer {
  readonly #maxMessage: number;
  readonly #maxLine: number;
  readonly #maxHeaders: number;
  readonly #chunks = new ChunkList();
  readonly #cl = new ContentLengthMatcher();
  #state: State = IDLE;
  #failed = false;

  /** Offset of a line end (IDLE) awaiting its pairing decision, or -1. */
  #eol = -1;
  /** Offset of a CR whose next byte is not known yet (IDLE and HEADERS), or -1. */
  #cr = -1;

  // The current message.
  #msgStart = 0;
  #firstLine = true;
  #lineStart = true;
  #logicalStart = 0;
  #logicalLen = 0;
  #headerCount = 0;
  /** Content-Length agreed so far, or -1 if none seen. */
  #contentLength = -1;
  #bodyEnd = 0;

  constructor(limits?: Partial<ParseLimits>) {
    const lim = resolveLimits(limits);
    this.#maxMessage = lim.maxMessageBytes;
    this.#maxLine = lim.maxLineBytes;
    this.#maxHeaders = lim.maxHeaders;
  }

  /** Bytes held for an unfinished message (0 between messages, and after failure or end). */
  get buffered(): number {
    if (this.#state === DONE) return 0;
    return this.#chunks.end - this.#keepFrom();
  }

  /**
   * Bytes of the pushed chunks still kept (whole chunks, so at least `buffered`): what the framer holds in
   * memory, for a caller that bounds it (capture's TCP reassembly).
   */
  get retainedBytes(): number {
    return this.#chunks.retainedBytes;
  }

  /** Chunks still kept: each is a Buffer object of its own. */
  get retainedChunks(): number {
    return this.#chunks.retainedChunks;
  }

  /** True once an error has been emitted; all further input is then ignored. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Feeds the next chunk of the stream; returns the events it completes, in stream order. */
  push(chunk: Buffer): FrameEvent[] {
    const out: FrameEvent[] = [];
    if (this.#state === DONE || chunk.length === 0) return out;
    const chunks = this.#chunks;
    const base = chunks.end;
    chunks.append(chunk);
    let i = 0;
    for (;;) {
      if (this.#state === BODY) {
        // Body bytes are counted, never scanned.
        if (this.#bodyEnd > chunks.end) break;
        out.push({ type: 'message', bytes: chunks.slice(this.#msgStart, this.#bodyEnd), offset: this.#msgStart });
        this.#state = IDLE;
        i = this.#bodyEnd - base;
        continue;
      }
      if (i >= chunk.length) break;
      i = this.#state === IDLE ? this.#scanIdle(chunk, i, base, out) : this.#scanHeaders(chunk, i, base, out);
      if (this.#failed) return out;
    }
    chunks.releaseBefore(this.#keepFrom());
    return out;
  }

  /** The stream has ended: settles a pending keep-alive or reports the unfinished message. */
  end(): FrameEvent[] {
    const out: FrameEvent[] = [];
    const state = this.#state;
    if (state === DONE) return out;
    if (state === IDLE) {
      // A lone line end followed by the end of the stream is not followed by another one: a pong.
      if (this.#eol >= 0) out.push({ type: 'keepalive', kind: 'pong', offset: this.#eol });
      if (this.#cr >= 0) this.#fail('SIP_NO_HEADER_END', 'stream ended inside a start line', this.#cr, out);
    } else if (state === HEADERS) {
      this.#fail('SIP_NO_HEADER_END', 'stream ended before the end of the header section', this.#msgStart, out);
    } else {
      const missing = this.#bodyEnd - this.#chunks.end;
      this.#fail('SIP_BODY_TRUNCATED', `stream ended ${missing} body bytes short of Content-Length`, this.#msgStart, out);
    }
    this.#state = DONE;
    this.#chunks.clear();
    return out;
  }

  /** IDLE: pairs line ends into keep-alives until a message starts; returns the index reached. */
  #scanIdle(chunk: Buffer, i: number, base: number, out: FrameEvent[]): number {
    const n = chunk.length;
    while (i < n) {
      const b = chunk[i] as number;
      if (this.#cr >= 0) {
        if (b === LF) {
          const start = this.#cr;
          this.#cr = -1;
          this.#lineEnd(start, out);
          i++;
          continue;
        }
        // A CR not followed by LF is the first byte of a message; #cr stays set for #scanHeaders.
        this.#startMessage(this.#cr, out);
        return i;
      }
      if (b === CR) this.#cr = base + i;
      else if (b === LF) this.#lineEnd(base + i, out);
      else {
        this.#startMessage(base + i, out);
        return i;
      }
      i++;
    }
    return i;
  }

  /** A line end between messages (RFC 5626 §3.5.1): the second of a pair makes a ping. */
  #lineEnd(offset: number, out: FrameEvent[]): void {
    if (this.#eol >= 0) {
      out.push({ type: 'keepalive', kind: 'ping', offset: this.#eol });
      this.#eol = -1;
    } else {
      this.#eol = offset;
    }
  }

  #startMessage(offset: number, out: FrameEvent[]): void {
    if (this.#eol >= 0) {
      // The lone line end before this start line is a pong (RFC 5626 §3.5.1).
      out.push({ type: 'keepalive', kind: 'pong', offset: this.#eol });
      this.#eol = -1;
    }
    this.#state = HEADERS;
    this.#msgStart = offset;
    this.#firstLine = true;
    this.#lineStart = true;
    this.#logicalStart = offset;
    this.#logicalLen = 0;
    this.#headerCount = 0;
    this.#contentLength = -1;
    this.#cl.reset(false);
  }

  /** HEADERS: scans to the empty line, the end of the chunk or an error; returns the index reached. */
  #scanHeaders(chunk: Buffer, i: number, base: number, out: FrameEvent[]): number {
    const n = chunk.length;
    // The byte at this stream offset would make the message longer than maxMessageBytes.
    const tooFar = this.#msgStart + this.#maxMessage;
    while (i < n) {
      const off = base + i;
      if (off >= tooFar) {
        this.#fail('SIP_LIMIT_MESSAGE_SIZE', `header section longer than ${this.#maxMessage} bytes`, this.#msgStart, out);
        return n;
      }
      const b = chunk[i] as number;
      i++;
      if (this.#cr >= 0) {
        const cr = this.#cr;
        this.#cr = -1;
        if (b === LF) {
          if (this.#lineDone(off, out)) return i;
          continue;
        }
        if (!this.#content(CR, cr, out)) return n;
      }
      if (b === CR) {
        this.#cr = off; // decided by the next byte: line end if LF, content otherwise
        continue;
      }
      if (b === LF) {
        if (this.#lineDone(off, out)) return i;
        continue;
      }
      if (!this.#content(b, off, out)) return n;
      if (!this.#cl.active) {
        // Fast path: the rest of a line that cannot be Content-Length is only counted. It stops before a CR
        // that precedes the LF (part of the line end) and at the byte that would break a limit, so the
        // byte-wise path above takes every decision, wherever the chunks were cut.
        let j = chunk.indexOf(LF, i);
        if (j < 0) j = n;
        if (j > i && chunk[j - 1] === CR) j--;
        const stop = Math.min(j, tooFar - base, i + (this.#maxLine - this.#logicalLen));
        if (stop > i) {
          this.#logicalLen += stop - i;
          i = stop;
        }
      }
    }
    return i;
  }

  /** A content byte of the current line (line ends excluded); false after an error. */
  #content(b: number, off: number, out: FrameEvent[]): boolean {
    if (this.#lineStart) {
      this.#lineStart = false;
      if (this.#firstLine || (b !== SP && b !== HT)) {
        // A new logical line, so the previous header is complete (a SP/HT start would fold it, §7.3.1).
        if (!this.#finishHeader(out)) return false;
        this.#logicalStart = off;
        this.#logicalLen = 0;
        if (!this.#firstLine) {
          if (++this.#headerCount > this.#maxHeaders) {
            this.#fail('SIP_LIMIT_HEADER_COUNT', `more than ${this.#maxHeaders} header lines`, off, out);
            return false;
          }
          this.#cl.reset(true);
        }
      }
    }
    if (++this.#logicalLen > this.#maxLine) {
      this.#fail('SIP_LIMIT_LINE_LENGTH', `line longer than ${this.#maxLine} bytes`, this.#logicalStart, out);
      return false;
    }
    if (this.#cl.byte(b)) return true;
    this.#fail('SIP_BAD_CONTENT_LENGTH', 'Content-Length is not a non-negative decimal integer', this.#logicalStart, out);
    return false;
  }

  /** The current logical line is complete: records its Content-Length, if it is one; false after an error. */
  #finishHeader(out: FrameEvent[]): boolean {
    const v = this.#cl.finish();
    if (v === CL_NOT_CL) return true;
    const at = this.#logicalStart;
    if (v === CL_EMPTY) {
      this.#fail('SIP_BAD_CONTENT_LENGTH', 'Content-Length has no value', at, out);
      return false;
    }
    if (v === CL_OVERFLOW) {
      this.#fail('SIP_SCALAR_RANGE', `Content-Length exceeds ${MAX_CONTENT_LENGTH}`, at, out);
      return false;
    }
    if (this.#contentLength >= 0 && this.#contentLength !== v) {
      this.#fail('SIP_BAD_CONTENT_LENGTH', `conflicting Content-Length values ${this.#contentLength} and ${v}`, at, out);
      return false;
    }
    this.#contentLength = v;
    return true;
  }

  /** A line end at `lf` inside a message. True when the state changed (header section done, or error). */
  #lineDone(lf: number, out: FrameEvent[]): boolean {
    if (!this.#lineStart) {
      this.#lineStart = true;
      this.#firstLine = false;
      return false;
    }
    // The empty line: the header section is complete (RFC 3261 §7).
    if (!this.#finishHeader(out)) return true;
    if (this.#contentLength < 0) {
      this.#fail('SIP_MISSING_CONTENT_LENGTH', 'no Content-Length on a stream transport (RFC 3261 §18.3)', this.#msgStart, out);
      return true;
    }
    // RFC 3261 §18.3 / limits.ts: refuse before waiting for (and buffering) the body.
    const size = lf + 1 - this.#msgStart + this.#contentLength;
    if (size > this.#maxMessage) {
      this.#fail('SIP_LIMIT_MESSAGE_SIZE', `message of ${size} bytes exceeds ${this.#maxMessage}`, this.#msgStart, out);
      return true;
    }
    this.#bodyEnd = lf + 1 + this.#contentLength;
    this.#state = BODY;
    return true;
  }

  #fail(code: ErrorCode, message: string, offset: number, out: FrameEvent[]): void {
    out.push({ type: 'error', error: new SipParseError(code, message, offset) });
    this.#failed = true;
    this.#state = DONE;
    this.#chunks.clear();
  }

  /** First stream offset still needed: the message start, or a CR that may start one. */
  #keepFrom(): number {
    if (this.#state === IDLE) return this.#cr >= 0 ? this.#cr : this.#chunks.end;
    return this.#msgStart;
  }
}
