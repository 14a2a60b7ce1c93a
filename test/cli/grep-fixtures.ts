// Hand-made CLF records for the `sipclf grep` tests: every mandatory field chosen by the test, and the
// logged message (Tag 02, or a Tag 00 Session-ID header) built to agree with them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecord } from '../../src/clf/encode.js';
import { headerField, messageField } from '../../src/clf/optional.js';
import type { ClfRecord, OptionalField } from '../../src/clf/record.js';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0); // 1767603600000

export interface RecSpec {
  t?: number;
  req?: boolean;
  dir?: 'S' | 'R';
  method?: string;
  seq?: number;
  status?: string;
  ruri?: string;
  from?: string;
  fromTag?: string | null;
  to?: string;
  toTag?: string | null;
  callId?: string;
  stxn?: string | null;
  ctxn?: string | null;
  /** Session-ID header value in the message; undefined: no Session-ID header. */
  sid?: string;
  /** Log the Session-ID as a Tag 00 header field instead of a Tag 02 message. */
  sidAsTag00?: boolean;
  /** No logged message at all. */
  noMessage?: boolean;
  extraHeaders?: string[];
  body?: string;
}

/** The SIP message text the record logs (binary string). */
export function message(s: RecSpec): string {
  const req = s.req ?? true;
  const method = s.method ?? 'INVITE';
  const lines = [req ? `${method} ${s.ruri ?? 'sip:bob@example.net'} SIP/2.0` : `SIP/2.0 ${s.status ?? '200'} Whatever`];
  lines.push('Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc');
  lines.push(`From: <${s.from ?? 'sip:alice@example.com'}>${s.fromTag === null ? '' : `;tag=${s.fromTag ?? 'ftag'}`}`);
  lines.push(`To: <${s.to ?? 'sip:bob@example.net'}>${s.toTag === null || s.toTag === undefined ? '' : `;tag=${s.toTag}`}`);
  lines.push(`Call-ID: ${s.callId ?? 'call-1@example.com'}`, `CSeq: ${s.seq ?? 1} ${method}`);
  if (s.sid !== undefined && s.sidAsTag00 !== true) lines.push(`Session-ID: ${s.sid}`);
  lines.push(...(s.extraHeaders ?? []));
  const body = s.body ?? '';
  lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

export function record(s: RecSpec): ClfRecord {
  const req = s.req ?? true;
  const optional: OptionalField[] = [];
  if (s.sid !== undefined && s.sidAsTag00 === true) optional.push(headerField('Session-ID', ` ${s.sid}`).field);
  if (s.noMessage !== true) {
    const m = messageField(message(s));
    optional.push(m.field);
    if (m.marker !== undefined) optional.push(m.marker); // cut at 4096 bytes (RFC 6872 §8)
  }
  return {
    timestamp: s.t ?? T0,
    isRequest: req,
    retransmission: 'O',
    direction: s.dir ?? 'R',
    transport: 'U',
    encrypted: false,
    cseq: `${s.seq ?? 1} ${s.method ?? 'INVITE'}`,
    status: req ? null : (s.status ?? '200'),
    requestUri: req ? (s.ruri ?? 'sip:bob@example.net') : null,
    destination: '192.0.2.10:5060',
    source: '192.0.2.1:5060',
    toUri: s.to ?? 'sip:bob@example.net',
    toTag: s.toTag ?? null,
    fromUri: s.from ?? 'sip:alice@example.com',
    fromTag: s.fromTag === undefined ? 'ftag' : s.fromTag,
    callId: s.callId ?? 'call-1@example.com',
    serverTxn: s.stxn === undefined ? 'stx-1' : s.stxn,
    clientTxn: s.ctxn === undefined ? null : s.ctxn,
    optional,
  };
}

/** Encoded records (binary strings), in order. */
export function encodeAll(specs: readonly RecSpec[]): string[] {
  return specs.map((s) => encodeRecord(record(s)));
}

let dir: string | undefined;

/** Writes binary-string records to a new file in a per-run temporary directory; returns its path. */
export function writeLog(name: string, records: readonly string[] | string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'sipclf-grep-'));
  const p = join(dir, name);
  writeFileSync(p, Buffer.from(typeof records === 'string' ? records : records.join(''), 'latin1'));
  return p;
}

/** The records as the in-process CLI prints them (binary → UTF-8 text). */
export function asText(records: readonly string[]): string {
  return Buffer.from(records.join(''), 'latin1').toString('utf8');
}
