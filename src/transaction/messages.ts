/**
 * The few messages the transaction layer writes itself: the ACK to a non-2xx final response
 * (RFC 3261 §17.1.1.3), the 100 (Trying) of an INVITE server transaction (§17.2.1, built per §8.2.6),
 * and, for the TU's convenience, a CANCEL for a pending client transaction (§9.1) and a fresh branch
 * (§8.1.1.7). Header values are copied as received (unfolded); CR and LF never get through.
 */
import { SipclfError } from '../errors.js';
import type { SipMessage } from '../sip/message.js';
import { randomHex } from '../sip/random.js';

/** RFC 3261 §8.1.1.7 magic cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

/** A new branch: the magic cookie and 64 random bits, unique in space and time (§8.1.1.7). */
export function newBranch(): string {
  return MAGIC_COOKIE + randomHex(8);
}

function clean(v: string): string {
  return v.replace(/[\r\n]+/g, ' ').trim();
}

function need(msg: SipMessage, name: string): string {
  const v = msg.get(name);
  if (v === undefined) throw new SipclfError('TXN_BAD_MESSAGE', `the ${msg.isRequest ? 'request' : 'response'} has no ${name} header`);
  return clean(v);
}

/** The first via-parm of the first Via line (one line may hold several, comma-separated). */
export function topViaValue(msg: SipMessage): string {
  const v = msg.values('Via')[0];
  if (v === undefined) throw new SipclfError('TXN_BAD_MESSAGE', 'the message has no Via header');
  return clean(v);
}

function finish(lines: string[]): Buffer {
  lines.push('Content-Length: 0');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
}

/**
 * §17.1.1.3: the ACK for a non-2xx final response. Request-URI, Call-ID, From and the CSeq number of the
 * INVITE, CSeq method ACK, the To of the response (its tag), one Via equal to the INVITE's top Via, and the
 * INVITE's Route header fields. Max-Forwards 70 (§8.1.1.6).
 */
export function buildAck(invite: SipMessage, response: SipMessage): Buffer {
  const cseq = invite.cseq;
  if (cseq === undefined) throw new SipclfError('TXN_BAD_MESSAGE', 'the INVITE has no CSeq');
  const lines = [`ACK ${invite.requestUri} SIP/2.0`, `Via: ${topViaValue(invite)}`];
  for (const r of invite.getAll('Route')) lines.push(`Route: ${clean(r)}`);
  lines.push('Max-Forwards: 70', `From: ${need(invite, 'From')}`, `To: ${need(response, 'To')}`);
  lines.push(`Call-ID: ${need(invite, 'Call-ID')}`, `CSeq: ${cseq.seq} ACK`);
  return finish(lines);
}

/**
 * §17.2.1 with §8.2.6: the 100 (Trying) of an INVITE server transaction. Via (all values, in order), From,
 * To (no tag added: "downgraded from MAY to SHOULD NOT"), Call-ID, CSeq, and Timestamp (§8.2.6.1);
 * `sessionId`, when given, as the Session-ID header (RFC 7989).
 */
export function buildTrying(request: SipMessage, sessionId?: string): Buffer {
  const lines = ['SIP/2.0 100 Trying'];
  for (const v of request.getAll('Via')) lines.push(`Via: ${clean(v)}`);
  lines.push(`From: ${need(request, 'From')}`, `To: ${need(request, 'To')}`);
  lines.push(`Call-ID: ${need(request, 'Call-ID')}`, `CSeq: ${need(request, 'CSeq')}`);
  const ts = request.get('Timestamp');
  if (ts !== undefined) lines.push(`Timestamp: ${clean(ts)}`);
  // A proxy's 100 (RFC 7989 §7, §10.8.1: {N,A}); the transaction layer's own 100 has none.
  if (sessionId !== undefined) lines.push(`Session-ID: ${clean(sessionId)}`);
  return finish(lines);
}

/**
 * §9.1: a CANCEL for `request` (as it was sent by the client transaction): same Request-URI, Call-ID, To,
 * From and CSeq number, CSeq method CANCEL, one Via equal to the request's top Via, the same Route header
 * fields. It forms its own non-INVITE client transaction (same branch, method CANCEL: §17.1.3).
 */
export function buildCancel(request: SipMessage): Buffer {
  const cseq = request.cseq;
  if (cseq === undefined) throw new SipclfError('TXN_BAD_MESSAGE', 'the request has no CSeq');
  if (request.method === 'ACK' || request.method === 'CANCEL') {
    throw new SipclfError('TXN_BAD_MESSAGE', `a ${request.method} cannot be cancelled (RFC 3261 §9.1)`);
  }
  const lines = [`CANCEL ${request.requestUri} SIP/2.0`, `Via: ${topViaValue(request)}`];
  for (const r of request.getAll('Route')) lines.push(`Route: ${clean(r)}`);
  lines.push('Max-Forwards: 70', `From: ${need(request, 'From')}`, `To: ${need(request, 'To')}`);
  lines.push(`Call-ID: ${need(request, 'Call-ID')}`, `CSeq: ${cseq.seq} CANCEL`);
  return finish(lines);
}

/**
 * The status code of a serialised response ("SIP/2.0 NNN …"), read without parsing the message, so the TU
 * can hand the transaction the bytes it built with MessageEditor.
 */
export function statusOf(bytes: Buffer): number {
  // "SIP/" 1*DIGIT "." 1*DIGIT SP 3DIGIT: find the first SP within the first 16 octets.
  const sp = bytes.subarray(0, 16).indexOf(0x20);
  if (bytes.subarray(0, 4).toString('latin1') !== 'SIP/' || sp < 0 || bytes.length < sp + 4) {
    throw new SipclfError('TXN_BAD_MESSAGE', 'a response must start with a Status-Line ("SIP/2.0 NNN")');
  }
  let status = 0;
  for (let i = sp + 1; i < sp + 4; i++) {
    const d = (bytes[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) throw new SipclfError('TXN_BAD_MESSAGE', 'the Status-Code is not three digits');
    status = status * 10 + d;
  }
  if (status < 100 || status > 699) throw new SipclfError('TXN_BAD_MESSAGE', `status ${status} is outside 100-699`);
  return status;
}
