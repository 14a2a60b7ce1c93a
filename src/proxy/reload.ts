/**
 * SIGHUP reload of `sipclf proxy --config FILE`: the file is read and validated again, merged with the same
 * command-line flags (which still win), and the new static routes, default route and log-me configuration
 * are applied with ProxyServer.reload — transactions and dialogs in progress continue. An unreadable or
 * invalid file changes nothing: the old configuration stays and the error is logged. Listeners, the log
 * directory, the registrar and the metrics listener are not reloaded (a restart applies them).
 */
import { SipclfError } from '../errors.js';
import { loadProxyConfig, mergeProxyConfig, type ProxyFlags } from './config-merge.js';
import type { ReloadCounters } from './metrics.js';
import type { ProxyServer } from './server.js';

export interface ReloadLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Reloads `file` into `server`; resolves true when applied. Never rejects. */
export async function reloadProxy(server: ProxyServer, file: string, flags: ProxyFlags, counters: ReloadCounters, log: ReloadLogger): Promise<boolean> {
  try {
    const cfg = mergeProxyConfig(await loadProxyConfig(file), flags);
    server.reload(cfg.server);
    counters.ok++;
    log.info({ event: 'reload', file, routes: cfg.server.routes?.length ?? 0, logme: cfg.server.logme !== undefined }, 'configuration reloaded');
    return true;
  } catch (e) {
    counters.failed++;
    const code = e instanceof SipclfError ? e.code : 'INTERNAL';
    log.error({ event: 'reload-failed', file, code, err: e instanceof Error ? e.message : String(e) }, 'reload failed: keeping the previous configuration');
    return false;
  }
}
