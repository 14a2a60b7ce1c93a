/**
 * The transport layer (RFC 3261 §18): UDP, TCP and TLS listeners, received/rport, connection reuse, CRLF
 * keep-alives and message limits. docs/reference/transport.md describes the behaviour and the counters.
 */
export { TransportLayer } from './layer.js';
export type { InboundMessage, SendOptions, SendResult, TransportProblem, ConnectionEvent, TransportEvents, MessageSink } from './events.js';
export { parseListenAddress, formatEndpoint, hostPort, normalizeIp, sameHost, defaultPort, isReliable, DEFAULT_HOST, type Endpoint, type TransportName } from './address.js';
export { type TransportOptions, type ListenerConfig, type TlsOptions } from './options.js';
export { type TransportStats, type DirectionCounters } from './stats.js';
export { stampVia, type ViaStamp } from './via-stamp.js';
export { responseDestination, viaRouteOf, transportOf, type ViaRoute } from './response-route.js';
export { salvageErrorResponse, type SalvageOptions } from './salvage.js';
