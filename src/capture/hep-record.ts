/**
 * One HEP packet → one SIP CLF record (RFC 6873). A HEP collector is a neutral mirror, not a SIP entity
 * (docs/guides/feeding-sipclf.md), so each packet — one message on one hop — is logged once, as received by
 * its destination: direction R, Source and Destination from the HEP address and port chunks (0x0003–0x0008),
 * Transport from the IP protocol chunk 0x0002 (6 TCP, 132 SCTP, else UDP; never E: HEP does not say whether
 * the hop was encrypted), retransmission flag S (RFC 6873 §4.2: retransmissions are not detected), timestamp
 * from the HEP seconds/microseconds chunks 0x0009/0x000a (the receive time when absent), Tag 02 the whole
 * message, and 10@32473 the agent label (the field `sipclf merge` uses for "which entity logged it").
 * Payloads that are not SIP (chunk 0x000b), missing or unparsable throw; the caller counts them.
 */
import { SipclfError } from '../errors.js';
import { parseMessage } from '../sip/parser.js';
import type { ParseLimits } from '../sip/limits.js';
import { entityField } from '../clf/optional.js';
import { formatAddress, recordFromMessage } from '../clf/from-sip.js';
import type { ClfRecord, OptionalField, TransportFlag } from '../clf/record.js';
import { hepPayload, HEP_PROTO_SIP, type HepPacket } from './hep.js';
import { agentLabel, OTHER } from './hep-tally.js';
import { DEFAULT_MASK_OPTIONS } from '../logme/config.js';
import { makeMasker } from '../logme/mask.js';

/** recordFromMessage's options for captures kept as captured (`keepKeys`): Tag 02, the whole message. */
export const WHOLE_MESSAGE = { wholeMessage: true } as const;

/**
 * recordFromMessage's options for captures by default: Tag 02 the whole message with the values of SDP key
 * material masked with X (`a=crypto`, `a=key-mgmt`, `a=3GPP-Integrity-Key`, `a=3GPP-SRTP-Config`, `k=` lines),
 * as the proxy logs: RFC 8497 §8.2 says these "MUST be masked with a dummy value prior to storing the message
 * in a log file", and a CLF file made from a capture is such a log. Lengths stay as they were (Content-Length
 * still holds). One object, not one per packet; a message with nothing to mask costs one search of its body.
 */
export const WHOLE_MESSAGE_MASKED = { wholeMessage: true, mask: makeMasker(DEFAULT_MASK_OPTIONS) } as const;

/** The record options of a capture: masked unless the user asked to keep key material (`--keep-keys`). */
export function captureRecordOptions(keepKeys: boolean | undefined): typeof WHOLE_MESSAGE | typeof WHOLE_MESSAGE_MASKED {
  return keepKeys === true ? WHOLE_MESSAGE : WHOLE_MESSAGE_MASKED;
}

function transportFlag(proto: number | undefined): TransportFlag {
  return proto === 6 ? 'T' : proto === 132 ? 'S' : 'U';
}

/**
 * The CLF record of `pkt`, logged for `agent` ("other" logs the packet's own label); the writer encodes it
 * (ClfWriter.writeRecord, which throws the CLF_* errors of a record the format cannot hold). `receivedAt`
 * (else `clock()`) is the timestamp of packets without one. Throws SipclfError (HEP_*, SIP_*).
 */
export function hepRecord(
  pkt: HepPacket,
  agent: string,
  receivedAt: number | undefined,
  clock: () => number,
  limits: Partial<ParseLimits> | undefined,
  options: typeof WHOLE_MESSAGE | typeof WHOLE_MESSAGE_MASKED = WHOLE_MESSAGE_MASKED,
): ClfRecord {
  if (pkt.protocolType !== undefined && pkt.protocolType !== HEP_PROTO_SIP) {
    throw new SipclfError('HEP_NOT_SIP', `protocol type ${pkt.protocolType} is not SIP (1)`);
  }
  const payload = hepPayload(pkt, limits?.maxMessageBytes ?? 65_535);
  if (payload === undefined) throw new SipclfError('HEP_NO_PAYLOAD', 'HEP packet without payload chunk');
  const msg = parseMessage(payload, limits);
  const src = pkt.srcIPv4 ?? pkt.srcIPv6;
  const dst = pkt.dstIPv4 ?? pkt.dstIPv6;
  const timestamp = pkt.timeSec !== undefined ? pkt.timeSec * 1000 + Math.floor((pkt.timeUsec ?? 0) / 1000) : (receivedAt ?? clock());
  const rec = recordFromMessage(
    msg,
    {
      timestamp,
      direction: 'R',
      transport: transportFlag(pkt.ipProtocol),
      encrypted: false,
      retransmission: 'S',
      source: src !== undefined && pkt.srcPort !== undefined ? formatAddress(src, pkt.srcPort) : '-',
      destination: dst !== undefined && pkt.dstPort !== undefined ? formatAddress(dst, pkt.dstPort) : '-',
    },
    options,
  );
  // recordFromMessage builds a fresh array for each record: the entity field goes straight onto it.
  (rec.optional as OptionalField[]).push(entityOf(agent === OTHER ? agentLabel(pkt) : agent));
  return rec;
}

const MAX_ENTITIES = 1024;
const entities = new Map<string, OptionalField>();

/**
 * The 10@32473 field of a label, built once per label (labels recur in every packet of an agent; the
 * field's text checks ran per packet). Bounded: cleared when full. A label is ≤ 64 bytes, never truncated.
 */
function entityOf(label: string): OptionalField {
  let f = entities.get(label);
  if (f === undefined) {
    f = entityField(label).field;
    if (entities.size >= MAX_ENTITIES) entities.clear();
    entities.set(label, f);
  }
  return f;
}
