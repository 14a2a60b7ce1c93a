/**
 * The session descriptions of the test UA (RFC 4566, RFC 3264 offer/answer): an audio offer with PCMU,
 * PCMA and telephone-event, and an answer that accepts the first offered codec. No media is sent — the test
 * UA exercises signalling — but the bodies are real so that peers (SIPp, proxies) and the CLF Tag 02 body
 * look as they do in service. The connection address is the UA's own.
 */
export const SDP_TYPE = 'application/sdp';

function origin(host: string, version: number): string {
  const ip = host.includes(':') ? 'IP6' : 'IP4';
  return `o=sipclf ${Date.now() % 1_000_000_000} ${version} IN ${ip} ${host}`;
}

function lines(host: string, port: number, codecs: readonly string[], version = 1, direction = 'sendrecv'): Buffer {
  const ip = host.includes(':') ? 'IP6' : 'IP4';
  const rtpmap: Record<string, string> = { '0': 'PCMU/8000', '8': 'PCMA/8000', '101': 'telephone-event/8000' };
  const out = ['v=0', origin(host, version), 's=sipclf', `c=IN ${ip} ${host}`, 't=0 0', `m=audio ${port} RTP/AVP ${codecs.join(' ')}`];
  for (const c of codecs) if (rtpmap[c] !== undefined) out.push(`a=rtpmap:${c} ${rtpmap[c]}`);
  out.push(`a=${direction}`);
  return Buffer.from(`${out.join('\r\n')}\r\n`, 'latin1');
}

/** The offer of an INVITE. */
export function sdpOffer(host: string, port: number): Buffer {
  return lines(host, port, ['0', '8', '101']);
}

/** The answer to `offer` (RFC 3264 §6): the first offered payload type we know, or PCMU. */
export function sdpAnswer(host: string, port: number, offer: Buffer): Buffer {
  const m = /^m=audio \d+ [^ ]+ ([0-9 ]+)/m.exec(offer.toString('latin1'));
  const first = m?.[1]?.split(' ').find((c) => c === '0' || c === '8') ?? '0';
  return lines(host, port, [first, '101']);
}
