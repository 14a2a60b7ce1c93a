/**
 * The shapes the proxy core (RFC 3261 §16) shares between its steps, and the two ports through which the
 * next step (the wiring onto src/transaction and src/transport) connects it to the network. Nothing here
 * opens a socket or starts a timer: the core is pure functions and small state objects that return
 * decisions, and the caller carries them out.
 *
 * - `NextHop` is structurally the transaction layer's `Target` ({transport, host, port}), so a forwarded
 *   request can be handed to a new client transaction as is (§16.6 step 10).
 * - `ProxySelf` is what the proxy knows about itself: the interfaces it listens on (Via sent-by, Record-Route),
 *   the host names that designate it (§16.4 Route / maddr checks, §16.11 Via checks) and the domains it is
 *   responsible for (§16.5).
 */
import type { SipMessage } from '../sip/message.js';
/** The transports sipclf speaks (RFC 3261 §18). */
export type TransportName = 'udp' | 'tcp' | 'tls';

/** Where a request goes next (§16.6 step 7): the input of RFC 3263 resolution (host may be a name). */
export interface NextHop {
  readonly transport: TransportName;
  readonly host: string;
  readonly port: number;
}

/** One interface the proxy listens on: what it writes in Via sent-by and Record-Route for it. */
export interface LocalInterface {
  readonly transport: TransportName;
  /** Host as advertised (IP address or name); IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
}

export interface ProxySelf {
  /** Every listener; forward() picks the one whose transport matches the next hop (§16.6 step 8). */
  readonly interfaces: readonly LocalInterface[];
  /** Other host names or addresses that designate this proxy (any port of ours), e.g. `proxy.example.net`. */
  readonly aliases?: readonly string[];
  /** Domains this proxy is responsible for (§16.5): its registrar's domains. Case-insensitive. */
  readonly domains?: readonly string[];
}

/** RFC 3261 §19.1.2 / §18: default port of a transport. */
export function defaultPort(transport: TransportName): number {
  return transport === 'tls' ? 5061 : 5060;
}

/** Stream transports need Content-Length (§18.3, §16.6 step 9). */
export function isStream(transport: TransportName): boolean {
  return transport !== 'udp';
}

// ---- ports for the wiring step -----------------------------------------------------------------------------

/** A request the core asks to send (§16.6 step 10, §16.10 CANCEL, §16.8 Timer C CANCEL). */
export interface OutgoingRequest {
  /** The complete message, ready for the wire. */
  readonly bytes: Buffer;
  readonly nextHop: NextHop;
  /** Branch of the Via the core inserted: the client transaction's key (§17.1.3). */
  readonly branch: string;
  readonly method: string;
}

/** A response the core asks to send upstream on the context's server transaction (§16.7 step 9). */
export interface OutgoingResponse {
  readonly bytes: Buffer;
  readonly status: number;
  /**
   * The received response `bytes` forward (§16.7 steps 3 and 7: our Via popped, challenges of other branches
   * added): every CLF field of the bytes is this message's, so the log need not parse them again.
   */
  readonly received?: SipMessage;
}

/**
 * What the wiring implements. `sendRequest` creates a new client transaction (stateful) or writes to the
 * transport (stateless, `stateless` true) and reports that transaction's events back to the response
 * context (`onResponse`, `onTimeout` → 408, `onTransportError` → 503, §16.9). `sendResponse` passes the
 * response to the server transaction of the context, or to the transport when it is gone (§16.7 step 9).
 */
export interface ProxyPorts {
  sendRequest(req: OutgoingRequest): void;
  sendResponse(res: OutgoingResponse): void;
}
