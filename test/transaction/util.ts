// Test helpers for the transaction layer: message builders, a recording TransportSink, a ManualClock setup.
import { SipclfError } from '../../src/errors.js';
import { parseMessage } from '../../src/sip/parser.js';
import type { SipMessage } from '../../src/sip/message.js';
import { ManualClock } from '../../src/transaction/clock.js';
import { resolveTimers, type TimerConfig } from '../../src/transaction/timers.js';
import type { TransactionOptions } from '../../src/transaction/transaction.js';
import type { Target, TransportName, TransportSink } from '../../src/transaction/types.js';

export interface Sent {
  readonly at: number;
  readonly bytes: Buffer;
  readonly target: Target;
  readonly reliable: boolean;
  readonly text: string;
}

/** A TransportSink that records every send; `fail` makes the next sends report a transport error. */
export class RecordingSink implements TransportSink {
  readonly sent: Sent[] = [];
  fail: 'sync' | 'async' | 'throw' | false = false;
  readonly #clock: ManualClock;
  /** Errors reported asynchronously wait for `flushErrors()`. */
  readonly #later: Array<() => void> = [];

  constructor(clock: ManualClock) {
    this.#clock = clock;
  }

  send(bytes: Buffer, target: Target, reliable: boolean, onError?: (err: Error) => void): void {
    this.sent.push({ at: this.#clock.now(), bytes, target, reliable, text: bytes.toString('latin1') });
    const err = new Error('ECONNREFUSED');
    if (this.fail === 'throw') throw err;
    if (this.fail === 'sync') onError?.(err);
    if (this.fail === 'async') this.#later.push(() => onError?.(err));
  }

  flushErrors(): void {
    for (const f of this.#later.splice(0)) f();
  }

  /** Start lines of what was sent ("INVITE", "ACK", "100", "486"...). */
  firstWords(): string[] {
    return this.sent.map((s) => {
      const line = s.text.slice(0, s.text.indexOf('\r\n'));
      return line.startsWith('SIP/') ? (line.split(' ')[1] ?? '') : (line.split(' ')[0] ?? '');
    });
  }

  times(): number[] {
    return this.sent.map((s) => s.at);
  }
}

export function target(transport: TransportName = 'udp', host = '192.0.2.1', port = 5060): Target {
  return { transport, host, port };
}

export function setup(transport: TransportName = 'udp', timers: Partial<TimerConfig> = {}) {
  const clock = new ManualClock();
  const sink = new RecordingSink(clock);
  const opts: TransactionOptions = { sink, clock, timers: resolveTimers(timers), target: target(transport) };
  return { clock, sink, opts };
}

export interface ReqSpec {
  method?: string;
  branch?: string | null;
  sentBy?: string;
  transport?: string;
  uri?: string;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  cseq?: number;
  cseqMethod?: string;
  extraVia?: boolean;
  rport?: boolean;
}

/** A request; `branch: null` leaves the Via without branch (RFC 2543). */
export function request(s: ReqSpec = {}): SipMessage {
  const method = s.method ?? 'INVITE';
  const branch = s.branch === null ? '' : `;branch=${s.branch ?? 'z9hG4bK-aaa'}`;
  const lines = [
    `${method} ${s.uri ?? 'sip:bob@example.net'} SIP/2.0`,
    `Via: SIP/2.0/${s.transport ?? 'UDP'} ${s.sentBy ?? 'client.example.com:5060'}${branch}${s.rport === true ? ';rport' : ''}`,
  ];
  if (s.extraVia === true) lines.push('Via: SIP/2.0/UDP earlier.example.com;branch=z9hG4bK-earlier');
  lines.push(
    'Max-Forwards: 70',
    `From: Alice <sip:alice@example.com>;tag=${s.fromTag ?? 'ft1'}`,
    `To: Bob <sip:bob@example.net>${s.toTag === undefined ? '' : `;tag=${s.toTag}`}`,
    `Call-ID: ${s.callId ?? 'call-1@example.com'}`,
    `CSeq: ${s.cseq ?? 1} ${s.cseqMethod ?? method}`,
    'Route: <sip:proxy.example.net;lr>',
    'Content-Length: 0',
  );
  return parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`));
}

/** A response to `req` with `status`; `toTag` added to To (default "tt1" for non-100). */
export function response(req: SipMessage, status: number, toTag: string | null = status === 100 ? null : 'tt1', extra = ''): SipMessage {
  return parseMessage(responseBytes(req, status, toTag, extra));
}

export function responseBytes(req: SipMessage, status: number, toTag: string | null = status === 100 ? null : 'tt1', extra = ''): Buffer {
  const lines = [`SIP/2.0 ${status} Reason`];
  for (const v of req.getAll('Via')) lines.push(`Via: ${v}`);
  const to = req.get('To') ?? '';
  lines.push(`From: ${req.get('From') ?? ''}`, `To: ${to}${toTag === null || req.toTag !== undefined ? '' : `;tag=${toTag}`}`);
  lines.push(`Call-ID: ${req.callId ?? ''}`, `CSeq: ${req.get('CSeq') ?? ''}`);
  if (extra !== '') lines.push(extra);
  lines.push('Content-Length: 0');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Runs `fn` and returns the SipclfError code it threw (fails if it threw something else or nothing). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SipclfError) return err.code;
    throw err;
  }
  return 'none';
}
