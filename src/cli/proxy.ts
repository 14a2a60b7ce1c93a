/**
 * `sipclf proxy`: runs the stateful proxy (src/proxy/server.ts) until SIGTERM or SIGINT, then stops
 * listening, flushes the CLF log and exits 0. `--config FILE` reads the YAML configuration
 * (docs/reference/proxy-config.md; flags win over the file); SIGHUP reloads its routes and log-me sessions
 * (src/proxy/reload.ts); `--metrics HOST:PORT` (or metrics.listen) serves /metrics and /health. Logs are
 * JSON lines (pino) on standard error.
 */
import { readFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import { SipclfError } from '../errors.js';
import { loadProxyConfig, mergeProxyConfig, type ProxyFlags } from '../proxy/config-merge.js';
import type { ProxyFileConfig } from '../proxy/config.js';
import { MetricsServer, type ReloadCounters } from '../proxy/metrics.js';
import { reloadProxy } from '../proxy/reload.js';
import { ProxyServer } from '../proxy/server.js';
import type { Io } from './io.js';
import { untilSignal } from './signals.js';

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

async function flagsOf(raw: Record<string, unknown>): Promise<ProxyFlags> {
  let logme: unknown;
  if (typeof raw['logmeConfig'] === 'string') {
    const file = raw['logmeConfig'];
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new SipclfError('IO_READ', `--logme-config ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      logme = JSON.parse(text) as unknown;
    } catch (e) {
      throw new SipclfError('CONFIG_INVALID', `--logme-config ${file}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const str = (k: string): string | undefined => (typeof raw[k] === 'string' ? raw[k] : undefined);
  const f: Record<string, unknown> = {
    listen: list(raw['listen']),
    routes: list(raw['route']),
    domains: list(raw['domain']),
    defaultRoute: str('defaultRoute'),
    logDir: str('logDir'),
    log: str('log'),
    logThread: str('logThread'),
    metrics: str('metrics'),
    logLevel: str('logLevel'),
    tlsCert: str('tlsCert'),
    tlsKey: str('tlsKey'),
    stateless: raw['stateless'] === true ? true : undefined,
    logme,
  };
  for (const k of Object.keys(f)) if (f[k] === undefined) delete f[k];
  return f;
}

function logger(level: string, io: Io): Logger {
  const dest = io.stderr === process.stderr ? pino.destination({ fd: 2, sync: true }) : { write: (s: string) => io.stderr.write(s) };
  return pino({ level, base: { name: 'sipclf-proxy', pid: process.pid } }, dest);
}

/** Runs until `stop` resolves (SIGTERM/SIGINT by default). */
export async function runProxy(raw: Record<string, unknown>, io: Io, stop?: Promise<unknown>): Promise<number> {
  let server: ProxyServer;
  let metrics: MetricsServer | undefined;
  let log: Logger | undefined;
  const reloads: ReloadCounters = { ok: 0, failed: 0 };
  const configFile = typeof raw['config'] === 'string' ? raw['config'] : undefined;
  let flags: ProxyFlags;
  try {
    flags = await flagsOf(raw);
    const file: ProxyFileConfig = configFile === undefined ? {} : await loadProxyConfig(configFile);
    const cfg = mergeProxyConfig(file, flags);
    log = logger(cfg.logLevel, io);
    if (cfg.server.listen.length === 0) throw new SipclfError('CLI_USAGE', '--listen udp:HOST:PORT (or tcp:, tls:) or listen: in --config is required');
    server = await ProxyServer.start(cfg.server);
    if (cfg.metrics !== undefined) {
      try {
        metrics = await MetricsServer.start({ server, reloads, startedAt: Date.now() }, cfg.metrics.host, cfg.metrics.port);
      } catch (e) {
        await server.close();
        throw e;
      }
    }
  } catch (err) {
    if (err instanceof SipclfError) {
      (log ?? logger('info', io)).fatal({ event: 'start-failed', code: err.code, err: err.message }, `sipclf proxy: ${err.code}: ${err.message}`);
      return 2;
    }
    throw err;
  }
  for (const a of server.addresses()) {
    const host = a.host.includes(':') ? `[${a.host}]` : a.host;
    log.info({ event: 'listen', transport: a.transport, host: a.host, port: a.port }, `listening on ${a.transport}:${host}:${a.port}`);
  }
  if (metrics !== undefined) {
    const m = metrics.address();
    log.info({ event: 'metrics', host: m.host, port: m.port }, `metrics on http://${m.host.includes(':') ? `[${m.host}]` : m.host}:${m.port}/metrics`);
  }
  const lg = log;
  const srv = server;
  let reloading = Promise.resolve(true);
  const onHup = (): void => {
    if (configFile === undefined) {
      lg.warn({ event: 'reload-skipped' }, 'SIGHUP without --config: nothing to reload');
      return;
    }
    reloading = reloading.then(() => reloadProxy(srv, configFile, flags, reloads, lg));
  };
  process.on('SIGHUP', onHup);
  // untilSignal's listeners stay installed: a repeated signal during the drain (a supervisor, `timeout`) is
  // logged and must not kill the process before the CLF log is flushed.
  const signalled =
    stop !== undefined
      ? await stop.then(() => 'stop')
      : await untilSignal((sig) => lg.warn({ event: 'signal-during-shutdown', signal: sig }, `${sig} again: already shutting down`));
  process.off('SIGHUP', onHup);
  await reloading;
  await metrics?.close();
  await server.close();
  const s = server.stats;
  const l = server.logStats();
  log.info(
    { event: 'stop', signal: signalled, requests: s.requests, responses: s.responses, forwarded: s.forwarded, clfRecords: l.records, errors: s.errors, reloads },
    `${signalled}: ${s.requests} requests, ${s.responses} responses received, ${s.forwarded} requests forwarded, ${l.records} CLF records written`,
  );
  return 0;
}

export function run(_args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  return runProxy(opts, io);
}
