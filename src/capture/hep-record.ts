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

/** recordFromMessage's options for captures: Tag 02, the whole message (one object, not one per packet). */
export const WHOLE_MESSAGE = { wholeMessage: true } as const;

function transportFlag(proto: number | undefined): TransportFlag {
  return proto === 6 ? 'T' : proto === 132 ? 'S' : 'U';
}

/**
 * The CLF record of `pkt`, logged for `agent` ("other" logs the packet's own label); the writer encodes it
 * (ClfWriter.writeRecord, which throws the CLF_* errors of a record the format cannot hold). `receivedAt`
 * (else `clock()`) is the timestamp of packets without one. Throws SipclfError (HEP_*, SIP_*).
 */
export function hepRecord(pkt: HepPacket, agent: string, receivedAt: number | undefined, clock: () => number, limits: Partial<ParseLimits> | undefined): ClfRecord {
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
    WHOLE_MESSAGE,
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
