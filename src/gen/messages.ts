/**
 * SIP message text for the synthetic traffic generator: requests and responses as a stateful
 * record-routing proxy sees them on its two sides (RFC 3261 §16.6: it adds its Via and Record-Route,
 * decrements Max-Forwards and rewrites the Request-URI on the way out; §16.7: it removes its Via from
 * responses). Bodies are small SDP offers/answers (RFC 4566) so records look like production traffic.
 */

export interface Party {
  readonly user: string;
  readonly domain: string;
  readonly ip: string;
  readonly port: number;
}

export interface Call {
  readonly callId: string;
  readonly fromTag: string;
  readonly caller: Party;
  readonly callee: Party;
  readonly proxy: Party;
  readonly transport: 'UDP' | 'TCP';
  readonly userAgent: string;
  /** Session-ID UUIDs (RFC 7989) of caller and callee, and whether the dialog is marked (RFC 8497). */
  readonly sidA: string;
  readonly sidB: string;
  readonly logme: boolean;
  readonly cseq: number;
}

export interface Leg {
  /** The callee of this branch (forking gives several). */
  readonly callee: Party;
  readonly toTag: string;
  /** The proxy's branch toward this callee (its client transaction). */
  readonly branch: string;
}

const NIL = '00000000000000000000000000000000';

function sdp(p: Party, version: number): string {
  return (
    `v=0\r\no=- ${1000 + version} ${version} IN IP4 ${p.ip}\r\ns=-\r\nc=IN IP4 ${p.ip}\r\nt=0 0\r\n` +
    `m=audio ${20000 + (version % 10000) * 2} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n` +
    `a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n`
  );
}

function finish(lines: string[], body?: string): string {
  if (body !== undefined) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${body === undefined ? 0 : Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

function via(p: Party, transport: string, branch: string): string {
  return `Via: SIP/2.0/${transport} ${p.ip}:${p.port};branch=${branch}`;
}

function sessionId(c: Call, fromCaller: boolean, remoteKnown: boolean): string {
  const local = fromCaller ? c.sidA : c.sidB;
  const remote = remoteKnown ? (fromCaller ? c.sidB : c.sidA) : NIL;
  return `Session-ID: ${local};remote=${remote}${c.logme ? ';logme' : ''}`;
}

export interface RequestSpec {
  readonly method: string;
  readonly cseq: number;
  /** The originating UA's branch. */
  readonly uaBranch: string;
  /** true: caller → callee; false: callee → caller (in-dialog BYE from the callee). */
  readonly fromCaller: boolean;
  /** `in`: as the proxy receives it; `out`: as the proxy forwards it on `leg`. */
  readonly side: 'in' | 'out';
  readonly leg?: Leg;
  /** In-dialog (ACK for 2xx, BYE): Route to the proxy on the way in, remote target as Request-URI, To tag set. */
  readonly inDialog: boolean;
  /** To tag set outside a dialog: the hop-by-hop ACK for a non-2xx final response (RFC 3261 §17.1.1.3). */
  readonly tagged?: boolean;
  readonly withSdp?: boolean;
}

export function request(c: Call, r: RequestSpec): string {
  const ua = r.fromCaller ? c.caller : (r.leg?.callee ?? c.callee);
  const peer = r.fromCaller ? (r.leg?.callee ?? c.callee) : c.caller;
  const uri = r.side === 'in' && !r.inDialog ? `sip:${peer.user}@${peer.domain}` : `sip:${peer.user}@${peer.ip}:${peer.port}`;
  const lines = [`${r.method} ${uri} SIP/2.0`];
  if (r.side === 'out') lines.push(via(c.proxy, c.transport, r.leg?.branch ?? `${r.uaBranch}.p`));
  lines.push(via(ua, c.transport, r.uaBranch));
  lines.push(`Max-Forwards: ${r.side === 'in' ? 70 : 69}`);
  if (r.inDialog && r.side === 'in') lines.push(`Route: <sip:${c.proxy.ip}:${c.proxy.port};lr>`);
  if (!r.inDialog && r.side === 'out' && r.method === 'INVITE') lines.push(`Record-Route: <sip:${c.proxy.ip}:${c.proxy.port};lr>`);
  const a = `<sip:${c.caller.user}@${c.caller.domain}>;tag=${c.fromTag}`;
  const tagged = (r.inDialog || r.tagged === true) && r.leg !== undefined;
  const b = `<sip:${c.callee.user}@${c.callee.domain}>${tagged && r.leg !== undefined ? `;tag=${r.leg.toTag}` : ''}`;
  lines.push(r.fromCaller ? `From: "${c.caller.user}" ${a}` : `From: ${b}`);
  lines.push(r.fromCaller ? `To: ${b}` : `To: ${a}`);
  lines.push(`Call-ID: ${c.callId}`, `CSeq: ${r.cseq} ${r.method}`);
  if (r.method === 'INVITE') lines.push(`Contact: <sip:${ua.user}@${ua.ip}:${ua.port}>`, 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, REFER', 'Supported: timer, replaces');
  lines.push(sessionId(c, r.fromCaller, r.inDialog), `User-Agent: ${c.userAgent}`);
  return finish(lines, r.withSdp === true ? sdp(ua, c.cseq) : undefined);
}

export interface ResponseSpec {
  readonly status: number;
  readonly reason: string;
  readonly method: string;
  readonly cseq: number;
  readonly uaBranch: string;
  /** `in`: as the proxy receives it from the callee on `leg`; `out`: as it forwards (or sends) it to the caller. */
  readonly side: 'in' | 'out';
  readonly leg?: Leg;
  readonly withSdp?: boolean;
}

export function response(c: Call, r: ResponseSpec): string {
  const lines = [`SIP/2.0 ${r.status} ${r.reason}`];
  if (r.side === 'in') lines.push(via(c.proxy, c.transport, r.leg?.branch ?? `${r.uaBranch}.p`));
  lines.push(via(c.caller, c.transport, r.uaBranch));
  if (r.method === 'INVITE' && r.status > 100 && r.status < 300) lines.push(`Record-Route: <sip:${c.proxy.ip}:${c.proxy.port};lr>`);
  const tag = r.status > 100 && r.leg !== undefined ? `;tag=${r.leg.toTag}` : '';
  lines.push(`From: "${c.caller.user}" <sip:${c.caller.user}@${c.caller.domain}>;tag=${c.fromTag}`);
  lines.push(`To: <sip:${c.callee.user}@${c.callee.domain}>${tag}`, `Call-ID: ${c.callId}`, `CSeq: ${r.cseq} ${r.method}`);
  const callee = r.leg?.callee ?? c.callee;
  if (r.method === 'INVITE' && r.status >= 180 && r.status < 300) lines.push(`Contact: <sip:${callee.user}@${callee.ip}:${callee.port}>`);
  lines.push(sessionId(c, false, true), `Server: ${r.status === 100 ? 'sipclf-gen proxy' : 'PBX/7.1'}`);
  return finish(lines, r.withSdp === true ? sdp(callee, c.cseq + 1) : undefined);
}

/** Out-of-dialog REGISTER (RFC 3261 §10.2), optionally with digest credentials (§22.4). */
export function register(p: Party, proxy: Party, callId: string, tag: string, cseq: number, branch: string, auth: boolean): string {
  const lines = [
    `REGISTER sip:${p.domain} SIP/2.0`,
    `Via: SIP/2.0/UDP ${p.ip}:${p.port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:${p.user}@${p.domain}>;tag=${tag}`,
    `To: <sip:${p.user}@${p.domain}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:${p.user}@${p.ip}:${p.port}>;expires=3600`,
  ];
  if (auth) {
    lines.push(
      `Authorization: Digest username="${p.user}", realm="${p.domain}", nonce="${callId.slice(0, 16)}", uri="sip:${p.domain}", ` +
        `response="${callId.slice(0, 32).padEnd(32, '0')}", algorithm=MD5`,
    );
  }
  void proxy;
  return finish(lines);
}

export function registerResponse(p: Party, callId: string, tag: string, cseq: number, branch: string, status: number): string {
  const lines = [
    `SIP/2.0 ${status} ${status === 401 ? 'Unauthorized' : 'OK'}`,
    `Via: SIP/2.0/UDP ${p.ip}:${p.port};branch=${branch};rport=${p.port};received=${p.ip}`,
    `From: <sip:${p.user}@${p.domain}>;tag=${tag}`,
    `To: <sip:${p.user}@${p.domain}>;tag=reg${cseq}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
  ];
  if (status === 401) lines.push(`WWW-Authenticate: Digest realm="${p.domain}", nonce="${callId.slice(0, 16)}", algorithm=MD5, qop="auth"`);
  else lines.push(`Contact: <sip:${p.user}@${p.ip}:${p.port}>;expires=3600`);
  return finish(lines);
}

export function options(p: Party, proxy: Party, callId: string, branch: string, status?: number): string {
  const first = status === undefined ? `OPTIONS sip:${proxy.ip}:${proxy.port} SIP/2.0` : `SIP/2.0 ${status} OK`;
  const lines = [first, `Via: SIP/2.0/UDP ${p.ip}:${p.port};branch=${branch}`];
  if (status === undefined) lines.push('Max-Forwards: 70');
  lines.push(`From: <sip:keepalive@${p.domain}>;tag=${branch.slice(-8)}`, `To: <sip:${proxy.ip}:${proxy.port}>${status === undefined ? '' : ';tag=opt'}`);
  lines.push(`Call-ID: ${callId}`, 'CSeq: 1 OPTIONS');
  return finish(lines);
}
