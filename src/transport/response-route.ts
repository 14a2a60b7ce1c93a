/**
 * Where a response goes: RFC 3261 §18.2.2 with RFC 3581 §4 (rport). Pure: the caller (TransportLayer.
 * sendResponse) tries the connection the request came on first for reliable transports, then opens one to
 * the address computed here.
 */
import type { SipMessage } from '../sip/message.js';
import { E } from '../sip/layout.js';
import { defaultPort, isReliable, type Endpoint, type TransportName } from './address.js';

/** The parts of a top Via that route a response. */
export interface ViaRoute {
  /** Via transport token, any case (UDP, TCP, TLS…). */
  readonly transport: string;
  /** sent-by host (IPv6 without brackets). */
  readonly host: string;
  readonly port?: number | undefined;
  readonly received?: string | undefined;
  readonly rport?: number | true | undefined;
  readonly maddr?: string | undefined;
}

/** `udp`, `tcp` or `tls` for the Via transport token, undefined for transports sipclf does not speak. */
export function transportOf(viaTransport: string): TransportName | undefined {
  const t = viaTransport.toLowerCase();
  return t === 'udp' || t === 'tcp' || t === 'tls' ? t : undefined;
}

/**
 * The §18.2.2 destination other than "the existing connection":
 * - reliable: `received` if present, else the sent-by host; "the port in the sent-by value, or the default
 *   port for that transport" (5060, 5061 for TLS);
 * - unreliable with `maddr`: maddr, sent-by port or 5060 (multicast TTL is not supported: unicast only);
 * - unreliable with `received`: received, and the `rport` value when it has one (RFC 3581 §4), else the
 *   sent-by port or 5060;
 * - otherwise the sent-by host and port (or 5060). Names are resolved by the OS (A/AAAA); the RFC 3263 §5
 *   SRV procedures are not applied.
 * Returns undefined when the Via transport is not UDP, TCP or TLS.
 */
export function responseDestination(via: ViaRoute): Endpoint | undefined {
  const transport = transportOf(via.transport);
  if (transport === undefined) return undefined;
  const sentByPort = via.port ?? defaultPort(transport);
  if (isReliable(transport)) return { transport, host: via.received ?? via.host, port: sentByPort };
  if (via.maddr !== undefined) return { transport, host: via.maddr, port: sentByPort };
  if (via.received !== undefined) return { transport, host: via.received, port: typeof via.rport === 'number' ? via.rport : sentByPort };
  return { transport, host: via.host, port: typeof via.rport === 'number' ? via.rport : sentByPort };
}

/** The ViaRoute of a message's top Via; `maddr` is read (by the full Via grammar) only when the text has one. */
export function viaRouteOf(msg: SipMessage): ViaRoute | undefined {
  const top = msg.topVia;
  if (top === undefined) return undefined;
  const parm = msg.text.slice(msg.e[E.VIA_HOST_E], msg.e[E.VIA_PARM_E]);
  const maddr = /maddr/i.test(parm) ? msg.vias()[0]?.maddr : undefined;
  return { transport: top.transport, host: top.host, port: top.port, received: top.received, rport: top.rport, maddr };
}
