/**
 * Unsigned fields read by byte arithmetic, shared by the capture decoders (pcap, pcapng, IP, UDP/TCP, HEP).
 * Byte arithmetic, not Buffer.readUInt*: those calls showed in profiles of large captures. The caller has
 * checked that the bytes are there (past the end, the result is NaN, not an exception).
 */

/** A big-endian (network order) unsigned 16-bit field at `p`. */
export function u16be(b: Buffer, p: number): number {
  return ((b[p] as number) << 8) | (b[p + 1] as number);
}

/** An unsigned 16-bit field at `p`, little-endian when `le`. */
export function u16(b: Buffer, p: number, le: boolean): number {
  return le ? ((b[p + 1] as number) << 8) | (b[p] as number) : ((b[p] as number) << 8) | (b[p + 1] as number);
}

/** An unsigned 32-bit field at `p`, little-endian when `le`. */
export function u32(b: Buffer, p: number, le: boolean): number {
  const b0 = b[p] as number;
  const b1 = b[p + 1] as number;
  const b2 = b[p + 2] as number;
  const b3 = b[p + 3] as number;
  return le ? b3 * 0x1000000 + ((b2 << 16) | (b1 << 8) | b0) : b0 * 0x1000000 + ((b1 << 16) | (b2 << 8) | b3);
}
