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

/** A pcapng block of `type` around `body` (padded to 4 bytes), in either byte order. */
export function ngBlock(le: boolean, type: number, body: Buffer): Buffer {
  const len = 12 + Math.ceil(body.length / 4) * 4;
  const b = Buffer.alloc(len);
  const w = (v: number, at: number): number => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  w(type, 0);
  w(len, 4);
  body.copy(b, 8);
  w(len, len - 4);
  return b;
}

/** A pcapng section: SHB, IDBs (link type, if_tsresol byte or none), then EPB/SPB/skipped blocks. */
export function ngSection(le: boolean, blocks: Array<['idb', number, number | undefined] | ['epb', number, bigint, string | Buffer] | ['spb', string] | ['nrb']>): Buffer {
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  };
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  const out = [ngBlock(le, 0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.alloc(8, 0xff)]))];
  for (const bl of blocks) {
    if (bl[0] === 'idb') {
      const opts = bl[2] === undefined ? Buffer.alloc(0) : Buffer.concat([u16(9), u16(1), Buffer.from([bl[2], 0, 0, 0]), u16(0), u16(0)]);
      out.push(ngBlock(le, 1, Buffer.concat([u16(bl[1]), u16(0), u32(0), opts])));
    } else if (bl[0] === 'epb') {
      const data = Buffer.from(bl[3]);
      const t = bl[2];
      const pad = Buffer.alloc((4 - (data.length % 4)) % 4);
      out.push(ngBlock(le, 6, Buffer.concat([u32(bl[1]), u32(Number(t >> 32n)), u32(Number(t & 0xffffffffn)), u32(data.length), u32(data.length), data, pad])));
    } else if (bl[0] === 'spb') {
      out.push(ngBlock(le, 3, Buffer.concat([u32(bl[1].length), Buffer.from(bl[1])])));
    } else {
      out.push(ngBlock(le, 4, Buffer.alloc(20, 7)));
    }
  }
  return Buffer.concat(out);
}
