/**
 * HepCollector: receives HEP v3 from many capture agents (Kamailio siptrace, OpenSIPS proto_hep, FreeSWITCH,
 * Asterisk res_hep, heplify, sngrep…) over UDP and TCP and writes one SIP CLF record per SIP message into
 * rotated files (ClfWriter), optionally one stream per agent, with Prometheus counters per agent.
 *
 *   UDP datagram / TCP frame (HepStreamFramer)
 *     → decodeHep → auth key check (0x000e) → agent label (0x0013 node name, else 0x000c capture id)
 *     → paused?  ── yes → bounded queue (queueBytes) ── full → dropped{reason="queue"}
 *     → payload (0x000f, or 0x0010 inflated) → parseMessage → recordFromMessage → encodeRecord
 *     → ClfWriter.write(): false = over its high-water mark or dropped by it (dropped{reason="writer"}):
 *       either way processing pauses until the writer's 'drain', and new packets wait in the queue.
 *
 * Memory is bounded at every step: the queue by bytes, each writer by its maxQueueBytes (4 × its
 * high-water mark unless told), each TCP connection by one HEP packet (≤ 65535 bytes), the number of TCP
 * connections, and the number of agents with their own stream and metric labels (maxAgents; later agents
 * share the label "other"). Under overload the collector drops and counts; it never grows.
 *
 * Viewpoint (docs/guides/feeding-sipclf.md): a HEP collector is a neutral mirror, not a SIP entity, so each
 * HEP packet — one message on one hop — is logged once, as received by its destination: direction R,
 * Source and Destination from the HEP address and port chunks, Transport from the IP protocol chunk (6 TCP,
 * 132 SCTP, else UDP; never E: HEP does not say whether the hop was encrypted), retransmission flag S
 * (RFC 6873 §4.2: retransmissions are not detected), timestamp from the HEP seconds/microseconds chunks
 * (the receive time when absent), Tag 02 the whole message, and 10@32473 the agent label (the field
 * `sipclf merge` uses for "which entity logged it").
 *
 * Non-SIP payloads, bad HEP and failed writes are counted per error code (stats().errors and
 * sipclf_hep_errors_total); nothing on the receive path throws.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { isSipclfError, SipclfError, type ErrorCode } from '../errors.js';
import { parseMessage } from '../sip/parser.js';
import type { ParseLimits } from '../sip/limits.js';
import { encodeRecord } from '../clf/encode.js';
import { entityField } from '../clf/optional.js';
import { formatAddress, recordFromMessage } from '../clf/from-sip.js';
import type { TransportFlag } from '../clf/record.js';
import { ClfWriter, type WriterOptions } from '../logfile/writer.js';
import { decodeHep, hepPayload, HEP_PROTO_SIP, type HepPacket } from './hep.js';
import { HepStreamFramer } from './hep-stream.js';

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
  /** SIP parser limits for the payloads. */
  readonly limits?: Partial<ParseLimits>;
  /** Milliseconds since the epoch, for packets without a timestamp. Default Date.now. */
  readonly clock?: () => number;
  /** Called once per error code and agent the first time it happens (the CLI prints it). */
  readonly onFirstError?: (code: ErrorCode, agent: string, message: string) => void;
}

export interface HepAgentStats {
  /** HEP packets received from this agent (decoded and authenticated). */
  received: number;
  /** CLF records accepted by the writer. */
  written: number;
  /** Dropped under overload: the collector's queue was full / the writer refused the record. */
  droppedQueue: number;
  droppedWriter: number;
  /** Packets not logged, by error code (HEP_*, SIP_*, CLF_*, IO_*). */
  errors: Record<string, number>;
}

export interface HepCollectorStats {
  /** Datagrams and TCP frames received, before decoding. */
  packets: { udp: number; tcp: number };
  written: number;
  dropped: number;
  /** All errors by code, whatever the agent. */
  errors: Record<string, number>;
  /** Per agent label; "unknown" for packets that did not decode, "unauthenticated" for auth failures. */
  agents: Record<string, HepAgentStats>;
  queuePackets: number;
  queueBytes: number;
  tcpConnections: number;
}

export interface BoundAddress {
  readonly transport: 'udp' | 'tcp' | 'http';
  readonly address: string;
  readonly port: number;
}

interface Queued {
  readonly pkt: HepPacket;
  readonly agent: string;
  readonly bytes: number;
  readonly at: number;
}

const MiB = 1024 * 1024;
const UNKNOWN = 'unknown';
const UNAUTHENTICATED = 'unauthenticated';
const OTHER = 'other';

/** A file-name-safe label: [A-Za-z0-9._-], at most 64 characters, not starting with a dot. */
export function agentLabel(p: HepPacket): string {
  if (p.nodeName !== undefined && p.nodeName.length > 0) {
    const s = p.nodeName.latin1Slice(0, Math.min(64, p.nodeName.length)).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
    if (s.length > 0) return s;
  }
  if (p.captureId !== undefined) return `id-${p.captureId}`;
  return UNKNOWN;
}

function transportFlag(proto: number | undefined): TransportFlag {
  return proto === 6 ? 'T' : proto === 132 ? 'S' : 'U';
}

export class HepCollector {
  readonly #o: HepCollectorOptions;
  readonly #authKey: Buffer | undefined;
  readonly #maxAgents: number;
  readonly #queueMax: number;
  readonly #maxConnections: number;
  readonly #clock: () => number;
  readonly #writerOpts: Omit<WriterOptions, 'dir'>;
  readonly #udp: UdpSocket[] = [];
  readonly #tcp: TcpServer[] = [];
  readonly #conns = new Set<Socket>();
  #http: HttpServer | undefined;
  readonly #registry = new Registry();
  readonly #addresses: BoundAddress[] = [];

  readonly #writers = new Map<string, ClfWriter>();
  readonly #opening = new Map<string, Promise<ClfWriter | undefined>>();
  readonly #failedStreams = new Set<string>();
  readonly #writerDrops = new Map<ClfWriter, number>();
  #queue: Queued[] = [];
  #qHead = 0;
  #qBytes = 0;
  #paused = false;
  #closed = false;
  readonly #s: HepCollectorStats = { packets: { udp: 0, tcp: 0 }, written: 0, dropped: 0, errors: {}, agents: {}, queuePackets: 0, queueBytes: 0, tcpConnections: 0 };
  readonly #seen = new Set<string>();

  private constructor(o: HepCollectorOptions) {
    this.#o = o;
    this.#authKey = o.authKey === undefined ? undefined : Buffer.isBuffer(o.authKey) ? o.authKey : Buffer.from(o.authKey, 'utf8');
    this.#maxAgents = o.maxAgents ?? 64;
    this.#queueMax = o.queueBytes ?? 8 * MiB;
    this.#maxConnections = o.maxConnections ?? 256;
    this.#clock = o.clock ?? Date.now;
    const hwm = o.writer?.highWaterMark ?? MiB;
    this.#writerOpts = { ...o.writer, highWaterMark: hwm, maxQueueBytes: o.writer?.maxQueueBytes ?? Math.max(4 * hwm, 64 * 1024) };
    this.#setupMetrics();
  }

  /** Opens the output (the shared stream when not per agent), the listeners and the metrics endpoint. */
  static async start(o: HepCollectorOptions): Promise<HepCollector> {
    if (o.listen.length === 0) throw new SipclfError('CONFIG_INVALID', 'listen: at least one HEP listener is needed');
    for (const [name, v] of [
      ['queueBytes', o.queueBytes],
      ['maxAgents', o.maxAgents],
      ['maxConnections', o.maxConnections],
    ] as const) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new SipclfError('CONFIG_INVALID', `${name}: ${String(v)} is not a positive integer`);
    }
    const c = new HepCollector(o);
    try {
      if (o.perAgent !== true) {
        const w = await ClfWriter.open({ ...c.#writerOpts, dir: o.out });
        c.#attach(w, '');
        c.#writers.set('', w);
      }
      for (const l of o.listen) await (l.transport === 'udp' ? c.#listenUdp(l) : c.#listenTcp(l));
      if (o.metrics !== undefined) await c.#listenHttp(o.metrics.host, o.metrics.port);
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
    const s = this.#s;
    s.queuePackets = this.#queue.length - this.#qHead;
    s.queueBytes = this.#qBytes;
    s.tcpConnections = this.#conns.size;
    return structuredClone(s);
  }

  /**
   * Feeds one HEP packet as if received (what the UDP and TCP listeners call; also for benchmarks and
   * tests). Never throws on packet content.
   */
  ingest(buf: Buffer, transport: 'udp' | 'tcp'): void {
    this.#s.packets[transport]++;
    if (this.#closed) return;
    let pkt: HepPacket;
    try {
      pkt = decodeHep(buf, { copy: false }); // datagrams and framed TCP packets are never reused
    } catch (err) {
      this.#error(UNKNOWN, err);
      return;
    }
    if (this.#authKey !== undefined) {
      const k = pkt.authKey;
      if (k === undefined || k.length !== this.#authKey.length || !timingSafeEqual(k, this.#authKey)) {
        this.#error(UNAUTHENTICATED, new SipclfError('HEP_AUTH_FAILED', k === undefined ? 'packet without auth key chunk (0x000e)' : 'auth key chunk (0x000e) does not match'));
        return;
      }
    }
    const agent = this.#agent(agentLabel(pkt));
    this.#agentStats(agent).received++;
    if (this.#paused || this.#qHead < this.#queue.length) {
      this.#enqueue({ pkt, agent, bytes: buf.length, at: this.#clock() });
      return;
    }
    this.#process(pkt, agent, undefined);
  }

  /** Stops listening, writes what is queued, flushes and closes the files. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const u of this.#udp) u.close();
    for (const c of this.#conns) c.destroy();
    await Promise.all(this.#tcp.map((t) => new Promise<void>((r) => t.close(() => r()))));
    // Write out the queue: wait for writers to drain as often as needed.
    const deadline = Date.now() + 10_000;
    while (this.#qHead < this.#queue.length && Date.now() < deadline) {
      if (!this.#paused) this.#drainQueue();
      if (this.#qHead < this.#queue.length) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.allSettled([...this.#opening.values()]);
    await Promise.allSettled([...this.#writers.values()].map((w) => w.close()));
    if (this.#http !== undefined) {
      this.#http.closeAllConnections();
      await new Promise<void>((r) => this.#http?.close(() => r()));
    }
  }

  // --- processing ------------------------------------------------------------------------------------------

  #agent(label: string): string {
    if (this.#s.agents[label] !== undefined) return label;
    const n = Object.keys(this.#s.agents).filter((a) => a !== UNKNOWN && a !== UNAUTHENTICATED && a !== OTHER).length;
    return n >= this.#maxAgents ? OTHER : label;
  }

  #agentStats(agent: string): HepAgentStats {
    let a = this.#s.agents[agent];
    if (a === undefined) {
      a = { received: 0, written: 0, droppedQueue: 0, droppedWriter: 0, errors: {} };
      this.#s.agents[agent] = a;
    }
    return a;
  }

  #error(agent: string, err: unknown): void {
    const code: ErrorCode = isSipclfError(err) ? err.code : 'HEP_NOT_SIP';
    const a = this.#agentStats(agent);
    a.errors[code] = (a.errors[code] ?? 0) + 1;
    this.#s.errors[code] = (this.#s.errors[code] ?? 0) + 1;
    const key = `${code} ${agent}`;
    if (!this.#seen.has(key) && this.#seen.size < 1000) {
      this.#seen.add(key);
      this.#o.onFirstError?.(code, agent, err instanceof Error ? err.message : String(err));
    }
  }

  #enqueue(q: Queued): void {
    if (this.#qBytes + q.bytes > this.#queueMax) {
      this.#agentStats(q.agent).droppedQueue++;
      this.#s.dropped++;
      this.#error(q.agent, new SipclfError('HEP_DROPPED', `queue full (${this.#queueMax} bytes): packets are dropped until the writer catches up`));
      return;
    }
    this.#queue.push(q);
    this.#qBytes += q.bytes;
  }

  #drainQueue(): void {
    while (!this.#paused && this.#qHead < this.#queue.length) {
      const q = this.#queue[this.#qHead] as Queued;
      this.#queue[this.#qHead] = undefined as unknown as Queued;
      this.#qHead++;
      this.#qBytes -= q.bytes;
      this.#process(q.pkt, q.agent, q.at);
    }
    if (this.#qHead >= this.#queue.length) {
      this.#queue = [];
      this.#qHead = 0;
    } else if (this.#qHead > 4096 && this.#qHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#qHead);
      this.#qHead = 0;
    }
  }

  /** Parses, encodes and writes one packet. Returns with #paused set when the writer asks to wait. */
  #process(pkt: HepPacket, agent: string, receivedAt: number | undefined): void {
    let record: string;
    try {
      if (pkt.protocolType !== undefined && pkt.protocolType !== HEP_PROTO_SIP) {
        throw new SipclfError('HEP_NOT_SIP', `protocol type ${pkt.protocolType} is not SIP (1)`);
      }
      const payload = hepPayload(pkt, this.#o.limits?.maxMessageBytes ?? 65_535);
      if (payload === undefined) throw new SipclfError('HEP_NO_PAYLOAD', 'HEP packet without payload chunk');
      const msg = parseMessage(payload, this.#o.limits);
      const src = pkt.srcIPv4 ?? pkt.srcIPv6;
      const dst = pkt.dstIPv4 ?? pkt.dstIPv6;
      const timestamp = pkt.timeSec !== undefined ? pkt.timeSec * 1000 + Math.floor((pkt.timeUsec ?? 0) / 1000) : (receivedAt ?? this.#clock());
      const rec = recordFromMessage(
        msg,
        {
          timestamp,
          direction: 'R',
          transport: transportFlag(pkt.ipProtocol),
          encrypted: false,
          retransmission: 'S',
          source: src !== undefined && pkt.srcPort !== undefined ? formatAddress(src, pkt.srcPort) : '-',
          destination: dst !== undefined && pkt.dstPort !== undefined ? formatAddress(dst, pkt.dstPort) : '-',
        },
        { wholeMessage: true },
      );
      const entity = entityField(agent === OTHER ? agentLabel(pkt) : agent);
      record = encodeRecord({ ...rec, optional: [...rec.optional, entity.field] });
    } catch (err) {
      this.#error(agent, err);
      return;
    }
    const stream = this.#o.perAgent === true ? agent : '';
    const w = this.#writers.get(stream);
    if (w === undefined) {
      this.#openStream(stream, { pkt, agent, bytes: record.length, at: receivedAt ?? this.#clock() });
      return;
    }
    if (w.write(record)) {
      this.#s.written++;
      this.#agentStats(agent).written++;
      return;
    }
    // false: over the high-water mark (accepted) or dropped; the writer's drop count tells which.
    const dropped = w.stats().dropped;
    const before = this.#writerDrops.get(w) ?? 0;
    this.#writerDrops.set(w, dropped);
    if (dropped > before) {
      this.#s.dropped++;
      this.#agentStats(agent).droppedWriter++;
      this.#error(agent, new SipclfError('HEP_DROPPED', 'the log writer queue is full: record dropped'));
    } else {
      this.#s.written++;
      this.#agentStats(agent).written++;
    }
    this.#paused = true; // until this writer's 'drain'
  }

  #openStream(stream: string, first: Queued): void {
    if (this.#failedStreams.has(stream)) {
      this.#error(first.agent, new SipclfError('IO_WRITE', `stream ${stream} could not be opened`));
      return;
    }
    // Put the packet back at the front of the queue and wait for the writer.
    this.#queue.splice(this.#qHead, 0, first);
    this.#qBytes += first.bytes;
    this.#paused = true;
    if (this.#opening.has(stream)) return;
    const p = ClfWriter.open({ ...this.#writerOpts, dir: join(this.#o.out, stream) }).then(
      (w) => {
        this.#attach(w, stream);
        this.#writers.set(stream, w);
        return w;
      },
      (err: unknown) => {
        this.#failedStreams.add(stream);
        this.#error(first.agent, err);
        return undefined;
      },
    );
    this.#opening.set(stream, p);
    void p.then(() => {
      this.#opening.delete(stream);
      if (this.#opening.size === 0) {
        this.#paused = false;
        this.#drainQueue();
      }
    });
  }

  #attach(w: ClfWriter, stream: string): void {
    w.on('drain', () => {
      if (this.#opening.size > 0) return;
      this.#paused = false;
      this.#drainQueue();
    });
    w.on('error', (e) => this.#error(stream === '' ? UNKNOWN : stream, e));
    w.on('warning', (e) => this.#o.onFirstError?.(e.code, stream, e.message));
  }

  // --- listeners -------------------------------------------------------------------------------------------

  async #listenUdp(l: HepListen): Promise<void> {
    const s = createSocket({ type: l.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 * MiB });
    s.on('message', (msg) => this.ingest(msg, 'udp'));
    s.on('error', (e) => this.#error(UNKNOWN, new SipclfError('IO_READ', `udp ${l.host}:${l.port}: ${e.message}`)));
    s.bind(l.port, l.host);
    await Promise.race([
      once(s, 'listening'),
      once(s, 'error').then(([e]) => {
        throw new SipclfError('CONFIG_INVALID', `cannot listen on udp:${l.host}:${l.port}: ${(e as Error).message}`);
      }),
    ]);
    this.#udp.push(s);
    const a = s.address();
    this.#addresses.push({ transport: 'udp', address: a.address, port: a.port });
  }

  async #listenTcp(l: HepListen): Promise<void> {
    const srv = createTcpServer((sock) => this.#onConnection(sock));
    srv.maxConnections = this.#maxConnections;
    srv.listen(l.port, l.host);
    await Promise.race([
      once(srv, 'listening'),
      once(srv, 'error').then(([e]) => {
        throw new SipclfError('CONFIG_INVALID', `cannot listen on tcp:${l.host}:${l.port}: ${(e as Error).message}`);
      }),
    ]);
    this.#tcp.push(srv);
    const a = srv.address();
    if (a !== null && typeof a === 'object') this.#addresses.push({ transport: 'tcp', address: a.address, port: a.port });
  }

  #onConnection(sock: Socket): void {
    if (this.#closed) {
      sock.destroy();
      return;
    }
    this.#conns.add(sock);
    const framer = new HepStreamFramer();
    sock.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) this.ingest(f, 'tcp');
      if (framer.failed !== undefined) {
        this.#error(UNKNOWN, framer.failed);
        sock.destroy();
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.#conns.delete(sock));
  }

  async #listenHttp(host: string, port: number): Promise<void> {
    const srv = createHttpServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        this.#registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.#registry.contentType }).end(text),
          (e: unknown) => res.writeHead(500).end(String(e)),
        );
      } else if (path === '/health') {
        const s = this.stats();
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ status: 'ok', written: s.written, dropped: s.dropped, queueBytes: s.queueBytes, agents: Object.keys(s.agents).length }) + '\n',
        );
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /health\n');
      }
    });
    srv.listen(port, host);
    await Promise.race([
      once(srv, 'listening'),
      once(srv, 'error').then(([e]) => {
        throw new SipclfError('CONFIG_INVALID', `cannot listen on ${host}:${port} for metrics: ${(e as Error).message}`);
      }),
    ]);
    this.#http = srv;
    const a = srv.address();
    if (a !== null && typeof a === 'object') this.#addresses.push({ transport: 'http', address: a.address, port: a.port });
  }

  // --- metrics: rendered from the stats at scrape time (no per-packet label hashing) ------------------------

  #setupMetrics(): void {
    const reg = [this.#registry];
    const s = this.#s;
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
    const queueBytes = (): number => this.#qBytes;
    const writerBytes = (): number => {
      let n = 0;
      for (const w of this.#writers.values()) n += w.stats().queueBytes;
      return n;
    };
    const conns = (): number => this.#conns.size;
    new Gauge({
      name: 'sipclf_hep_queue_bytes',
      help: 'Bytes of HEP packets waiting for a busy writer (bounded by --queue-bytes).',
      registers: reg,
      collect() {
        this.set(queueBytes());
      },
    });
    new Gauge({
      name: 'sipclf_hep_writer_queue_bytes',
      help: 'Bytes waiting in the log writers.',
      registers: reg,
      collect() {
        this.set(writerBytes());
      },
    });
    new Gauge({
      name: 'sipclf_hep_tcp_connections',
      help: 'Open HEP TCP connections.',
      registers: reg,
      collect() {
        this.set(conns());
      },
    });
  }
}
