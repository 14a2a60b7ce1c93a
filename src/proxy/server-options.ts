/**
 * Options of the proxy server (server.ts) and their resolution: static routes and the default route parsed
 * (PROXY_BAD_ROUTE names the bad one), the log mode checked, the CLF writer and the log-me engine created.
 * The YAML configuration file (config.ts, config-merge.ts) and the flags both end up in these options.
 */
import { SipclfError } from '../errors.js';
import { ClfWriter } from '../logfile/writer.js';
import type { WriterOptions } from '../logfile/writer-options.js';
import { LogmeEngine } from '../logme/index.js';
import type { Clock, TimerConfig } from '../transaction/index.js';
import type { TlsOptions, TransportOptions } from '../transport/index.js';
import { parseNextHop, parseStaticRoute, type StaticRoute } from './routes.js';
import { LogWorker } from '../msglog/log-worker-client.js';
import { MessageLog, type LogMode } from '../msglog/message-log.js';
import type { NextHop } from './types.js';
import type { OverloadOptions } from './overload.js';
import type { RegistrarConfig } from './config.js';

export interface ProxyServerOptions {
  /** Listen addresses, `udp:127.0.0.1:5060` (docs/reference/transport.md); port 0: the OS chooses. */
  readonly listen: readonly string[];
  /** Static routes `DOMAIN=HOST:PORT`, `.SUFFIX=…`, `user:PREFIX=…` (docs/reference/proxy-core.md). */
  readonly routes?: readonly string[];
  /** Default outbound proxy `HOST[:PORT][;transport=…]` for foreign domains. */
  readonly defaultRoute?: string;
  /** Domains of the proxy and its registrar. */
  readonly domains?: readonly string[];
  /** Other names of this proxy (Route / Via self checks). */
  readonly aliases?: readonly string[];
  /** Directory of the CLF files; absent: nothing is logged. */
  readonly logDir?: string;
  /** Which messages are logged; default `marked`. */
  readonly log?: LogMode;
  /**
   * Where records are built, encoded and written: `worker` (default) a logging thread of their own, so a
   * proxy logging every call forwards almost as fast as one logging nothing when the machine has a core to
   * spare; `main` the forwarding thread, between turns of its event loop (msglog/message-log.ts).
   */
  readonly logThread?: LogThread;
  /** CLF file rotation and retention (ClfWriter options other than `dir`). */
  readonly rotation?: Omit<WriterOptions, 'dir'>;
  /** Registrar bindings file and expiry limits (registrar.ts). */
  readonly registrar?: RegistrarConfig;
  /** Log-me configuration (docs/reference/logme.md), already read from its file. */
  readonly logme?: unknown;
  /** Transaction timers (tests shorten them); `trying` is ignored: the proxy sends its 100 Trying at once itself. */
  readonly timers?: Partial<TimerConfig>;
  /** Timer C in ms (> 180,000). */
  readonly timerC?: number;
  /** RFC 3261 §16.11 stateless proxy (server-stateless.ts) instead of the transaction-stateful one. */
  readonly stateless?: boolean;
  /** TLS files (PEM paths) of the `tls:` listeners, and the CA / client certificate for outbound TLS. */
  readonly tls?: TlsOptions;
  /** Transport tunables (receive buffer, connection limits…; docs/reference/transport.md). */
  readonly transport?: Omit<TransportOptions, 'listeners' | 'tls' | 'limits'>;
  /** Overload control: 503 to a fraction of new requests while the event loop is saturated (overload.ts). */
  readonly overload?: OverloadOptions;
  readonly clock?: Clock;
}

export interface ProxyStats {
  requests: number;
  responses: number;
  forwarded: number;
  acks: number;
  cancels: number;
  registers: number;
  stray: number;
  errors: Record<string, number>;
}

export interface ResolvedServerOptions {
  readonly routes: StaticRoute[];
  readonly defaultProxy: NextHop | undefined;
  readonly domains: string[];
  readonly aliases: string[];
  openLog(): Promise<MessageLog>;
}

const MODES: readonly string[] = ['all', 'marked', 'none'];
export type LogThread = 'worker' | 'main';

/** The CLF writer gathers 10 ms of records per write: one system call per batch, off the forwarding path. */
export const LOG_COALESCE_MS = 10;

export function resolveServerOptions(o: ProxyServerOptions): ResolvedServerOptions {
  if (o.listen.length === 0) throw new SipclfError('CONFIG_INVALID', 'listen: at least one listen address is required');
  const mode = o.log ?? 'marked';
  if (!MODES.includes(mode)) throw new SipclfError('CONFIG_INVALID', `log: ${String(mode)} is not all, marked or none`);
  const thread = o.logThread ?? 'worker';
  if (thread !== 'worker' && thread !== 'main') throw new SipclfError('CONFIG_INVALID', `log thread: ${String(thread)} is not worker or main`);
  const routes = (o.routes ?? []).map((r) => parseStaticRoute(r));
  const defaultProxy = o.defaultRoute === undefined ? undefined : parseNextHop(o.defaultRoute);
  return {
    routes,
    defaultProxy,
    domains: [...(o.domains ?? [])],
    aliases: [...(o.aliases ?? [])],
    async openLog() {
      const engine = o.logme === undefined ? undefined : new LogmeEngine(o.logme);
      if (o.logDir === undefined || mode === 'none') return new MessageLog(mode, engine, undefined);
      const w = { coalesceMs: LOG_COALESCE_MS, ...o.rotation, dir: o.logDir };
      const writer = thread === 'worker' ? await LogWorker.open({ writer: w }) : await ClfWriter.open(w);
      return new MessageLog(mode, engine, writer);
    },
  };
}
