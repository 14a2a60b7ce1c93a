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

/** Whether the first `len` bytes are all [A-Za-z0-9._-], the first not a dot: the label is the bytes as they are. */
function isSafeLabel(b: Buffer, len: number): boolean {
  if (b[0] === 0x2e) return false;
  for (let i = 0; i < len; i++) {
    const c = b[i] as number;
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x2d;
    if (!ok) return false;
  }
  return true;
}

/** A file-name-safe label: [A-Za-z0-9._-], at most 64 characters, not starting with a dot. */
export function agentLabel(p: HepPacket): string {
  const n = p.nodeName;
  if (n !== undefined && n.length > 0) {
    const len = Math.min(64, n.length);
    if (isSafeLabel(n, len)) return n.latin1Slice(0, len);
    const s = n.latin1Slice(0, len).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
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
  /** Agents in s.agents with their own label (not unknown, unauthenticated, other): what maxAgents bounds. */
  #named = 0;
  readonly #onFirstError: ((code: ErrorCode, agent: string, message: string) => void) | undefined;

  constructor(maxAgents: number, onFirstError: ((code: ErrorCode, agent: string, message: string) => void) | undefined) {
    this.#maxAgents = maxAgents;
    this.#onFirstError = onFirstError;
  }

  /** `label`, or "other" once maxAgents agents have their own label. */
  agent(label: string): string {
    if (Object.hasOwn(this.s.agents, label)) return label;
    return this.#named >= this.#maxAgents ? OTHER : label;
  }

  agentStats(agent: string): HepAgentStats {
    // Own properties only, defined not assigned: a sender may call itself "__proto__" or "constructor".
    let a = Object.hasOwn(this.s.agents, agent) ? this.s.agents[agent] : undefined;
    if (a === undefined) {
      a = { received: 0, written: 0, droppedQueue: 0, droppedWriter: 0, errors: {} };
      Object.defineProperty(this.s.agents, agent, { value: a, enumerable: true, writable: true, configurable: true });
      if (agent !== UNKNOWN && agent !== UNAUTHENTICATED && agent !== OTHER) this.#named++;
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
