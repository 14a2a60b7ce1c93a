/**
 * The HepCollector's observability: Prometheus counters and gauges (text exposition format, served by
 * prom-client) rendered from the tally at scrape time — no per-packet label hashing — and the HTTP endpoint
 * serving GET/HEAD /metrics and /health (a JSON summary; RFC 9110 §15.5.6: other methods get 405 with Allow).
 * Labels are bounded: agents by maxAgents (plus "other", "unknown", "unauthenticated"), codes by ErrorCode.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { Counter, Gauge, type Registry } from 'prom-client';
import { metricsHandler } from '../metrics/http.js';
import { listening, type BoundAddress } from './hep-listeners.js';
import type { HepAgentStats, HepCollectorStats } from './hep-tally.js';

/** The live gauges, read at scrape time. */
export interface HepGauges {
  queueBytes(): number;
  writerQueueBytes(): number;
  tcpConnections(): number;
}

/** Registers the sipclf_hep_* metrics in `registry`, reading the live counters `s`. */
export function registerHepMetrics(registry: Registry, s: HepCollectorStats, g: HepGauges): void {
  const reg = [registry];
  const perAgent = (name: string, help: string, pick: (a: HepAgentStats) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['agent'],
      registers: reg,
      collect() {
        this.reset();
        for (const [agent, a] of Object.entries(s.agents)) this.inc({ agent }, pick(a));
      },
    });
  };
  perAgent('sipclf_hep_received_total', 'HEP packets received per capture agent (decoded and authenticated).', (a) => a.received);
  perAgent('sipclf_hep_written_total', 'CLF records written per capture agent.', (a) => a.written);
  new Counter({
    name: 'sipclf_hep_dropped_total',
    help: 'Messages dropped under overload per capture agent: reason="queue" (collector queue full) or "writer" (log writer queue full).',
    labelNames: ['agent', 'reason'],
    registers: reg,
    collect() {
      this.reset();
      for (const [agent, a] of Object.entries(s.agents)) {
        this.inc({ agent, reason: 'queue' }, a.droppedQueue);
        this.inc({ agent, reason: 'writer' }, a.droppedWriter);
      }
    },
  });
  new Counter({
    name: 'sipclf_hep_errors_total',
    help: 'Packets not logged, per capture agent and error code (docs/reference/errors.md).',
    labelNames: ['agent', 'code'],
    registers: reg,
    collect() {
      this.reset();
      for (const [agent, a] of Object.entries(s.agents)) for (const [code, n] of Object.entries(a.errors)) this.inc({ agent, code }, n);
    },
  });
  new Counter({
    name: 'sipclf_hep_packets_total',
    help: 'UDP datagrams and TCP frames received, before decoding.',
    labelNames: ['transport'],
    registers: reg,
    collect() {
      this.reset();
      this.inc({ transport: 'udp' }, s.packets.udp);
      this.inc({ transport: 'tcp' }, s.packets.tcp);
    },
  });
  new Gauge({
    name: 'sipclf_hep_queue_bytes',
    help: 'Bytes of HEP packets waiting for a busy writer, plus 384 per packet for its objects (bounded by --queue-bytes).',
    registers: reg,
    collect() {
      this.set(g.queueBytes());
    },
  });
  new Gauge({
    name: 'sipclf_hep_writer_queue_bytes',
    help: 'Bytes waiting in the log writers.',
    registers: reg,
    collect() {
      this.set(g.writerQueueBytes());
    },
  });
  new Gauge({
    name: 'sipclf_hep_tcp_connections',
    help: 'Open HEP TCP connections.',
    registers: reg,
    collect() {
      this.set(g.tcpConnections());
    },
  });
}

/** Serves /metrics from `registry` and /health from `stats()` on host:port; throws CONFIG_INVALID if it cannot bind. */
export async function listenHepHttp(host: string, port: number, registry: Registry, stats: () => HepCollectorStats): Promise<{ server: HttpServer; address: BoundAddress | undefined }> {
  const srv = createHttpServer(
    metricsHandler(registry, () => {
      const s = stats();
      return { status: 'ok', written: s.written, dropped: s.dropped, queueBytes: s.queueBytes, agents: Object.keys(s.agents).length };
    }),
  );
  srv.listen(port, host);
  await listening(srv, (e) => `cannot listen on ${host}:${port} for metrics: ${e.message}`);
  const a = srv.address();
  return { server: srv, address: a !== null && typeof a === 'object' ? { transport: 'http', address: a.address, port: a.port } : undefined };
}
