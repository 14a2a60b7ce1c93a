/**
 * The generic chunk types of HEP v3 (HEP3 spec rev. 37, "Generic chunk types", vendor ID 0x0000) as one
 * table: chunk type ID → the HepPacket property that holds it and its payload type. hep.ts decodes and
 * encodes from this table only, so a chunk type is added in one line.
 *
 * Representations (chosen so that decode(encode(p)) equals p, and encode(decode(b)) equals b for a packet
 * whose chunks are in type-ID order): uint8/16/32 → number; uint64 → bigint (the MAC chunks 0x0014/0x0015
 * are uint64 in the spec); inet4-addr → dotted quad; inet6-addr → RFC 5952 text; octet-string and
 * utf8-string → Buffer (a capture agent name or an auth key is bytes on the wire; nothing is lost).
 */

export type ChunkKind = 'u8' | 'u16' | 'u32' | 'u64' | 'ipv4' | 'ipv6' | 'bytes';

/** The generic chunks of a HEP v3 packet, by their spec names. Every property is optional. */
export interface HepFields {
  /** 0x0001 IP protocol family (2 = IPv4, 10 = IPv6). */
  ipFamily?: number;
  /** 0x0002 IP protocol ID (17 UDP, 6 TCP, 132 SCTP). */
  ipProtocol?: number;
  /** 0x0003 IPv4 source address. */
  srcIPv4?: string;
  /** 0x0004 IPv4 destination address. */
  dstIPv4?: string;
  /** 0x0005 IPv6 source address (RFC 5952 text). */
  srcIPv6?: string;
  /** 0x0006 IPv6 destination address (RFC 5952 text). */
  dstIPv6?: string;
  /** 0x0007 protocol source port. */
  srcPort?: number;
  /** 0x0008 protocol destination port. */
  dstPort?: number;
  /** 0x0009 timestamp, seconds since the epoch. */
  timeSec?: number;
  /** 0x000a timestamp microseconds offset. */
  timeUsec?: number;
  /** 0x000b protocol type (1 SIP, 5 RTCP JSON, …). */
  protocolType?: number;
  /** 0x000c capture agent ID (uint32). */
  captureId?: number;
  /** 0x000d keep alive timer (seconds). */
  keepAlive?: number;
  /** 0x000e authenticate key. */
  authKey?: Buffer;
  /** 0x000f captured packet payload. */
  payload?: Buffer;
  /** 0x0010 captured compressed payload (gzip/inflate), kept compressed: see hepPayload(). */
  compressedPayload?: Buffer;
  /** 0x0011 internal correlation id. */
  correlationId?: Buffer;
  /** 0x0012 VLAN ID. */
  vlanId?: number;
  /** 0x0013 capture agent ID as a name ("node1"). */
  nodeName?: Buffer;
  /** 0x0014 source MAC (uint64). */
  srcMac?: bigint;
  /** 0x0015 destination MAC (uint64). */
  dstMac?: bigint;
  /** 0x0016 Ethernet type. */
  ethernetType?: number;
  /** 0x0017 TCP flags. */
  tcpFlags?: number;
  /** 0x0018 IP TOS. */
  ipTos?: number;
  /** 0x0020 MOS value. */
  mos?: number;
  /** 0x0021 R-Factor. */
  rFactor?: number;
  /** 0x0022 GEO location. */
  geoLocation?: Buffer;
  /** 0x0023 jitter. */
  jitter?: number;
  /** 0x0024 transaction type ("call", "registration"). */
  transactionType?: Buffer;
  /** 0x0025 payload JSON keys. */
  payloadJsonKeys?: Buffer;
  /** 0x0026 tags' values. */
  tagsValues?: Buffer;
  /** 0x0027 type of tag. */
  tagType?: number;
  /** 0x0028 event type (1 recording, 2 recording LI). */
  eventType?: number;
  /** 0x0029 group ID. */
  groupId?: Buffer;
}

export type HepFieldName = keyof HepFields;

export interface ChunkSpec {
  readonly type: number;
  readonly name: HepFieldName;
  readonly kind: ChunkKind;
}

/** Generic chunk types in type-ID order (the encoder's order). */
export const GENERIC_CHUNKS: readonly ChunkSpec[] = [
  { type: 0x0001, name: 'ipFamily', kind: 'u8' },
  { type: 0x0002, name: 'ipProtocol', kind: 'u8' },
  { type: 0x0003, name: 'srcIPv4', kind: 'ipv4' },
  { type: 0x0004, name: 'dstIPv4', kind: 'ipv4' },
  { type: 0x0005, name: 'srcIPv6', kind: 'ipv6' },
  { type: 0x0006, name: 'dstIPv6', kind: 'ipv6' },
  { type: 0x0007, name: 'srcPort', kind: 'u16' },
  { type: 0x0008, name: 'dstPort', kind: 'u16' },
  { type: 0x0009, name: 'timeSec', kind: 'u32' },
  { type: 0x000a, name: 'timeUsec', kind: 'u32' },
  { type: 0x000b, name: 'protocolType', kind: 'u8' },
  { type: 0x000c, name: 'captureId', kind: 'u32' },
  { type: 0x000d, name: 'keepAlive', kind: 'u16' },
  { type: 0x000e, name: 'authKey', kind: 'bytes' },
  { type: 0x000f, name: 'payload', kind: 'bytes' },
  { type: 0x0010, name: 'compressedPayload', kind: 'bytes' },
  { type: 0x0011, name: 'correlationId', kind: 'bytes' },
  { type: 0x0012, name: 'vlanId', kind: 'u16' },
  { type: 0x0013, name: 'nodeName', kind: 'bytes' },
  { type: 0x0014, name: 'srcMac', kind: 'u64' },
  { type: 0x0015, name: 'dstMac', kind: 'u64' },
  { type: 0x0016, name: 'ethernetType', kind: 'u16' },
  { type: 0x0017, name: 'tcpFlags', kind: 'u8' },
  { type: 0x0018, name: 'ipTos', kind: 'u8' },
  { type: 0x0020, name: 'mos', kind: 'u16' },
  { type: 0x0021, name: 'rFactor', kind: 'u16' },
  { type: 0x0022, name: 'geoLocation', kind: 'bytes' },
  { type: 0x0023, name: 'jitter', kind: 'u32' },
  { type: 0x0024, name: 'transactionType', kind: 'bytes' },
  { type: 0x0025, name: 'payloadJsonKeys', kind: 'bytes' },
  { type: 0x0026, name: 'tagsValues', kind: 'bytes' },
  { type: 0x0027, name: 'tagType', kind: 'u16' },
  { type: 0x0028, name: 'eventType', kind: 'u16' },
  { type: 0x0029, name: 'groupId', kind: 'bytes' },
];

/** A generic chunk as the decoder uses it: its spec, the size its kind needs (-1: any) and its bit in a seen-mask. */
export interface DecodeSpec extends ChunkSpec {
  readonly size: number;
  readonly bit: number;
}

/**
 * Generic chunks indexed by type ID (undefined for unassigned IDs): the decoder's per-chunk lookup is an
 * array read, not a Map probe. Type IDs are below 64; the bit indexes a two-word seen-mask (type & 31).
 */
export const DECODE_BY_TYPE: readonly (DecodeSpec | undefined)[] = (() => {
  const max = Math.max(...GENERIC_CHUNKS.map((c) => c.type));
  if (max >= 64) throw new Error('generic chunk type IDs must stay below 64 for the seen-mask');
  const t: (DecodeSpec | undefined)[] = new Array<DecodeSpec | undefined>(max + 1).fill(undefined);
  for (const c of GENERIC_CHUNKS) t[c.type] = { ...c, size: fixedSize(c.kind), bit: 1 << (c.type & 31) };
  return t;
})();

/** Payload size of a fixed-size kind, or -1 for octet strings. */
function fixedSize(kind: ChunkKind): number {
  switch (kind) {
    case 'u8':
      return 1;
    case 'u16':
      return 2;
    case 'u32':
    case 'ipv4':
      return 4;
    case 'u64':
      return 8;
    case 'ipv6':
      return 16;
    case 'bytes':
      return -1;
  }
}

/** Vendor IDs assigned by the spec ("Vendor chunk types"). */
export const HEP_VENDORS: Readonly<Record<number, string>> = {
  0x0000: 'generic',
  0x0001: 'FreeSWITCH',
  0x0002: 'Kamailio/SER',
  0x0003: 'OpenSIPS',
  0x0004: 'Asterisk',
  0x0005: 'Homer Project',
  0x0006: 'SipXecs',
  0x0007: 'Yeti Switch',
  0x0008: 'Genesys',
};

/** Capture protocol types (chunk 0x000b) the collector cares about. */
export const HEP_PROTO_SIP = 0x01;

/** IP protocol family values of chunk 0x0001 (AF_INET, AF_INET6 as Linux numbers them). */
export const HEP_AF_INET = 2;
export const HEP_AF_INET6 = 10;
