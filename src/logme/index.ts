/**
 * The log-me engine (RFC 8497 "log me" marking on the RFC 7989 Session-ID): public API. Pure: imports only the
 * sip layer and errors.ts (scripts/check-layers.mjs). Reference: docs/reference/logme.md.
 */
export { LogmeEngine } from './engine.js';
export { validateLogmeConfig } from './config-validate.js';
export {
  ROLES,
  DEFAULT_MASKED_ATTRIBUTES,
  DEFAULT_MASK_OPTIONS,
  type Role,
  type LogmeConfig,
  type PeerConfig,
  type LogmeSession,
  type SessionScope,
  type LogmeLimits,
  type PrivacyConfig,
} from './config.js';
export { makeMasker, type MaskOptions } from './mask.js';
export { uuidV5, SESSION_ID_NAMESPACE } from './uuid.js';
export type {
  ProcessInput,
  Decision,
  MarkerAction,
  LogmeError,
  DialogPhase,
  StateChange,
  LogmeEvent,
  LogmeEventName,
  EngineOptions,
  LogmeStats,
} from './types.js';
