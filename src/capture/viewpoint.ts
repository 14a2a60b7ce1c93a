/**
 * Viewpoint: a CLF record is one entity's account of a message it sent or received (RFC 6872 §8, §9). A
 * capture or a HEP mirror sees messages on the wire, so the converter has to say whose log it writes.
 *
 * - Entity (`--entity ADDR[:PORT][,…]`): a message whose destination is one of the entity's addresses is
 *   Received (R), one whose source is, Sent (S); anything else is skipped and counted. A message from the
 *   entity to itself is logged twice, Sent then Received. Transaction ids, as a proxy at that point assigns
 *   them (RFC 6872 §8.2, §9; RFC 3261 §17.2.3 / §16.6 item 8):
 *     request received  — Server-Txn = top Via branch;            Client-Txn = -
 *     request sent      — Client-Txn = top Via branch (its own);  Server-Txn = 2nd Via branch (the request
 *                         it forwards: only a proxy adds a Via above others; a UAC's request has one Via)
 *     response received — Client-Txn = top Via branch (its own);  Server-Txn = 2nd Via branch, if any
 *     response sent     — Server-Txn = top Via branch;            Client-Txn = the branch of the response
 *                         it forwards (learned from the response it received with the same 2nd Via,
 *                         CSeq and status), else -
 *   Retransmissions are detected per direction: the same transaction (top Via branch), CSeq and method
 *   (requests) or status (responses) seen before — without a branch, the same message bytes — is flagged
 *   D, otherwise O (RFC 6873 §4.2).
 * - Neutral (no entity): every message is logged once, as received by its destination — direction R,
 *   retransmission flag S (not detected), no transaction ids: the rule of the HEP collector
 *   (src/capture/hep-collector.ts), so `sipclf capture` and `sipclf convert` agree.
 */
import { createHash } from 'node:crypto';
import { SipclfError } from '../errors.js';
import { detach } from '../sip/bytes.js';
import { canonicalIPv6, parseIPv6 } from '../sip/grammar/host.js';
import type { SipMessage } from '../sip/message.js';
import type { Direction, Retransmission } from '../clf/record.js';

export interface EntityAddress {
  /** Dotted IPv4 or canonical IPv6 (no brackets). */
  readonly ip: string;
  /** Undefined: any port. */
  readonly port?: number;
}

export const NEUTRAL_RULE =
  'viewpoint: neutral capture — every message is logged once, as received by its destination ' + '(direction R, retransmission flag S: not detected, no transaction ids)';

function normIp(ip: string): string {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  return bare.includes(':') ? canonicalIPv6(bare.toLowerCase()) : bare;
}

/** Parses `ADDR[:PORT][,…]`: IPv4 `1.2.3.4[:5060]`, IPv6 `[::1][:5060]` or bare `::1`. Throws CLI_USAGE. */
export function parseEntity(spec: string): EntityAddress[] {
  const out: EntityAddress[] = [];
  for (const part0 of spec.split(',')) {
    const part = part0.trim();
    if (part === '') continue;
    let host = part;
    let port: string | undefined;
    if (part.startsWith('[')) {
      const close = part.indexOf(']');
      if (close < 0) throw new SipclfError('CLI_USAGE', `--entity: ${part}: missing ]`);
      host = part.slice(1, close);
      const rest = part.slice(close + 1);
      if (rest !== '') {
        if (!rest.startsWith(':')) throw new SipclfError('CLI_USAGE', `--entity: ${part}: expected :PORT after ]`);
        port = rest.slice(1);
      }
    } else if ((part.match(/:/g) ?? []).length === 1) {
      const c = part.indexOf(':');
      host = part.slice(0, c);
      port = part.slice(c + 1);
    }
    const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) && host.split('.').every((o) => Number(o) <= 255);
    let ip: string;
    if (v4) ip = host;
    else if (host.includes(':')) {
      if (parseIPv6(host) === null) throw new SipclfError('CLI_USAGE', `--entity: ${host} is not an IP address`);
      ip = canonicalIPv6(host.toLowerCase());
    } else throw new SipclfError('CLI_USAGE', `--entity: ${host} is not an IP address (give IP literals, e.g. 192.0.2.10:5060 or [2001:db8::1]:5060)`);
    if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
      throw new SipclfError('CLI_USAGE', `--entity: port ${port} is not 1-65535`);
    }
    out.push(port === undefined ? { ip } : { ip, port: Number(port) });
  }
  if (out.length === 0) throw new SipclfError('CLI_USAGE', '--entity needs at least one ADDR[:PORT]');
  return out;
}

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** What the viewpoint decides for one message: the records' flags and ids, or nothing (not the entity's). */
export interface ViewRecord {
  readonly direction: Direction;
  readonly retransmission: Retransmission;
  readonly serverTxn: string | null;
  readonly clientTxn: string | null;
}

const MAX_REMEMBERED = 200_000;

/** The neutral rule's one record per message: shared, frozen (a capture has it for every message). */
const NEUTRAL_VIEW: readonly ViewRecord[] = Object.freeze([Object.freeze<ViewRecord>({ direction: 'R', retransmission: 'S', serverTxn: null, clientTxn: null })]);

/** Insertion-ordered set with a size cap (the oldest entries go first). */
class BoundedMap<V> {
  readonly #m = new Map<string, V>();
  constructor(private readonly cap: number) {}
  get(k: string): V | undefined {
    return this.#m.get(k);
  }
  has(k: string): boolean {
    return this.#m.has(k);
  }
  set(k: string, v: V): void {
    if (this.#m.size >= this.cap && !this.#m.has(k)) {
      const first = this.#m.keys().next();
      if (first.done !== true) this.#m.delete(first.value);
    }
    this.#m.set(k, v);
  }
}

function viaBranches(msg: SipMessage): [string | undefined, string | undefined] {
  const top = msg.topVia?.branch;
  if (msg.viaCount < 1) return [top, undefined];
  let second: string | undefined;
  try {
    const all = msg.vias();
    second = all[1]?.branch;
  } catch {
    second = undefined;
  }
  return [top, second];
}

export class Viewpoint {
  readonly #entity: readonly EntityAddress[] | undefined;
  readonly #seen = new BoundedMap<true>(MAX_REMEMBERED);
  /** `serverBranch|cseq|status` → client branch, from responses received with two Vias. */
  readonly #forwarded = new BoundedMap<string>(MAX_REMEMBERED);
  /** Messages neither from nor to the entity. */
  skipped = 0;

  constructor(entity?: readonly EntityAddress[]) {
    this.#entity = entity === undefined || entity.length === 0 ? undefined : entity.map((e) => ({ ...e, ip: normIp(e.ip) }));
  }

  get neutral(): boolean {
    return this.#entity === undefined;
  }

  /** The entity's addresses, as `ip[:port]` text for a summary. */
  describe(): string {
    if (this.#entity === undefined) return NEUTRAL_RULE;
    const list = this.#entity.map((e) => (e.ip.includes(':') ? `[${e.ip}]` : e.ip) + (e.port === undefined ? '' : `:${e.port}`)).join(',');
    return `viewpoint: entity ${list} — messages to it Received (R), from it Sent (S), Server-Txn/Client-Txn from the Via branches (RFC 6872 §9), retransmissions flagged D`;
  }

  #is(e: Endpoint): boolean {
    const ent = this.#entity as readonly EntityAddress[];
    const ip = normIp(e.ip);
    for (const a of ent) if (a.ip === ip && (a.port === undefined || a.port === e.port)) return true;
    return false;
  }

  /** The records to write for one message (0, 1, or 2 when the entity sends to itself). */
  view(msg: SipMessage, src: Endpoint, dst: Endpoint): readonly ViewRecord[] {
    if (this.#entity === undefined) return NEUTRAL_VIEW;
    const out: ViewRecord[] = [];
    if (this.#is(src)) out.push(this.#one(msg, 's'));
    if (this.#is(dst)) out.push(this.#one(msg, 'r'));
    if (out.length === 0) this.skipped++;
    return out;
  }

  #one(msg: SipMessage, dir: 's' | 'r'): ViewRecord {
    const [top, second] = viaBranches(msg);
    const cseq = msg.cseq;
    const cs = cseq === undefined ? '' : `${cseq.seq} ${cseq.method}`;
    let serverTxn: string | null = null;
    let clientTxn: string | null = null;
    if (msg.isRequest) {
      if (dir === 'r') serverTxn = top ?? null;
      else {
        clientTxn = top ?? null;
        serverTxn = second ?? null;
      }
    }
    // A response is one of several of its transaction by its status, its To tag (the branches of a fork each
    // answer with their own: two 180s or two 200s are not retransmissions of each other) and its RSeq (RFC 3262:
    // reliable provisionals 183 RSeq 1 and 183 RSeq 2 are two responses).
    const resp = msg.isRequest ? '' : `${msg.status}|${msg.toTag ?? ''}|${msg.get('RSeq') ?? ''}`;
    if (!msg.isRequest && dir === 'r') {
      clientTxn = top ?? null;
      serverTxn = second ?? null;
      // Remembered for up to MAX_REMEMBERED messages: detached, so as not to keep each message's text alive.
      if (top !== undefined && second !== undefined) this.#forwarded.set(detach(`${second}|${cs}|${resp}`), detach(top));
    } else if (!msg.isRequest) {
      serverTxn = top ?? null;
      if (top !== undefined) clientTxn = this.#forwarded.get(`${top}|${cs}|${resp}`) ?? null;
    }
    const what = msg.isRequest ? `q${msg.method}` : `s${resp}`;
    // Without a branch a message is known by a digest of its bytes (not its whole text: up to MAX_REMEMBERED
    // of them are kept).
    const key = top !== undefined ? `${dir}|${top}|${cs}|${what}` : `${dir}|#|${createHash('sha256').update(msg.raw).digest('base64')}`;
    const dup = this.#seen.has(key);
    if (!dup) this.#seen.set(detach(key), true);
    return { direction: dir === 's' ? 'S' : 'R', retransmission: dup ? 'D' : 'O', serverTxn, clientTxn };
  }
}
