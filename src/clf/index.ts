/**
 * The RFC 6873 codec of the clf layer in one import: the record model (record.ts), the encoder (§4,
 * encode.ts; encode-into.ts writes the same bytes straight into a Buffer), the decoder with index access
 * (§4.1, decode.ts), the optional-field helpers (§4.4, optional.ts) and the mapping from a parsed SIP
 * message (RFC 6872 §8, from-sip.ts).
 * docs/reference/clf-format.md describes the format and the decisions taken on the RFCs' inconsistencies.
 */
export * from './record.js';
export { encodeRecord, writeMandatory, cutUtf8, type EncodeOptions } from './encode.js';
export { encodeRecordInto } from './encode-into.js';
export { decodeRecord, recordLengthAt, field, optionalFields, readMandatory, type DecodeOptions } from './decode.js';
export {
  headerField,
  reasonPhraseField,
  bodyField,
  messageField,
  vendorField,
  entityField,
  decodeOptionalValue,
  parseTruncationMarker,
  writeText,
  type Capped,
} from './optional.js';
export { recordFromMessage, formatAddress, bareUri, type MessageMeta, type FromMessageOptions } from './from-sip.js';
