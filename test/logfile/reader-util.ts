// Helpers for the CLF reader and follow tests: records built with the codec's encoder, temp dirs, collection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecord } from '../../src/clf/encode.js';
import type { RecordEvent } from '../../src/logfile/reader.js';

/** Record `i` with a Tag 02 message of about `size` bytes (RFC 6873 §4.4), as a binary string. */
export function rec(i: number, size = 0): string {
  const msg = size > 0 ? ('INVITE sip:bob@example.com SIP/2.0%0D%0ACall-ID: c' + i + '%0D%0AX: ').padEnd(size, 'x') : '';
  return encodeRecord({
    timestamp: 1_275_930_743_699 + i,
    isRequest: i % 2 === 0,
    retransmission: 'O',
    direction: 'S',
    transport: 'U',
    encrypted: false,
    cseq: `${i} INVITE`,
    status: i % 2 === 0 ? null : '200',
    requestUri: 'sip:bob@example.com',
    destination: '192.0.2.10:5060',
    source: '192.0.2.200:56485',
    toUri: 'sip:bob@example.com',
    toTag: null,
    fromUri: 'sip:alice@example.com',
    fromTag: '1928301774',
    callId: `call-${i}@example.com`,
    serverTxn: `S${i}`,
    clientTxn: `C${i}`,
    // Record sizes vary with i so that no two neighbours share a length.
    optional: size > 0 ? [{ tag: 2, vendor: 0, base64: false, value: msg }] : [{ tag: 0, vendor: 0, base64: false, value: 'X: ' + 'y'.repeat(i % 17) }],
  });
}

/** `n` records from `first`, with each one's offset in the concatenation. */
export function log(n: number, first = 0): { text: string; recs: string[]; offsets: number[] } {
  const recs = Array.from({ length: n }, (_, k) => rec(first + k));
  const offsets: number[] = [];
  let at = 0;
  for (const r of recs) {
    offsets.push(at);
    at += r.length;
  }
  return { text: recs.join(''), recs, offsets };
}

export function bin(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-reader-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function collect(it: AsyncIterable<RecordEvent>): Promise<RecordEvent[]> {
  const out: RecordEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

/** Events as comparable tuples: ['r', offset, text] / ['e', offset, code, skipped]. */
export function brief(evs: readonly RecordEvent[]): unknown[] {
  return evs.map((e) => (e.type === 'record' ? ['r', e.offset, e.text] : ['e', e.offset, e.code, e.skipped]));
}
