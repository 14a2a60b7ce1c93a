/**
 * The response context of one server transaction of a stateful proxy (RFC 3261 §16.7, §16.8, §16.10): the
 * branches forwarded for it, the final responses they brought, and the decisions the RFC makes on each
 * event. It never sends or schedules anything: every method returns `ProxyAction`s (send this response
 * upstream, send this CANCEL, give up that branch) that the caller carries out through its ProxyPorts, and
 * time is the `now` the caller passes (Timer C deadlines are read with nextTimerC() / dueTimerC()).
 *
 * Forwarding rules (§16.7 step 5): until a final response is sent upstream, every provisional but 100 and
 * every 2xx is forwarded at once; a 100 never is; a 6xx is held, pending branches are cancelled and no new
 * branch is added; after a final response only further 2xx to an INVITE are forwarded. When every branch has
 * a final response (and the target set is closed) without one having been forwarded, the best one is chosen
 * (best.ts). After forwarding a final response, pending INVITE branches are cancelled (§16.7 step 10); a
 * branch that has seen no provisional yet is cancelled when its first provisional arrives (§9.1).
 */
import { MessageEditor } from '../sip/editor.js';
import type { SipMessage } from '../sip/message.js';
import { aggregateChallenges, selectBest } from './best.js';
import { buildResponse } from './reply.js';
import { buildCancel } from './stateless.js';
import type { NextHop, OutgoingRequest, OutgoingResponse } from './types.js';

/** §16.6 step 11: "The timer MUST be larger than 3 minutes." */
export const TIMER_C_DEFAULT = 181_000;

export type ProxyAction =
  | { readonly type: 'response'; readonly response: OutgoingResponse }
  | { readonly type: 'cancel'; readonly branch: string; readonly request: OutgoingRequest }
  /** §16.8: Timer C fired before any provisional: terminate the client transaction (treated as 408). */
  | { readonly type: 'terminate'; readonly branch: string };

export interface BranchInfo {
  readonly branch: string;
  readonly nextHop: NextHop;
  /** The forwarded request (for the CANCEL, §9.1); dropped once the branch has its final response. */
  bytes: Buffer | undefined;
  state: 'trying' | 'proceeding' | 'completed';
  /** A CANCEL was sent, or is owed as soon as a provisional arrives. */
  cancelled: boolean;
  cancelOwed: boolean;
  /** Timer C deadline (INVITE only), in the caller's clock. */
  timerCAt: number | undefined;
}

export interface ContextOptions {
  /** Timer C in ms; > 180,000 (§16.6 step 11). Default 181,000. */
  timerC?: number;
  /** To tag for the 408 / 500 the proxy generates itself. */
  toTag?: string;
}

interface Stored {
  readonly status: number;
  readonly msg: SipMessage | undefined;
}

export class ResponseContext {
  /**
   * The request as received, until a final response has been sent upstream: only the 408/500 this context
   * may generate (§16.7 step 6) is built from it. A context lives as long as its server transaction (on UDP
   * 64·T1 after the final response, RFC 6026 Timer L), so it keeps nothing it can no longer use.
   */
  #request: SipMessage | undefined;
  readonly method: string;
  readonly isInvite: boolean;
  readonly #timerC: number;
  readonly #toTag: string | undefined;
  readonly #branches = new Map<string, BranchInfo>();
  readonly #finals: Stored[] = [];
  #finalSent = false;
  #closed = false;
  #sixx = false;
  #cancelled = false;

  constructor(request: SipMessage, opts: ContextOptions = {}) {
    this.#request = request;
    this.method = request.method;
    this.isInvite = request.method === 'INVITE';
    this.#timerC = Math.max(opts.timerC ?? TIMER_C_DEFAULT, 180_001);
    this.#toTag = opts.toTag;
  }

  get finalSent(): boolean {
    return this.#finalSent;
  }

  /** §16.7 step 5: no new branch after a 6xx, a final response, or a CANCEL. */
  get canAddBranch(): boolean {
    return !this.#sixx && !this.#finalSent && !this.#cancelled && !this.#closed;
  }

  branches(): readonly BranchInfo[] {
    return [...this.#branches.values()];
  }

  /** Records a forwarded branch (§16.6 step 10) and arms Timer C for an INVITE (step 11). */
  addBranch(fwd: { readonly branch: string; readonly nextHop: NextHop; readonly bytes: Buffer }, now: number): OutgoingRequest {
    const timerCAt = this.isInvite ? now + this.#timerC : undefined;
    // Only what the branch needs (not the whole ForwardResult: it lives as long as the server transaction).
    this.#branches.set(fwd.branch, { branch: fwd.branch, nextHop: fwd.nextHop, bytes: fwd.bytes, state: 'trying', cancelled: false, cancelOwed: false, timerCAt });
    return { bytes: fwd.bytes, nextHop: fwd.nextHop, branch: fwd.branch, method: this.method };
  }

  /** No more branches will be added: the best response may now be chosen (§16.7 step 6). */
  close(): ProxyAction[] {
    this.#closed = true;
    return this.maybeBest();
  }

  /** §16.7 steps 2–10 for a response a client transaction passed up. Unknown branches yield nothing. */
  onResponse(branch: string, res: SipMessage, now: number): ProxyAction[] {
    const b = this.#branches.get(branch);
    if (b === undefined || res.isRequest) return [];
    // Step 3: a response with only our Via was meant for this element: not forwarded. A final one still ends
    // the branch — its client transaction has terminated (UAC rules, §8.1.3) — as a timeout would, so that the
    // context can answer upstream and end; else the branch would wait for ever (a non-INVITE has no Timer C).
    if (res.viaCount < 2 && res.values('Via').length < 2) return res.status >= 200 ? this.complete(branch, undefined) : []; // (two lines: two values at least)
    const status = res.status;
    const out: ProxyAction[] = [];
    if (status < 200) {
      // Step 2: Timer C restarts on 101–199 for an INVITE.
      if (this.isInvite && status > 100 && b.state !== 'completed') b.timerCAt = now + this.#timerC;
      if (b.state === 'trying') b.state = 'proceeding';
      if (b.cancelOwed && !b.cancelled) out.push(this.cancel(b)); // §9.1: the CANCEL waited for this
      if (status !== 100 && !this.#finalSent) out.push(this.send(res, status));
      return out;
    }
    const wasDone = b.state === 'completed';
    b.state = 'completed';
    b.timerCAt = undefined;
    b.bytes = undefined; // no CANCEL for a completed branch (§9.1): none is owed any more either
    b.cancelOwed = false;
    if (status < 300) {
      // Step 5: every 2xx before a final; after one, only 2xx to an INVITE (one per UAS that answers).
      if (!this.#finalSent || this.isInvite) {
        out.push(this.send(res, status));
        if (!this.#finalSent) {
          out.push(...this.cancelPending()); // step 10
          this.#settle();
        }
      }
      return out;
    }
    if (wasDone || this.#finalSent) return out;
    this.#finals.push({ status, msg: res }); // step 4
    if (status >= 600 && !this.#sixx) {
      this.#sixx = true;
      out.push(...this.cancelPending()); // step 5: SHOULD cancel, MUST NOT branch further
    }
    return [...out, ...this.maybeBest()];
  }

  /** Timer B/F fired or §16.6 step 7 gave up: as if the branch got a 408, stored nowhere. */
  onTimeout(branch: string): ProxyAction[] {
    return this.complete(branch, undefined);
  }

  /** §16.9: a transport error on a branch counts as a received 503. */
  onTransportError(branch: string): ProxyAction[] {
    return this.complete(branch, 503);
  }

  /** Earliest Timer C deadline, or undefined. */
  nextTimerC(): number | undefined {
    let min: number | undefined;
    for (const b of this.#branches.values()) if (b.timerCAt !== undefined && (min === undefined || b.timerCAt < min)) min = b.timerCAt;
    return min;
  }

  /** §16.8 for every branch whose Timer C is due at `now`. */
  dueTimerC(now: number): ProxyAction[] {
    const out: ProxyAction[] = [];
    for (const b of [...this.#branches.values()]) if (b.timerCAt !== undefined && b.timerCAt <= now) out.push(...this.onTimerC(b.branch, now));
    return out;
  }

  /**
   * §16.8 Timer C: with a provisional seen, CANCEL the branch and re-arm the timer (so a UAS that never
   * answers the CANCEL is given up on at the next expiry); without one, or at the second expiry,
   * terminate the client transaction and act as if it returned 408.
   */
  onTimerC(branch: string, now: number): ProxyAction[] {
    const b = this.#branches.get(branch);
    if (b === undefined || b.state === 'completed') return [];
    if (b.state === 'proceeding' && !b.cancelled) {
      b.timerCAt = now + this.#timerC;
      return [this.cancel(b)];
    }
    return [{ type: 'terminate', branch }, ...this.complete(branch, undefined)];
  }

  /**
   * §16.10: a CANCEL matching this context: the 200 to the CANCEL (sent at once, on the CANCEL's own
   * server transaction) and CANCELs for every pending branch.
   */
  onCancel(cancel: SipMessage): { readonly ok: OutgoingResponse; readonly actions: ProxyAction[] } {
    this.#cancelled = true;
    const ok = { bytes: buildResponse(cancel, 200, this.#toTag === undefined ? {} : { toTag: this.#toTag }), status: 200 };
    return { ok, actions: this.#finalSent ? [] : this.cancelPending() };
  }

  /** All branches have a final response (or gave up): the context can go once they terminate. */
  get settled(): boolean {
    return [...this.#branches.values()].every((b) => b.state === 'completed');
  }

  // ---- internals --------------------------------------------------------------------------------------

  private complete(branch: string, status: number | undefined): ProxyAction[] {
    const b = this.#branches.get(branch);
    if (b === undefined || b.state === 'completed') return [];
    b.state = 'completed';
    b.timerCAt = undefined;
    b.bytes = undefined;
    b.cancelOwed = false;
    if (status !== undefined && !this.#finalSent) this.#finals.push({ status, msg: undefined });
    return this.maybeBest();
  }

  /** §16.7 step 6: every branch done, nothing final forwarded: forward the best or generate 408 / 500. */
  private maybeBest(): ProxyAction[] {
    if (this.#finalSent || !this.#closed || !this.settled) return [];
    const choice = selectBest(this.#finals.map((f) => f.status));
    const chosen = 'index' in choice ? this.#finals[choice.index]?.msg : undefined;
    let out: ProxyAction;
    if (chosen !== undefined) out = this.send(chosen, chosen.status);
    else {
      const status = 'generate' in choice ? choice.generate : 500;
      // §16.7 step 6: keep the To tag of a 503 replaced by 500 (3-6xx "SHOULD preserve the To tag").
      const tag = this.#finals.find((f) => f.msg?.toTag !== undefined)?.msg?.toTag ?? this.#toTag;
      const req = this.#request as SipMessage; // held until #settle()
      out = { type: 'response', response: { bytes: buildResponse(req, status, tag === undefined ? {} : { toTag: tag }), status } };
    }
    this.#settle();
    return [out];
  }

  /**
   * A final response has gone upstream: from now on only further 2xx to an INVITE are forwarded (§16.7
   * step 5), and they need neither the request nor the stored finals (step 7 aggregates challenges only
   * into the one best response).
   */
  #settle(): void {
    this.#finalSent = true;
    this.#request = undefined;
    this.#finals.length = 0;
  }

  /** Steps 3 and 7–9: pop our Via, aggregate challenges into a 401/407, hand the bytes upstream. */
  private send(res: SipMessage, status: number): ProxyAction {
    const ed = new MessageEditor(res).popVia();
    aggregateChallenges(
      ed,
      res,
      this.#finals.flatMap((f) => (f.msg === undefined ? [] : [f.msg])),
    );
    return { type: 'response', response: { bytes: ed.toBuffer(), status, received: res } };
  }

  private cancel(b: BranchInfo): ProxyAction {
    b.cancelled = true;
    b.cancelOwed = false;
    // A branch is only cancelled while pending, and a pending branch keeps its bytes.
    return { type: 'cancel', branch: b.branch, request: buildCancel(b.bytes as Buffer, b.nextHop) };
  }

  /** §16.7 step 10 / §16.10: CANCEL INVITE branches with a provisional; owe one to those without. */
  private cancelPending(): ProxyAction[] {
    if (!this.isInvite) return [];
    const out: ProxyAction[] = [];
    for (const b of this.#branches.values()) {
      if (b.state === 'completed' || b.cancelled) continue;
      if (b.state === 'proceeding') out.push(this.cancel(b));
      else b.cancelOwed = true;
    }
    return out;
  }
}
