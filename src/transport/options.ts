/**
 * TransportLayer options: their types, defaults and validation (CONFIG_INVALID naming the option path), and
 * the TLS files read at start. Everything a listener or a limit needs is checked here, before any socket
 * exists.
 */
import { readFile } from 'node:fs/promises';
import { SipclfError } from '../errors.js';
import { DEFAULT_LIMITS, type ParseLimits } from '../sip/limits.js';
import { parseListenAddress, type Endpoint } from './address.js';

/** TLS material, as file paths (PEM). */
export interface TlsOptions {
  /** Certificate chain of this element (server side; client side for mutual TLS). */
  readonly cert?: string;
  /** Private key of `cert`. */
  readonly key?: string;
  /** CA certificates to verify the peer with (outbound: the server; inbound with requestCert: the client). */
  readonly ca?: string;
  /** Server: ask clients for a certificate (mutual TLS). Default false. */
  readonly requestCert?: boolean;
  /** Verify the peer's certificate (outbound always checks the name/IP too). Default true. */
  readonly rejectUnauthorized?: boolean;
}

export interface ListenerConfig {
  /** `udp:HOST:PORT`, `tcp:HOST:PORT`, `tls:HOST:PORT` (IPv6 in brackets); see parseListenAddress. */
  readonly listen: string;
  /** TLS files for a `tls:` listener; overrides TransportOptions.tls. */
  readonly tls?: TlsOptions;
}

export interface TransportOptions {
  /** Listen addresses; several of each transport and family may be given. */
  readonly listeners: ReadonlyArray<string | ListenerConfig>;
  /** Parser and framer limits (src/sip/limits.ts); default DEFAULT_LIMITS. */
  readonly limits?: Partial<ParseLimits>;
  /** Default TLS files for `tls:` listeners, and the CA / client certificate for outbound TLS. */
  readonly tls?: TlsOptions;
  /** Close a TCP/TLS connection after this long without a byte either way (ms); default 240,000. 0: never. */
  readonly idleTimeoutMs?: number;
  /** Most TCP/TLS connections open at once, accepted and opened together; default 1,024. */
  readonly maxConnections?: number;
  /** Give up opening a connection (TCP connect + TLS handshake) after this long (ms); default 10,000. */
  readonly connectTimeoutMs?: number;
  /** Close a connection whose unsent bytes exceed this (a peer that does not read); default 4 MiB. */
  readonly maxWriteBufferBytes?: number;
  /**
   * RFC 3261 §18.1.1: a request larger than this many bytes bound for UDP is sent over TCP instead (the top
   * Via transport rewritten to TCP; UDP again if the connection is refused or reset). The RFC's value is
   * 1300 with an unknown path MTU. Default undefined: off, every request goes where it is sent.
   */
  readonly udpMaxRequestBytes?: number;
  /** Most error responses (400/513 to malformed requests) sent per second; the rest dropped. Default 200. */
  readonly errorResponsesPerSecond?: number;
  /** warn-agent of the Warning header of those responses (RFC 3261 §20.43); default "sipclf". */
  readonly warnAgent?: string;
  /** Add received/rport to the top Via of received requests (RFC 3261 §18.2.1, RFC 3581 §4). Default true. */
  readonly stampVia?: boolean;
  /**
   * SO_RCVBUF of UDP listeners in bytes: room for a burst while the event loop is busy (a GC pause), so the
   * kernel does not drop datagrams (RcvbufErrors). The kernel caps it at net.core.rmem_max. Default 4 MiB;
   * 0 keeps the system default (net.core.rmem_default, often 208 KiB).
   */
  readonly udpReceiveBufferBytes?: number;
}

export interface ListenerSpec {
  readonly endpoint: Endpoint;
  readonly tls: TlsOptions | undefined;
  /** Option path, for errors: `listeners[2]`. */
  readonly path: string;
}

export interface ResolvedOptions {
  readonly listeners: readonly ListenerSpec[];
  readonly limits: ParseLimits;
  readonly tls: TlsOptions | undefined;
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly maxWriteBufferBytes: number;
  readonly udpMaxRequestBytes: number | undefined;
  readonly errorResponsesPerSecond: number;
  readonly warnAgent: string;
  readonly stampVia: boolean;
  readonly udpReceiveBufferBytes: number;
}

function bad(path: string, reason: string): SipclfError {
  return new SipclfError('CONFIG_INVALID', `${path}: ${reason}`);
}

function count(path: string, v: number | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) throw bad(path, `must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** Validates the options; throws CONFIG_INVALID naming the first bad option. */
export function resolveOptions(o: TransportOptions): ResolvedOptions {
  if ((o.listeners as ReadonlyArray<string | ListenerConfig> | undefined) === undefined || o.listeners.length === 0) throw bad('listeners', 'at least one listen address is required');
  const seen = new Set<string>();
  const listeners = o.listeners.map((l, i): ListenerSpec => {
    const path = `listeners[${i}]`;
    const spec = typeof l === 'string' ? l : l.listen;
    if (typeof spec !== 'string') throw bad(path, 'must be a string like udp:127.0.0.1:5060 or {listen, tls}');
    const endpoint = parseListenAddress(spec, path);
    const tls = typeof l === 'string' ? o.tls : (l.tls ?? o.tls);
    if (endpoint.transport === 'tls' && (tls?.cert === undefined || tls.key === undefined)) {
      throw bad(path, `${spec} needs tls.cert and tls.key (file paths), on the listener or in the transport options`);
    }
    const key = `${endpoint.transport}|${endpoint.host}|${endpoint.port}`;
    if (endpoint.port !== 0 && seen.has(key)) throw bad(path, `${spec} is listed twice`);
    seen.add(key);
    return { endpoint, tls: endpoint.transport === 'tls' ? tls : undefined, path };
  });
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  for (const [k, v] of Object.entries(limits)) count(`limits.${k}`, v, 0, 1);
  const udpMax = o.udpMaxRequestBytes;
  if (udpMax !== undefined) count('udpMaxRequestBytes', udpMax, 0, 1);
  return {
    listeners,
    limits,
    tls: o.tls,
    idleTimeoutMs: count('idleTimeoutMs', o.idleTimeoutMs, 240_000, 0),
    maxConnections: count('maxConnections', o.maxConnections, 1024, 1),
    connectTimeoutMs: count('connectTimeoutMs', o.connectTimeoutMs, 10_000, 1),
    maxWriteBufferBytes: count('maxWriteBufferBytes', o.maxWriteBufferBytes, 4 * 1024 * 1024, 1),
    udpMaxRequestBytes: udpMax,
    errorResponsesPerSecond: count('errorResponsesPerSecond', o.errorResponsesPerSecond, 200, 0),
    warnAgent: o.warnAgent ?? 'sipclf',
    stampVia: o.stampVia ?? true,
    udpReceiveBufferBytes: count('udpReceiveBufferBytes', o.udpReceiveBufferBytes, 4 * 1024 * 1024, 0),
  };
}

export interface TlsMaterial {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/** Reads the PEM files named by `tls`; an unreadable file is CONFIG_INVALID naming the option and path. */
export async function readTls(tls: TlsOptions | undefined, path: string): Promise<TlsMaterial> {
  const out: TlsMaterial = {};
  if (tls === undefined) return out;
  for (const k of ['cert', 'key', 'ca'] as const) {
    const file = tls[k];
    if (file === undefined) continue;
    try {
      out[k] = await readFile(file);
    } catch (err) {
      throw new SipclfError('CONFIG_INVALID', `${path}.tls.${k}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}
