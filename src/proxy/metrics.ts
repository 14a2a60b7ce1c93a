/**
 * Prometheus `/metrics` and JSON `/health` of `sipclf proxy` (docs/reference/proxy-config.md "Metrics"), on
 * one HTTP listener (loopback unless metrics.allowRemote). Values are scraped from the layers' counters at
 * collection time — the transport's stats(), the transaction manager's stats(), the log-me engine's stats(),
 * the CLF writer's stats() and MessageLog.traffic — so the forwarding path pays no label hashing. The same
 * approach as the HEP collector (src/capture/hep-metrics.ts), which this layer may not import.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { SipclfError } from '../errors.js';
import { metricsHandler } from '../metrics/http.js';
import type { ProxyServer } from './server.js';

export interface ReloadCounters {
  ok: number;
  failed: number;
}

export interface MetricsSource {
  readonly server: ProxyServer;
  readonly reloads: ReloadCounters;
  readonly startedAt: number;
}

/** Builds the registry whose collectors read `src` at scrape time (reload keeps the same server). */
export function proxyRegistry(src: MetricsSource): Registry {
  const registry = new Registry();
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[], fill: (set: (labels: Record<string, string>, v: number) => void) => void): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        fill((labels, v) => {
          if (v > 0) this.inc(labels, v);
        });
      },
    });
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (set: (labels: Record<string, string>, v: number) => void) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        fill((labels, v) => this.set(labels, v));
      },
    });
  };
  const s = src.server;
  counter('sipclf_proxy_messages_total', 'SIP messages received (direction="in") and sent ("out"), by method (CSeq method for responses) and status ("" for requests).', ['direction', 'method', 'status'], (set) => {
    for (const [k, v] of s.log.traffic) {
      const [direction = '', method = '', status = ''] = k.split('|');
      set({ direction, method, status }, v);
    }
  });
  counter('sipclf_proxy_requests_forwarded_total', 'Requests forwarded on a client transaction (one per branch).', [], (set) => set({}, s.stats.forwarded));
  counter('sipclf_proxy_errors_total', 'Requests rejected or failed in the proxy core, by error code (SIP_*, PROXY_*, TRANSPORT_SEND, INTERNAL).', ['code'], (set) => {
    for (const [code, v] of Object.entries(s.stats.errors)) set({ code }, v);
  });
  counter('sipclf_proxy_parse_errors_total', 'Received input rejected by the SIP parser or framer, by error code.', ['code'], (set) => {
    for (const [code, v] of Object.entries(s.transportStats().parseErrors)) set({ code }, v);
  });
  counter('sipclf_proxy_transport_errors_total', 'Transport failures, by TRANSPORT_* code.', ['code'], (set) => {
    for (const [code, v] of Object.entries(s.transportStats().errors)) set({ code }, v);
  });
  gauge('sipclf_proxy_transactions', 'Transactions in progress, kind="client" or "server".', ['kind'], (set) => {
    const t = s.transactionStats();
    set({ kind: 'client' }, t.clients);
    set({ kind: 'server' }, t.servers);
  });
  gauge('sipclf_proxy_marked_dialogs', 'Dialogs currently marked by the log-me engine (RFC 8497); 0 without an engine.', [], (set) => set({}, s.log.engine?.stats().activeDialogs ?? 0));
  counter('sipclf_proxy_logme_dialogs_total', 'Dialogs the log-me engine started marking.', [], (set) => set({}, s.log.engine?.stats().dialogsStarted ?? 0));
  counter('sipclf_proxy_logme_errors_total', 'Log-me errors by type: missing, mid-dialog, unauthorised (RFC 8497 §5), limit (§7.3), engine (an exception).', ['type'], (set) => {
    const e = s.log.engine?.stats();
    set({ type: 'engine' }, s.logStats().engineErrors);
    if (e === undefined) return;
    set({ type: 'missing' }, e.errorsMissing);
    set({ type: 'mid-dialog' }, e.errorsMidDialog);
    set({ type: 'unauthorised' }, e.errorsUnauthorised);
    set({ type: 'limit' }, e.limitReached);
  });
  gauge('sipclf_proxy_clf_records_pending', 'Messages handed to the logging worker (or queued for logging on the forwarding thread), not yet encoded (bounded, see docs/guides/proxy.md).', [], (set) => set({}, s.log.pending));
  counter('sipclf_proxy_clf_records_written_total', 'CLF records written to files by the log writer.', [], (set) => set({}, s.log.writerStats()?.records ?? 0));
  counter('sipclf_proxy_clf_records_dropped_total', 'CLF records lost: reason="queue" (writer queue full or closed), "io" (a failed write) or "encode" (refused by the CLF encoder).', ['reason'], (set) => {
    const w = s.log.writerStats();
    set({ reason: 'queue' }, w?.dropped ?? 0);
    set({ reason: 'io' }, w?.lost ?? 0);
    set({ reason: 'encode' }, s.logStats().unencodable);
  });
  counter('sipclf_proxy_clf_backpressure_waits_total', 'Times the forwarding thread waited for the logging worker, which had the in-flight bound outstanding (nothing is lost; forwarding pauses).', [], (set) => set({}, s.log.backpressure.waits));
  counter('sipclf_proxy_clf_backpressure_seconds_total', 'Seconds the forwarding thread spent waiting for the logging worker (see sipclf_proxy_clf_backpressure_waits_total).', [], (set) => set({}, s.log.backpressure.seconds));
  gauge('sipclf_proxy_event_loop_utilization', 'Share (0-1) of the last overload-control window the event loop was busy (the overload signal, docs/reference/proxy-config.md "overload").', [], (set) => set({}, s.overload.stats.utilization));
  gauge('sipclf_proxy_udp_queue_delay_seconds', 'How long a datagram waited in the UDP listeners\' kernel buffers at the last overload-control window (probe datagrams); absent without UDP listeners.', [], (set) => {
    const d = s.overload.stats.queueDelayMs;
    if (d !== undefined) set({}, d / 1000);
  });
  gauge('sipclf_proxy_overload_reject_fraction', 'Fraction (0-1) of new out-of-dialog requests currently answered 503 by overload control.', [], (set) => set({}, s.overload.fraction));
  counter('sipclf_proxy_overload_rejected_total', 'New requests answered 503 by overload control (also counted in sipclf_proxy_errors_total{code="PROXY_OVERLOADED"}).', [], (set) => set({}, s.overload.stats.rejected));
  counter('sipclf_proxy_reloads_total', 'Configuration reloads (SIGHUP), result="ok" or "failed".', ['result'], (set) => {
    set({ result: 'ok' }, src.reloads.ok);
    set({ result: 'failed' }, src.reloads.failed);
  });
  gauge('sipclf_proxy_uptime_seconds', 'Seconds since the proxy started.', [], (set) => set({}, (Date.now() - src.startedAt) / 1000));
  return registry;
}

/** The /health body. */
export function health(src: MetricsSource): Record<string, unknown> {
  const s = src.server;
  const t = s.transactionStats();
  return {
    status: 'ok',
    uptimeSeconds: Math.round((Date.now() - src.startedAt) / 1000),
    listeners: s.addresses().map((a) => `${a.transport}:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`),
    transactions: t.clients + t.servers,
    requests: s.stats.requests,
    responses: s.stats.responses,
    clfRecords: s.log.writerStats()?.records ?? 0,
    overload: { rejectFraction: s.overload.fraction, rejected: s.overload.stats.rejected },
    reloads: { ...src.reloads },
  };
}

export class MetricsServer {
  readonly #http: Server;
  private constructor(http: Server) {
    this.#http = http;
  }

  /** Listens on host:port (port 0: the OS chooses); CONFIG_INVALID when it cannot. */
  static async start(src: MetricsSource, host: string, port: number): Promise<MetricsServer> {
    const registry = proxyRegistry(src);
    const srv = createServer(metricsHandler(registry, () => health(src)));
    srv.listen(port, host);
    await Promise.race([
      once(srv, 'listening'),
      once(srv, 'error').then(([e]) => {
        throw new SipclfError('CONFIG_INVALID', `metrics.listen: cannot listen on ${host}:${port}: ${(e as Error).message}`);
      }),
    ]);
    return new MetricsServer(srv);
  }

  address(): { host: string; port: number } {
    const a = this.#http.address();
    return a !== null && typeof a === 'object' ? { host: a.address, port: a.port } : { host: '', port: 0 };
  }

  async close(): Promise<void> {
    this.#http.closeAllConnections();
    await new Promise<void>((r) => this.#http.close(() => r()));
  }
}
