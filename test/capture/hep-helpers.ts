// Shared by the HEP collector tests: SIP messages wrapped in HEP, and reading back the CLF files written.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecord, recordLengthAt, type ClfRecord } from '../../src/clf/index.js';
import { encodeHep, type HepPacket } from '../../src/capture/hep.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `sipclf-${prefix}-`));
}

/** Request i of a little dialog: INVITE, BYE or OPTIONS in turn, Call-ID `call-i@test`. */
export function sipRequest(i: number, method = ['INVITE', 'BYE', 'OPTIONS'][i % 3] as string): Buffer {
  return Buffer.from(
    `${method} sip:bob@example.com SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-${i}\r\n` +
      `Max-Forwards: 70\r\n` +
      `From: <sip:alice@example.com>;tag=a${i}\r\n` +
      `To: <sip:bob@example.com>\r\n` +
      `Call-ID: call-${i}@test\r\n` +
      `CSeq: ${i + 1} ${method}\r\n` +
      `Content-Length: 0\r\n\r\n`,
    'latin1',
  );
}

export function hepOf(payload: Buffer, extra: Partial<HepPacket> = {}): Buffer {
  return encodeHep({
    ipFamily: 2,
    ipProtocol: 17,
    srcIPv4: '10.0.0.1',
    dstIPv4: '10.0.0.2',
    srcPort: 5060,
    dstPort: 5070,
    timeSec: 1_767_600_000,
    timeUsec: 123_456,
    protocolType: 1,
    captureId: 2001,
    payload,
    ...extra,
  });
}

export interface ClfFile {
  readonly path: string;
  readonly mode: number;
  readonly records: ClfRecord[];
}

/** Every *.clf file under `dir` (recursively), decoded. */
export function readClfFiles(dir: string): ClfFile[] {
  const out: ClfFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...readClfFiles(p));
    else if (name.endsWith('.clf')) {
      const text = readFileSync(p).latin1Slice();
      const records: ClfRecord[] = [];
      for (let off = 0; off < text.length; off += recordLengthAt(text, off)) records.push(decodeRecord(text, off));
      out.push({ path: p, mode: st.mode & 0o777, records });
    }
  }
  return out;
}

export function allRecords(dir: string): ClfRecord[] {
  return readClfFiles(dir).flatMap((f) => f.records);
}

export async function waitFor(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
