/**
 * Requests the test UA builds (RFC 3261 §8.1.1): Via with a fresh RFC 3261 branch (and `rport` over UDP,
 * RFC 3581 §3), Max-Forwards 70, Route, From, To, Call-ID, CSeq, Contact, the RFC 7989 Session-ID, Allow,
 * Supported, User-Agent, extra headers and the body. The log-me marker is not written here: the log-me
 * engine decides it (src/msglog applies `;logme` before the bytes leave).
 */
import { formatSessionId } from '../sip/grammar/index.js';
import { newBranch, type TransportName } from '../transaction/index.js';

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY';
export const USER_AGENT = 'sipclf-ua';

export interface RequestSpec {
  readonly method: string;
  readonly requestUri: string;
  /** Transport and sent-by of our Via. */
  readonly via: { readonly transport: TransportName; readonly sentBy: string };
  readonly branch?: string;
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: number;
  /** CSeq method when it differs from `method` (never, except ACK/CANCEL which pass their own). */
  readonly cseqMethod?: string;
  readonly routes?: readonly string[];
  readonly contact?: string;
  readonly sessionId?: { readonly local: string; readonly remote: string };
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: { readonly type: string; readonly bytes: Buffer };
}

export function buildRequest(spec: RequestSpec): { bytes: Buffer; branch: string } {
  const branch = spec.branch ?? newBranch();
  const rport = spec.via.transport === 'udp' ? ';rport' : '';
  const lines = [
    `${spec.method} ${spec.requestUri} SIP/2.0`,
    `Via: SIP/2.0/${spec.via.transport.toUpperCase()} ${spec.via.sentBy};branch=${branch}${rport}`,
    'Max-Forwards: 70',
  ];
  for (const r of spec.routes ?? []) lines.push(`Route: ${r}`);
  lines.push(`From: ${spec.from}`, `To: ${spec.to}`, `Call-ID: ${spec.callId}`, `CSeq: ${spec.cseq} ${spec.cseqMethod ?? spec.method}`);
  if (spec.contact !== undefined) lines.push(`Contact: ${spec.contact}`);
  if (spec.sessionId !== undefined) lines.push(`Session-ID: ${formatSessionId(spec.sessionId)}`);
  if (spec.method !== 'ACK' && spec.method !== 'CANCEL') lines.push(`Allow: ${ALLOW}`, 'Supported: tdialog');
  lines.push(`User-Agent: ${USER_AGENT}`);
  for (const [n, v] of spec.headers ?? []) lines.push(`${n}: ${v}`);
  const body = spec.body;
  if (body === undefined) lines.push('Content-Length: 0');
  else lines.push(`Content-Type: ${body.type}`, `Content-Length: ${body.bytes.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return { bytes: body === undefined ? head : Buffer.concat([head, body.bytes]), branch };
}
