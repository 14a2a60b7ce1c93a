/**
 * Call scenarios for the synthetic traffic generator, seen from one stateful record-routing proxy (the
 * entity whose CLF log is produced): basic calls, forked calls with CANCEL of the losing branch
 * (RFC 3261 §16.7 step 10), failed calls with the hop-by-hop ACK (§17.1.1.3), calls cancelled by the caller
 * (§9), REGISTER with a digest challenge (§22), OPTIONS keep-alives, and occasional retransmissions
 * (flag D, RFC 6873 §4.2). Each scenario is a list of timed events; Server-Txn / Client-Txn follow
 * RFC 6872 §8.2 for a proxy (the upstream branch, and the proxy's own branch toward the callee).
 */
import type { Direction, Retransmission } from '../clf/record.js';
import { options, register, registerResponse, request, response, type Call, type Leg, type Party } from './messages.js';
import type { Rng } from './rng.js';

export interface GenEvent {
  /** Milliseconds since the Unix epoch. */
  readonly t: number;
  readonly message: () => string;
  readonly direction: Direction;
  readonly source: Party;
  readonly destination: Party;
  readonly serverTxn: string | null;
  readonly clientTxn: string | null;
  readonly retransmission: Retransmission;
}

const PROXY: Party = { user: 'proxy', domain: 'sip.example.com', ip: '192.0.2.10', port: 5060 };
const CALLER_DOMAINS = ['atlanta.example.com', 'chicago.example.com', 'example.org'];
const CALLEE_DOMAINS = ['biloxi.example.com', 'example.net', 'example.com', 'boston.example.com'];
const AGENTS = ['Softphone/4.2', 'DeskPhone 2.11.4', 'SIPp/3.6.1', 'Linphone/5.2 (belle-sip/5.2)', 'Zoiper rv2.10'];
const FAILURES: ReadonlyArray<readonly [number, string]> = [
  [486, 'Busy Here'],
  [404, 'Not Found'],
  [480, 'Temporarily Unavailable'],
  [503, 'Service Unavailable'],
  [603, 'Decline'],
];

function party(rng: Rng, net: string, domains: readonly string[]): Party {
  return { user: String(rng.int(1000, 9999)), domain: rng.pick(domains), ip: `${net}.${rng.int(1, 254)}`, port: rng.pick([5060, 5060, 5062, 5080]) };
}

/** Builds events for one scenario starting at t0. */
export function scenario(rng: Rng, t0: number, logmeShare: number): GenEvent[] {
  const kind = rng.next();
  if (kind < 0.15) return registration(rng, t0);
  if (kind < 0.2) return keepalive(rng, t0);
  const caller = party(rng, '198.51.100', CALLER_DOMAINS);
  const call: Call = {
    callId: `${rng.hex(20)}@${caller.ip}`,
    fromTag: rng.hex(10),
    caller,
    callee: party(rng, '203.0.113', CALLEE_DOMAINS),
    proxy: PROXY,
    transport: rng.chance(0.8) ? 'UDP' : 'TCP',
    userAgent: rng.pick(AGENTS),
    sidA: rng.hex(32),
    sidB: rng.hex(32),
    logme: rng.chance(logmeShare),
    cseq: rng.int(1, 30000),
  };
  if (kind < 0.65) return inviteCall(rng, t0, call, 1, 'answer');
  if (kind < 0.75) return inviteCall(rng, t0, call, 2, 'answer');
  if (kind < 0.9) return inviteCall(rng, t0, call, 1, 'fail');
  return inviteCall(rng, t0, call, 1, 'cancel');
}

class Timeline {
  readonly events: GenEvent[] = [];
  t: number;

  constructor(t0: number) {
    this.t = t0;
  }

  add(dt: number, e: Omit<GenEvent, 't'>): void {
    this.t += dt;
    this.events.push({ ...e, t: Math.round(this.t) });
  }
}

function inviteCall(rng: Rng, t0: number, c: Call, forks: number, outcome: 'answer' | 'fail' | 'cancel'): GenEvent[] {
  const tl = new Timeline(t0);
  const aBr = `z9hG4bK${rng.hex(12)}`;
  const legs: Leg[] = [];
  for (let i = 0; i < forks; i++) {
    const callee: Party = i === 0 ? c.callee : { ...c.callee, ip: `203.0.113.${rng.int(1, 254)}` };
    legs.push({ callee, toTag: rng.hex(8), branch: `z9hG4bK${rng.hex(12)}` });
  }
  const A = c.caller;
  const P = c.proxy;
  const win = legs[0] as Leg;
  const base = { retransmission: 'O' as Retransmission };
  const inv = (side: 'in' | 'out', leg?: Leg): string =>
    request(c, { method: 'INVITE', cseq: c.cseq, uaBranch: aBr, fromCaller: true, side, ...(leg ? { leg } : {}), inDialog: false, withSdp: true });
  const resp = (status: number, reason: string, side: 'in' | 'out', leg: Leg, method = 'INVITE', sdp = false): string =>
    response(c, { status, reason, method, cseq: c.cseq, uaBranch: aBr, side, leg, withSdp: sdp });

  tl.add(0, { ...base, message: () => inv('in'), direction: 'R', source: A, destination: P, serverTxn: aBr, clientTxn: null });
  for (const leg of legs) {
    tl.add(1, { ...base, message: () => inv('out', leg), direction: 'S', source: P, destination: leg.callee, serverTxn: aBr, clientTxn: leg.branch });
  }
  tl.add(0.5, { ...base, message: () => resp(100, 'Trying', 'out', win), direction: 'S', source: P, destination: A, serverTxn: aBr, clientTxn: null });
  for (const leg of legs) {
    tl.add(rng.int(40, 400), { ...base, message: () => resp(180, 'Ringing', 'in', leg), direction: 'R', source: leg.callee, destination: P, serverTxn: aBr, clientTxn: leg.branch });
    tl.add(0.5, { ...base, message: () => resp(180, 'Ringing', 'out', leg), direction: 'S', source: P, destination: A, serverTxn: aBr, clientTxn: leg.branch });
  }
  const hopAck = (side: 'in' | 'out', leg: Leg): string =>
    request(c, { method: 'ACK', cseq: c.cseq, uaBranch: aBr, fromCaller: true, side, leg, inDialog: false, tagged: true });
  if (outcome === 'fail') {
    const [code, reason] = rng.pick(FAILURES);
    tl.add(rng.int(500, 6000), { ...base, message: () => resp(code, reason, 'in', win), direction: 'R', source: win.callee, destination: P, serverTxn: aBr, clientTxn: win.branch });
    tl.add(0.5, { ...base, message: () => hopAck('out', win), direction: 'S', source: P, destination: win.callee, serverTxn: null, clientTxn: win.branch });
    tl.add(0.5, { ...base, message: () => resp(code, reason, 'out', win), direction: 'S', source: P, destination: A, serverTxn: aBr, clientTxn: win.branch });
    tl.add(rng.int(20, 80), { ...base, message: () => hopAck('in', win), direction: 'R', source: A, destination: P, serverTxn: aBr, clientTxn: null });
    return tl.events;
  }
  const cancel = (side: 'in' | 'out', leg: Leg): string =>
    request(c, { method: 'CANCEL', cseq: c.cseq, uaBranch: aBr, fromCaller: true, side, leg, inDialog: false });
  const cancelOk = (side: 'in' | 'out', leg: Leg): string => resp(200, 'OK', side, leg, 'CANCEL');
  if (outcome === 'cancel') {
    tl.add(rng.int(1000, 8000), { ...base, message: () => cancel('in', win), direction: 'R', source: A, destination: P, serverTxn: aBr, clientTxn: null });
    tl.add(0.5, { ...base, message: () => cancelOk('out', win), direction: 'S', source: P, destination: A, serverTxn: aBr, clientTxn: null });
    tl.add(0.5, { ...base, message: () => cancel('out', win), direction: 'S', source: P, destination: win.callee, serverTxn: aBr, clientTxn: win.branch });
    tl.add(rng.int(5, 60), { ...base, message: () => cancelOk('in', win), direction: 'R', source: win.callee, destination: P, serverTxn: aBr, clientTxn: win.branch });
    tl.add(1, { ...base, message: () => resp(487, 'Request Terminated', 'in', win), direction: 'R', source: win.callee, destination: P, serverTxn: aBr, clientTxn: win.branch });
    tl.add(0.5, { ...base, message: () => hopAck('out', win), direction: 'S', source: P, destination: win.callee, serverTxn: null, clientTxn: win.branch });
    tl.add(0.5, { ...base, message: () => resp(487, 'Request Terminated', 'out', win), direction: 'S', source: P, destination: A, serverTxn: aBr, clientTxn: win.branch });
    tl.add(rng.int(20, 80), { ...base, message: () => hopAck('in', win), direction: 'R', source: A, destination: P, serverTxn: aBr, clientTxn: null });
    return tl.events;
  }
  // Answered: 200 from the first leg; a forked call cancels the others (RFC 3261 §16.7 step 10).
  tl.add(rng.int(1000, 8000), { ...base, message: () => resp(200, 'OK', 'in', win, 'INVITE', true), direction: 'R', source: win.callee, destination: P, serverTxn: aBr, clientTxn: win.branch });
  tl.add(0.5, { ...base, message: () => resp(200, 'OK', 'out', win, 'INVITE', true), direction: 'S', source: P, destination: A, serverTxn: aBr, clientTxn: win.branch });
  for (const loser of legs.slice(1)) {
    tl.add(0.5, { ...base, message: () => cancel('out', loser), direction: 'S', source: P, destination: loser.callee, serverTxn: aBr, clientTxn: loser.branch });
    tl.add(rng.int(5, 40), { ...base, message: () => cancelOk('in', loser), direction: 'R', source: loser.callee, destination: P, serverTxn: aBr, clientTxn: loser.branch });
    tl.add(1, { ...base, message: () => resp(487, 'Request Terminated', 'in', loser), direction: 'R', source: loser.callee, destination: P, serverTxn: aBr, clientTxn: loser.branch });
    tl.add(0.5, { ...base, message: () => hopAck('out', loser), direction: 'S', source: P, destination: loser.callee, serverTxn: null, clientTxn: loser.branch });
  }
  if (rng.chance(0.05)) {
    // A retransmitted 200 (the ACK was late): logged again with the D flag.
    const dup = { retransmission: 'D' as Retransmission };
    tl.add(500, { ...dup, message: () => resp(200, 'OK', 'in', win, 'INVITE', true), direction: 'R', source: win.callee, destination: P, serverTxn: aBr, clientTxn: win.branch });
    tl.add(0.5, { ...dup, message: () => resp(200, 'OK', 'out', win, 'INVITE', true), direction: 'S', source: P, destination: A, serverTxn: aBr, clientTxn: win.branch });
  }
  const ackBr = `z9hG4bK${rng.hex(12)}`;
  const ack = (side: 'in' | 'out'): string => request(c, { method: 'ACK', cseq: c.cseq, uaBranch: ackBr, fromCaller: true, side, leg: win, inDialog: true });
  tl.add(rng.int(20, 80), { ...base, message: () => ack('in'), direction: 'R', source: A, destination: P, serverTxn: ackBr, clientTxn: null });
  tl.add(0.5, { ...base, message: () => ack('out'), direction: 'S', source: P, destination: win.callee, serverTxn: ackBr, clientTxn: `${ackBr}.p` });
  const byeBr = `z9hG4bK${rng.hex(12)}`;
  const fromCaller = rng.chance(0.5);
  const byeSrc = fromCaller ? A : win.callee;
  const byeDst = fromCaller ? win.callee : A;
  const bye = (side: 'in' | 'out'): string =>
    request(c, { method: 'BYE', cseq: c.cseq + 1, uaBranch: byeBr, fromCaller, side, leg: win, inDialog: true });
  const byeOk = (side: 'in' | 'out'): string => response(c, { status: 200, reason: 'OK', method: 'BYE', cseq: c.cseq + 1, uaBranch: byeBr, side, leg: win });
  tl.add(Math.min(300_000, rng.exp(30_000)), { ...base, message: () => bye('in'), direction: 'R', source: byeSrc, destination: P, serverTxn: byeBr, clientTxn: null });
  tl.add(0.5, { ...base, message: () => bye('out'), direction: 'S', source: P, destination: byeDst, serverTxn: byeBr, clientTxn: `${byeBr}.p` });
  tl.add(rng.int(10, 80), { ...base, message: () => byeOk('in'), direction: 'R', source: byeDst, destination: P, serverTxn: byeBr, clientTxn: `${byeBr}.p` });
  tl.add(0.5, { ...base, message: () => byeOk('out'), direction: 'S', source: P, destination: byeSrc, serverTxn: byeBr, clientTxn: null });
  return tl.events;
}

function registration(rng: Rng, t0: number): GenEvent[] {
  const tl = new Timeline(t0);
  const ua = party(rng, '198.51.100', CALLER_DOMAINS);
  const callId = `${rng.hex(24)}@${ua.ip}`;
  const tag = rng.hex(8);
  const cseq = rng.int(1, 500);
  const br1 = `z9hG4bK${rng.hex(12)}`;
  const br2 = `z9hG4bK${rng.hex(12)}`;
  const base = { retransmission: 'O' as Retransmission, clientTxn: null };
  tl.add(0, { ...base, message: () => register(ua, PROXY, callId, tag, cseq, br1, false), direction: 'R', source: ua, destination: PROXY, serverTxn: br1 });
  tl.add(0.5, { ...base, message: () => registerResponse(ua, callId, tag, cseq, br1, 401), direction: 'S', source: PROXY, destination: ua, serverTxn: br1 });
  tl.add(rng.int(20, 120), { ...base, message: () => register(ua, PROXY, callId, tag, cseq + 1, br2, true), direction: 'R', source: ua, destination: PROXY, serverTxn: br2 });
  tl.add(0.5, { ...base, message: () => registerResponse(ua, callId, tag, cseq + 1, br2, 200), direction: 'S', source: PROXY, destination: ua, serverTxn: br2 });
  return tl.events;
}

function keepalive(rng: Rng, t0: number): GenEvent[] {
  const tl = new Timeline(t0);
  const ua = party(rng, '198.51.100', CALLER_DOMAINS);
  const callId = `${rng.hex(16)}@${ua.ip}`;
  const br = `z9hG4bK${rng.hex(12)}`;
  const base = { retransmission: 'O' as Retransmission, clientTxn: null, serverTxn: br };
  tl.add(0, { ...base, message: () => options(ua, PROXY, callId, br), direction: 'R', source: ua, destination: PROXY });
  tl.add(0.5, { ...base, message: () => options(ua, PROXY, callId, br, 200), direction: 'S', source: PROXY, destination: ua });
  return tl.events;
}
