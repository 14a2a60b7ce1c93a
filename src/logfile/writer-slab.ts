/**
 * ClfWriter.writeRecord's memory (writer.ts): records are encoded by encodeRecordInto (src/clf/encode-into.ts,
 * RFC 6873 §4) straight into a slab Buffer, one after another, instead of becoming strings that the run
 * loop copies into a batch buffer later. Consecutive records of one slab form a Segment, which sits in the
 * writer's queue as one item and keeps each record's length (rotation and batch cuts happen only between
 * records). A batch that is one contiguous run of a slab is written from the slab itself, without a copy.
 *
 * Bytes before `Slab.at` are never written again: they belong to segments that are queued or being written
 * (a positional write may still read them). Bytes after it are scratch until a record is committed there.
 */
import { encodeRecordInto } from '../clf/encode-into.js';
import type { EncodeOptions } from '../clf/encode.js';
import type { ClfRecord } from '../clf/record.js';

/** Records encoded one after another into `buf` from `start`: one queue item, record lengths kept. */
export class Segment {
  end: number;
  readonly lens: number[] = [];
  constructor(
    readonly buf: Buffer,
    readonly start: number,
  ) {
    this.end = start;
  }
}

/** The Buffer records are encoded into; a full one is left to its segments and replaced. */
export class Slab {
  private buf: Buffer;
  private at = 0;

  constructor(private readonly size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /**
   * Encode `r` into the free space (a new slab when it does not fit): its length. Nothing is committed:
   * the bytes become part of the log only through `commit()`. Throws what encodeRecord throws.
   */
  encode(r: ClfRecord, opts?: EncodeOptions): number {
    const n = encodeRecordInto(r, this.buf, this.at, opts);
    if (n > 0) return n;
    // Records before `at` stay with their segments; a record larger than a slab gets one of its own size.
    this.buf = Buffer.allocUnsafe(Math.max(this.size, -n));
    this.at = 0;
    return encodeRecordInto(r, this.buf, 0, opts);
  }

  /** Make the `n` bytes encoded last part of `seg` (a new segment, returned, when `seg` cannot grow here). */
  commit(seg: Segment | null, n: number): Segment {
    const s = seg !== null && seg.buf === this.buf && seg.end === this.at ? seg : new Segment(this.buf, this.at);
    s.lens.push(n);
    s.end += n;
    this.at += n;
    return s;
  }
}

/** Part of a batch: bytes `start`..`end` of `buf` (consecutive records of one slab). */
export class Range {
  constructor(
    readonly buf: Buffer,
    readonly start: number,
    public end: number,
  ) {}
}
