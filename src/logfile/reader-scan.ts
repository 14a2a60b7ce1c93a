/**
 * The synchronous core of the CLF reader: it walks a window of a log's bytes record by record, by each
 * record's declared Record Length (RFC 6873 §4), and turns it into events. It owns the frame check, the
 * optional full validation through the codec, the fast filter, and resynchronisation after damage
 * (RFC 6873 §6: an index line starts with a letter, a field line with a digit). It knows nothing of files
 * or streams: reader-source.ts feeds it windows and keeps what it did not consume.
 *
 * Speed (`sipclf grep --call-id` must stay within 1.5x of `grep -F`): the window stays a Buffer. Per record
 * the sync path reads ~70 header bytes and the final LF and never loops over the body; `contains` is one
 * Buffer.indexOf (memmem speed) per hit, not per record; the window becomes a binary string (latin1, as in
 * src/clf/record.ts) only when something needs one — a filter, 'full' validation, resynchronisation — and
 * a record becomes a substring only when it is yielded.
 */
import { decodeRecord } from '../clf/decode.js';
import { MANDATORY_FIELDS } from '../clf/record.js';
import { ClfDecodeError, type ErrorCode } from '../errors.js';
import { RecordHit, type ReadError, type ReaderSummary, type RecordEvent, type ScanOptions } from './reader-types.js';

import { BAD, CANDIDATE, HEX, INDEX_LF, LF, MIN_LENGTH, NEED_MORE, fieldDiffers } from './reader-frame.js';

/**
 * The stateful scanner of one input. Offsets in events are absolute byte offsets in that input (after
 * gzip decompression). Damage opens a region at the byte where a record was expected; the region closes,
 * and its one error event is emitted, when the next valid frame is found or at EOF.
 */
export class Scanner {
  /** Bytes (from the first unconsumed one) needed before scan() can progress; 0: any. */
  need = 0;
  private damageStart = -1;
  private damageCode: ErrorCode = 'CLF_TRUNCATED';
  private damageAt = 0;
  private damageMsg = '';
  // Detail of the last frameAt failure: fields, so that the hot path allocates nothing.
  private fCode: ErrorCode = 'CLF_TRUNCATED';
  private fAt = 0;
  private fMsg = '';
  // The window as a binary string, made on demand: chars [0, s.length) are bytes [sFrom, ...) of `b`.
  private s = '';
  private sFrom = -1;
  /** Next occurrence of `contains` in the window, valid while >= the current record; -2: none left. */
  private hit = -1;
  private view: Buffer = Buffer.alloc(0);
  private readonly max: number;
  private readonly full: boolean;
  private readonly needle: Buffer | undefined;
  /** `fieldIs`: index of the field in MANDATORY_FIELDS (-1: none) and its bytes as written. */
  private readonly fieldIx: number;
  private readonly fieldBytes: Buffer;

  constructor(
    private readonly opts: ScanOptions,
    private readonly summary: ReaderSummary,
    private readonly file: string | undefined,
  ) {
    this.max = opts.maxRecordBytes;
    this.full = opts.validate === 'full';
    this.needle = opts.contains === undefined ? undefined : Buffer.from(opts.contains, 'latin1');
    this.fieldIx = opts.fieldIs === undefined ? -1 : MANDATORY_FIELDS.indexOf(opts.fieldIs.field);
    this.fieldBytes = Buffer.from(opts.fieldIs?.written ?? '', 'latin1');
  }

  /**
   * Scans bytes [from, to) of `b`, where b[i] is at absolute offset `base + i`, pushing events to `out`.
   * Returns the index of the first byte not consumed; the caller passes it again, followed by more data.
   * With `eof` everything is consumed and a torn tail is reported.
   */
  scan(b: Buffer, from: number, to: number, base: number, eof: boolean, out: RecordEvent[]): number {
    const { filter } = this.opts;
    const needle = this.needle;
    this.sFrom = -1;
    this.need = 0;
    this.hit = -1;
    // indexOf must not run into stale bytes past `to` (the caller's buffer is reused).
    if (needle !== undefined) this.view = b.subarray(0, to);
    let p = from;
    for (;;) {
      if (this.damageStart >= 0) {
        const q = this.resync(b, p, to, eof);
        if (q < 0) {
          if (eof) {
            this.closeDamage(base + to, out);
            return to;
          }
          // No candidate: keep the last 7 bytes, which may begin one.
          const keep = Math.max(p, to - 7);
          this.need = to - keep + 1;
          return keep;
        }
        if (this.need > 0) return q;
        this.closeDamage(base + q, out);
        p = q;
      }
      if (p >= to) return to;
      const len = this.frameAt(b, p, to, eof);
      if (len === NEED_MORE) return p;
      if (len === BAD) {
        this.openDamage(base + p, this.fCode, base + this.fAt, this.fMsg);
        p++;
        continue;
      }
      if ((this.fieldIx >= 0 && fieldDiffers(b, p, len, this.fieldIx, this.fieldBytes)) || (needle !== undefined && !this.holds(p, len, needle))) {
        // Cannot match: skipped unread (with 'full', unvalidated too: these are grep fast paths).
        this.summary.scanned++;
        p += len;
        continue;
      }
      if (this.full || filter !== undefined) {
        const s = this.str(b, from, to);
        const at = p - this.sFrom;
        try {
          if (this.full) decodeRecord(s, at, this.opts.decode);
          if (filter !== undefined && !filter(s, at)) {
            this.summary.scanned++;
            p += len;
            continue;
          }
        } catch (e) {
          // The codec validates pointers before trusting them: a bad record is reported, never fatal.
          if (!(e instanceof ClfDecodeError)) throw e;
          this.openDamage(base + p, e.code, base + this.sFrom + e.offset, e.message);
          p++;
          continue;
        }
        this.emit(out, base + p, s.slice(at, at + len));
      } else {
        this.emit(out, base + p, this.sFrom >= 0 ? this.s.slice(p - this.sFrom, p - this.sFrom + len) : b.latin1Slice(p, p + len));
      }
      p += len;
    }
  }

  /**
   * Does the record [p, p+len) contain the needle? One Buffer.indexOf finds the next occurrence for all the
   * records before it; -2 means none is left in the window.
   */
  private holds(p: number, len: number, needle: Buffer): boolean {
    let hit = this.hit;
    if (hit !== -2 && hit < p) {
      hit = this.view.indexOf(needle, p);
      if (hit < 0) hit = -2;
      this.hit = hit;
    }
    return hit !== -2 && hit + needle.length <= p + len;
  }

  private emit(out: RecordEvent[], offset: number, text: string): void {
    this.summary.scanned++;
    this.summary.records++;
    out.push(new RecordHit(offset, text, this.file));
  }

  /** The window [from, to) as a binary string, made once per scan() call. */
  private str(b: Buffer, from: number, to: number): string {
    if (this.sFrom < 0) {
      this.s = b.latin1Slice(from, to);
      this.sFrom = from;
    }
    return this.s;
  }

  /**
   * Frame check of the record expected at `p` (RFC 6873 §4, §4.1): version letter `A`, 6 hex digits of
   * Record Length within [MIN_LENGTH, maxRecordBytes] (checked before anything is buffered), `,` at 7, LF
   * at 60, a digit at 61 (§6: the field line starts with the timestamp), LF at length-1. A record not
   * followed by a letter is suspicious: see torn(). Returns the length, NEED_MORE (sets `need`) or BAD.
   */
  private frameAt(b: Buffer, p: number, to: number, eof: boolean): number {
    if (p + 8 > to) return this.short(p, to, 8, eof);
    const v = b[p] as number;
    if (v !== 0x41) {
      return v >= 0x41 && v <= 0x5a
        ? this.bad('CLF_UNKNOWN_VERSION', p, `unknown record version ${String.fromCharCode(v)}`)
        : this.bad('CLF_BAD_VERSION', p, 'no record starts here (expected the version letter A)');
    }
    let len = 0;
    for (let i = p + 1; i < p + 7; i++) {
      const d = HEX[b[i] as number] as number;
      if (d < 0) return this.bad('CLF_BAD_LENGTH', p + 1, 'Record Length is not 6 hex digits');
      len = (len << 4) | d;
    }
    if (len < MIN_LENGTH) return this.bad('CLF_BAD_LENGTH', p + 1, `Record Length ${len} is shorter than any record`);
    if (b[p + 7] !== 0x2c) return this.bad('CLF_BAD_DELIMITER', p + 7, 'expected "," after the Record Length');
    if (len > this.max) return this.bad('CLF_LIMIT_RECORD_SIZE', p + 1, `Record Length ${len} exceeds maxRecordBytes ${this.max}`);
    if (p + INDEX_LF + 2 > to) return this.short(p, to, INDEX_LF + 2, eof);
    if (b[p + INDEX_LF] !== LF) return this.bad('CLF_MISSING_LF', p + INDEX_LF, 'expected LF at the end of the index line');
    const t = b[p + INDEX_LF + 1] as number;
    if (t < 0x30 || t > 0x39) return this.bad('CLF_BAD_TIMESTAMP', p + INDEX_LF + 1, 'the field line does not start with a digit');
    if (p + len > to) return this.short(p, to, len, eof);
    if (b[p + len - 1] !== LF) return this.bad('CLF_MISSING_LF', p + len - 1, 'the record does not end with LF at its declared length');
    if (p + len < to) {
      const next = b[p + len] as number;
      if (next < 0x41 || next > 0x5a) return this.torn(b, p, len, to);
    }
    return len;
  }

  /**
   * A framed record followed by something other than a version letter: either garbage follows, or this
   * record is torn (a writer killed mid-record, then restarted, appends right after the torn bytes) and
   * its "final LF" belongs to the next record. A candidate inside whose index line holds (LF at 60, digit
   * at 61) decides for torn: only a record boundary puts those bytes there, since a record body holds no
   * other LF. Healthy logs never come here.
   */
  private torn(b: Buffer, p: number, len: number, to: number): number {
    const s = this.str(b, p, to);
    const off = this.sFrom;
    for (let at = p + 1 - off; ; ) {
      CANDIDATE.lastIndex = at;
      const m = CANDIDATE.exec(s);
      const q = m === null ? -1 : m.index + off;
      if (q < 0 || q >= p + len) return len;
      if (q + INDEX_LF + 2 <= to && b[q + INDEX_LF] === LF && b[q + INDEX_LF + 1]! >= 0x30 && b[q + INDEX_LF + 1]! <= 0x39) {
        return this.bad('CLF_TRUNCATED', q, `the record is cut short by another record starting at its byte ${q - p}`);
      }
      at = q + 1 - off;
    }
  }

  /** The window ends before byte `want` of the record at `p`: wait for more, or a torn record at EOF. */
  private short(p: number, to: number, want: number, eof: boolean): number {
    if (eof) return this.bad('CLF_TRUNCATED', to, `input ends ${to - p} bytes into a record that needs at least ${want}`);
    this.need = want;
    return NEED_MORE;
  }

  private bad(code: ErrorCode, at: number, msg: string): number {
    this.fCode = code;
    this.fAt = at;
    this.fMsg = msg;
    return BAD;
  }

  /**
   * After damage, the first candidate at or after `from` whose frame holds (RFC 6873 §6), or -1. A
   * candidate need not follow an LF (see torn()). Sets `need` when a candidate's frame runs past the window.
   */
  private resync(b: Buffer, from: number, to: number, eof: boolean): number {
    this.need = 0;
    const s = this.str(b, from, to);
    const off = this.sFrom;
    for (let at = Math.max(from - off, 0); ; ) {
      CANDIDATE.lastIndex = at;
      const m = CANDIDATE.exec(s);
      if (m === null) return -1;
      const q = m.index + off;
      if (q >= to) return -1;
      if (this.frameAt(b, q, to, eof) !== BAD) return q; // a frame, or NEED_MORE with `need` set
      at = q + 1 - off;
    }
  }

  private openDamage(offset: number, code: ErrorCode, at: number, msg: string): void {
    if (this.damageStart >= 0) return;
    this.damageStart = offset;
    this.damageCode = code;
    this.damageAt = at;
    this.damageMsg = msg;
  }

  private closeDamage(end: number, out: RecordEvent[]): void {
    const skipped = end - this.damageStart;
    const ev: ReadError = {
      type: 'error',
      offset: this.damageStart,
      at: this.damageAt,
      code: this.damageCode,
      message: this.damageMsg,
      skipped,
      file: this.file,
    };
    const sum = this.summary;
    sum.errors++;
    sum.bytesSkipped += skipped;
    sum.byCode[this.damageCode] = (sum.byCode[this.damageCode] ?? 0) + 1;
    this.damageStart = -1;
    out.push(ev);
  }
}
