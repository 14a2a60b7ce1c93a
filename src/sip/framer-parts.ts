/**
 * Parts of the stream framer (framer.ts): the list of pending chunks, and the byte-wise Content-Length
 * recogniser that runs over each header line as it arrives, so no header line is ever copied or rescanned.
 */

/**
 * The chunks of a stream still needed, with their stream offsets. Chunks are kept as pushed (no copy); a
 * range inside one chunk is returned as a `subarray`, a range across chunks is copied once into a fresh
 * buffer. Nothing here ever writes into a pushed chunk.
 */
export class ChunkList {
  #chunks: Buffer[] = [];
  /** Stream offset of chunks[0][0]. */
  #head = 0;
  /** Stream offset just past the last pushed byte. */
  #end = 0;
  /** Bytes of the chunks kept (whole chunks: a chunk partly needed is kept whole). */
  #retained = 0;

  get end(): number {
    return this.#end;
  }

  /** Bytes of the chunks kept: what this list holds in memory, which can exceed what is still needed. */
  get retainedBytes(): number {
    return this.#retained;
  }

  /** Chunks kept (each a Buffer object of its own). */
  get retainedChunks(): number {
    return this.#chunks.length;
  }

  append(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#end += chunk.length;
    this.#retained += chunk.length;
  }

  /** Drops every chunk that lies wholly before stream offset `keep`. */
  releaseBefore(keep: number): void {
    const chunks = this.#chunks;
    let k = 0;
    let head = this.#head;
    while (k < chunks.length && head + (chunks[k] as Buffer).length <= keep) {
      head += (chunks[k] as Buffer).length;
      k++;
    }
    if (k > 0) chunks.splice(0, k);
    this.#retained -= head - this.#head;
    this.#head = head;
  }

  /** Drops everything (after an error or the end of the stream). */
  clear(): void {
    this.#chunks = [];
    this.#head = this.#end;
    this.#retained = 0;
  }

  /** Bytes [start, end) of the stream (start < end, both within the kept chunks). */
  slice(start: number, end: number): Buffer {
    const chunks = this.#chunks;
    let k = 0;
    let at = this.#head;
    while (at + (chunks[k] as Buffer).length <= start) {
      at += (chunks[k] as Buffer).length;
      k++;
    }
    const first = chunks[k] as Buffer;
    if (end <= at + first.length) return first.subarray(start - at, end - at);
    const len = end - start;
    const buf = Buffer.allocUnsafe(len);
    let written = 0;
    let from = start - at;
    while (written < len) {
      const c = chunks[k++] as Buffer;
      const count = Math.min(c.length - from, len - written);
      c.copy(buf, written, from, from + count);
      written += count;
      from = 0;
    }
    return buf;
  }
}

const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** Lower-case bytes of the long name; the compact form is `l` (RFC 3261 §7.3.3). */
const LONG_NAME = Buffer.from('content-length', 'latin1');
/** RFC 3261 §20.14 with the registry's SIP_SCALAR_RANGE: Content-Length ≤ 2^32-1. */
export const MAX_CONTENT_LENGTH = 0xffff_ffff;

const NONE = 0; // not a Content-Length header (or the start line)
const NAME = 1; // a prefix of "content-length" matched so far
const AFTER_NAME = 2; // name complete; SP/HT or ':' must follow
const VALUE = 3; // after the colon
type MatchState = typeof NONE | typeof NAME | typeof AFTER_NAME | typeof VALUE;

/** `finish()` results besides a value. */
export const CL_NOT_CL = -1;
export const CL_EMPTY = -2;
export const CL_OVERFLOW = -3;

/**
 * Recognises `Content-Length` / `l` (case-insensitive) + *(SP/HT) ":" and reads 1*DIGIT with optional
 * whitespace around it (HCOLON and SWS, RFC 3261 §25.1; a fold reaches it as the SP/HT starting the
 * continuation line). Fed the content bytes of one logical header line, line ends excluded.
 */
export class ContentLengthMatcher {
  #state: MatchState = NONE;
  #idx = 0;
  #digits = false;
  #trailing = false;
  #overflow = false;
  #value = 0;

  /** Starts a line: a header line (`true`) may be Content-Length, the start line (`false`) may not. */
  reset(isHeader: boolean): void {
    this.#state = isHeader ? NAME : NONE;
    this.#idx = 0;
  }

  /** False once the line is known not to be Content-Length: the framer may then skip the rest of it. */
  get active(): boolean {
    return this.#state !== NONE;
  }

  /** One content byte; false when the value cannot be a decimal integer (SIP_BAD_CONTENT_LENGTH). */
  byte(b: number): boolean {
    switch (this.#state) {
      case NAME: {
        const c = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
        if (this.#idx === 0 && c === 0x6c /* l */) {
          this.#state = AFTER_NAME; // compact form (§7.3.3)
        } else if (c === LONG_NAME[this.#idx]) {
          if (++this.#idx === LONG_NAME.length) this.#state = AFTER_NAME;
        } else {
          this.#state = NONE;
        }
        return true;
      }
      case AFTER_NAME:
        if (b === COLON) {
          this.#state = VALUE;
          this.#digits = false;
          this.#trailing = false;
          this.#overflow = false;
          this.#value = 0;
        } else if (b !== SP && b !== HT) {
          this.#state = NONE; // another header whose name starts like ours ("Content-Lengthy", "lr")
        }
        return true;
      case VALUE:
        if (b === SP || b === HT) {
          if (this.#digits) this.#trailing = true;
          return true;
        }
        if (b < DIGIT_0 || b > DIGIT_9 || this.#trailing) return false;
        this.#digits = true;
        // Past the range the value is only flagged, so that a later non-digit still reads as "not a number"
        // (as parser.ts's parseDecimal does).
        if (!this.#overflow) {
          this.#value = this.#value * 10 + (b - DIGIT_0);
          if (this.#value > MAX_CONTENT_LENGTH) this.#overflow = true;
        }
        return true;
      default:
        return true;
    }
  }

  /** Ends the line: its Content-Length value, or CL_NOT_CL, CL_EMPTY (no digits) or CL_OVERFLOW. */
  finish(): number {
    const state = this.#state;
    this.#state = NONE;
    if (state !== VALUE) return CL_NOT_CL;
    if (!this.#digits) return CL_EMPTY;
    if (this.#overflow) return CL_OVERFLOW;
    return this.#value;
  }
}
