/**
 * `sipclf proxy`: runs the stateful proxy (src/proxy/server.ts) until SIGTERM or SIGINT, then stops
 * listening, flushes the CLF log and exits 0. The YAML configuration file, SIGHUP reload and metrics of
 * issue 5 are later steps (docs/guides/proxy.md).
 */
import { readFile } from 'node:fs/promises';
import { SipclfError } from '../errors.js';
import { ProxyServer, type ProxyServerOptions } from '../proxy/server.js';
import type { Io } from './io.js';

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

async function options(raw: Record<string, unknown>): Promise<ProxyServerOptions> {
  const listen = list(raw['listen']);
  if (listen.length === 0) throw new SipclfError('CLI_USAGE', '--listen udp:HOST:PORT (or tcp:, tls:) is required');
  const log = raw['log'] ?? 'marked';
  if (log !== 'all' && log !== 'marked' && log !== 'none') throw new SipclfError('CLI_USAGE', `--log ${JSON.stringify(log)}: expected all, marked or none`);
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
  return {
    listen,
    routes: list(raw['route']),
    domains: list(raw['domain']),
    log,
    ...(typeof raw['defaultRoute'] === 'string' ? { defaultRoute: raw['defaultRoute'] } : {}),
    ...(typeof raw['logDir'] === 'string' ? { logDir: raw['logDir'] } : {}),
    ...(logme === undefined ? {} : { logme }),
  };
}

/** Runs until `stop` resolves (SIGTERM/SIGINT by default). */
export async function runProxy(raw: Record<string, unknown>, io: Io, stop?: Promise<unknown>): Promise<number> {
  let server: ProxyServer;
  try {
    server = await ProxyServer.start(await options(raw));
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf proxy: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  for (const a of server.addresses()) {
    const host = a.host.includes(':') ? `[${a.host}]` : a.host;
    io.stderr.write(`sipclf proxy: listening on ${a.transport}:${host}:${a.port}\n`);
  }
  let signalled: string;
  if (stop !== undefined) {
    await stop;
    signalled = 'stop';
  } else {
    signalled = await new Promise<string>((resolve) => {
      const done = (sig: string): void => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        resolve(sig);
      };
      const onTerm = (): void => done('SIGTERM');
      const onInt = (): void => done('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
  }
  await server.close();
  const s = server.stats;
  const l = server.logStats();
  const errs = Object.entries(s.errors)
    .map(([c, n]) => `${c}=${n}`)
    .join(' ');
  io.stderr.write(
    `sipclf proxy: ${signalled}: ${s.requests} requests, ${s.responses} responses received, ${s.forwarded} requests forwarded, ` +
      `${l.records} CLF records written${errs === '' ? '' : `, errors: ${errs}`}\n`,
  );
  return 0;
}

export function run(_args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  return runProxy(opts, io);
}
