/**
 * Precedence of `sipclf proxy` settings (docs/reference/proxy-config.md "Precedence"): a flag given on the
 * command line wins over the configuration file, a repeatable flag (--listen, --route, --domain) replaces
 * the file's whole list, and the built-in default applies when neither gives a value.
 */
import { readFile } from 'node:fs/promises';
import { SipclfError } from '../errors.js';
import { parseMetricsListen, parseProxyConfig, rotationInterval, type LogLevel, type MetricsConfig, type ProxyFileConfig } from './config.js';
import type { ProxyServerOptions } from './server-options.js';

/** The flags of `sipclf proxy` that can override the file (undefined / empty: not given). */
export interface ProxyFlags {
  readonly listen?: readonly string[];
  readonly routes?: readonly string[];
  readonly defaultRoute?: string;
  readonly domains?: readonly string[];
  readonly logDir?: string;
  readonly log?: string;
  readonly logThread?: string;
  readonly logme?: unknown;
  readonly metrics?: string;
  readonly logLevel?: string;
  readonly stateless?: boolean;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
}

export interface EffectiveConfig {
  readonly server: ProxyServerOptions;
  readonly metrics: MetricsConfig | undefined;
  readonly logLevel: LogLevel;
}

/** Reads and validates a configuration file; IO_READ when it cannot be read, CONFIG_INVALID otherwise. */
export async function loadProxyConfig(file: string): Promise<ProxyFileConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SipclfError('IO_READ', `--config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseProxyConfig(text, file);
}

function given(list: readonly string[] | undefined): list is readonly string[] {
  return list !== undefined && list.length > 0;
}

/** Merges flags over the file (see the file comment); throws CONFIG_INVALID for a bad flag value. */
export function mergeProxyConfig(file: ProxyFileConfig, flags: ProxyFlags): EffectiveConfig {
  const mode = flags.log ?? file.log?.mode ?? 'marked';
  if (mode !== 'all' && mode !== 'marked' && mode !== 'none') throw new SipclfError('CONFIG_INVALID', `--log ${mode}: expected all, marked or none`);
  const level = flags.logLevel ?? file.logLevel ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new SipclfError('CONFIG_INVALID', `--log-level ${level}: expected fatal, error, warn, info, debug, trace or silent`);
  const metrics = flags.metrics !== undefined ? parseMetricsListen(flags.metrics, file.metrics?.allowRemote ?? false, '--metrics') : file.metrics;
  const listen = given(flags.listen) ? flags.listen : (file.listen ?? []);
  const routes = given(flags.routes) ? flags.routes : file.routes;
  const domains = given(flags.domains) ? flags.domains : file.domains;
  const defaultRoute = flags.defaultRoute ?? file.defaultRoute;
  const logDir = flags.logDir ?? file.log?.dir;
  const logThread = flags.logThread ?? file.log?.thread;
  if (logThread !== undefined && logThread !== 'worker' && logThread !== 'main') throw new SipclfError('CONFIG_INVALID', `--log-thread ${logThread}: expected worker or main`);
  const logme = flags.logme ?? file.logme;
  const stateless = flags.stateless === true || file.stateless === true;
  const tls = { ...file.tls, ...(flags.tlsCert === undefined ? {} : { cert: flags.tlsCert }), ...(flags.tlsKey === undefined ? {} : { key: flags.tlsKey }) };
  if (listen.some((l) => l.toLowerCase().startsWith('tls:')) && (tls.cert === undefined || tls.key === undefined)) {
    throw new SipclfError('CONFIG_INVALID', 'a tls: listener needs a certificate and its key: --tls-cert and --tls-key (or tls.cert and tls.key in --config)');
  }
  const rot = file.log?.rotation;
  const t = file.timers;
  const timers = t === undefined ? undefined : { ...(t.T1 === undefined ? {} : { T1: t.T1 }), ...(t.T2 === undefined ? {} : { T2: t.T2 }), ...(t.T4 === undefined ? {} : { T4: t.T4 }) };
  const server: ProxyServerOptions = {
    listen: [...listen],
    log: mode,
    ...(routes === undefined ? {} : { routes: [...routes] }),
    ...(domains === undefined ? {} : { domains: [...domains] }),
    ...(file.aliases === undefined ? {} : { aliases: file.aliases }),
    ...(defaultRoute === undefined ? {} : { defaultRoute }),
    ...(logDir === undefined ? {} : { logDir }),
    ...(logThread === undefined ? {} : { logThread }),
    ...(rot === undefined ? {} : { rotation: rot.interval === undefined ? rot : { ...rot, interval: rotationInterval(rot.interval) } }),
    ...(file.registrar === undefined ? {} : { registrar: file.registrar }),
    ...(logme === undefined ? {} : { logme }),
    ...(timers === undefined ? {} : { timers }),
    ...(t?.timerC === undefined ? {} : { timerC: t.timerC }),
    ...(stateless ? { stateless } : {}),
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
    ...(file.transport === undefined ? {} : { transport: file.transport }),
    ...(file.overload === undefined ? {} : { overload: file.overload }),
  };
  return { server, metrics, logLevel: level as LogLevel };
}
