/**
 * Formats of `sipclf convert` (convert.ts): the input and output formats, told by a file's name or, for an
 * input, by its first bytes (gzip looked through).
 */
import { isHepMagic } from './hep.js';
import { captureChunks } from './pcap-read.js';

export type InFormat = 'pcap' | 'pcapng' | 'hep' | 'jsonl' | 'clf';
export type OutFormat = 'clf' | 'jsonl' | 'pcap';
export const IN_FORMATS: readonly InFormat[] = ['pcap', 'pcapng', 'hep', 'jsonl', 'clf'];
export const OUT_FORMATS: readonly OutFormat[] = ['clf', 'jsonl', 'pcap'];

function stripGz(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.gz') ? n.slice(0, -3) : n;
}

/** The input format a file name implies (.pcap/.cap, .pcapng, .hep, .jsonl/.json, .clf; .gz allowed). */
export function inFormatFromName(name: string): InFormat | undefined {
  const n = stripGz(name);
  if (n.endsWith('.pcapng')) return 'pcapng';
  if (n.endsWith('.pcap') || n.endsWith('.cap')) return 'pcap';
  if (n.endsWith('.hep')) return 'hep';
  if (n.endsWith('.jsonl') || n.endsWith('.json')) return 'jsonl';
  if (n.endsWith('.clf') || n.endsWith('.log')) return 'clf';
  return undefined;
}

/** The output format a file name implies. */
export function outFormatFromName(name: string): OutFormat | undefined {
  const f = inFormatFromName(name);
  return f === 'pcapng' ? 'pcap' : f === 'hep' ? undefined : f;
}

/** The input format told by the first bytes (decompressed): pcap/pcapng magic, HEP3/EEP3, `{`, CLF version `A`. */
export function inFormatFromBytes(b: Uint8Array): InFormat | undefined {
  if (b.length >= 4) {
    const le = Buffer.from(b.subarray(0, 4)).readUInt32LE(0);
    if (le === 0xa1b2c3d4 || le === 0xa1b23c4d || le === 0xd4c3b2a1 || le === 0x4d3cb2a1) return 'pcap';
    if (le === 0x0a0d0d0a) return 'pcapng';
    if (isHepMagic(b)) return 'hep';
  }
  let i = 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  if (b[i] === 0x7b) return 'jsonl';
  if (b.length >= 8 && b[0] === 0x41 && /^A[0-9A-Fa-f]{6},/.test(Buffer.from(b.subarray(0, 8)).toString('latin1'))) return 'clf';
  return undefined;
}

/** The first bytes of a file, decompressed when gzipped. */
export async function headBytes(path: string, n = 64): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  const it = captureChunks(path, 64 * 1024);
  try {
    for await (const c of it) {
      parts.push(c);
      got += c.length;
      if (got >= n) break;
    }
  } catch {
    // unreadable: the caller reports it when it reads for real
  } finally {
    await it.return(undefined);
  }
  return Buffer.concat(parts).subarray(0, n);
}
