/**
 * The built-in registrar and the location service it feeds (RFC 3261 §10.3, §16.5). It owns the bindings
 * address-of-record → contacts, each with its expiry, q-value and the Call-ID/CSeq of the REGISTER that
 * set it; it processes REGISTER requests in order and atomically (§10.3: all binding changes of a request
 * are computed on a copy and committed together, or none is), and answers lookups by Request-URI for the
 * router. Time comes from an injectable clock (ms since the epoch, so the optional file survives restarts);
 * expired bindings are invisible to lookups and pruned on the next change. Persistence (registrar-store.ts)
 * is synchronous after each committed change: REGISTERs are rare next to calls, and writing before the 200
 * is what makes the 200 true after a crash.
 *
 * Bounded (REGISTERs come from the network, and §10.3 steps 3–4, authentication, are not done here): at most
 * `maxAors` addresses-of-record and `maxContacts` bindings per AOR; past either a REGISTER that would add one
 * gets 503 (§21.5.4: the server cannot handle it at present) and changes nothing. An AOR whose bindings all went
 * stays known (480, not 404: §16.5) for `forgetAfter` seconds, then a sweep forgets it, so addresses registered
 * once do not hold the table forever.
 */
import { SipclfError, type SipValidationError } from '../errors.js';
import { uriEquals } from '../sip/grammar/uri-format.js';
import { parseUri, type Uri } from '../sip/grammar/uri.js';
import type { SipMessage } from '../sip/message.js';
import { validateRequest } from '../sip/validate.js';
import { loadStore, saveStore, type StoredBinding } from './registrar-store.js';
import { buildResponse, errorResponse, proxyError } from './reply.js';
import { hostKey } from './self.js';

export interface RegistrarOptions {
  /** Domains the registrar keeps bindings for (§10.3 step 1, step 5); case-insensitive. */
  domains: readonly string[];
  /** Expiration when neither the contact nor the request gives one (§10.3 step 7); default 3600 s. */
  defaultExpires?: number;
  /** Below this (and above 0, below 3600) a request gets 423 with Min-Expires (§10.3 step 7); default 60 s. */
  minExpires?: number;
  /** Longest expiration granted (§10.3 step 7 "MAY choose an expiration less than requested"); default 86400 s. */
  maxExpires?: number;
  /** Addresses-of-record kept at most; a REGISTER for a new one past it gets 503. Default 100,000. */
  maxAors?: number;
  /** Bindings kept at most per address-of-record; a REGISTER that would exceed it gets 503. Default 20. */
  maxContacts?: number;
  /** Seconds an AOR without bindings stays known (480 Temporarily Unavailable rather than 404). Default 86400. */
  forgetAfter?: number;
  /** Clock, ms since the epoch; default Date.now. */
  clock?: () => number;
  /** JSON file the bindings are saved to after every change (see load()). */
  file?: string;
}

export interface Binding extends StoredBinding {
  readonly aor: string;
}

/** The outcome of a REGISTER: the status and the headers of the response (or the error that rejects it). */
export interface RegisterResult {
  readonly status: number;
  /** Response headers after CSeq: Contact (one per current binding, with expires), Date; Min-Expires on 423. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly error?: SipValidationError;
}

interface Entry extends StoredBinding {
  readonly uri: Uri;
}

/** §10.3 step 5: canonical AOR — scheme sip (sips folds onto it), user unescaped, host lowercased, port kept; no parameters. */
export function aorOf(uri: Uri): string | undefined {
  if (uri.kind !== 'sip') return undefined;
  const host = uri.hostType === 'ipv6' ? `[${hostKey(uri.host)}]` : hostKey(uri.host);
  const user = uri.user === undefined ? '' : `${uri.user}@`;
  return `sip:${user}${host}${uri.port === undefined ? '' : `:${uri.port}`}`;
}

/** A delta-seconds value (§25.1), or undefined when malformed; capped at 2^32-1 (§20.19). */
function seconds(v: string | null | undefined): number | undefined {
  if (typeof v !== 'string' || !/^\d+$/.test(v.trim())) return undefined;
  return Math.min(Number(v.trim()), 0xffffffff);
}

/** q-value = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (§25.1); undefined when absent or bad. */
function qValue(v: string | null | undefined): number | undefined {
  if (typeof v !== 'string' || !/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(v)) return undefined;
  return Number(v);
}

/** The stored part of an entry (without its parsed URI). */
function stored(e: Entry): StoredBinding {
  const b: { -readonly [K in keyof StoredBinding]: StoredBinding[K] } = { contact: e.contact, expiresAt: e.expiresAt, callId: e.callId, cseq: e.cseq, registeredAt: e.registeredAt };
  if (e.q !== undefined) b.q = e.q;
  return b;
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Least time between two sweeps of the table (ms). */
const SWEEP_MS = 60_000;

export class Registrar {
  readonly #opts: Required<Omit<RegistrarOptions, 'file' | 'domains'>>;
  readonly #domains: Set<string>;
  readonly #file: string | undefined;
  /** AOR → bindings; an AOR whose bindings all went stays as a key (it is known: 480, not 404) until swept. */
  #aors = new Map<string, Entry[]>();
  /** AOR → until when it is known (ms): `forgetAfter` after its last binding expires or is removed. */
  #knownUntil = new Map<string, number>();
  /** When the next sweep of expired bindings and forgotten AORs is due (ms); see #sweep. */
  #nextSweep = 0;

  constructor(opts: RegistrarOptions) {
    this.#opts = {
      defaultExpires: opts.defaultExpires ?? 3600,
      minExpires: opts.minExpires ?? 60,
      maxExpires: opts.maxExpires ?? 86400,
      maxAors: opts.maxAors ?? 100_000,
      maxContacts: opts.maxContacts ?? 20,
      forgetAfter: opts.forgetAfter ?? 86400,
      clock: opts.clock ?? Date.now,
    };
    this.#domains = new Set(opts.domains.map(hostKey));
    this.#file = opts.file;
  }

  now(): number {
    return this.#opts.clock();
  }

  /** The registrar keeps bindings for this domain (§10.3 step 1). */
  isLocal(host: string): boolean {
    return this.#domains.has(hostKey(host));
  }

  /** §16.5: live bindings of the AOR a URI canonicalises to, highest q first (no q = 1.0), then newest. */
  lookup(uri: Uri, now = this.now()): Binding[] {
    const aor = aorOf(uri);
    if (aor === undefined) return [];
    const live = (this.#aors.get(aor) ?? []).filter((b) => b.expiresAt > now);
    live.sort((a, b) => (b.q ?? 1) - (a.q ?? 1) || b.registeredAt - a.registeredAt || (a.contact < b.contact ? -1 : 1));
    return live.map((b) => ({ aor, ...stored(b) }));
  }

  /** The AOR has registered at some point (its bindings may all have expired): 480 rather than 404. */
  knows(uri: Uri, now = this.now()): boolean {
    const aor = aorOf(uri);
    if (aor === undefined) return false;
    const list = this.#aors.get(aor);
    return list !== undefined && (list.some((b) => b.expiresAt > now) || (this.#knownUntil.get(aor) ?? 0) > now);
  }

  /** Addresses-of-record in the table (live, or still known), for metrics and tests. */
  get size(): number {
    return this.#aors.size;
  }

  /**
   * Drops expired bindings and forgets AORs with none left whose `forgetAfter` has passed. O(table): run at
   * most once a minute from handleRegister, and when a new AOR finds the table full.
   */
  #sweep(now: number): void {
    this.#nextSweep = now + SWEEP_MS;
    for (const [aor, list] of this.#aors) {
      const live = list.filter((b) => b.expiresAt > now);
      if (live.length > 0) {
        if (live.length !== list.length) this.#aors.set(aor, live);
      } else if ((this.#knownUntil.get(aor) ?? 0) <= now) {
        this.#aors.delete(aor);
        this.#knownUntil.delete(aor);
      } else if (list.length > 0) this.#aors.set(aor, live);
    }
  }

  /** RFC 3261 §10.3 steps 2 and 5–8 (steps 3–4, authentication, belong to the caller). */
  handleRegister(msg: SipMessage, now = this.now()): RegisterResult {
    const bad = validateRequest(msg, { role: 'registrar' }); // §10.3 step 2 (Require), §10.2 AOR, step 6 "*"
    if (bad !== undefined) return { status: bad.status ?? 400, headers: bad.responseHeaders, error: bad };
    const to = msg.to();
    const ruri = msg.uri();
    if (ruri.kind !== 'sip' || !this.isLocal(ruri.host)) {
      return this.reject(proxyError('PROXY_NOT_FOUND', `the registrar has no bindings for ${msg.requestUri} (RFC 3261 §10.3 step 1)`, 'Not a domain of this registrar'));
    }
    const aor = to === undefined ? undefined : aorOf(to.uri);
    if (to === undefined || to.uri.kind !== 'sip' || aor === undefined || hostKey(to.uri.host) !== hostKey(ruri.host)) {
      return this.reject(proxyError('PROXY_NOT_FOUND', `To ${to?.uri.raw ?? '(none)'} is not an address-of-record of ${ruri.host} (RFC 3261 §10.3 step 5)`, 'Unknown address-of-record'));
    }
    if (now >= this.#nextSweep) this.#sweep(now);
    const callId = msg.callId ?? '';
    const cseq = msg.cseq?.seq ?? 0;
    const current = (this.#aors.get(aor) ?? []).filter((b) => b.expiresAt > now);
    let next: Entry[] = [...current];
    // Only a real change is stored: a query (no Contact) or a removal of nothing for an address-of-record never
    // registered creates no entry (else every such REGISTER would grow the table, and rewrite the store file).
    let changed = current.length !== (this.#aors.get(aor) ?? []).length;

    if (msg.contactStar) {
      // §10.3 step 6: remove every binding, unless one of the same Call-ID has a CSeq not lower.
      for (const b of current) {
        if (b.callId === callId && cseq <= b.cseq) return this.stale(aor, b);
      }
      changed = next.length > 0 || changed;
      next = [];
    } else {
      const headerExpires = seconds(msg.get('Expires'));
      const touched = new Set<Entry>();
      for (const c of msg.contacts()) {
        // §10.3 step 7: expires parameter, else Expires header, else the local default.
        const requested = seconds(c.params.get('expires')) ?? headerExpires ?? this.#opts.defaultExpires;
        if (requested > 0 && requested < 3600 && requested < this.#opts.minExpires) {
          return this.reject(
            proxyError('PROXY_INTERVAL_TOO_BRIEF', `expiration ${requested} s is below the minimum ${this.#opts.minExpires} s (RFC 3261 §10.3 step 7)`, 'Interval Too Brief', [
              ['Min-Expires', String(this.#opts.minExpires)],
            ]),
          );
        }
        const granted = Math.min(requested, this.#opts.maxExpires);
        const i = next.findIndex((b) => uriEquals(b.uri, c.uri));
        const old = next[i];
        // A binding this same request already touched (a contact listed twice) is simply updated again.
        if (old !== undefined && !touched.has(old) && old.callId === callId && cseq <= old.cseq) return this.stale(aor, old);
        if (i >= 0) {
          next.splice(i, 1);
          changed = true;
        }
        if (granted === 0) continue;
        changed = true;
        const entry: Entry = {
          contact: c.uri.raw,
          uri: c.uri,
          expiresAt: now + granted * 1000,
          callId,
          cseq,
          registeredAt: old !== undefined && old.callId === callId ? old.registeredAt : now,
          ...(qValue(c.params.get('q')) === undefined ? {} : { q: qValue(c.params.get('q')) }),
        };
        touched.add(entry);
        next.push(entry);
      }
    }
    if (changed && next.length > this.#opts.maxContacts && next.length > current.length) {
      return this.reject(
        proxyError('PROXY_REGISTRAR_FULL', `REGISTER for ${aor} would hold ${next.length} bindings, more than maxContacts ${this.#opts.maxContacts}`, 'Too Many Registered Contacts'),
      );
    }
    if (changed && !this.#aors.has(aor)) {
      if (this.#aors.size >= this.#opts.maxAors) this.#sweep(now);
      if (this.#aors.size >= this.#opts.maxAors) {
        return this.reject(proxyError('PROXY_REGISTRAR_FULL', `the registrar holds maxAors ${this.#opts.maxAors} addresses-of-record; ${aor} is not added`, 'Registrar Full'));
      }
    }
    if (changed) {
      try {
        this.commit(aor, next, now);
      } catch (err) {
        // §10.3 step 7: "the request MUST fail with a 500 (Server Error) response"; commit() rolled back.
        if (!(err instanceof SipclfError)) throw err;
        return this.reject(proxyError('PROXY_REGISTRAR_STORE', err.message, 'Cannot store the bindings'));
      }
    }
    return { status: 200, headers: this.contactHeaders(next, now) };
  }

  /** The response bytes for a REGISTER result (§10.3 step 8 for 200; §8.2.6 for errors). */
  respond(msg: SipMessage, result: RegisterResult, toTag?: string): Buffer {
    if (result.error !== undefined) return errorResponse(msg, result.error, toTag);
    return buildResponse(msg, result.status, toTag === undefined ? { headers: result.headers } : { headers: result.headers, toTag });
  }

  /** Every binding, expired ones included (for inspection and tests). */
  snapshot(): Binding[] {
    const out: Binding[] = [];
    for (const [aor, list] of this.#aors) for (const b of list) out.push({ aor, ...stored(b) });
    return out;
  }

  /** Replaces the bindings with the file's (a missing file is empty); bindings already expired are dropped. */
  load(file = this.#file, now = this.now()): void {
    if (file === undefined) return;
    const data = loadStore(file);
    const aors = new Map<string, Entry[]>();
    this.#knownUntil = new Map();
    for (const [aor, list] of Object.entries(data.aors)) {
      const live: Entry[] = [];
      for (const b of list) {
        if (b.expiresAt <= now) continue;
        try {
          live.push({ ...b, uri: parseUri(b.contact) });
        } catch {
          // an unparseable contact cannot be a target; skip it
        }
      }
      aors.set(aor, live);
      // Without a removal time in the file: known for forgetAfter from now, or past its latest expiry.
      this.#remember(aor, list, now);
    }
    this.#aors = aors;
  }

  /** Writes the bindings to the file (atomic, mode 0600). */
  save(file = this.#file): void {
    if (file === undefined) return;
    const aors: Record<string, StoredBinding[]> = {};
    for (const [aor, list] of this.#aors) aors[aor] = list.map(stored);
    saveStore(file, { version: 1, aors });
  }

  private commit(aor: string, bindings: Entry[], now: number): void {
    const before = this.#aors.get(aor);
    this.#aors.set(aor, bindings);
    try {
      this.save();
    } catch (err) {
      // §10.3 step 7: a failed commit leaves no tentative change behind (the caller answers 500).
      if (before === undefined) this.#aors.delete(aor);
      else this.#aors.set(aor, before);
      throw err;
    }
    this.#remember(aor, bindings, now);
  }

  /**
   * Known until `forgetAfter` after its last binding goes: past the latest expiry of `bindings`, or from `now`
   * when there are none (all removed; at load, a file that keeps no removal time).
   */
  #remember(aor: string, bindings: readonly StoredBinding[], now: number): void {
    let last = bindings.length === 0 ? now : 0;
    for (const b of bindings) last = Math.max(last, b.expiresAt);
    this.#knownUntil.set(aor, last + this.#opts.forgetAfter * 1000);
  }

  private contactHeaders(bindings: readonly Entry[], now: number): Array<readonly [string, string]> {
    const out: Array<readonly [string, string]> = [];
    for (const b of bindings) {
      const left = Math.max(0, Math.ceil((b.expiresAt - now) / 1000));
      out.push(['Contact', `<${b.contact}>;expires=${left}${b.q === undefined ? '' : `;q=${b.q}`}`]);
    }
    out.push(['Date', httpDate(now)]);
    return out;
  }

  private reject(err: SipValidationError): RegisterResult {
    return { status: err.status ?? 400, headers: err.responseHeaders, error: err };
  }

  private stale(aor: string, b: Entry): RegisterResult {
    return this.reject(
      proxyError('PROXY_REGISTER_STALE', `REGISTER for ${aor}: CSeq is not higher than ${b.cseq}, stored for Call-ID ${b.callId} (RFC 3261 §10.3 step 7)`, 'Out-of-order REGISTER'),
    );
  }
}
