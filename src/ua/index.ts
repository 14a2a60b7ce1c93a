/**
 * The test UA (RFC 3261 UAC/UAS with RFC 8497 log-me roles and RFC 3515 transfer): public API of src/ua.
 * Guide: docs/guides/test-ua.md.
 */
export { UserAgent, type UserAgentOptions, type UaStats, type IncomingCallEvent, type DialogEntry } from './agent.js';
export { UaCore, logmeConfigFor, type UaCoreOptions, type LogmeMode, type UaCounters } from './core.js';
export { Dialog, type DialogState } from './dialog.js';
export type { CallSpec, CallResult } from './uac.js';
export type { AnswerPolicy } from './uas.js';
export { parseProxy, targetOfUri } from './target.js';
export { sipfragStatus } from './refer.js';
