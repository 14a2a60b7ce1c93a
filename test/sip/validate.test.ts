// Unit tests of src/sip/validate.ts: one small message per rule, asserting the exact code and status.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipValidationError, SipclfError, type ErrorCode } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { buildErrorResponse, reasonPhrase, validateRequest, validateResponse, type ValidateOptions } from '../../src/sip/validate.js';

const BASE: Record<string, string> = {
  Via: 'SIP/2.0/UDP host.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards': '70',
  To: '<sip:bob@example.com>',
  From: '<sip:alice@example.com>;tag=1928301774',
  'Call-ID': 'a84b4c76e66710@pc33.example.com',
  CSeq: '314159 METHOD',
};

interface Build {
  method?: string;
  uri?: string;
  version?: string;
  /** Replace (string) or remove (null) a base header. */
  set?: Record<string, string | null>;
  /** Extra header lines, appended before Content-Length. */
  add?: string[];
  /** Header lines after Content-Length. */
  tail?: string[];
  body?: string;
}

/** A request built from BASE (CSeq method follows the request method unless set explicitly). */
function request(b: Build = {}): SipMessage {
  const method = b.method ?? 'OPTIONS';
  const lines = [`${method} ${b.uri ?? 'sip:bob@example.com'} ${b.version ?? 'SIP/2.0'}`];
  const headers: Record<string, string | null> = { ...BASE, CSeq: `314159 ${method}`, ...b.set };
  for (const [name, value] of Object.entries(headers)) if (value !== null) lines.push(`${name}: ${value}`);
  lines.push(...(b.add ?? []));
  const body = b.body ?? '';
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, ...(b.tail ?? []));
  return parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8'));
}

function response(lines: string[]): SipMessage {
  return parseMessage(Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, 'utf8'));
}

const PROXY: ValidateOptions = { role: 'proxy' };
const UAS: ValidateOptions = { role: 'uas' };
const REGISTRAR: ValidateOptions = { role: 'registrar' };

function expectError(err: SipValidationError | undefined, code: ErrorCode, status: number | undefined): SipValidationError {
  assert.ok(err instanceof SipValidationError, `expected ${code}, got no error`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.status, status);
  assert.ok(err.reason.length > 0);
  return err;
}

function header(err: SipValidationError, name: string): string | undefined {
  return err.responseHeaders.find(([n]) => n === name)?.[1];
}

void describe('validateRequest: a well-formed request passes', () => {
  for (const opts of [PROXY, UAS, REGISTRAR]) {
    void test(`role ${opts.role}`, () => assert.equal(validateRequest(request(), opts), undefined));
  }
  void test('REGISTER at a registrar', () => {
    const m = request({ method: 'REGISTER', uri: 'sip:example.com', add: ['Contact: <sip:alice@192.0.2.4>;expires=3600'] });
    assert.equal(validateRequest(m, REGISTRAR), undefined);
  });
});

void describe('version (RFC 3261 §21.5.20)', () => {
  void test('SIP/3.0 → 505', () => {
    expectError(validateRequest(request({ version: 'SIP/3.0' }), PROXY), 'SIP_UNSUPPORTED_VERSION', 505);
  });
  void test('"sip/2.0" is SIP/2.0 (case-insensitive literal)', () => assert.equal(validateRequest(request({ version: 'sip/2.0' }), UAS), undefined));
  void test('505 comes before any other problem', () => {
    const m = request({ version: 'SIP/3.0', set: { To: null, CSeq: '1 INVITE' } });
    expectError(validateRequest(m, UAS), 'SIP_UNSUPPORTED_VERSION', 505);
  });
});

void describe('mandatory header fields (RFC 3261 §8.1.1)', () => {
  for (const name of ['To', 'From', 'CSeq', 'Call-ID', 'Via']) {
    void test(`missing ${name} → 400`, () => {
      const err = expectError(validateRequest(request({ set: { [name]: null } }), PROXY), 'SIP_MISSING_HEADER', 400);
      assert.match(err.message, new RegExp(name));
    });
  }
  void test('all missing fields are named', () => {
    const err = expectError(validateRequest(request({ set: { To: null, From: null, 'Call-ID': null } }), UAS), 'SIP_MISSING_HEADER', 400);
    assert.match(err.message, /To, From, Call-ID/);
  });
  void test('missing Max-Forwards passes by default (§16.3 step 3, RFC 2543 compatibility)', () => {
    assert.equal(validateRequest(request({ set: { 'Max-Forwards': null } }), PROXY), undefined);
  });
  void test('missing Max-Forwards → 400 with requireMaxForwards', () => {
    expectError(validateRequest(request({ set: { 'Max-Forwards': null } }), { role: 'uas', requireMaxForwards: true }), 'SIP_MISSING_HEADER', 400);
  });
});

void describe('single-valued header fields (RFC 3261 §7.3.1)', () => {
  void test('two To lines → 400', () => {
    expectError(validateRequest(request({ add: ['To: <sip:carol@example.com>'] }), PROXY), 'SIP_MULTIPLE_VALUES', 400);
  });
  void test('two Call-ID values on one line → 400', () => {
    expectError(validateRequest(request({ set: { 'Call-ID': 'a@example.com, b@example.com' } }), PROXY), 'SIP_MULTIPLE_VALUES', 400);
  });
  void test('a comma inside a quoted display name is one value', () => {
    assert.equal(validateRequest(request({ set: { To: '"Watson, Thomas" <sip:bob@example.com>' } }), PROXY), undefined);
  });
  void test('two CSeq lines → 400', () => {
    expectError(validateRequest(request({ add: ['CSeq: 2 OPTIONS'] }), UAS), 'SIP_MULTIPLE_VALUES', 400);
  });
  void test('two equal Content-Length lines → 400 multiple values', () => {
    expectError(validateRequest(request({ add: ['Content-Length: 0'] }), PROXY), 'SIP_MULTIPLE_VALUES', 400);
  });
  void test('conflicting Content-Length values → 400 bad Content-Length (RFC 4475 §3.3.9)', () => {
    expectError(validateRequest(request({ tail: ['Content-Length: 5'] }), PROXY), 'SIP_BAD_CONTENT_LENGTH', 400);
  });
  void test('two Content-Type lines: a UAS rejects, a proxy ignores them', () => {
    const m = request({ add: ['Content-Type: text/plain', 'Content-Type: text/plain'] });
    expectError(validateRequest(m, UAS), 'SIP_MULTIPLE_VALUES', 400);
    assert.equal(validateRequest(m, PROXY), undefined);
  });
  void test('two Expires lines: a registrar rejects a REGISTER, a proxy forwards it', () => {
    const m = request({ method: 'REGISTER', uri: 'sip:example.com', add: ['Expires: 60', 'Expires: 70'] });
    expectError(validateRequest(m, REGISTRAR), 'SIP_MULTIPLE_VALUES', 400);
    assert.equal(validateRequest(m, PROXY), undefined);
  });
});

void describe('CSeq method (RFC 3261 §8.1.1.5, §20.16)', () => {
  void test('CSeq INVITE on OPTIONS → 400', () => {
    expectError(validateRequest(request({ set: { CSeq: '8 INVITE' } }), PROXY), 'SIP_CSEQ_METHOD_MISMATCH', 400);
  });
  void test('the comparison is case-sensitive', () => {
    expectError(validateRequest(request({ set: { CSeq: '8 options' } }), UAS), 'SIP_CSEQ_METHOD_MISMATCH', 400);
  });
  void test('ACK and CANCEL carry their own method in CSeq', () => {
    assert.equal(validateRequest(request({ method: 'ACK' }), UAS), undefined);
    assert.equal(validateRequest(request({ method: 'CANCEL' }), PROXY), undefined);
    expectError(validateRequest(request({ method: 'ACK', set: { CSeq: '1 INVITE' } }), UAS), 'SIP_CSEQ_METHOD_MISMATCH', 400);
  });
  void test('an unknown method is not an error by itself', () => {
    assert.equal(validateRequest(request({ method: 'NEWMETHOD' }), PROXY), undefined);
  });
});

void describe('top Via (RFC 3261 §8.1.1.7, RFC 4475 §3.2.1)', () => {
  void test('branch = bare magic cookie → 400', () => {
    expectError(validateRequest(request({ set: { Via: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK' } }), PROXY), 'SIP_BAD_VIA', 400);
  });
  void test('no branch (RFC 2543) passes', () => {
    assert.equal(validateRequest(request({ set: { Via: 'SIP/2.0/UDP 192.0.2.1' } }), PROXY), undefined);
  });
  void test('a branch without cookie passes', () => {
    assert.equal(validateRequest(request({ set: { Via: 'SIP/2.0/UDP 192.0.2.1;branch=390skdjuw' } }), UAS), undefined);
  });
  void test('broadcast sent-by without received → 400; with received it is usable', () => {
    expectError(validateRequest(request({ set: { Via: 'SIP/2.0/UDP 255.255.255.255;branch=z9hG4bKx' } }), PROXY), 'SIP_BAD_VIA', 400);
    expectError(validateRequest(request({ set: { Via: 'SIP/2.0/UDP 0.0.0.0;branch=z9hG4bKx' } }), PROXY), 'SIP_BAD_VIA', 400);
    assert.equal(validateRequest(request({ set: { Via: 'SIP/2.0/UDP 0.0.0.0;branch=z9hG4bKx;received=192.0.2.9' } }), PROXY), undefined);
  });
});

void describe('strict mode (msg.checkAll)', () => {
  const m = (): SipMessage => request({ add: ['Date: Fri, 01 Jan 2010 16:00:00 EST'] });
  void test('a malformed Date is ignored by default (RFC 3261 §16.3 step 1)', () => assert.equal(validateRequest(m(), PROXY), undefined));
  void test('strict: the parse error becomes a 400 with its own code', () => {
    expectError(validateRequest(m(), { role: 'proxy', strict: true }), 'SIP_BAD_HEADER_VALUE', 400);
  });
  void test('strict on a clean request passes', () => assert.equal(validateRequest(request(), { role: 'uas', strict: true }), undefined));
});

void describe('Request-URI (RFC 3261 §8.2.2.1, §16.3 step 2, §19.1.1)', () => {
  void test('unknown scheme → 416', () => {
    expectError(validateRequest(request({ uri: 'mailto:bob@example.com' }), PROXY), 'SIP_UNSUPPORTED_URI_SCHEME', 416);
    expectError(validateRequest(request({ uri: 'nobodyKnowsThisScheme:x' }), UAS), 'SIP_UNSUPPORTED_URI_SCHEME', 416);
  });
  void test('sips, tel and an upper-case SIP scheme are supported by default', () => {
    assert.equal(validateRequest(request({ uri: 'sips:bob@example.com' }), PROXY), undefined);
    assert.equal(validateRequest(request({ uri: 'tel:+15551234567' }), PROXY), undefined);
    assert.equal(validateRequest(request({ uri: 'SIP:bob@example.com' }), PROXY), undefined);
  });
  void test('supportedSchemes narrows and widens the set', () => {
    expectError(validateRequest(request({ uri: 'tel:+15551234567' }), { role: 'uas', supportedSchemes: ['sip'] }), 'SIP_UNSUPPORTED_URI_SCHEME', 416);
    assert.equal(validateRequest(request({ uri: 'im:bob@example.com' }), { role: 'uas', supportedSchemes: ['sip', 'IM'] }), undefined);
  });
  void test('?headers in a SIP Request-URI → 400', () => {
    expectError(validateRequest(request({ uri: 'sip:bob@example.com?Route=%3Csip:x.example.com%3E' }), PROXY), 'SIP_BAD_REQUEST_URI', 400);
  });
  void test('"?" in the user part is not a header', () => {
    assert.equal(validateRequest(request({ uri: 'sip:crazy?,/;;*@example.com' }), PROXY), undefined);
  });
  void test('416 comes after the syntax checks', () => {
    expectError(validateRequest(request({ uri: 'mailto:bob@example.com', set: { CSeq: '1 INVITE' } }), PROXY), 'SIP_CSEQ_METHOD_MISMATCH', 400);
  });
});

void describe('Max-Forwards (RFC 3261 §16.3 step 3)', () => {
  void test('0 at a proxy → 483', () => {
    expectError(validateRequest(request({ method: 'INVITE', set: { 'Max-Forwards': '0' } }), PROXY), 'SIP_TOO_MANY_HOPS', 483);
    expectError(validateRequest(request({ set: { 'Max-Forwards': '0' } }), PROXY), 'SIP_TOO_MANY_HOPS', 483);
  });
  void test('0 at a UAS is processed normally (RFC 4475 §3.3.11)', () => {
    assert.equal(validateRequest(request({ set: { 'Max-Forwards': '0' } }), UAS), undefined);
  });
  void test('answerOptionsAtZeroMaxForwards lets the proxy answer OPTIONS itself, not INVITE', () => {
    const opts: ValidateOptions = { role: 'proxy', answerOptionsAtZeroMaxForwards: true };
    assert.equal(validateRequest(request({ set: { 'Max-Forwards': '0' } }), opts), undefined);
    expectError(validateRequest(request({ method: 'INVITE', set: { 'Max-Forwards': '0' } }), opts), 'SIP_TOO_MANY_HOPS', 483);
  });
  void test('1 passes', () => assert.equal(validateRequest(request({ set: { 'Max-Forwards': '1' } }), PROXY), undefined));
  void test('483 comes after the scheme check', () => {
    expectError(validateRequest(request({ uri: 'mailto:x@example.com', set: { 'Max-Forwards': '0' } }), PROXY), 'SIP_UNSUPPORTED_URI_SCHEME', 416);
  });
});

void describe('Proxy-Require and Require (RFC 3261 §16.3 step 5, §8.2.2.3)', () => {
  const m = (): SipMessage => request({ add: ['Proxy-Require: foo, Bar', 'Require: baz', 'Proxy-Require: foo, qux'] });
  void test('a proxy answers 420 listing the unsupported Proxy-Require tags once each', () => {
    const err = expectError(validateRequest(m(), PROXY), 'SIP_BAD_EXTENSION', 420);
    assert.equal(header(err, 'Unsupported'), 'foo, Bar, qux');
  });
  void test('supported tags are removed, case-insensitively', () => {
    const err = expectError(validateRequest(m(), { role: 'proxy', supportedOptionTags: ['FOO', 'bar'] }), 'SIP_BAD_EXTENSION', 420);
    assert.equal(header(err, 'Unsupported'), 'qux');
    assert.equal(validateRequest(m(), { role: 'proxy', supportedOptionTags: ['foo', 'bar', 'qux'] }), undefined);
  });
  void test('a UAS checks Require, not Proxy-Require', () => {
    const err = expectError(validateRequest(m(), UAS), 'SIP_BAD_EXTENSION', 420);
    assert.equal(header(err, 'Unsupported'), 'baz');
    assert.equal(validateRequest(m(), { role: 'uas', supportedOptionTags: ['baz'] }), undefined);
  });
  void test('a registrar checks Require like a UAS (§10.3 step 2)', () => {
    const r = request({ method: 'REGISTER', uri: 'sip:example.com', add: ['Require: path'] });
    assert.equal(header(expectError(validateRequest(r, REGISTRAR), 'SIP_BAD_EXTENSION', 420), 'Unsupported'), 'path');
  });
  void test('a proxy ignores Require', () => {
    assert.equal(validateRequest(request({ add: ['Require: baz'] }), PROXY), undefined);
  });
  void test('both are ignored in CANCEL and ACK', () => {
    for (const method of ['CANCEL', 'ACK']) {
      const c = request({ method, add: ['Proxy-Require: foo', 'Require: baz'] });
      assert.equal(validateRequest(c, PROXY), undefined);
      assert.equal(validateRequest(c, UAS), undefined);
    }
  });
  void test('420 comes after 483', () => {
    const r = request({ set: { 'Max-Forwards': '0' }, add: ['Proxy-Require: foo'] });
    expectError(validateRequest(r, PROXY), 'SIP_TOO_MANY_HOPS', 483);
  });
});

void describe('content (RFC 3261 §8.2.3)', () => {
  const sdp = 'v=0\r\n';
  void test('application/sdp is accepted by a UAS', () => {
    assert.equal(validateRequest(request({ method: 'INVITE', add: ['Content-Type: application/sdp'], body: sdp }), UAS), undefined);
  });
  void test('an unknown type → 415 with Accept (UAS only)', () => {
    const m = request({ method: 'INVITE', add: ['Content-Type: application/unknownformat'], body: sdp });
    const err = expectError(validateRequest(m, UAS), 'SIP_UNSUPPORTED_MEDIA_TYPE', 415);
    assert.equal(header(err, 'Accept'), 'application/sdp, multipart/mixed, multipart/alternative, message/sipfrag, text/plain');
    assert.equal(validateRequest(m, PROXY), undefined);
  });
  void test('acceptedContentTypes with a wildcard', () => {
    const m = request({ method: 'INVITE', add: ['Content-Type: application/unknownformat'], body: sdp });
    assert.equal(validateRequest(m, { role: 'uas', acceptedContentTypes: ['application/*'] }), undefined);
    const err = expectError(validateRequest(m, { role: 'uas', acceptedContentTypes: ['text/plain'] }), 'SIP_UNSUPPORTED_MEDIA_TYPE', 415);
    assert.equal(header(err, 'Accept'), 'text/plain');
  });
  void test('an optional body part (Content-Disposition handling=optional) is not refused', () => {
    const m = request({ method: 'INVITE', add: ['Content-Type: application/unknownformat', 'Content-Disposition: render;handling=optional'], body: sdp });
    assert.equal(validateRequest(m, UAS), undefined);
  });
  void test('a body without Content-Type → 400', () => {
    expectError(validateRequest(request({ method: 'INVITE', body: sdp }), UAS), 'SIP_MISSING_HEADER', 400);
  });
  void test('an empty body needs no Content-Type check', () => {
    assert.equal(validateRequest(request({ add: ['Content-Type: application/unknownformat'] }), UAS), undefined);
  });
  void test('an unknown Content-Encoding → 415 with Accept-Encoding', () => {
    const m = request({ method: 'INVITE', add: ['Content-Type: application/sdp', 'Content-Encoding: gzip'], body: sdp });
    const err = expectError(validateRequest(m, UAS), 'SIP_UNSUPPORTED_MEDIA_TYPE', 415);
    assert.equal(header(err, 'Accept-Encoding'), 'identity');
    assert.equal(validateRequest(m, { role: 'uas', acceptedContentEncodings: ['identity', 'gzip'] }), undefined);
  });
});

void describe('registrar (RFC 3261 §10.2, §10.3)', () => {
  const reg = (add: string[], set: Record<string, string | null> = {}): SipMessage => request({ method: 'REGISTER', uri: 'sip:example.com', add, set });
  void test('To that is not a SIP or SIPS URI → 400 (RFC 4475 §3.3.4)', () => {
    const m = reg([], { To: 'tel:+15551234567' });
    expectError(validateRequest(m, REGISTRAR), 'SIP_BAD_HEADER_VALUE', 400);
    assert.equal(validateRequest(m, PROXY), undefined);
  });
  void test('a sips AOR is fine', () => assert.equal(validateRequest(reg([], { To: '<sips:bob@example.com>' }), REGISTRAR), undefined));
  void test('Contact "*" with Expires: 0 is fine', () => assert.equal(validateRequest(reg(['Contact: *', 'Expires: 0']), REGISTRAR), undefined));
  void test('strict validation accepts Contact "*" (RFC 3261 §10.2.2, §20.10)', () => {
    const m = reg(['Contact: *', 'Expires: 0']);
    assert.equal(validateRequest(m, { role: 'registrar', strict: true }), undefined);
    assert.deepEqual(m.contacts(), []);
    assert.equal(m.contactStar, true);
  });
  void test('Contact "*" without Expires: 0 → 400', () => {
    expectError(validateRequest(reg(['Contact: *']), REGISTRAR), 'SIP_BAD_HEADER_VALUE', 400);
    expectError(validateRequest(reg(['Contact: *', 'Expires: 60']), REGISTRAR), 'SIP_BAD_HEADER_VALUE', 400);
  });
  void test('Contact "*" with another contact → 400', () => {
    expectError(validateRequest(reg(['Contact: *', 'Contact: <sip:a@192.0.2.1>', 'Expires: 0']), REGISTRAR), 'SIP_BAD_HEADER_VALUE', 400);
  });
  void test('a Contact URI with ?headers outside <> → 400 (RFC 3261 §20.10, RFC 4475 §3.1.2.13)', () => {
    const m = reg(['Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E']);
    expectError(validateRequest(m, REGISTRAR), 'SIP_BAD_HEADER_VALUE', 400);
    assert.equal(validateRequest(m, PROXY), undefined);
  });
  void test('the same URI inside <> is fine (RFC 4475 §3.3.14)', () => {
    assert.equal(validateRequest(reg(['Contact: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>']), REGISTRAR), undefined);
  });
  void test('registrar rules apply to REGISTER only', () => {
    assert.equal(validateRequest(request({ set: { To: 'tel:+15551234567' } }), REGISTRAR), undefined);
  });
  void test('a malformed lazy header is returned as a 400, not thrown', () => {
    expectError(validateRequest(reg(['Contact: <sip:a@192.0.2.1']), REGISTRAR), 'SIP_BAD_HEADER_VALUE', 400);
  });
});

void describe('validateResponse', () => {
  const ok = ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', 'From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>;tag=2', 'Call-ID: x@y', 'CSeq: 1 INVITE'];
  const withVia = (via: string): string[] => [...ok.slice(0, 2), `Via: ${via}`, ...ok.slice(2)];
  void test('one Via at a UAC passes', () => assert.equal(validateResponse(response(ok)), undefined));
  void test('two Vias at a UAC → bad response without status (§8.1.3.3)', () => {
    expectError(validateResponse(response(withVia('SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2'))), 'SIP_BAD_RESPONSE', undefined);
    expectError(validateResponse(response(withVia('SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2')), { role: 'uac' }), 'SIP_BAD_RESPONSE', undefined);
  });
  void test('a proxy forwards to a normal next Via', () => {
    assert.equal(validateResponse(response(withVia('SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2')), { role: 'proxy' }), undefined);
    assert.equal(validateResponse(response(ok), { role: 'proxy' }), undefined);
  });
  void test('a proxy drops a response whose next hop is broadcast (RFC 4475 §3.3.10)', () => {
    expectError(validateResponse(response(withVia('SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK2')), { role: 'proxy' }), 'SIP_BAD_RESPONSE', undefined);
    expectError(validateResponse(response(withVia('SIP/2.0/UDP h.example.com;branch=z9hG4bK2;received=255.255.255.255')), { role: 'proxy' }), 'SIP_BAD_RESPONSE', undefined);
  });
  void test('missing Call-ID → bad response', () => {
    expectError(validateResponse(response(ok.filter((l) => !l.startsWith('Call-ID')))), 'SIP_BAD_RESPONSE', undefined);
  });
  void test('two CSeq → bad response', () => {
    expectError(validateResponse(response([...ok, 'CSeq: 2 INVITE'])), 'SIP_BAD_RESPONSE', undefined);
  });
  void test('a request is not a response', () => {
    expectError(validateResponse(request()), 'SIP_BAD_RESPONSE', undefined);
  });
  void test('validateRequest hands a response to validateResponse', () => {
    expectError(validateRequest(response(withVia('SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2')), UAS), 'SIP_BAD_RESPONSE', undefined);
    assert.equal(validateRequest(response(withVia('SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2')), PROXY), undefined);
  });
});

void describe('buildErrorResponse (RFC 3261 §8.2.6)', () => {
  const two = 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1';
  void test('copies Via (in order), From, To + tag, Call-ID, CSeq; adds the error headers, Warning, Content-Length', () => {
    const req = request({ add: ['Proxy-Require: foo'], set: { Via: `${BASE['Via'] ?? ''}, ${two}` } });
    const err = validateRequest(req, PROXY);
    assert.ok(err !== undefined);
    const text = buildErrorResponse(req, err, 'abc123').toString('utf8');
    assert.equal(
      text,
      [
        'SIP/2.0 420 Bad Extension',
        `Via: ${BASE['Via'] ?? ''}, ${two}`,
        `From: ${BASE['From'] ?? ''}`,
        `To: ${BASE['To'] ?? ''};tag=abc123`,
        `Call-ID: ${BASE['Call-ID'] ?? ''}`,
        'CSeq: 314159 OPTIONS',
        'Unsupported: foo',
        'Warning: 399 sipclf "Unsupported extension(s): foo"',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    const res = parseMessage(Buffer.from(text));
    assert.equal(res.status, 420);
    assert.equal(res.toTag, 'abc123');
  });
  void test('the response to a single-Via request passes validateResponse at the UAC', () => {
    const req = request({ uri: 'mailto:x@example.com' });
    const err = validateRequest(req, UAS);
    assert.ok(err !== undefined);
    const res = parseMessage(buildErrorResponse(req, err, 't1'));
    assert.equal(res.status, 416);
    assert.equal(res.reason, 'Unsupported URI Scheme');
    assert.equal(validateResponse(res), undefined);
  });
  void test('an existing To tag is kept; none is added', () => {
    const req = request({ set: { To: '<sip:bob@example.com>;tag=xyz', CSeq: '1 INVITE' } });
    const err = validateRequest(req, UAS);
    assert.ok(err !== undefined);
    const text = buildErrorResponse(req, err, 'ignored').toString();
    assert.match(text, /\r\nTo: <sip:bob@example\.com>;tag=xyz\r\n/);
    assert.doesNotMatch(text, /ignored/);
  });
  void test('without toTag a random tag is generated', () => {
    const req = request({ set: { CSeq: '1 INVITE' } });
    const err = validateRequest(req, UAS);
    assert.ok(err !== undefined);
    assert.match(buildErrorResponse(req, err).toString(), /\r\nTo: <sip:bob@example\.com>;tag=[0-9a-f]{16}\r\n/);
  });
  void test('a request missing From, To and Call-ID still gets a well-formed 400', () => {
    const req = request({ set: { From: null, To: null, 'Call-ID': null } });
    const err = validateRequest(req, PROXY);
    assert.ok(err !== undefined);
    const res = parseMessage(buildErrorResponse(req, err));
    assert.equal(res.status, 400);
    assert.equal(res.count('To'), 0);
    assert.equal(res.get('CSeq'), '314159 OPTIONS');
    assert.match(res.get('Warning') ?? '', /^399 sipclf "Missing To, From, Call-ID header field"$/);
  });
  void test('Warning text is a quoted-string, agent configurable', () => {
    const req = request();
    const err = new SipValidationError('SIP_MISSING_HEADER', 'm', 'say "hi" \\ bye\r\nX: y');
    const res = parseMessage(buildErrorResponse(req, err, 't', { warnAgent: 'proxy.example.com:5060' }));
    assert.equal(res.get('Warning'), '399 proxy.example.com:5060 "say \\"hi\\" \\\\ bye  X: y"');
    assert.equal(res.count('X'), 0);
  });
  void test('an ACK, a response, or an error without status cannot be answered', () => {
    const bad = new SipValidationError('SIP_MISSING_HEADER', 'm', 'r');
    assert.throws(() => buildErrorResponse(request({ method: 'ACK' }), bad), (e: unknown) => e instanceof SipclfError && e.code === 'SIP_EDIT');
    assert.throws(() => buildErrorResponse(response(['SIP/2.0 200 OK']), bad), (e: unknown) => e instanceof SipclfError && e.code === 'SIP_EDIT');
    const noStatus = new SipValidationError('SIP_BAD_RESPONSE', 'm', 'r');
    assert.throws(() => buildErrorResponse(request(), noStatus), (e: unknown) => e instanceof SipclfError && e.code === 'SIP_EDIT');
  });
});

void test('reasonPhrase follows RFC 3261 §21', () => {
  assert.equal(reasonPhrase(400), 'Bad Request');
  assert.equal(reasonPhrase(420), 'Bad Extension');
  assert.equal(reasonPhrase(483), 'Too Many Hops');
  assert.equal(reasonPhrase(505), 'Version Not Supported');
  assert.equal(reasonPhrase(499), 'Client Error');
});
