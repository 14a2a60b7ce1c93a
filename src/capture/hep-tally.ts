/**
 * HepCollector bookkeeping: the counters behind stats() and the Prometheus metrics, the agent label of a HEP
 * packet (HEP3 chunk 0x0013 node name, else 0x000c capture agent id; the value of CLF field 10@32473, RFC
 * 6873 §4.3) with its bound (maxAgents; later agents share "other"), and error counting per code and agent
 * with the one-time onFirstError report (at most 1000 code/agent pairs are remembered). Packets that did not
 * decode count under "unknown", auth failures (chunk 0x000e) under "unauthenticated".
 */
import { isSipclfError, type ErrorCode } from '../errors.js';
import type { HepPacket } from './hep.js';

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

export const UNKNOWN = 'unknown';
export const UNAUTHENTICATED = 'unauthenticated';
export const OTHER = 'other';

/** A file-name-safe label: [A-Za-z0-9._-], at most 64 characters, not starting with a dot. */
export function agentLabel(p: HepPacket): string {
  if (p.nodeName !== undefined && p.nodeName.length > 0) {
    const s = p.nodeName.latin1Slice(0, Math.min(64, p.nodeName.length)).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
    if (s.length > 0) return s;
  }
  if (p.captureId !== undefined) return `id-${p.captureId}`;
  return UNKNOWN;
}

export class HepTally {
  /** The live counters (stats() hands out a copy). */
  readonly s: HepCollectorStats = { packets: { udp: 0, tcp: 0 }, written: 0, dropped: 0, errors: {}, agents: {}, queuePackets: 0, queueBytes: 0, tcpConnections: 0 };
  readonly #seen = new Set<string>();
  readonly #maxAgents: number;
  readonly #onFirstError: ((code: ErrorCode, agent: string, message: string) => void) | undefined;

  constructor(maxAgents: number, onFirstError: ((code: ErrorCode, agent: string, message: string) => void) | undefined) {
    this.#maxAgents = maxAgents;
    this.#onFirstError = onFirstError;
  }

  /** `label`, or "other" once maxAgents agents have their own label. */
  agent(label: string): string {
    if (this.s.agents[label] !== undefined) return label;
    const n = Object.keys(this.s.agents).filter((a) => a !== UNKNOWN && a !== UNAUTHENTICATED && a !== OTHER).length;
    return n >= this.#maxAgents ? OTHER : label;
  }

  agentStats(agent: string): HepAgentStats {
    let a = this.s.agents[agent];
    if (a === undefined) {
      a = { received: 0, written: 0, droppedQueue: 0, droppedWriter: 0, errors: {} };
      this.s.agents[agent] = a;
    }
    return a;
  }

  /** Counts `err` (a SipclfError's code, else HEP_NOT_SIP) for `agent`; reports the first of each code/agent. */
  error(agent: string, err: unknown): void {
    const code: ErrorCode = isSipclfError(err) ? err.code : 'HEP_NOT_SIP';
    const a = this.agentStats(agent);
    a.errors[code] = (a.errors[code] ?? 0) + 1;
    this.s.errors[code] = (this.s.errors[code] ?? 0) + 1;
    const key = `${code} ${agent}`;
    if (!this.#seen.has(key) && this.#seen.size < 1000) {
      this.#seen.add(key);
      this.#onFirstError?.(code, agent, err instanceof Error ? err.message : String(err));
    }
  }
}
