/**
 * Counts of the messages a SIP entity received and sent, keyed `direction|method|status`, every one whatever
 * the logging mode (the proxy's metrics, src/proxy/metrics.ts, read them). Requests count their method and an
 * empty status; responses their CSeq method and status code.
 */
import type { SipMessage } from '../sip/message.js';

/** Distinct direction|method|status keys counted before new methods become `OTHER` (see TrafficCounter.counts). */
export const MAX_TRAFFIC_KEYS = 512;

/** `\nCSeq`, the usual spelling of a response's CSeq line start (countRaw), as bytes once. */
const CSEQ_LINE = Buffer.from('\nCSeq', 'latin1');

export type Direction = 'in' | 'out';

export class TrafficCounter {
  /**
   * At most MAX_TRAFFIC_KEYS keys: methods come from the network, so once the table is full a new method is
   * counted as `OTHER` (a peer inventing methods cannot grow it, nor the metrics, without bound).
   */
  readonly counts = new Map<string, number>();
  /** The key strings, built once per direction, method and status (one string object: its hash is cached). */
  readonly #keys = { in: new Map<string, Map<string, string>>(), out: new Map<string, Map<string, string>>() };

  count(direction: Direction, method: string, status: string): void {
    const k = this.#keys[direction].get(method)?.get(status) ?? this.#newKey(direction, method, status);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  /** A key not seen yet; with the table full, the method is counted as `OTHER` (statuses are 3 digits). */
  #newKey(direction: Direction, method: string, status: string): string {
    if (this.counts.size >= MAX_TRAFFIC_KEYS || method.length > 32) return `${direction}|OTHER|${status}`;
    const k = `${direction}|${method}|${status}`;
    const byMethod = this.#keys[direction];
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map<string, string>()));
    byStatus.set(status, k);
    return k;
  }

  countMessage(direction: Direction, msg: SipMessage): void {
    this.count(direction, msg.isRequest ? msg.method : (msg.cseq?.method ?? ''), msg.isRequest ? '' : String(msg.status));
  }

  /**
   * Counts a sent message from its bytes without parsing it: the method of a request's start line, or a
   * response's status code and CSeq method, with the labels countMessage gives a parsed message (a method of
   * more than 32 characters counts as OTHER in both). What it cannot read is counted with an empty method.
   */
  countRaw(bytes: Buffer): void {
    const sp = bytes.indexOf(0x20);
    if (sp < 0) return this.count('out', '', '');
    if (bytes.toString('latin1', 0, 4).toUpperCase() !== 'SIP/') return this.count('out', bytes.toString('latin1', 0, Math.min(sp, 33)), '');
    const status = bytes.toString('latin1', sp + 1, sp + 4);
    // The CSeq line, as normally spelt, else in any case (RFC 3261 §7.3.1); name and method separated by LWS.
    let at = bytes.indexOf(CSEQ_LINE);
    if (at < 0) at = bytes.toString('latin1').toLowerCase().indexOf('\ncseq');
    // The method as written (a token, RFC 3261 §25.1), as the parsed path counts it.
    const m = at < 0 ? null : /^\ncseq[ \t]*:\s*\d+\s+([A-Za-z0-9.!%*_+`'~-]+)/i.exec(bytes.toString('latin1', at, Math.min(bytes.length, at + 80)));
    this.count('out', m?.[1] ?? '', status);
  }
}
