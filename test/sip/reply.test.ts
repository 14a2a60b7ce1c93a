// Responses an element originates (src/sip/reply.ts): the RFC 7989 §7 Session-ID of an intermediary's own
// response, and where buildResponse writes it.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { buildResponse, intermediarySessionId } from '../../src/sip/reply.js';
import { parseMessage } from '../../src/sip/parser.js';

const A = '0123456789abcdef0123456789abcdef';
const B = 'fedcba9876543210fedcba9876543210';
const NIL = '00000000000000000000000000000000';

function invite(sid?: string): ReturnType<typeof parseMessage> {
  const lines = ['INVITE sip:bob@example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', 'Max-Forwards: 70', 'From: <sip:alice@example.com>;tag=a', 'To: <sip:bob@example.com>', 'Call-ID: c1', 'CSeq: 1 INVITE'];
  if (sid !== undefined) lines.push(`Session-ID: ${sid}`);
  return parseMessage(Buffer.from([...lines, 'Content-Length: 0', '', ''].join('\r\n')));
}

describe('RFC 7989 §7 Session-ID of an intermediary-originated response', () => {
  test('the request UUIDs swapped: remote = the receiving endpoint (request local), local = the peer when named', () => {
    assert.equal(intermediarySessionId(invite(`${A};remote=${NIL}`)), `${NIL};remote=${A}`, '{N,A} as the 100 Trying of §10.8.1');
    assert.equal(intermediarySessionId(invite(`${A};remote=${B}`)), `${B};remote=${A}`);
    assert.equal(intermediarySessionId(invite(`${A.toUpperCase()};remote=${B};other=1`)), `${B};remote=${A}`, 'lowercased; the sender’s own parameters stay with it');
  });

  test('the logme marker is echoed (RFC 8497 Figure 3 F3, F5)', () => {
    assert.equal(intermediarySessionId(invite(`${A};remote=${NIL};LOGME`)), `${NIL};remote=${A};logme`);
  });

  test('a pre-standard value (RFC 7329, no remote) gives nil as local; none or a malformed one gives none', () => {
    assert.equal(intermediarySessionId(invite(A)), `${NIL};remote=${A}`);
    assert.equal(intermediarySessionId(invite()), undefined);
    assert.equal(intermediarySessionId(invite('not-a-uuid;remote=x')), undefined);
  });

  test('buildResponse writes the Session-ID after CSeq, before the extra headers', () => {
    const req = invite(`${A};remote=${NIL}`);
    const text = buildResponse(req, 404, { toTag: 't', sessionId: intermediarySessionId(req), headers: [['Warning', '399 x "y"']] }).toString('latin1');
    assert.match(text, new RegExp(`CSeq: 1 INVITE\\r\\nSession-ID: ${NIL};remote=${A}\\r\\nWarning: 399 x "y"\\r\\n`));
    assert.doesNotMatch(buildResponse(req, 404).toString('latin1'), /Session-ID/, 'only when asked: the UA builds its own');
  });
});
