// encodeRecord escaping and limits (RFC 6873 §4, §4.3), the optional-field helpers and their 4096-byte cap
// with the truncation marker (§4.4, RFC 6872 §8), and recordFromMessage / formatAddress.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipclfError, type ErrorCode } from '../../src/errors.js';
import { decodeRecord } from '../../src/clf/decode.js';
import { encodeRecord, writeMandatory } from '../../src/clf/encode.js';
import { formatAddress, recordFromMessage } from '../../src/clf/from-sip.js';
import { OctetValueField } from '../../src/clf/octet-field.js';
import { bodyField, decodeOptionalValue, entityField, headerField, messageField, parseTruncationMarker, vendorField } from '../../src/clf/optional.js';
import { SIPCLF_PEN, UNPARSEABLE, VTAG_TRUNCATED, type ClfRecord } from '../../src/clf/record.js';
import { parseMessage } from '../../src/sip/parser.js';

const R: ClfRecord = {
  timestamp: 5,
  isRequest: false,
  retransmission: 'D',
  direction: 'S',
  transport: 'T',
  encrypted: true,
  cseq: '2 BYE',
  status: '200',
  requestUri: null,
  destination: '[2001:db8::9]:5061',
  source: '192.0.2.1:5061',
  toUri: 'sip:b@example.com',
  toTag: 't',
  fromUri: 'sip:a@example.com',
  fromTag: 'f',
  callId: 'c',
  serverTxn: null,
  clientTxn: UNPARSEABLE,
  optional: [],
};

const code = (c: ErrorCode) => (e: unknown) => e instanceof SipclfError && e.code === c;

describe('encodeRecord', () => {
  test('timestamp, flags and null/UNPARSEABLE', () => {
    const s = encodeRecord(R);
    assert.equal(s.slice(61, 82), '0000000000.005\trDSTE\t');
    assert.ok(s.endsWith('\t-\t?\n'));
    assert.deepEqual(decodeRecord(s), R);
  });
  test('mandatory escaping: lone -/? → %2D/%3F, TAB/CR/LF → SP, other text untouched', () => {
    assert.equal(writeMandatory('-'), '%2D');
    assert.equal(writeMandatory('?'), '%3F');
    assert.equal(writeMandatory('--'), '--');
    assert.equal(writeMandatory('%2D'), '%2D'); // not escaped: decodes to '-' (documented ambiguity)
    assert.equal(writeMandatory('a\tb\r\nc'), 'a b  c');
    const r = decodeRecord(encodeRecord({ ...R, toTag: '-', fromTag: '?', callId: 'x\ty' }));
    assert.equal(r.toTag, '-');
    assert.equal(r.fromTag, '?');
    assert.equal(r.callId, 'x y');
  });
  test('mandatory fields are capped at 4096 bytes, not inside a UTF-8 character', () => {
    const big = 'a'.repeat(4095) + '\xc3\xa9';
    assert.equal(writeMandatory(big), 'a'.repeat(4095));
    assert.equal(writeMandatory('b'.repeat(5000)).length, 4096);
    const all = Object.fromEntries(['cseq', 'callId', 'toUri', 'fromUri'].map((k) => [k, 'z'.repeat(9000)]));
    assert.equal(decodeRecord(encodeRecord({ ...R, ...all })).callId, 'z'.repeat(4096));
  });
  test('errors for what the format cannot hold', () => {
    assert.throws(() => encodeRecord({ ...R, timestamp: -1 }), code('CLF_TIMESTAMP_RANGE'));
    assert.throws(() => encodeRecord({ ...R, timestamp: 1e13 }), code('CLF_TIMESTAMP_RANGE'));
    assert.throws(() => encodeRecord({ ...R, timestamp: 1.5 }), code('CLF_TIMESTAMP_RANGE'));
    assert.equal(encodeRecord({ ...R, timestamp: 9_999_999_999_999 }).slice(61, 75), '9999999999.999');
    const opt = (tag: number, vendor: number, value = 'x') => ({ ...R, optional: [{ tag, vendor, base64: false, value }] });
    assert.throws(() => encodeRecord(opt(100, 0)), code('CLF_TAG_RANGE'));
    assert.throws(() => encodeRecord(opt(-1, 0)), code('CLF_TAG_RANGE'));
    assert.throws(() => encodeRecord(opt(1, 100_000_000)), code('CLF_TAG_RANGE'));
    assert.throws(() => encodeRecord(opt(1, 0, 'x'.repeat(0x10000))), code('CLF_VALUE_TOO_LONG'));
    assert.throws(() => encodeRecord(opt(1, 0, 'a\tb')), code('CLF_BAD_VALUE'));
    assert.throws(() => encodeRecord(opt(1, 0, 'a\nb')), code('CLF_BAD_VALUE'));
    assert.throws(() => encodeRecord({ ...R, transport: 'X' as 'U' }), code('CLF_BAD_VALUE'));
    const many = Array.from({ length: 260 }, () => ({ tag: 1, vendor: 0, base64: false, value: 'v'.repeat(0xffff) }));
    assert.throws(() => encodeRecord({ ...R, optional: many }), code('CLF_RECORD_TOO_LONG'));
    const wide = { ...R, callId: 'c'.repeat(40000), fromUri: 'f'.repeat(30000) };
    assert.throws(() => encodeRecord(wide, { maxFieldBytes: 50000 }), code('CLF_POINTER_OVERFLOW'));
  });
});

describe('optional-field helpers', () => {
  test('TAB → SP and CRLF → %0D%0A in text values; Length = bytes as written', () => {
    const f = messageField('A\tB\r\nC').field;
    assert.deepEqual(f, { tag: 2, vendor: 0, base64: false, value: 'A B%0D%0AC' });
    assert.equal(decodeOptionalValue(f), 'A B\r\nC');
    assert.ok(encodeRecord({ ...R, optional: [f] }).endsWith('\t02@00000000,000A,00,A B%0D%0AC\n'));
  });
  test('unprintable → base64: controls, DEL, invalid UTF-8, lone CR, lone LF, literal %0D%0A', () => {
    for (const v of ['a\x00b', 'a\x7f', 'caf\xe9', 'a\rb', 'a\nb', 'a%0D%0Ab', 'x\r\n\n']) {
      const f = messageField(v).field;
      assert.equal(f.base64, true, JSON.stringify(v));
      assert.equal(decodeOptionalValue(f), v);
    }
    assert.equal(messageField('caf\xc3\xa9').field.base64, false); // valid UTF-8 stays text
    assert.equal(messageField('a%0d%0ab').field.base64, false); // only the exact escape is ambiguous
  });
  test('Tag 00: name, colon and LWS stay text when the value is base64; folding undone', () => {
    const f = headerField('Subject', ' \t caf\xe9').field;
    assert.equal(f.value, 'Subject:   ' + Buffer.from('caf\xe9', 'latin1').toString('base64'));
    assert.equal(decodeOptionalValue(f), 'Subject:   caf\xe9');
    assert.equal(headerField('Via', ' a;\r\n b=1\r\n').field.value, 'Via: a; b=1');
  });
  test('Tag 01: Content-Type SP body; base64 covers only the body', () => {
    const f = bodyField('application/octet-stream', '\x01\x02').field;
    assert.equal(f.value, 'application/octet-stream AQI=');
    assert.equal(decodeOptionalValue(f), 'application/octet-stream \x01\x02');
    assert.equal(decodeOptionalValue(bodyField('multipart/mixed; boundary=x', '\x00').field), 'multipart/mixed; boundary=x \x00');
  });
  test('vendor fields and their PEN range', () => {
    assert.deepEqual(vendorField(10, SIPCLF_PEN, 'proxy-1').field, { tag: 10, vendor: 32473, base64: false, value: 'proxy-1' });
    assert.throws(() => vendorField(1, 0, 'x'), code('CLF_TAG_RANGE'));
    assert.deepEqual(entityField('edge-1').field, { tag: 10, vendor: 32473, base64: false, value: 'edge-1' });
  });
  test('decodeOptionalValue rejects bad base64', () => {
    assert.throws(() => decodeOptionalValue({ tag: 2, vendor: 0, base64: true, value: 'abc' }), code('CLF_BAD_BASE64'));
    assert.throws(() => decodeOptionalValue({ tag: 2, vendor: 0, base64: true, value: 'ab!d' }), code('CLF_BAD_BASE64'));
  });
});

describe('4096-byte cap and truncation marker', () => {
  test('text: cut to 4096 written bytes, never inside %0D%0A; marker TT@VVVVVVVV N', () => {
    const msg = 'a'.repeat(4093) + '\r\n' + 'b'.repeat(100); // the escape would straddle 4096
    const { field, marker } = messageField(msg);
    assert.equal(field.value, 'a'.repeat(4093));
    assert.ok(marker);
    assert.deepEqual(marker, { tag: VTAG_TRUNCATED, vendor: SIPCLF_PEN, base64: false, value: `02@00000000 ${msg.length}` });
    assert.deepEqual(parseTruncationMarker(marker.value), { tag: 2, vendor: 0, bytes: msg.length });
    const exact = messageField('c'.repeat(4096));
    assert.equal(exact.marker, undefined);
  });
  test('base64: raw bytes cut before encoding so the value stays decodable and ≤ 4096', () => {
    const raw = '\x00'.repeat(5000);
    const { field, marker } = bodyField('application/x', raw);
    assert.ok(field.value.length <= 4096);
    const logical = decodeOptionalValue(field);
    assert.ok(('application/x ' + raw).startsWith(logical));
    assert.equal(marker?.value, `01@00000000 ${'application/x '.length + 5000}`);
  });
  test('a record with a capped field and its marker decodes; the marker tells the reader', () => {
    const c = messageField('m'.repeat(6000));
    const rec = decodeRecord(encodeRecord({ ...R, optional: [c.field, c.marker!] }));
    assert.equal(rec.optional.length, 2);
    assert.equal(parseTruncationMarker(rec.optional[1]!.value)?.bytes, 6000);
  });
});

describe('recordFromMessage and formatAddress', () => {
  test('formatAddress: IPv4 as is, IPv6 canonical in brackets', () => {
    assert.equal(formatAddress('192.0.2.1', 5060), '192.0.2.1:5060');
    assert.equal(formatAddress('2001:DB8:0:0:0:0:0:9', 5060), '[2001:db8::9]:5060');
    assert.equal(formatAddress('[2001:db8::9]', 5061), '[2001:db8::9]:5061');
  });
  const meta = { timestamp: 1000, direction: 'S', transport: 'T', encrypted: false, retransmission: 'O', source: 'a:1', destination: 'b:2' } as const;
  const resp = parseMessage(
    Buffer.from(
      'SIP/2.0 180 Ringing\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nTo: Bob <sip:bob@example.com;transport=tcp>;tag=a6c85cf\r\n' +
        'From: <sip:alice@example.com?subject=x>;tag=19\r\nCall-ID: a84b\r\nm: <sip:bob@192.0.2.4>\r\nContact: <sip:bob2@192.0.2.5>\r\n' +
        'CSeq: 314159 INVITE\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhi\tyo',
      'latin1',
    ),
  );
  test('response: status, no R-URI, bare URIs, tags; Tag 00 per occurrence, Reason-Phrase, body, whole message', () => {
    const r = recordFromMessage(resp, meta, { headers: ['Contact', 'Reason-Phrase'], body: true });
    assert.equal(r.isRequest, false);
    assert.equal(r.status, '180');
    assert.equal(r.requestUri, null);
    assert.equal(r.cseq, '314159 INVITE');
    assert.equal(r.toUri, 'sip:bob@example.com');
    assert.equal(r.toTag, 'a6c85cf');
    assert.equal(r.fromUri, 'sip:alice@example.com');
    assert.equal(r.fromTag, '19');
    assert.equal(r.serverTxn, null);
    assert.deepEqual(
      r.optional.map((f) => f.value).slice(0, 4),
      ['Reason-Phrase: Ringing', 'm: <sip:bob@192.0.2.4>', 'Contact: <sip:bob2@192.0.2.5>', 'text/plain hi yo'],
    );
    assert.equal(r.optional[4]?.tag, 2);
    const whole = r.optional[4];
    assert.ok(whole);
    assert.equal(decodeOptionalValue(whole), resp.raw.latin1Slice().replaceAll('\t', ' '));
    assert.deepEqual(decodeRecord(encodeRecord(r)), r);
  });
  test('a mask that changes nothing: Tag 02 comes from the octets (octet-field.ts), the same Value as messageField', () => {
    const m = parseMessage(Buffer.from('OPTIONS sip:x SIP/2.0\r\nTo: <sip:x>\r\nFrom: <sip:y>;tag=1\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n', 'latin1'));
    const r = recordFromMessage(m, meta, { mask: (t) => t.slice(0, 5) + t.slice(5) });
    assert.ok(r.optional[0] instanceof OctetValueField);
    assert.equal(r.optional[0].value, messageField(m.raw.latin1Slice(), m.raw).field.value);
  });
  test('mask rewrites the logged message; unparseable To → ?', () => {
    const r = recordFromMessage(resp, meta, { mask: (m) => m.replaceAll('alice', 'XXXXX') });
    assert.ok(decodeOptionalValue(r.optional[0]!).includes('sip:XXXXX@example.com'));
    const bad = parseMessage(Buffer.from('OPTIONS sip:x SIP/2.0\r\nTo: <sip:>\r\nFrom: <sip:y>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\n\r\n', 'latin1'));
    const b = recordFromMessage(bad, meta, { wholeMessage: false });
    assert.equal(b.toUri, UNPARSEABLE);
    assert.equal(b.toTag, UNPARSEABLE);
    assert.equal(b.fromUri, 'sip:y');
    assert.equal(b.fromTag, null);
    assert.equal(b.status, null);
    assert.equal(b.requestUri, 'sip:x');
  });
  test('To/From fields are remembered per value as received: repeats give what a parse gives, whatever came before', () => {
    const msg = (to: string, from: string): ReturnType<typeof parseMessage> =>
      parseMessage(Buffer.from(`OPTIONS sip:x SIP/2.0\r\nTo: ${to}\r\nFrom: ${from}\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\n\r\n`, 'latin1'));
    const cases: Array<[string, string, unknown, unknown, unknown, unknown]> = [
      ['<sip:>', '<sip:y>;tag=1', UNPARSEABLE, UNPARSEABLE, 'sip:y', '1'],
      ['"A" <sip:a@h;p=1>;tag=9', '<sip:>', 'sip:a@h', '9', UNPARSEABLE, UNPARSEABLE],
      // the same From bytes as a To of the first case: each header's own value decides
      ['<sip:y>;tag=1', '"A" <sip:a@h;p=1>;tag=9', 'sip:y', '1', 'sip:a@h', '9'],
      ['"Ä" <sip:u@h>', '<sip:y>;tag=1', 'sip:u@h', null, 'sip:y', '1'],
      ['<sip:ü@h>', '<sip:y>;tag=1', UNPARSEABLE, UNPARSEABLE, 'sip:y', '1'], // unescaped UTF-8 in a URI user
    ];
    for (let round = 0; round < 2; round++) {
      for (const [to, from, toUri, toTag, fromUri, fromTag] of cases) {
        const r = recordFromMessage(msg(Buffer.from(to, 'utf8').toString('latin1'), from), meta, { wholeMessage: false });
        assert.deepEqual([r.toUri, r.toTag, r.fromUri, r.fromTag], [toUri, toTag, fromUri, fromTag], `round ${round}: To ${to}, From ${from}`);
      }
    }
  });
});
