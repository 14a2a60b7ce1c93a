/**
 * The byte-level facts of the RFC 6873 §4 frame that the reader's scanner checks without the codec: fixed
 * offsets, hex digit values, the resynchronisation pattern of §6, and the index-pointer field compare
 * behind `fieldIs` (§4.1). Everything here reads a Buffer in place: it is the per-record hot path.
 */
import { MANDATORY_FIELDS } from '../clf/record.js';

export const LF = 0x0a;
/** Shortest record as decode.ts counts it: 82 fixed bytes, the 11 TABs between 12 fields, the final LF. */
export const MIN_LENGTH = 82 + 11 + 1;
/** The index line: version, 6 hex digits of length, `,`, 13 pointers, LF at 60 (RFC 6873 §4.1). */
export const INDEX_LF = 60;
/** frameAt results besides a length. */
export const NEED_MORE = -1;
export const BAD = -2;

/** Hex digit values, either case (a lenient reader, like decode.ts), -1 otherwise; a packed SMI array. */
export const HEX: number[] = Array.from({ length: 256 }, (_, c) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1,
);

/** 4 hex digits at `at` (an index pointer), or a negative number. */
export function hex4(b: Buffer, at: number): number {
  return (
    ((HEX[b[at] as number] as number) << 12) |
    ((HEX[b[at + 1] as number] as number) << 8) |
    ((HEX[b[at + 2] as number] as number) << 4) |
    (HEX[b[at + 3] as number] as number)
  );
}

/** A resynchronisation candidate (RFC 6873 §6): a version letter, 6 hex digits and the `,` of byte 7. */
export const CANDIDATE = /[A-Z][0-9A-Fa-f]{6},/g;

/**
 * True when mandatory field `k` (ReaderOptions.fieldIs) of the record at `p`, located through its index
 * pointers (RFC 6873 §4.1), is surely not `want`: ~12 header bytes and one compare, not a scan. Conservative: pointers that are not
 * hex, not in the record or of neither base (1-based as the RFC's vectors, 0-based as its prose; see
 * decode.ts) answer false, and the codec's `field` in the filter then reports them.
 */
export function fieldDiffers(b: Buffer, p: number, len: number, k: number, want: Buffer): boolean {
  const base = hex4(b, p + 8) - 82;
  if (base !== 0 && base !== 1) return false;
  const start = k === 0 ? 82 : hex4(b, p + 8 + 4 * k) - base;
  const next = hex4(b, p + 12 + 4 * k) - base;
  // The field ends at the TAB before the next field; the last one at the Optional Fields Start.
  const end = k === MANDATORY_FIELDS.length - 1 ? next : next - 1;
  if (start < 82 || end < start || end >= len || next < 0) return false;
  if (end - start !== want.length) return true;
  // Most same-length values differ in their first or last byte: answer without the compare call (~90 ms
  // per GB of generated log, measured by benchmarks/clf.mjs).
  const n = want.length;
  if (n > 0 && (b[p + start] !== want[0] || b[p + end - 1] !== want[n - 1])) return true;
  return want.compare(b, p + start, p + end) !== 0;
}

