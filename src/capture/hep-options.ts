/**
 * HepCollector configuration: the `--hep` listener specs (`udp:HOST:PORT`, `tcp:HOST:PORT`, IPv6 in brackets
 * as in RFC 3986 §3.2.2), the metrics `HOST:PORT`, the collector options, their validation and the defaults
 * the collector runs with (queue 8 MiB, 64 agents, 256 TCP connections per listener, writer high-water mark
 * 1 MiB and writer queue 4 × that). HEP itself is the HEP3/EEP3 encapsulation (src/capture/hep.ts).
 * Invalid settings throw CONFIG_INVALID (docs/reference/errors.md).
 */
import { SipclfError, type ErrorCode } from '../errors.js';
import type { ParseLimits } from '../sip/limits.js';
import type { WriterOptions } from '../logfile/writer.js';
import { captureRecordOptions } from './hep-record.js';

export interface HepListen {
  readonly transport: 'udp' | 'tcp';
  readonly host: string;
  /** 0 picks a free port (see HepCollector.addresses). */
  readonly port: number;
}

/** `udp:HOST:PORT` or `tcp:HOST:PORT` (IPv6 in brackets: `udp:[::1]:9060`). Throws CONFIG_INVALID. */
export function parseHepListen(spec: string): HepListen {
  const m = /^(udp|tcp):(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(spec);
  const port = m === null ? NaN : Number(m[4]);
  if (m === null || port > 65535) throw new SipclfError('CONFIG_INVALID', `--hep ${spec}: expected udp:HOST:PORT or tcp:HOST:PORT (IPv6 as [addr])`);
  return { transport: m[1] as 'udp' | 'tcp', host: (m[2] ?? m[3]) as string, port };
}

/** `HOST:PORT` (IPv6 in brackets) for the metrics endpoint. Throws CONFIG_INVALID. */
export function parseHostPort(spec: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(spec);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new SipclfError('CONFIG_INVALID', `${what} ${spec}: expected HOST:PORT (IPv6 as [addr]:PORT)`);
  return { host: (m[1] ?? m[2]) as string, port };
}

export interface HepCollectorOptions {
  /** Where to listen for HEP (nothing else is opened, apart from `metrics`). */
  readonly listen: readonly HepListen[];
  /** Directory of the CLF files. */
  readonly out: string;
  /** One writer per agent, in OUT/<agent>/. Default false: one stream in OUT. */
  readonly perAgent?: boolean;
  /** Accept only packets whose auth key chunk (0x000e) equals this. */
  readonly authKey?: string | Buffer;
  /** Serve GET /metrics (Prometheus text) and GET /health here. */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** ClfWriter options for every stream (dir is set by the collector). */
  readonly writer?: Omit<WriterOptions, 'dir'>;
  /** Bytes of HEP packets waiting while a writer is busy; beyond, packets are dropped. Default 8 MiB. */
  readonly queueBytes?: number;
  /** Agents with their own label and (with perAgent) stream. Default 64. */
  readonly maxAgents?: number;
  /** Concurrent TCP connections per listener. Default 256. */
  readonly maxConnections?: number;
  /**
   * A TCP connection whose HEP packet is not complete this long after its first byte is closed (a broken or
   * hostile sender, stopping or trickling in the middle of a packet, would otherwise hold its slot and the
   * partial packet as long as it likes). Between packets a connection may stay idle as long as it likes.
   * Default 30,000 ms; at most 2,147,483,647 (a Node timer's limit).
   */
  readonly tcpStallMs?: number;
  /** SIP parser limits for the payloads. */
  readonly limits?: Partial<ParseLimits>;
  /**
   * Log SDP key material (a=crypto, a=key-mgmt, k=…) as captured. Default false: its values are masked with
   * X, as RFC 8497 §8.2 asks of a log (hep-record.ts WHOLE_MESSAGE_MASKED).
   */
  readonly keepKeys?: boolean;
  /** Milliseconds since the epoch, for packets without a timestamp. Default Date.now. */
  readonly clock?: () => number;
  /** Called once per error code and agent the first time it happens (the CLI prints it). */
  readonly onFirstError?: (code: ErrorCode, agent: string, message: string) => void;
}

export const MiB = 1024 * 1024;

/** The options with their defaults applied. */
export interface HepSettings {
  readonly authKey: Buffer | undefined;
  readonly maxAgents: number;
  readonly queueMax: number;
  readonly maxConnections: number;
  readonly tcpStallMs: number;
  readonly clock: () => number;
  readonly writerOpts: Omit<WriterOptions, 'dir'>;
  /** recordFromMessage's options: key material masked unless keepKeys. */
  readonly recordOptions: ReturnType<typeof captureRecordOptions>;
}

/** Throws CONFIG_INVALID for no listener, a count that is not a positive integer, or an empty auth key. */
export function validateHepOptions(o: HepCollectorOptions): void {
  if (o.listen.length === 0) throw new SipclfError('CONFIG_INVALID', 'listen: at least one HEP listener is needed');
  for (const [name, v, max] of [
    ['queueBytes', o.queueBytes, Number.MAX_SAFE_INTEGER],
    ['maxAgents', o.maxAgents, Number.MAX_SAFE_INTEGER],
    ['maxConnections', o.maxConnections, Number.MAX_SAFE_INTEGER],
    ['tcpStallMs', o.tcpStallMs, 2_147_483_647], // a Node timer's limit
  ] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1 || v > max)) throw new SipclfError('CONFIG_INVALID', `${name}: ${String(v)} is not an integer from 1 to ${max}`);
  }
  // An empty key would be matched by an empty 0x000e chunk, which any sender can add: no check at all.
  if (o.authKey !== undefined && o.authKey.length === 0) throw new SipclfError('CONFIG_INVALID', 'authKey: empty (omit it to accept packets without a key)');
}

export function hepSettings(o: HepCollectorOptions): HepSettings {
  const hwm = o.writer?.highWaterMark ?? MiB;
  return {
    authKey: o.authKey === undefined ? undefined : Buffer.isBuffer(o.authKey) ? o.authKey : Buffer.from(o.authKey, 'utf8'),
    maxAgents: o.maxAgents ?? 64,
    queueMax: o.queueBytes ?? 8 * MiB,
    maxConnections: o.maxConnections ?? 256,
    tcpStallMs: o.tcpStallMs ?? 30_000,
    clock: o.clock ?? Date.now,
    recordOptions: captureRecordOptions(o.keepKeys),
    writerOpts: { ...o.writer, highWaterMark: hwm, maxQueueBytes: o.writer?.maxQueueBytes ?? Math.max(4 * hwm, 64 * 1024) },
  };
}
