// Helpers for the transport tests: loopback peers with bounded waits, SIP builders, a self-signed cert.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InboundMessage, TransportLayer } from '../../src/transport/index.js';

/** Resolves when `cond()` holds; rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Collects a layer's `message` events. */
export function collect(layer: TransportLayer): InboundMessage[] {
  const got: InboundMessage[] = [];
  layer.on('message', (m) => got.push(m));
  return got;
}

export interface Req {
  method?: string;
  via?: string;
  callId?: string;
  extra?: string[];
  body?: string;
  contentLength?: boolean;
}

/** A request with the five mandatory headers; `via` is the whole Via value. */
export function request(r: Req = {}): Buffer {
  const method = r.method ?? 'OPTIONS';
  const body = r.body ?? '';
  const lines = [
    `${method} sip:bob@example.com SIP/2.0`,
    `Via: ${r.via ?? 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1'}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    `Call-ID: ${r.callId ?? 'call-1@test'}`,
    `CSeq: 1 ${method}`,
    ...(r.extra ?? []),
  ];
  if (r.contentLength !== false) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** The 200 OK answering `request()` with the given Via value. */
export function response(via: string, callId = 'call-1@test', status = '200 OK'): Buffer {
  return Buffer.from(
    [`SIP/2.0 ${status}`, `Via: ${via}`, 'From: <sip:alice@example.com>;tag=a1', 'To: <sip:bob@example.com>;tag=b2', `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n'),
  );
}

/** A UDP peer on loopback collecting what it receives. */
export class UdpPeer {
  readonly socket: dgram.Socket;
  readonly got: Buffer[] = [];
  constructor(readonly family: 4 | 6 = 4) {
    this.socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    this.socket.on('message', (b) => this.got.push(b));
  }
  get host(): string {
    return this.family === 6 ? '::1' : '127.0.0.1';
  }
  async bind(): Promise<number> {
    await new Promise<void>((r) => this.socket.bind(0, this.host, () => r()));
    return this.socket.address().port;
  }
  get port(): number {
    return this.socket.address().port;
  }
  send(b: Buffer, port: number, host = this.host): Promise<void> {
    return new Promise((res, rej) => this.socket.send(b, port, host, (e) => (e ? rej(e) : res())));
  }
  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

/** A TCP client on loopback collecting what it receives. */
export class TcpPeer {
  readonly socket: net.Socket;
  chunks: Buffer[] = [];
  closed = false;
  constructor(port: number, host = '127.0.0.1') {
    this.socket = net.connect({ port, host });
    this.socket.on('data', (b) => this.chunks.push(b));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => undefined);
  }
  connected(): Promise<void> {
    return new Promise((r) => (this.socket.readyState === 'open' ? r() : this.socket.once('connect', () => r())));
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
  close(): void {
    this.socket.destroy();
  }
}

/** A self-signed certificate for CN=localhost with IP SANs 127.0.0.1 and ::1 (openssl). */
export function selfSigned(): { dir: string; cert: string; key: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'],
    { stdio: 'ignore', timeout: 10_000 },
  );
  return { dir, cert, key, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Network handles (sockets, servers) alive in this process, for the no-leak checks. */
export function netHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => /TCP|UDP|TLS|Pipe/i.test(r)).length;
}
