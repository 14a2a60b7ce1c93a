/**
 * The CLF reader's public types: options, the events it yields (a record as its raw binary string, or one
 * damaged region), the running summary, and the field filter helper. Records stay raw text (RFC 6873 §4,
 * one char per octet) so that callers decode lazily: `RecordHit.decode()` and `RecordHit.field()` go
 * through the codec, which validates every pointer it follows.
 */
import { decodeRecord, field, type DecodeOptions } from '../clf/decode.js';
import { writeMandatory } from '../clf/encode.js';
import type { ClfRecord, ClfValue, MandatoryField } from '../clf/record.js';
import type { ErrorCode } from '../errors.js';

/**
 * A fast filter: `buf` is the reader's current window and `start` the offset of a well-framed record in
 * it. Read fields with `field(buf, start, name)` (src/clf/decode.ts) rather than slicing the record; do not
 * keep `buf`. A ClfDecodeError thrown here reports the record as damaged; any other error ends the read.
 */
export type RecordFilter = (buf: string, start: number) => boolean;

export interface ReaderOptions {
  /** 'frame' (default): the checks of reader-scan.ts frameAt; 'full': also decodeRecord() every record. */
  readonly validate?: 'frame' | 'full';
  /** Largest record accepted, in bytes; larger declared lengths are damage (default 1 MiB, max 0xFFFFFF). */
  readonly maxRecordBytes?: number;
  /** Bytes per read (default 1 MiB). */
  readonly chunkBytes?: number;
  /** Only records for which this returns true are yielded (others count in `scanned`). */
  readonly filter?: RecordFilter;
  /** Binary string every wanted record contains: records without it are skipped before `filter` runs. */
  readonly contains?: string;
  /**
   * Records whose mandatory field `field`, as written (RFC 6873 §4.3), is surely not `written` are skipped
   * before `filter` runs — read through the index pointers, without scanning the record. Records whose
   * pointers it cannot follow are left to `filter`.
   */
  readonly fieldIs?: { readonly field: MandatoryField; readonly written: string };
  /** Passed to decodeRecord() in 'full' mode. */
  readonly decode?: DecodeOptions;
  /** Name carried by events from a stream source (paths carry their path). */
  readonly name?: string;
  /**
   * Read plain files with blocking reads (fs.readSync) instead of the thread pool: faster for a one-shot
   * command such as `sipclf grep` (no hand-off between threads per chunk), wrong for a server, whose event
   * loop must not block. Default false.
   */
  readonly syncReads?: boolean;
}

/** What the scanner needs, with defaults applied. */
export interface ScanOptions {
  readonly validate: 'frame' | 'full';
  readonly maxRecordBytes: number;
  readonly filter: RecordFilter | undefined;
  readonly contains: string | undefined;
  readonly fieldIs: { readonly field: MandatoryField; readonly written: string } | undefined;
  readonly decode: DecodeOptions | undefined;
}

export const DEFAULT_MAX_RECORD_BYTES = 1 << 20;
export const DEFAULT_CHUNK_BYTES = 1 << 20;
/** RFC 6873 §4: 6 hex digits of Record Length. */
export const MAX_RECORD_LENGTH = 0xffffff;

export function scanOptions(o: ReaderOptions | undefined): ScanOptions {
  const max = o?.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (!Number.isInteger(max) || max < 94 || max > MAX_RECORD_LENGTH) throw new RangeError(`maxRecordBytes ${max} is not 94-${MAX_RECORD_LENGTH}`);
  const chunk = o?.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`chunkBytes ${chunk} is not a positive integer`);
  if (o?.contains === '') throw new RangeError('contains must not be empty');
  return { validate: o?.validate ?? 'frame', maxRecordBytes: max, filter: o?.filter, contains: o?.contains, fieldIs: o?.fieldIs, decode: o?.decode };
}

/** One record, as read: the raw bytes from the version letter through the final LF. */
export class RecordHit {
  readonly type = 'record' as const;
  constructor(
    /** Byte offset of the record in its (decompressed) input. */
    readonly offset: number,
    /** The record as a binary string (one char per octet). */
    readonly text: string,
    /** Path of the input, or ReaderOptions.name for a stream. */
    readonly file: string | undefined,
  ) {}

  /** Full decode through the codec (throws ClfDecodeError with offsets relative to `text`). */
  decode(opts?: DecodeOptions): ClfRecord {
    return decodeRecord(this.text, 0, opts);
  }

  /** One mandatory field through the index (RFC 6873 §4.1). */
  field(name: MandatoryField): ClfValue {
    return field(this.text, 0, name);
  }
}

/** One damaged region: from `offset` (where a record was expected) `skipped` bytes were not records. */
export interface ReadError {
  readonly type: 'error';
  readonly offset: number;
  /** Absolute byte offset of the defect that was found first (>= offset). */
  readonly at: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly skipped: number;
  readonly file: string | undefined;
}

export type RecordEvent = RecordHit | ReadError;

/** Counts over a whole read, live while it runs. */
export interface ReaderSummary {
  /** Records yielded (that passed `contains` and `filter`). */
  records: number;
  /** Well-framed (or, with validate 'full', valid) records seen, yielded or not. */
  scanned: number;
  /** Damaged regions (error events), I/O errors included. */
  errors: number;
  /** Bytes inside damaged regions. */
  bytesSkipped: number;
  /** Bytes read (decompressed), over all inputs. */
  bytes: number;
  /** Inputs opened (following a log: also each restart at 0 after a truncation in place). */
  files: number;
  /** Error events by code. */
  byCode: Partial<Record<ErrorCode, number>>;
}

export function newSummary(): ReaderSummary {
  return { records: 0, scanned: 0, errors: 0, bytesSkipped: 0, bytes: 0, files: 0, byCode: {} };
}

/**
 * Options selecting the records whose mandatory field `name` equals `value` (a binary string, as in
 * ClfRecord; null for `-`): `fieldIs` compares the value as written (RFC 6873 §4.3 escaping, so `-` is
 * `%2D`) at the field's pointer on the raw bytes, then `filter` confirms through the codec's `field`, which
 * validates the pointers. `readRecords(path, { ...matchField('callId', id) })`.
 */
export function matchField(name: MandatoryField, value: string | null): Required<Pick<ReaderOptions, 'filter' | 'fieldIs'>> {
  const written = writeMandatory(value);
  return { fieldIs: { field: name, written }, filter: (buf, start) => field(buf, start, name) === value };
}
