// A tiny hand-made UDP user agent for the ProxyServer tests: sends crafted messages, waits for matching ones.
import { createSocket, type Socket } from 'node:dgram';
import { parseMessage } from '../../src/sip/parser.js';
import type { SipMessage } from '../../src/sip/message.js';

export class TestUa {
  readonly socket: Socket;
  readonly port: number;
  readonly inbox: SipMessage[] = [];
  #waiters: Array<{ pred: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }> = [];

  private constructor(socket: Socket, port: number) {
    this.socket = socket;
    this.port = port;
    socket.on('message', (buf) => {
      let m: SipMessage;
      try {
        m = parseMessage(Buffer.from(buf));
      } catch {
        return;
      }
      const w = this.#waiters.find((x) => x.pred(m));
      if (w !== undefined) {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        w.resolve(m);
      } else this.inbox.push(m);
    });
  }

  static async open(): Promise<TestUa> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    return new TestUa(s, s.address().port);
  }

  send(text: string | Buffer, port: number): void {
    const b = typeof text === 'string' ? Buffer.from(text.replace(/\r?\n/g, '\r\n')) : text;
    this.socket.send(b, port, '127.0.0.1');
  }

  /** The first message (already received or coming) that matches, within `ms`. */
  next(pred: (m: SipMessage) => boolean, ms = 3000, what = 'message'): Promise<SipMessage> {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as SipMessage);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x.resolve !== done);
        reject(new Error(`UA ${this.port}: no ${what} within ${ms} ms (inbox: ${this.inbox.map((m) => (m.isRequest ? m.method : String(m.status))).join(', ')})`));
      }, ms);
      const done = (m: SipMessage): void => {
        clearTimeout(t);
        resolve(m);
      };
      this.#waiters.push({ pred, resolve: done });
    });
  }

  request(method: string, pred?: (m: SipMessage) => boolean, ms?: number): Promise<SipMessage> {
    return this.next((m) => m.isRequest && m.method === method && (pred?.(m) ?? true), ms, method);
  }

  response(status: number, method?: string, ms?: number): Promise<SipMessage> {
    return this.next((m) => !m.isRequest && m.status === status && (method === undefined || m.cseq?.method === method), ms, `${status} ${method ?? ''}`);
  }

  /** A response to `req` with all its Vias, From, To (+ tag), Call-ID, CSeq and extra lines. */
  reply(req: SipMessage, status: number, reason: string, toTag: string | undefined, extra: string[] = [], targetPort?: number): void {
    const lines = [`SIP/2.0 ${status} ${reason}`];
    for (const v of req.getAll('Via')) lines.push(`Via: ${v}`);
    for (const rr of req.getAll('Record-Route')) lines.push(`Record-Route: ${rr}`);
    lines.push(`From: ${req.get('From') ?? ''}`);
    const to = req.get('To') ?? '';
    lines.push(`To: ${toTag === undefined || /;tag=/.test(to) ? to : `${to};tag=${toTag}`}`);
    lines.push(`Call-ID: ${req.get('Call-ID') ?? ''}`, `CSeq: ${req.get('CSeq') ?? ''}`, ...extra, 'Content-Length: 0', '', '');
    const via = req.topVia;
    this.send(lines.join('\r\n'), targetPort ?? via?.port ?? 5060);
  }

  close(): void {
    this.socket.close();
  }
}

/** A REGISTER from `ua` binding `user`@example.com to `contact` (`port` of the proxy). */
export function register(ua: TestUa, o: { user: string; contact: string; branch: string; tag: string; callId: string; expires?: number }): string {
  return [
    'REGISTER sip:example.com SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:${ua.port};branch=${o.branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:${o.user}@example.com>;tag=${o.tag}`,
    `To: <sip:${o.user}@example.com>`,
    `Call-ID: ${o.callId}`,
    'CSeq: 1 REGISTER',
    `Contact: <${o.contact}>;expires=${o.expires ?? 600}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

let n = 0;
/** An INVITE (or other request) from `ua` to `ruri` through the proxy. */
export function request(ua: TestUa, o: { method?: string; ruri: string; callId?: string; cseq?: number; branch?: string; maxForwards?: number; extra?: string[]; toTag?: string; routes?: string[] }): string {
  const method = o.method ?? 'INVITE';
  n++;
  const lines = [
    `${method} ${o.ruri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${ua.port};branch=${o.branch ?? `z9hG4bKua${n}x${Date.now()}`};rport`,
    ...(o.routes ?? []).map((r) => `Route: ${r}`),
    `Max-Forwards: ${o.maxForwards ?? 70}`,
    `From: <sip:alice@example.org>;tag=a${o.callId ?? 'c'}`,
    `To: <${o.ruri}>${o.toTag === undefined ? '' : `;tag=${o.toTag}`}`,
    `Call-ID: ${o.callId ?? `call${n}`}`,
    `CSeq: ${o.cseq ?? 1} ${method === 'ACK' ? 'ACK' : method}`,
    `Contact: <sip:alice@127.0.0.1:${ua.port}>`,
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}
