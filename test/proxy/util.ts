// Test helpers for the proxy core: messages built from lines, a proxy identity, header-line views.
import { parseMessage } from '../../src/sip/parser.js';
import type { SipMessage } from '../../src/sip/message.js';
import type { ProxySelf } from '../../src/proxy/types.js';

/** Builds message bytes from lines joined with CRLF, then the blank line and the body. */
export function sip(lines: readonly string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

export function msg(lines: readonly string[], body = ''): SipMessage {
  return parseMessage(sip(lines, body));
}

/** The proxy under test: 192.0.2.10 on UDP/TCP 5060 and TLS 5061, known as proxy.example.com, serving example.com. */
export const SELF: ProxySelf = {
  interfaces: [
    { transport: 'udp', host: '192.0.2.10', port: 5060 },
    { transport: 'tcp', host: '192.0.2.10', port: 5060 },
    { transport: 'tls', host: '192.0.2.10', port: 5061 },
  ],
  aliases: ['proxy.example.com'],
  domains: ['example.com'],
};

export interface ReqOpts {
  method?: string;
  ruri?: string;
  vias?: string[];
  routes?: string[];
  maxForwards?: number | null;
  toTag?: string;
  fromTag?: string;
  callId?: string;
  cseq?: number;
  extra?: string[];
  body?: string;
}

/** Request lines: a UAC's INVITE to sip:bob@example.com unless overridden. */
export function reqLines(o: ReqOpts = {}): string[] {
  const method = o.method ?? 'INVITE';
  const lines = [`${method} ${o.ruri ?? 'sip:bob@example.com'} SIP/2.0`];
  for (const v of o.vias ?? ['SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKua1']) lines.push(`Via: ${v}`);
  for (const r of o.routes ?? []) lines.push(`Route: ${r}`);
  if (o.maxForwards !== null) lines.push(`Max-Forwards: ${o.maxForwards ?? 70}`);
  lines.push(`From: "Alice" <sip:alice@example.org>;tag=${o.fromTag ?? 'f1'}`);
  lines.push(`To: <sip:bob@example.com>${o.toTag === undefined ? '' : `;tag=${o.toTag}`}`);
  lines.push(`Call-ID: ${o.callId ?? 'call-1@198.51.100.1'}`);
  lines.push(`CSeq: ${o.cseq ?? 1} ${method}`);
  lines.push('Contact: <sip:alice@198.51.100.1:5060>');
  lines.push(...(o.extra ?? []));
  lines.push(`Content-Length: ${Buffer.byteLength(o.body ?? '')}`);
  return lines;
}

export function req(o: ReqOpts = {}): SipMessage {
  return msg(reqLines(o), o.body ?? '');
}

/** A response to `request` (as forwarded: its Vias), with a status and extra header lines. */
export function resp(forwarded: SipMessage | Buffer, status: number, opts: { toTag?: string; extra?: string[]; reason?: string } = {}): SipMessage {
  const r = Buffer.isBuffer(forwarded) ? parseMessage(forwarded) : forwarded;
  const lines = [`SIP/2.0 ${status} ${opts.reason ?? 'Whatever'}`];
  for (const v of r.getAll('Via')) lines.push(`Via: ${v}`);
  lines.push(`From: ${r.get('From') ?? ''}`);
  const tag = opts.toTag ?? (status > 100 ? 'uas1' : undefined);
  lines.push(`To: ${r.get('To') ?? ''}${tag === undefined || r.toTag !== undefined ? '' : `;tag=${tag}`}`);
  lines.push(`Call-ID: ${r.callId ?? ''}`, `CSeq: ${r.cseq?.seq ?? 1} ${r.cseq?.method ?? 'INVITE'}`);
  lines.push(...(opts.extra ?? []), 'Content-Length: 0');
  return msg(lines);
}

/** Header lines of a message (start line and body excluded), each as on the wire without CRLF. */
export function headerLines(b: Buffer | SipMessage): string[] {
  const text = (Buffer.isBuffer(b) ? b : b.raw).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return text.slice(0, end).split('\r\n').slice(1);
}

export function startLine(b: Buffer): string {
  const t = b.toString('latin1');
  return t.slice(0, t.indexOf('\r\n'));
}
