/**
 * Via header field values.
 *
 * Implements RFC 3261 §20.42 / §25.1 Via = ( "Via" / "v" ) HCOLON via-parm *(COMMA via-parm), via-parm =
 * sent-protocol LWS sent-by *( SEMI via-params ), sent-protocol = protocol-name SLASH protocol-version SLASH
 * transport, sent-by = host [ COLON port ], with the via-params ttl (0-255), maddr, received, branch, and
 * RFC 3581 §3 rport. SLASH and COLON allow LWS on both sides (RFC 4475 §3.1.1.1 wsinv: `SIP  /   2.0 /UDP`);
 * unknown transports are accepted (RFC 4475 §3.1.1.10); `received` holds an IPv4 or IPv6 address, the
 * latter with or without brackets (RFC 5118 §4.5).
 */
import { DIGIT, TOKEN, fail, lower, scan, skipLws, upper } from './chars.js';
import { parseHost, parseIPv4, parseIPv6, parsePort, type HostType } from './host.js';
import { type Params, parseParams } from './params.js';
import { splitCommaRanges } from './split.js';

export interface Via {
  /** protocol-name, uppercased (tokens are case-insensitive; normally `SIP`). */
  readonly protocolName: string;
  readonly protocolVersion: string;
  /** Uppercased (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or any other token). */
  readonly transport: string;
  /** sent-by host: lowercased, IPv6 without brackets. */
  readonly host: string;
  readonly hostType: HostType;
  readonly port?: number;
  readonly branch?: string;
  /** received address, lowercased, IPv6 without brackets. */
  readonly received?: string;
  /** rport: `true` when present without a value (RFC 3581 §3), else the port. */
  readonly rport?: number | true;
  readonly maddr?: string;
  readonly ttl?: number;
  /** All via-params in order (including the ones decoded above). */
  readonly params: Params;
  /** This via-parm as received, trimmed. */
  readonly raw: string;
}

const BAD = 'SIP_BAD_HEADER_VALUE';

/** Parses all via-parms of one Via header field value. An empty value throws SIP_BAD_HEADER_VALUE. */
export function parseVia(value: string): Via[] {
  const ranges = splitCommaRanges(value);
  if (ranges.length === 0) fail(BAD, 'empty Via value', 0);
  return ranges.map(([a, b]) => parseViaParm(value, a, b));
}

function token(s: string, pos: number, end: number, what: string): number {
  const e = scan(TOKEN, s, pos, end);
  if (e === pos) fail(BAD, `Via: ${what} is not a token`, pos);
  return e;
}

function slash(s: string, pos: number, end: number): number {
  pos = skipLws(s, pos, end);
  if (pos >= end || s.charCodeAt(pos) !== 0x2f) fail(BAD, 'Via: expected "/" in sent-protocol', pos);
  return skipLws(s, pos + 1, end);
}

/** Parses one via-parm in s[start, end); offsets index `s`. */
export function parseViaParm(s: string, start: number, end: number): Via {
  let pos = skipLws(s, start, end);
  const raw = s.slice(pos, end);
  let e = token(s, pos, end, 'protocol-name');
  const protocolName = upper(s.slice(pos, e));
  pos = slash(s, e, end);
  e = token(s, pos, end, 'protocol-version');
  const protocolVersion = s.slice(pos, e);
  pos = slash(s, e, end);
  e = token(s, pos, end, 'transport');
  const transport = upper(s.slice(pos, e));
  pos = skipLws(s, e, end);
  if (pos === e) fail(BAD, 'Via: expected LWS between sent-protocol and sent-by', pos);
  const h = parseHost(s, pos, end, BAD);
  pos = skipLws(s, h.end, end);
  let port: number | undefined;
  if (pos < end && s.charCodeAt(pos) === 0x3a) {
    const p = parsePort(s, skipLws(s, pos + 1, end), end, BAD);
    port = p.port;
    pos = p.end;
  }
  const { params } = parseParams(s, pos, '', { colonInValue: true }, end);
  const via: { -readonly [K in keyof Via]: Via[K] } = {
    protocolName,
    protocolVersion,
    transport,
    host: h.host,
    hostType: h.hostType,
    params,
    raw,
  };
  if (port !== undefined) via.port = port;
  for (const p of params) {
    switch (lower(p.name)) {
      case 'branch':
        if (p.value === null || p.raw?.charCodeAt(0) === 0x22) fail(BAD, 'Via: branch must be a token', start);
        via.branch ??= p.value;
        break;
      case 'received':
        via.received ??= receivedAddress(p.value, start);
        break;
      case 'rport':
        if (p.value !== null && !allDigits(p.value)) fail(BAD, 'Via: rport must be a port number', start);
        via.rport ??= p.value === null ? true : parsePort(p.value, 0, p.value.length, BAD).port;
        break;
      case 'maddr':
        via.maddr ??= maddrHost(p.value, start);
        break;
      case 'ttl':
        via.ttl ??= ttlValue(p.value, start);
        break;
    }
  }
  return via;
}

function allDigits(v: string): boolean {
  return v.length > 0 && scan(DIGIT, v, 0) === v.length;
}

/** via-received = "received" EQUAL (IPv4address / IPv6address); brackets tolerated (RFC 5118 §4.5). */
function receivedAddress(v: string | null, at: number): string {
  if (v === null) fail(BAD, 'Via: received needs a value', at);
  let text = v;
  if (v.charCodeAt(0) === 0x5b && v.charCodeAt(v.length - 1) === 0x5d) text = v.slice(1, -1);
  if (parseIPv4(text) === null && parseIPv6(text) === null) fail(BAD, `Via: received=${v} is not an IP address`, at);
  return lower(text);
}

/** via-maddr = "maddr" EQUAL host. */
function maddrHost(v: string | null, at: number): string {
  if (v === null) fail(BAD, 'Via: maddr needs a value', at);
  const h = parseHost(v, 0, v.length, BAD);
  if (h.end !== v.length) fail(BAD, `Via: maddr=${v} is not a host`, at);
  return h.host;
}

/** via-ttl = "ttl" EQUAL ttl; ttl = 1*3DIGIT ; 0 to 255 (RFC 3261 §25.1). */
function ttlValue(v: string | null, at: number): number {
  if (v === null || !allDigits(v)) fail(BAD, 'Via: ttl must be a number', at);
  let n = 0;
  for (let i = 0; i < v.length && n <= 255; i++) n = n * 10 + (v.charCodeAt(i) - 0x30);
  if (n > 255) fail('SIP_SCALAR_RANGE', 'Via: ttl is larger than 255', at);
  return n;
}
