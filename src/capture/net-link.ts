/**
 * Link layer: where the IP header starts in a captured frame, for the link types sipclf decodes
 * (tcpdump.org "LINK-LAYER HEADER TYPES"):
 * - Ethernet (1): 6+6 address bytes, EtherType; IEEE 802.1Q (0x8100), 802.1ad QinQ (0x88A8) and the old
 *   QinQ 0x9100 tags are skipped, however many are stacked (up to 8); a length ≤ 1500 instead of an
 *   EtherType (802.3 + LLC) is not IP.
 * - Linux cooked capture SLL (113, 16-byte header, protocol at byte 14) and SLL2 (276, 20 bytes, protocol
 *   at byte 0), VLAN tags after them skipped as for Ethernet.
 * - BSD loopback NULL (0: 4-byte address family in the capturing host's byte order) and OpenBSD LOOP
 *   (108: the same in network order): AF_INET is 2 everywhere, AF_INET6 is 10, 24, 28 or 30 by system, so
 *   both byte orders are tried.
 * - Raw IP: LINKTYPE_RAW (101), DLT_RAW as written by old libpcaps (12, and 14 on OpenBSD), IPv4 (228),
 *   IPv6 (229): the frame is the IP datagram.
 */
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_12,
  LINKTYPE_RAW_14,
} from './pcap-types.js';

/** linkPayload: the frame carries no IP (ARP, LLC, another address family…). */
export const NOT_IP = -1;
/** linkPayload: the frame is shorter than its link header. */
export const LINK_TRUNCATED = -2;
/** linkPayload: sipclf does not decode this link type. */
export const LINK_UNSUPPORTED = -3;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;

function isVlan(t: number): boolean {
  return t === 0x8100 || t === 0x88a8 || t === 0x9100;
}

/** From an EtherType at `at` (after which the payload starts): the IP header offset, skipping VLAN tags. */
function etherType(d: Buffer, at: number): number {
  let p = at;
  for (let tags = 0; ; tags++) {
    if (p + 2 > d.length) return LINK_TRUNCATED;
    const t = d.readUInt16BE(p);
    if (t === ETH_IPV4 || t === ETH_IPV6) return p + 2;
    if (!isVlan(t) || tags === 8) return NOT_IP;
    p += 4; // TCI(2), then the next EtherType
  }
}

const AF_INET6 = new Set([10, 24, 28, 30]);

function loopbackFamily(d: Buffer): number {
  if (d.length < 4) return LINK_TRUNCATED;
  const be = d.readUInt32BE(0);
  const le = d.readUInt32LE(0);
  if (be === 2 || le === 2 || AF_INET6.has(be) || AF_INET6.has(le)) return 4;
  return NOT_IP;
}

/** Offset of the IP header in `d`, or NOT_IP, LINK_TRUNCATED, LINK_UNSUPPORTED. */
export function linkPayload(linkType: number, d: Buffer): number {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return d.length < 14 ? LINK_TRUNCATED : etherType(d, 12);
    case LINKTYPE_LINUX_SLL:
      return d.length < 16 ? LINK_TRUNCATED : etherType(d, 14);
    case LINKTYPE_LINUX_SLL2: {
      if (d.length < 20) return LINK_TRUNCATED;
      const t = d.readUInt16BE(0);
      if (t === ETH_IPV4 || t === ETH_IPV6) return 20;
      return isVlan(t) ? etherType(d, 20 + 2) : NOT_IP;
    }
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return loopbackFamily(d);
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return 0;
    default:
      return LINK_UNSUPPORTED;
  }
}
