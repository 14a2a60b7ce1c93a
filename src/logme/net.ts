/**
 * Addresses for the log-me configuration: IPv4/IPv6 addresses and CIDR prefixes (peers' addresses, a log-me
 * session's `sources` scope, RFC 8497 §7.1) and the neighbour strings the caller passes to process()
 * (`ip`, `ip:port`, `[ipv6]:port`). Addresses are compared as 128-bit values (IPv4 as ::ffff:a.b.c.d) so one
 * matcher serves both families. Pure string work, no sockets (scripts/check-layers.mjs).
 */
import { isIP } from 'node:net';

export interface Cidr {
  /** 16 bytes. */
  readonly bytes: Uint8Array;
  /** Prefix length over the 128-bit form. */
  readonly bits: number;
}

function v4Bytes(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** 16 bytes of an IPv4 or IPv6 address (IPv4 mapped), or undefined when `s` is not an address. */
export function ipBytes(s: string): Uint8Array | undefined {
  const fam = isIP(s);
  if (fam === 4) {
    const b = v4Bytes(s);
    if (b === undefined) return undefined;
    return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...b]);
  }
  if (fam !== 6) return undefined;
  let text = s.toLowerCase();
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const b = v4Bytes(text.slice(lastColon + 1));
    if (b === undefined) return undefined;
    tail = b;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = 8 - h.length - r.length;
  const groups = [...h, ...(rest === undefined ? [] : Array<string>(fill).fill('0')), ...r].map((g) => parseInt(g, 16));
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

/** Parses `addr` or `addr/len` (IPv4 or IPv6); undefined when invalid. */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const bytes = ipBytes(addr);
  if (bytes === undefined) return undefined;
  const v4 = isIP(addr) === 4;
  const max = v4 ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const t = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(t)) return undefined;
    len = Number(t);
    if (len > max) return undefined;
  }
  return { bytes, bits: v4 ? len + 96 : len };
}

export function cidrContains(c: Cidr, ip: Uint8Array): boolean {
  let bits = c.bits;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((c.bytes[i] ?? 0) & mask) !== ((ip[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The IP part of a neighbour string `ip`, `ip:port`, `[ipv6]`, `[ipv6]:port`; undefined for a name. */
export function neighbourIp(s: string): Uint8Array | undefined {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    return end < 0 ? undefined : ipBytes(s.slice(1, end));
  }
  const direct = ipBytes(s);
  if (direct !== undefined) return direct;
  const colon = s.lastIndexOf(':');
  if (colon > 0 && s.indexOf(':') === colon && /^\d+$/.test(s.slice(colon + 1))) return ipBytes(s.slice(0, colon));
  return undefined;
}
