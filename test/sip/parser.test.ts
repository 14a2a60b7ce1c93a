// parseMessage: start lines, header table, eager fields, body framing, limits and error codes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipParseError, type ErrorCode } from '../../src/errors.js';
import { parseMessage } from '../../src/sip/parser.js';
import { sip } from './util.js';

const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com:5062;branch=z9hG4bK776asdhds;rport',
  'Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKabc;received=192.0.2.7',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice; <the> one" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000;LogMe',
  'Route: <sip:p1.example.com;lr>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
];

function throwsCode(input: Buffer, code: ErrorCode, limits?: Parameters<typeof parseMessage>[1]): SipParseError {
  let caught: unknown;
  try {
    parseMessage(input, limits);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SipParseError, `expected SipParseError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught.offset >= 0 && caught.offset <= input.length, `offset ${caught.offset} within input`);
  return caught;
}

describe('parseMessage: a typical INVITE', () => {
  const buf = sip(INVITE, 'v=0\r\nEXTRA');
  const msg = parseMessage(buf);

  test('start line', () => {
    assert.equal(msg.isRequest, true);
    assert.equal(msg.method, 'INVITE');
    assert.equal(msg.requestUri, 'sip:bob@biloxi.example.com');
    assert.equal(msg.version, 'SIP/2.0');
    assert.equal(msg.status, 0);
  });

  test('eager fields', () => {
    assert.equal(msg.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.deepEqual(msg.cseq, { seq: 314159, method: 'INVITE' });
    assert.equal(msg.maxForwards, 70);
    assert.equal(msg.fromTag, '1928301774');
    assert.equal(msg.toTag, undefined);
    assert.equal(msg.contentLength, 4);
    assert.equal(msg.hasRoute, true);
    assert.equal(msg.hasRecordRoute, false);
    assert.equal(msg.viaCount, 2);
    assert.deepEqual(msg.topVia, {
      transport: 'UDP',
      host: 'pc33.atlanta.example.com',
      port: 5062,
      branch: 'z9hG4bK776asdhds',
      received: undefined,
      rport: true,
    });
  });

  test('Session-ID logme flag is found with any case (RFC 8497 §6)', () => {
    assert.equal(msg.logme, true);
    assert.equal(msg.sessionId?.local, 'ab30317f1a784dc48ff824d0d3715d86');
    assert.equal(msg.sessionId?.logme, true);
  });

  test('body by Content-Length; extra datagram octets dropped (RFC 4475 §3.1.1.8)', () => {
    assert.equal(msg.body.toString(), 'v=0\r');
    assert.equal(msg.raw.length, buf.length - 'EXTRA'.length - 1);
  });

  test('headers kept exactly as received', () => {
    const hs = msg.headers();
    assert.equal(hs.length, INVITE.length - 1);
    assert.equal(hs[4]?.raw.toString(), 'From: "Alice; <the> one" <sip:alice@atlanta.example.com>;tag=1928301774\r\n');
    assert.equal(hs[0]?.name, 'Via');
    assert.equal(msg.get('call-id'), 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.equal(msg.get('i'), 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.equal(msg.count('v'), 2);
  });
});

describe('parseMessage: header forms', () => {
  test('compact names, folded values, spaces before the colon, bare-LF tolerance', () => {
    const raw = Buffer.from(
      'OPTIONS sip:x@example.com SIP/2.0\r\nv: SIP/2.0/UDP h.example.com;branch=z9hG4bKx\r\nf: <sip:a@example.com>\r\n ;tag=77\r\n' +
        't  : sip:x@example.com\r\ni: cid\r\nCSeq: 1\r\n\tOPTIONS\r\nX-Custom: a\r\n  b\r\nl: 0\r\n\r\n',
    );
    const m = parseMessage(raw);
    assert.equal(m.fromTag, '77');
    assert.equal(m.callId, 'cid');
    assert.deepEqual(m.cseq, { seq: 1, method: 'OPTIONS' });
    assert.equal(m.get('x-custom'), 'a b');
    assert.equal(m.get('To'), 'sip:x@example.com');
    assert.equal(m.headers()[1]?.raw.toString(), 'f: <sip:a@example.com>\r\n ;tag=77\r\n');
  });

  test('name, offset and raw line of each header (a line starts where the one before it ends, layout.ts)', () => {
    const raw = Buffer.from('\r\nBYE sip:a@b SIP/2.0\nVia : SIP/2.0/UDP h;branch=z9hG4bK1\r\nX-Y.z~1:\r\n v\r\nl:0\r\n\r\n');
    const m = parseMessage(raw);
    assert.deepEqual(
      m.headers().map((h) => [h.name, h.offset, h.raw.toString(), h.value]),
      [
        ['Via', 22, 'Via : SIP/2.0/UDP h;branch=z9hG4bK1\r\n', 'SIP/2.0/UDP h;branch=z9hG4bK1'],
        ['X-Y.z~1', 59, 'X-Y.z~1:\r\n v\r\n', 'v'],
        ['l', 73, 'l:0\r\n', '0'],
      ],
    );
    assert.equal(m.count('x-y.z~1'), 1);
  });

  test('a response with an empty Reason-Phrase (RFC 4475 §3.1.1.13)', () => {
    const m = parseMessage(sip(['SIP/2.0 100 ', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'CSeq: 2 INVITE', 'l: 0']));
    assert.equal(m.isRequest, false);
    assert.equal(m.status, 100);
    assert.equal(m.reason, '');
    assert.equal(m.method, 'INVITE');
  });

  test('IPv6 sent-by and received in the top Via', () => {
    const m = parseMessage(sip(['REGISTER sip:[2001:db8::10] SIP/2.0', 'Via: SIP/2.0/TLS [2001:DB8::9]:5061;received=2001:db8::7;rport=5062;branch=z9hG4bKq', 'l: 0']));
    assert.equal(m.topVia?.host, '2001:db8::9');
    assert.equal(m.topVia?.port, 5061);
    assert.equal(m.topVia?.received, '2001:db8::7');
    assert.equal(m.topVia?.rport, 5062);
  });

  test('no Content-Length on a datagram: the body is the rest', () => {
    const m = parseMessage(sip(['MESSAGE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1'], 'hello'));
    assert.equal(m.body.toString(), 'hello');
  });

  test('a malformed Session-ID is recorded, not fatal (RFC 7989 §7)', () => {
    const m = parseMessage(sip(['BYE sip:a@b SIP/2.0', 'Session-ID: not-a-uuid;logme', 'l: 0']));
    assert.equal(m.sessionIdMalformed, true);
    assert.equal(m.logme, false);
    assert.equal(m.sessionId, undefined);
  });

  test('logme=value is not the marker (RFC 8497 §6 defines it valueless)', () => {
    const m = parseMessage(sip(['BYE sip:a@b SIP/2.0', 'Session-ID: ab30317f1a784dc48ff824d0d3715d86;logme=1', 'l: 0']));
    assert.equal(m.logme, false);
  });

  test('conflicting Content-Length values are flagged for the validator (RFC 4475 §3.3.9)', () => {
    const m = parseMessage(sip(['OPTIONS sip:a@b SIP/2.0', 'Content-Length: 2', 'Content-Length: 1'], 'ab'));
    assert.equal(m.contentLengthConflict, true);
  });
});

describe('parseMessage: the shared scratch table', () => {
  // parser.ts resets the eager slots one by one rather than all of them: whatever message came before, a message
  // gets the same table (a slot it does not set holds -1 or 0, never a value of the previous message).
  test('no eager value leaks from one message into the next', () => {
    const full = sip(INVITE, 'v=0\n');
    const response = sip(['SIP/2.0 180 Ringing', 'v: SIP/2.0/UDP [2001:db8::9]:5061;received=2001:db8::7;rport=5062;branch=z9hG4bKq', 'To: <sip:b@c>;tag=x', 'CSeq: 7 INVITE', 'i: r1', 'Record-Route: <sip:p;lr>', 'l: 0']);
    const bare = sip(['OPTIONS sip:a@b SIP/2.0', 'l: 0']);
    const bareResponse = sip(['SIP/2.0 200 OK']);
    for (const msg of [bare, bareResponse, response, full]) {
      const tables: number[][] = [];
      for (const before of [full, response, bare, bareResponse]) {
        parseMessage(before);
        tables.push(parseMessage(msg).e);
      }
      for (const tab of tables.slice(1)) assert.deepEqual(tab, tables[0]);
    }
  });
});

describe('parseMessage: errors carry a specific code and offset', () => {
  const cases: Array<[string, Buffer, ErrorCode]> = [
    ['empty', Buffer.from('\r\n\r\n'), 'SIP_EMPTY'],
    ['double SP in request line', sip(['INVITE  sip:a@b SIP/2.0', 'l: 0']), 'SIP_BAD_START_LINE'],
    ['trailing SP in request line', sip(['INVITE sip:a@b SIP/2.0 ', 'l: 0']), 'SIP_BAD_START_LINE'],
    ['R-URI in <>', sip(['INVITE <sip:a@b> SIP/2.0', 'l: 0']), 'SIP_BAD_REQUEST_URI'],
    ['LWS in R-URI', sip(['INVITE sip:a@b; lr SIP/2.0', 'l: 0']), 'SIP_BAD_REQUEST_URI'],
    ['R-URI without scheme', sip(['INVITE bob SIP/2.0', 'l: 0']), 'SIP_BAD_REQUEST_URI'],
    ['method not a token', sip(['INV;TE sip:a@b SIP/2.0', 'l: 0']), 'SIP_BAD_METHOD'],
    ['bad version', sip(['INVITE sip:a@b SIP/2', 'l: 0']), 'SIP_BAD_START_LINE'],
    ['status code too long', sip(['SIP/2.0 4294967301 Better Answer', 'l: 0']), 'SIP_BAD_STATUS_CODE'],
    ['status code out of range', sip(['SIP/2.0 099 Low', 'l: 0']), 'SIP_BAD_STATUS_CODE'],
    ['header without colon', sip(['OPTIONS sip:a@b SIP/2.0', 'Bogus header', 'l: 0']), 'SIP_BAD_HEADER_LINE'],
    ['first header line folded', sip(['OPTIONS sip:a@b SIP/2.0', ' l: 0']), 'SIP_BAD_HEADER_LINE'],
    ['no blank line', Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n'), 'SIP_NO_HEADER_END'],
    ['no LF at all', Buffer.from('OPTIONS sip:a@b SIP/2.0'), 'SIP_NO_HEADER_END'],
    ['CSeq garbage', sip(['OPTIONS sip:a@b SIP/2.0', 'CSeq: x OPTIONS', 'l: 0']), 'SIP_BAD_HEADER_VALUE'],
    ['CSeq overflow', sip(['OPTIONS sip:a@b SIP/2.0', 'CSeq: 2147483648 OPTIONS', 'l: 0']), 'SIP_SCALAR_RANGE'],
    ['Max-Forwards 256', sip(['OPTIONS sip:a@b SIP/2.0', 'Max-Forwards: 256', 'l: 0']), 'SIP_SCALAR_RANGE'],
    ['negative Content-Length', sip(['OPTIONS sip:a@b SIP/2.0', 'l: -3']), 'SIP_BAD_CONTENT_LENGTH'],
    ['huge Content-Length', sip(['OPTIONS sip:a@b SIP/2.0', 'l: 99999999999999999999']), 'SIP_SCALAR_RANGE'],
    ['Content-Length beyond the message', sip(['OPTIONS sip:a@b SIP/2.0', 'l: 10'], 'abc'), 'SIP_BODY_TRUNCATED'],
    ['Via without sent-by', sip(['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP', 'l: 0']), 'SIP_BAD_HEADER_VALUE'],
    ['Via port out of range', sip(['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h:70000', 'l: 0']), 'SIP_SCALAR_RANGE'],
    ['From with open quote', sip(['OPTIONS sip:a@b SIP/2.0', 'From: "abc <sip:a@b>;tag=1', 'l: 0']), 'SIP_UNTERMINATED_QUOTE'],
    ['empty Call-ID', sip(['OPTIONS sip:a@b SIP/2.0', 'Call-ID: ', 'l: 0']), 'SIP_BAD_HEADER_VALUE'],
  ];
  for (const [name, input, code] of cases) test(`${name} → ${code}`, () => void throwsCode(input, code));

  test('the offset points at the offending byte', () => {
    const err = throwsCode(sip(['OPTIONS sip:a@b SIP/2.0', 'CSeq: 1 OPT(', 'l: 0']), 'SIP_BAD_HEADER_VALUE');
    assert.equal(err.offset, 'OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPT'.length);
  });
});

describe('parseMessage: limits are checked before allocating', () => {
  const big = sip(['OPTIONS sip:a@b SIP/2.0', `X: ${'a'.repeat(200)}`, 'l: 0']);
  test('maxMessageBytes', () => void throwsCode(big, 'SIP_LIMIT_MESSAGE_SIZE', { maxMessageBytes: 100 }));
  test('maxLineBytes', () => void throwsCode(big, 'SIP_LIMIT_LINE_LENGTH', { maxLineBytes: 100 }));
  test('maxLineBytes counts folded continuations', () => {
    const folded = sip(['OPTIONS sip:a@b SIP/2.0', `X: ${'a'.repeat(60)}`, ` ${'b'.repeat(60)}`, 'l: 0']);
    throwsCode(folded, 'SIP_LIMIT_LINE_LENGTH', { maxLineBytes: 100 });
    assert.equal(parseMessage(folded, { maxLineBytes: 200 }).get('x')?.length, 121);
  });
  test('maxHeaders', () => {
    const many = sip(['OPTIONS sip:a@b SIP/2.0', ...Array.from({ length: 11 }, (_, i) => `X-${i}: v`), 'l: 0']);
    throwsCode(many, 'SIP_LIMIT_HEADER_COUNT', { maxHeaders: 10 });
    assert.equal(parseMessage(many, { maxHeaders: 12 }).headerCount, 12);
  });
  test('more headers than the initial scratch table holds', () => {
    const many = sip(['OPTIONS sip:a@b SIP/2.0', ...Array.from({ length: 200 }, (_, i) => `X-${i}: v${i}`), 'l: 0']);
    const m = parseMessage(many);
    assert.equal(m.headerCount, 201);
    assert.equal(m.get('x-199'), 'v199');
  });
});
