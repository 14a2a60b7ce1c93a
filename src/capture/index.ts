/**
 * Capture to CLF (src/capture): pcap/pcapng reading (RFC-less de-facto formats, with IPv4/IPv6 reassembly
 * and TCP stream reassembly into the SIP framer), pcap writing, the HEP v3 codec and collector, the
 * viewpoint rule and `sipclf convert`. Public API; guides: docs/guides/capture.md, docs/guides/feeding-sipclf.md.
 */
export { readPackets, packetBatches, captureChunks } from './pcap-read.js';
export type { Packet, PacketEvent, CaptureError, CaptureSource, ReadPacketsOptions } from './pcap-types.js';
export { sipMessages, SipExtractor, type SipMessageReader } from './net-sip.js';
export { writePcap, PcapEncoder, type PcapWriteOptions, type PcapWriteSummary, type WireMessage } from './pcap-write.js';
export {
  decodeHep,
  encodeHep,
  hepPayload,
  hepAddresses,
  isHepMagic,
  hepTotalLength,
  HepError,
  HEP_PROTO_SIP,
  type HepPacket,
  type HepFields,
  type DecodeHepOptions,
} from './hep.js';
export { HepCollector, parseHepListen, type HepCollectorOptions, type HepCollectorStats, type HepAgentStats } from './hep-collector.js';
export { Viewpoint, parseEntity, NEUTRAL_RULE, type EntityAddress } from './viewpoint.js';
export { convert, Converter, inFormatFromName, outFormatFromName, inFormatFromBytes, type ConvertOptions, type ConvertSummary, type InFormat, type OutFormat } from './convert.js';
