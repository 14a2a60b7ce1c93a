/**
 * The capture layer's public types: a captured packet as read from a pcap or pcapng file (`Packet`), one
 * problem found while reading or decoding (`CaptureError`, carrying the 1-based packet number and the byte
 * offset), the reader's options and the link-type numbers it decodes (tcpdump.org "LINK-LAYER HEADER
 * TYPES"; draft-ietf-opsawg-pcaplinktype). Kept apart from the parsers so that every stage (file
 * format, link layer, IP, UDP/TCP, SIP extraction, writer) shares one vocabulary.
 */
import type { ErrorCode } from '../errors.js';

/** One packet record of the capture (a classic pcap record, or a pcapng EPB, SPB or obsolete PB). */
export interface Packet {
  readonly type: 'packet';
  /** 1-based packet number: what tshark calls `frame.number`. */
  readonly index: number;
  /** Capture time, milliseconds since the Unix epoch (a float: the µs or ns fraction below the ms is kept as far as a double can). */
  readonly ts: number;
  /** Capture time, nanoseconds since the Unix epoch, exact (µs files: a multiple of 1000). */
  readonly tsNs: bigint;
  /** Link-layer header type of the packet's interface (LINKTYPE_* values below). */
  readonly linkType: number;
  /**
   * The captured bytes (may be fewer than `origLen` when the snapshot length cut them). A view into a
   * chunk the reader read; the reader never writes to it again, but holding it keeps that chunk alive.
   */
  readonly data: Buffer;
  /** Length of the packet on the wire. */
  readonly origLen: number;
  /** pcapng: the Interface Description Block the packet refers to (per section); undefined for classic pcap. */
  readonly interfaceId?: number;
  /** Byte offset of the packet's record or block in the (decompressed) input. */
  readonly offset: number;
}

/** One problem, as an event: reading continues after it unless `fatal`. */
export interface CaptureError {
  readonly type: 'error';
  readonly code: ErrorCode;
  /** Number of the packet concerned (for a file-level problem: the number the next packet would have had). */
  readonly packetIndex: number;
  /** Byte offset in the (decompressed) input of the record, block or header concerned. */
  readonly offset: number;
  readonly message: string;
  /** True when nothing more can be read from this input after it. */
  readonly fatal: boolean;
}

export type PacketEvent = Packet | CaptureError;

/** A path (`-` is stdin), a byte stream, or any async iterable of Buffers. gzip is detected by its magic. */
export type CaptureSource = string | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

export interface ReadPacketsOptions {
  /**
   * Largest packet record accepted, in captured bytes (default 262144, libpcap's maximum snapshot length;
   * at most 64 MiB). A pcapng packet block larger than this is skipped unbuffered with CAPTURE_BAD_RECORD;
   * a classic pcap record larger than this (and than the file's snaplen) is taken as a corrupt header and ends the read.
   */
  readonly maxPacketBytes?: number;
  /** Bytes per read from a file (default 1 MiB). */
  readonly chunkBytes?: number;
}

export const DEFAULT_MAX_PACKET_BYTES = 262_144;
export const DEFAULT_CAPTURE_CHUNK_BYTES = 1 << 20;

// Link-layer header types (LINKTYPE_* as written in pcap and pcapng files).
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as written by most platforms' libpcap before LINKTYPE_RAW existed (12), OpenBSD's (14). */
export const LINKTYPE_RAW_12 = 12;
export const LINKTYPE_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export function captureError(code: ErrorCode, packetIndex: number, offset: number, message: string, fatal = false): CaptureError {
  return { type: 'error', code, packetIndex, offset, message, fatal };
}
