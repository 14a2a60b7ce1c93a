/**
 * Tag 02 written from the message octets (RFC 6873 §4.4; RFC 8497 §3.6 logs the whole message): the fast
 * path of messageField for what a proxy, a UA and capture log on every message.
 *
 * messageField (optional.ts) builds the Value as a string: CRLF → `%0D%0A` with replaceAll, a regex over
 * the result for control octets, then the encoder copies the string out. On this project's machines those
 * cost ~5 µs for a 1 KB INVITE — half of a logged record — while native copies and searches cost tens of
 * nanoseconds and a JavaScript or regex scan 1.5–3.5 ns per octet (benchmarks/clf-encode.mjs). So here:
 *  - the decision (text or base64, under writeText's very rules): DEL and a literal `%0D%0A` by native
 *    string search, UTF-8 by isAscii/isUtf8, and control octets by reading the octets four at a time (Int32
 *    words, a bit test for "a byte below 0x20"), looking at single octets only in the few words that hold a
 *    CR, LF or TAB; it notes where each CRLF is;
 *  - encodeRecordInto writes the Value by copying the runs between CRLFs natively and `%0D%0A` for each
 *    (writeOctetValue).
 * The string form is built only if something reads `value` (encodeRecord, JSON, tests), from the same
 * writer, so every consumer sees the same Value.
 *
 * When the octets must be base64'd (a control octet other than TAB, a lone CR or LF, DEL, invalid UTF-8, a
 * literal `%0D%0A`), hold a TAB (→ SP), or the written Value would exceed the 4096-byte cap (RFC 6872 §8:
 * truncation needs the marker), octetMessageField returns undefined and the caller uses messageField: the
 * rare cases keep one code path.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { MAX_FIELD_BYTES, TAG_MESSAGE, type OptionalField } from './record.js';

const CR = 0x0d;
const LF = 0x0a;
const PERCENT = 0x25;
/** 0x80 in every byte of an int32 word. */
const HIGH_BITS = 0x80808080 | 0;

/**
 * One octet below 0x20 that the word test flagged (or one outside the aligned words): a CR must start a
 * CRLF (its LF's offset goes to `lfs`); a LF not after CR, a TAB (→ SP: the slow path) and every other
 * control octet fail. Returns the index to continue at, or -1 when the octets cannot be written as text here.
 */
function octet(b: Uint8Array, i: number, lfs: number[]): number {
  const c = b[i] as number;
  if (c >= 0x20) return i + 1;
  if (c === CR && b[i + 1] === LF) {
    lfs.push(i + 1);
    return i + 2;
  }
  return -1;
}

/**
 * The offsets of the LFs of `b`'s CRLFs when `b` can be written as text by octetMessageField's rules
 * (see the file comment), else undefined. `text` is `b` as a latin1 string (one char per octet), for the
 * native searches.
 */
export function crlfOffsets(b: Uint8Array, text: string): number[] | undefined {
  // DEL and a literal `%0D%0A` (which as text would read back as CRLF) at memchr speed; high octets: UTF-8.
  if (text.indexOf('\x7f') >= 0 || text.indexOf('%0D%0A') >= 0) return undefined;
  if (!isAscii(b) && !isUtf8(b)) return undefined;
  const lfs: number[] = [];
  const n = b.length;
  const off = b.byteOffset;
  let pos = 0;
  // Octet by octet up to a 4-byte boundary of the underlying memory (Int32Array views must be aligned).
  while (pos < n && ((off + pos) & 3) !== 0) {
    pos = octet(b, pos, lfs);
    if (pos < 0) return undefined;
  }
  const base = pos;
  const words = (n - base) >>> 2;
  const end = base + words * 4;
  const w32 = words > 0 ? new Int32Array(b.buffer, off + base, words) : undefined;
  while (pos < end) {
    const w = (w32 as Int32Array)[(pos - base) >>> 2] as number;
    // "Some byte of w is below 0x20": exact whatever the other bytes (a borrow only follows a byte that is).
    if (((w - 0x20202020) & ~w & HIGH_BITS) === 0) {
      pos += 4;
      continue;
    }
    const stop = pos + 4;
    while (pos < stop) {
      pos = octet(b, pos, lfs);
      if (pos < 0) return undefined;
    }
    // A CRLF may have ended one octet into the next word: finish that word octet by octet.
    while (pos < end && ((pos - base) & 3) !== 0) {
      pos = octet(b, pos, lfs);
      if (pos < 0) return undefined;
    }
  }
  while (pos < n) {
    pos = octet(b, pos, lfs);
    if (pos < 0) return undefined;
  }
  return lfs;
}

/** An optional field whose Value is `octets` as text with each CRLF written `%0D%0A` (the LFs at `lfs`). */
export class OctetValueField implements OptionalField {
  readonly base64 = false;
  #value: string | undefined;
  constructor(
    readonly tag: number,
    readonly vendor: number,
    /** The logical octets (checked by crlfOffsets). */
    readonly octets: Uint8Array,
    /** Offsets in `octets` of the LF of each CRLF. */
    readonly lfs: readonly number[],
  ) {}

  /** Bytes of the Value as written: each CRLF (2 octets) becomes 6. */
  get writtenLength(): number {
    return this.octets.length + 4 * this.lfs.length;
  }

  /** The Value as written, built on first read (binary string). */
  get value(): string {
    if (this.#value === undefined) {
      const b = Buffer.allocUnsafe(this.writtenLength);
      writeOctetValue(b, 0, this);
      this.#value = b.latin1Slice(0, b.length);
    }
    return this.#value;
  }
}

/**
 * Tag 02 for the message `octets` (`text`: the same as a latin1 string, when the caller has it), or undefined when messageField's slow path must decide (see above). */
export function octetMessageField(octets: Uint8Array, text?: string): OctetValueField | undefined {
  if (octets.length > MAX_FIELD_BYTES) return undefined;
  const t = text ?? Buffer.from(octets.buffer, octets.byteOffset, octets.byteLength).latin1Slice(0, octets.byteLength);
  const lfs = crlfOffsets(octets, t);
  if (lfs === undefined || octets.length + 4 * lfs.length > MAX_FIELD_BYTES) return undefined;
  return new OctetValueField(TAG_MESSAGE, 0, octets, lfs);
}

/**
 * Writes `f`'s Value at `p` of `buf`; returns the offset after it. One native copy puts the octets at the
 * end of the Value's place, then each run between CRLFs is moved down to its final offset (copyWithin, an
 * in-place memmove: no view object per run, unlike Buffer#copy of a sub-range) and followed by `%0D%0A`.
 * Runs move toward lower offsets in order, so none overwrites a run not yet moved.
 */
export function writeOctetValue(buf: Buffer, p: number, f: OctetValueField): number {
  const b = f.octets;
  const lfs = f.lfs;
  const shift = 4 * lfs.length;
  buf.set(b, p + shift);
  let start = 0;
  let q = p;
  for (let k = 0; k < lfs.length; k++) {
    const lf = lfs[k] as number;
    const cr = lf - 1;
    if (cr > start) {
      buf.copyWithin(q, p + shift + start, p + shift + cr);
      q += cr - start;
    }
    buf[q] = PERCENT;
    buf[q + 1] = 0x30;
    buf[q + 2] = 0x44;
    buf[q + 3] = PERCENT;
    buf[q + 4] = 0x30;
    buf[q + 5] = 0x41;
    q += 6;
    start = lf + 1;
  }
  // The octets after the last CRLF are already in place (q = p + start + shift - 4·k … equals their offset).
  return p + b.length + shift;
}
