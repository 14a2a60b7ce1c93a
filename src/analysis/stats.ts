/**
 * `sipclf stats`: the troubleshooting and trend questions of the SIP CLF problem statement (draft-ietf-
 * sipclf-problem-statement §4: "how many calls per hour", "which requests fail and why", "how long do
 * transactions take") answered from CLF records in one streaming pass with bounded memory.
 *
 * Counts are per record as logged by the entity. An INVITE transaction is keyed by Call-ID, CSeq number and
 * Server-Txn (or Client-Txn when the entity logged no Server-Txn, as a UAC does) — RFC 6872 §9 correlation —
 * and its timing runs from the first INVITE record to the first provisional other than 100 Trying (100 is
 * hop-by-hop, RFC 3261 §16.7, and says nothing about the far end) and to the first final response.
 */
import { UNPARSEABLE, type ClfRecord, type ClfValue } from '../clf/record.js';

export interface Distribution {
  count: number;
  min: number;
  median: number;
  p95: number;
  max: number;
}

export interface StatsReport {
  records: number;
  requests: number;
  responses: number;
  first: number | null;
  last: number | null;
  byMethod: Record<string, number>;
  byStatusClass: Record<string, number>;
  byStatus: Record<string, number>;
  retransmissions: number;
  stateless: number;
  direction: { sent: number; received: number };
  /** Initial INVITEs (no To tag, original) per hour, keyed by ISO hour `YYYY-MM-DDTHH`. */
  callsPerHour: Record<string, number>;
  /** Requests by Request-URI domain, most frequent first (top 20). */
  topDomains: Array<[string, number]>;
  invite: {
    transactions: number;
    answered: number;
    failed: number;
    unfinished: number;
    /** ms from the INVITE to the first 1xx other than 100 */
    toFirstProvisional: Distribution | null;
    /** ms from the INVITE to the first final response */
    toFinal: Distribution | null;
  };
  marked: number;
}

interface Pending {
  start: number;
  provisional: number;
}

const MAX_PENDING = 200_000;

function str(v: ClfValue): string | undefined {
  return v === null || v === UNPARSEABLE ? undefined : v;
}

/**
 * Counts `k` in `o`. Keys come from the log (a CSeq method is any token): one named `__proto__` or
 * `constructor` must be an own count like any other, not the prototype's setter or Object's constructor.
 */
function inc(o: Record<string, number>, k: string, n = 1): void {
  if (Object.hasOwn(o, k)) o[k] = (o[k] as number) + n;
  else Object.defineProperty(o, k, { value: n, enumerable: true, writable: true, configurable: true });
}

/** Request-URI host (sip:/sips: user@host:port;params), lowercased; undefined when not SIP. */
export function uriDomain(uri: string): string | undefined {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;?>]+)/i.exec(uri);
  return m?.[1]?.toLowerCase();
}

function distribution(xs: number[]): Distribution | null {
  if (xs.length === 0) return null;
  xs.sort((a, b) => a - b);
  const at = (q: number): number => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;
  return { count: xs.length, min: xs[0] as number, median: at(0.5), p95: at(0.95), max: xs[xs.length - 1] as number };
}

export class StatsCollector {
  readonly #r: StatsReport = {
    records: 0,
    requests: 0,
    responses: 0,
    first: null,
    last: null,
    byMethod: {},
    byStatusClass: {},
    byStatus: {},
    retransmissions: 0,
    stateless: 0,
    direction: { sent: 0, received: 0 },
    callsPerHour: {},
    topDomains: [],
    invite: { transactions: 0, answered: 0, failed: 0, unfinished: 0, toFirstProvisional: null, toFinal: null },
    marked: 0,
  };
  readonly #domains = { R: new Map<string, number>(), S: new Map<string, number>() };
  readonly #pending = new Map<string, Pending>();
  readonly #prov: number[] = [];
  readonly #final: number[] = [];
  #initialReceived: Record<string, number> = {};
  #initialSent: Record<string, number> = {};

  /** `marked`: whether the record carries the RFC 8497 log-me marker (the caller decides how to look). */
  add(rec: ClfRecord, marked = false): void {
    const r = this.#r;
    r.records++;
    if (r.first === null || rec.timestamp < r.first) r.first = rec.timestamp;
    if (r.last === null || rec.timestamp > r.last) r.last = rec.timestamp;
    if (rec.retransmission === 'D') r.retransmissions++;
    if (rec.retransmission === 'S') r.stateless++;
    if (rec.direction === 'S') r.direction.sent++;
    else r.direction.received++;
    if (marked) r.marked++;
    const cseq = str(rec.cseq) ?? '';
    const sp = cseq.indexOf(' ');
    const method = sp > 0 ? cseq.slice(sp + 1) : '?';
    const seq = sp > 0 ? cseq.slice(0, sp) : cseq;
    if (rec.isRequest) {
      r.requests++;
      inc(r.byMethod, method);
      const ruri = str(rec.requestUri);
      const dom = ruri === undefined ? undefined : uriDomain(ruri);
      if (dom !== undefined && rec.retransmission !== 'D') {
        const m = this.#domains[rec.direction];
        m.set(dom, (m.get(dom) ?? 0) + 1);
      }
    } else {
      r.responses++;
      const status = str(rec.status) ?? '?';
      inc(r.byStatus, status);
      inc(r.byStatusClass, /^[1-6]\d\d$/.test(status) ? `${status[0]}xx` : '?');
    }
    if (method !== 'INVITE') return;
    const txn = str(rec.serverTxn) ?? str(rec.clientTxn) ?? '';
    const key = `${str(rec.callId) ?? ''}\t${seq}\t${txn}`;
    if (rec.isRequest) {
      if (rec.retransmission === 'D') return;
      if (str(rec.toTag) === undefined) {
        const hour = new Date(rec.timestamp).toISOString().slice(0, 13);
        if (rec.direction === 'R') inc(this.#initialReceived, hour);
        else inc(this.#initialSent, hour);
      }
      if (!this.#pending.has(key)) {
        if (this.#pending.size >= MAX_PENDING) this.evictOldest();
        this.#pending.set(key, { start: rec.timestamp, provisional: -1 });
        r.invite.transactions++;
      }
      return;
    }
    const p = this.#pending.get(key);
    if (p === undefined) return;
    const status = Number(str(rec.status));
    if (status > 100 && status < 200 && p.provisional < 0) {
      p.provisional = rec.timestamp;
      this.#prov.push(rec.timestamp - p.start);
    } else if (status >= 200) {
      this.#final.push(rec.timestamp - p.start);
      if (status < 300) r.invite.answered++;
      else r.invite.failed++;
      this.#pending.delete(key);
    }
  }

  private evictOldest(): void {
    const oldest = this.#pending.keys().next().value;
    if (oldest !== undefined) this.#pending.delete(oldest);
  }

  report(): StatsReport {
    const r = this.#r;
    r.invite.unfinished = this.#pending.size;
    r.invite.toFirstProvisional = distribution([...this.#prov]);
    r.invite.toFinal = distribution([...this.#final]);
    // An entity that received initial INVITEs counts those (a proxy also sends each one on); a UAC log only
    // has sent ones.
    r.callsPerHour = Object.keys(this.#initialReceived).length > 0 ? { ...this.#initialReceived } : { ...this.#initialSent };
    // Requests as received (a proxy rewrites the Request-URI it sends on); a UAC log only has sent ones.
    const doms = this.#domains.R.size > 0 ? this.#domains.R : this.#domains.S;
    r.topDomains = [...doms.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
    return r;
  }
}
