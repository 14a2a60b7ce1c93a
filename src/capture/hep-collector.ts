/**
 * HepCollector: receives HEP v3 (HEP3/EEP3 encapsulation, src/capture/hep.ts) from many capture agents
 * (Kamailio siptrace, OpenSIPS proto_hep, FreeSWITCH, Asterisk res_hep, heplify, sngrep…) over UDP and TCP and
 * writes one SIP CLF record (RFC 6873) per SIP message into rotated files (ClfWriter), optionally one stream
 * per agent, with Prometheus counters per agent. This file wires the parts together and is the public API:
 *
 *   hep-options.ts    listener specs, options, validation and defaults
 *   hep-listeners.ts  UDP sockets, TCP servers and the HEP stream framing per connection
 *   hep-ingest.ts     decode → auth → agent label → bounded queue → record → writer, with drop counting
 *   hep-record.ts     one HEP packet → one CLF record (the collector's viewpoint: a neutral mirror)
 *   hep-writers.ts    the shared or per-agent ClfWriters
 *   hep-tally.ts      stats, agent labels (bounded by maxAgents) and error counting
 *   hep-metrics.ts    Prometheus metrics and the /metrics and /health HTTP endpoint
 *
 * Memory is bounded at every step: the queue by bytes, each writer by its maxQueueBytes (4 × its
 * high-water mark unless told), each TCP connection by one HEP packet (≤ 65535 bytes), the number of TCP
 * connections, and the number of agents with their own stream and metric labels (maxAgents; later agents
 * share the label "other"). Under overload the collector drops and counts; it never grows. Non-SIP
 * payloads, bad HEP and failed writes are counted per error code (stats().errors and
 * sipclf_hep_errors_total); nothing on the receive path throws.
 */
import type { Server as HttpServer } from 'node:http';
import { Registry } from 'prom-client';
import { hepSettings, validateHepOptions, type HepCollectorOptions } from './hep-options.js';
import { HepIngest } from './hep-ingest.js';
import { HepListeners, type BoundAddress } from './hep-listeners.js';
import { listenHepHttp, registerHepMetrics } from './hep-metrics.js';
import { HepTally, type HepCollectorStats } from './hep-tally.js';

export { parseHepListen, parseHostPort, type HepListen, type HepCollectorOptions } from './hep-options.js';
export { agentLabel, type HepAgentStats, type HepCollectorStats } from './hep-tally.js';
export type { BoundAddress } from './hep-listeners.js';

export class HepCollector {
  readonly #tally: HepTally;
  readonly #ingest: HepIngest;
  readonly #listeners: HepListeners;
  #http: HttpServer | undefined;
  readonly #registry = new Registry();
  readonly #addresses: BoundAddress[] = [];

  private constructor(o: HepCollectorOptions) {
    const set = hepSettings(o);
    this.#tally = new HepTally(set.maxAgents, o.onFirstError);
    this.#ingest = new HepIngest(o, set, this.#tally);
    const ingest = this.#ingest;
    const tally = this.#tally;
    this.#listeners = new HepListeners(
      {
        ingest: (buf, transport) => this.ingest(buf, transport),
        error: (agent, err) => tally.error(agent, err),
        get closed() {
          return ingest.closed;
        },
      },
      set.maxConnections,
      set.tcpStallMs,
    );
    const listeners = this.#listeners;
    registerHepMetrics(this.#registry, this.#tally.s, {
      queueBytes: () => ingest.queueBytes,
      writerQueueBytes: () => ingest.writers.queueBytes(),
      tcpConnections: () => listeners.connections,
    });
  }

  /** Opens the output (the shared stream when not per agent), the listeners and the metrics endpoint. */
  static async start(o: HepCollectorOptions): Promise<HepCollector> {
    validateHepOptions(o);
    const c = new HepCollector(o);
    try {
      if (o.perAgent !== true) await c.#ingest.writers.openShared();
      for (const l of o.listen) {
        const a = await c.#listeners.listen(l);
        if (a !== undefined) c.#addresses.push(a);
      }
      if (o.metrics !== undefined) {
        const { server, address } = await listenHepHttp(o.metrics.host, o.metrics.port, c.#registry, () => c.stats());
        c.#http = server;
        if (address !== undefined) c.#addresses.push(address);
      }
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  /** The bound listeners (actual ports when 0 was asked for). */
  get addresses(): readonly BoundAddress[] {
    return this.#addresses;
  }

  /** The Prometheus registry behind /metrics. */
  get registry(): Registry {
    return this.#registry;
  }

  stats(): HepCollectorStats {
    const s = this.#tally.s;
    s.queuePackets = this.#ingest.queuePackets;
    s.queueBytes = this.#ingest.queueBytes;
    s.tcpConnections = this.#listeners.connections;
    return structuredClone(s);
  }

  /**
   * Feeds one HEP packet as if received (what the UDP and TCP listeners call; also for benchmarks and
   * tests). Never throws on packet content.
   */
  ingest(buf: Buffer, transport: 'udp' | 'tcp'): void {
    this.#ingest.ingest(buf, transport);
  }

  /** Stops listening, writes what is queued, flushes and closes the files. Idempotent. */
  async close(): Promise<void> {
    if (this.#ingest.closed) return;
    this.#ingest.stop();
    await this.#listeners.close();
    await this.#ingest.finish();
    if (this.#http !== undefined) {
      this.#http.closeAllConnections();
      await new Promise<void>((r) => this.#http?.close(() => r()));
    }
  }
}
