/** The flow layer: ladder diagrams of one session across the CLF logs of several entities. */
export { buildFlow, type Flow, type SessionSummary } from './flow.js';
export { groupSessions, selectEvents, type Selector, type Session } from './grouping.js';
export { buildLadder, UNKNOWN, type Arrow, type Ladder } from './match.js';
export { loadEvents, type FlowEvent, type FlowInput } from './model.js';
export { renderJson } from './render-json.js';
export { renderHtml, renderSvg } from './render-svg.js';
export { renderText } from './render-text.js';
