// Shared helpers of the capture tests: fixtures, crafting captures of any link type, the tshark oracle,
// and the rule for real tools (skip with a reason when missing outside CI, fail in CI).
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseMessage } from '../../src/sip/parser.js';
import { sipMessages } from '../../src/capture/net-sip.js';
import type { SipEvent, SipExtractOptions, SipPacket } from '../../src/capture/net-types.js';
import type { CaptureError, CaptureSource } from '../../src/capture/pcap-types.js';

export const VECTORS = join(import.meta.dirname, '..', '..', '..', 'test', 'vectors', 'pcap');

export function vector(name: string): string {
  return join(VECTORS, name);
}

/** One SIP message as tshark's fields show it. */
export interface SipRow {
  frame: number;
  callId: string;
  method: string;
  status: string;
}

/** Rows from `tshark -T fields -E separator='|' -e frame.number [-e frame.time_epoch] -e sip.Call-ID -e sip.Method -e sip.Status-Code`. */
export function parseTsharkRows(text: string, withTime: boolean): SipRow[] {
  const rows: SipRow[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split('|');
    const o = withTime ? 1 : 0;
    // Several SIP messages in one frame: tshark joins each field's values with commas.
    const ids = (f[1 + o] ?? '').split(',');
    const methods = (f[2 + o] ?? '').split(',');
    const statuses = (f[3 + o] ?? '').split(',');
    for (let i = 0; i < ids.length; i++) rows.push({ frame: Number(f[0]), callId: ids[i] ?? '', method: methods[i] ?? '', status: statuses[i] ?? '' });
  }
  return rows;
}

/** tshark's view of the SIP in a capture (requires tshark). */
export function tsharkRows(path: string, extra: string[] = []): SipRow[] {
  const out = execFileSync('tshark', ['-n', '--disable-protocol', 'sdp', ...extra, '-r', path, '-Y', 'sip', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'sip.Call-ID', '-e', 'sip.Method', '-e', 'sip.Status-Code'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 60_000,
  });
  return parseTsharkRows(out, false);
}

/** Our view: every SipPacket parsed; requests give a method, responses a status (as tshark's columns). */
export function rowOf(p: SipPacket): SipRow {
  const m = parseMessage(p.bytes);
  return { frame: p.index, callId: m.callId ?? '', method: m.isRequest ? m.method : '', status: m.isRequest ? '' : String(m.status) };
}

export async function collect(source: CaptureSource, opts?: SipExtractOptions): Promise<{ sip: SipPacket[]; errors: CaptureError[] }> {
  const sip: SipPacket[] = [];
  const errors: CaptureError[] = [];
  for await (const e of sipMessages(source, opts) as AsyncIterable<SipEvent>) {
    if (e.type === 'sip') sip.push(e);
    else errors.push(e);
  }
  return { sip, errors };
}

/** Undefined when `bin` runs; else the reason to skip — but in CI a missing tool is a failure. */
export function toolMissing(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
  if (r.status === 0) return undefined;
  const why = `${bin} is not installed (apt-get install ${bin === 'sipp' ? 'sip-tester' : bin}; .ci/run installs it)`;
  if (process.env['CI'] === 'true') throw new Error(`CI: ${why}`);
  return why;
}

export interface Frame {
  readonly data: Uint8Array;
  /** Nanoseconds since the epoch (default: index seconds). */
  readonly tsNs?: bigint;
  readonly origLen?: number;
}

/** A classic pcap of arbitrary frames: any link type, µs or ns, little- or big-endian. */
export function pcapFile(linkType: number, frames: readonly Frame[], o: { ns?: boolean; be?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const u32 = (b: Buffer, v: number, at: number): number => (o.be === true ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at));
  const u16 = (b: Buffer, v: number, at: number): number => (o.be === true ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  u32(h, o.ns === true ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(h, 2, 4);
  u16(h, 4, 6);
  u32(h, 262144, 16);
  u32(h, linkType, 20);
  parts.push(h);
  frames.forEach((f, i) => {
    const ns = f.tsNs ?? BigInt(i + 1) * 1_000_000_000n;
    const sec = ns / 1_000_000_000n;
    const frac = Number(ns - sec * 1_000_000_000n);
    const r = Buffer.alloc(16);
    u32(r, Number(sec), 0);
    u32(r, o.ns === true ? frac : Math.floor(frac / 1000), 4);
    u32(r, f.data.length, 8);
    u32(r, f.origLen ?? f.data.length, 12);
    parts.push(r, Buffer.from(f.data));
  });
  return Buffer.concat(parts);
}

/** An async iterable that hands `b` out in chunks of the given sizes (cycled). */
export async function* chunked(b: Buffer, sizes: readonly number[]): AsyncGenerator<Buffer> {
  let p = 0;
  for (let i = 0; p < b.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield b.subarray(p, p + n);
    p += n;
    await Promise.resolve();
  }
}

/** A single-chunk source. */
export async function* once(b: Buffer): AsyncGenerator<Buffer> {
  await Promise.resolve();
  yield b;
}
