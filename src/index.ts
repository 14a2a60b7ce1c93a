/**
 * Public API of the sipclf library. Layers (see docs/architecture.md): sip → transport → transaction →
 * proxy; clf and logme are pure; capture, store, server and cli sit on top.
 */
export * from './errors.js';
export { DEFAULT_LIMITS, type ParseLimits } from './sip/limits.js';
export { parseMessage } from './sip/parser.js';
export { SipMessage, type RawHeader, type CSeq, type TopVia } from './sip/message.js';
export { H, canonicalName, compactName, headerIdOf, type HeaderId } from './sip/header-names.js';
export { MessageEditor } from './sip/editor.js';
export { StreamFramer, type FrameEvent } from './sip/framer.js';
export {
  validateRequest,
  validateResponse,
  buildErrorResponse,
  reasonPhrase,
  type ValidateOptions,
  type ValidateResponseOptions,
} from './sip/validate.js';
export * as grammar from './sip/grammar/index.js';
export * as clf from './clf/index.js';
export { recordToJson, recordFromJson, recordToJsonLine, recordFromJsonLine, type JsonRecord } from './clf/json.js';
export { readRecords, matchField, RecordHit, type ReaderOptions, type ReaderSummary, type RecordEvent } from './logfile/reader.js';
export { followRecords, type FollowOptions } from './logfile/follow.js';
export { ClfWriter, type WriterOptions, type WriterStats } from './logfile/writer.js';
export { mergeRecords } from './logfile/merge.js';
export { StatsCollector, type StatsReport } from './analysis/stats.js';
export { generateRecords, generateClf, type GenOptions } from './gen/generator.js';
export * as logme from './logme/index.js';
export * as transaction from './transaction/index.js';
export * as transport from './transport/index.js';
export { UserAgent, type UserAgentOptions, type CallSpec, type CallResult, type IncomingCallEvent } from './ua/index.js';
export * as capture from './capture/index.js';
