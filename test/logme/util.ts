// Builders for log-me engine tests: SIP messages as text → parseMessage, engines with a fake clock.
import { LogmeEngine } from '../../src/logme/engine.js';
import type { Decision, LogmeEvent, ProcessInput } from '../../src/logme/types.js';
import type { SipMessage } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';

export const A_UUID = 'ab30317f1a784dc48ff824d0d3715d86';
export const B_UUID = '47755a9de7794ba387653f2099600ef2';
export const NIL = '00000000000000000000000000000000';
export const T0 = Date.parse('2030-01-01T10:00:00Z');

export interface MsgOpts {
  callId?: string;
  fromTag?: string;
  toTag?: string;
  cseq?: number;
  /** Session-ID value; omit for `A_UUID;remote=NIL` (requests) — `null` for none. */
  sid?: string | null;
  logme?: boolean;
  from?: string;
  to?: string;
  ruri?: string;
  extra?: string[];
  body?: string;
}

function sidLine(o: MsgOpts, dflt: string): string[] {
  if (o.sid === null) return [];
  const v = o.sid ?? dflt;
  return [`Session-ID: ${v}${o.logme === true ? ';logme' : ''}`];
}

/** A request: `req('INVITE', { logme: true })`. No To tag unless given (an initial request). */
export function req(method: string, o: MsgOpts = {}): SipMessage {
  const cseqMethod = method;
  const lines = [
    `${method} ${o.ruri ?? 'sip:bob@biloxi.example.com'} SIP/2.0`,
    'Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK' + Math.random().toString(36).slice(2),
    'Max-Forwards: 70',
    `From: <${o.from ?? 'sip:alice@atlanta.example.com'}>;tag=${o.fromTag ?? 'a1'}`,
    `To: <${o.to ?? 'sip:bob@biloxi.example.com'}>${o.toTag === undefined ? '' : `;tag=${o.toTag}`}`,
    `Call-ID: ${o.callId ?? 'call-1'}`,
    ...sidLine(o, `${A_UUID};remote=${NIL}`),
    `CSeq: ${o.cseq ?? 1} ${cseqMethod}`,
    ...(o.extra ?? []),
  ];
  const body = o.body ?? '';
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`));
}

/** A response to `method`: `res(180, 'INVITE', { toTag: 'b1', logme: true })`. */
export function res(status: number, method: string, o: MsgOpts = {}): SipMessage {
  const lines = [
    `SIP/2.0 ${status} ${status === 200 ? 'OK' : 'Reason'}`,
    'Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bKx',
    `From: <${o.from ?? 'sip:alice@atlanta.example.com'}>;tag=${o.fromTag ?? 'a1'}`,
    `To: <${o.to ?? 'sip:bob@biloxi.example.com'}>${o.toTag === undefined ? '' : `;tag=${o.toTag}`}`,
    `Call-ID: ${o.callId ?? 'call-1'}`,
    ...sidLine(o, `${B_UUID};remote=${A_UUID}`),
    `CSeq: ${o.cseq ?? 1} ${method}`,
    ...(o.extra ?? []),
  ];
  const body = o.body ?? '';
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`));
}

/** In-dialog request from the callee (Bob) to the caller: From/To swapped. */
export function reqFromCallee(method: string, o: MsgOpts = {}): SipMessage {
  return req(method, {
    ...o,
    from: 'sip:bob@biloxi.example.com',
    to: 'sip:alice@atlanta.example.com',
    fromTag: o.fromTag ?? 'b1',
    toTag: o.toTag ?? 'a1',
    sid: o.sid === undefined ? `${B_UUID};remote=${A_UUID}` : o.sid,
    ruri: 'sip:alice@[2001:db8::1]',
  });
}

/** Response from the caller to a request of the callee. */
export function resFromCaller(status: number, method: string, o: MsgOpts = {}): SipMessage {
  return res(status, method, {
    ...o,
    from: 'sip:bob@biloxi.example.com',
    to: 'sip:alice@atlanta.example.com',
    fromTag: o.fromTag ?? 'b1',
    toTag: o.toTag ?? 'a1',
    sid: o.sid === undefined ? `${A_UUID};remote=${B_UUID}` : o.sid,
  });
}

/** An engine with a settable fake clock and an event log. */
export function engine(config: unknown, uuids: string[] = []): {
  e: LogmeEngine;
  clock: { now: number };
  events: LogmeEvent[];
  run: (message: SipMessage, direction: 'in' | 'out', neighbour: string, extra?: Partial<ProcessInput>) => Decision;
} {
  const clock = { now: T0 };
  const events: LogmeEvent[] = [];
  let n = 0;
  const e = new LogmeEngine(config, {
    clock: () => clock.now,
    uuid: { v4: () => uuids[n++] ?? `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` },
    onEvent: (ev) => events.push(ev),
  });
  return { e, clock, events, run: (message, direction, neighbour, extra = {}) => e.process({ message, direction, neighbour, ...extra }) };
}

/** A log-me session that authorises calls from alice, open around T0. */
export function aliceSession(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 's1', scope: { from: ['alice@atlanta.example.com'] }, start: T0 - 1000, expires: T0 + 3_600_000, ...extra };
}

export function names(events: readonly LogmeEvent[]): string[] {
  return events.map((e) => e.name);
}
