// RFC 6873 §5 and RFC 7355 §5.1/§5.2 bit-exact records and the RFC 6873 §4.4 optional-field examples, in
// both directions (decode the RFC's bytes, encode the decoded model back). Vectors: test/vectors/clf/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ClfDecodeError } from '../../src/errors.js';
import { decodeRecord, field, optionalFields, recordLengthAt } from '../../src/clf/decode.js';
import { encodeRecord } from '../../src/clf/encode.js';
import { recordFromMessage } from '../../src/clf/from-sip.js';
import { bodyField, decodeOptionalValue, headerField, reasonPhraseField, vendorField } from '../../src/clf/optional.js';
import { SIPCLF_PEN, type ClfRecord, type OptionalField } from '../../src/clf/record.js';
import { parseMessage } from '../../src/sip/parser.js';
import { RFC6873_S5, RFC7355_WS, RFC7355_WSS, vectorBytes } from './fixtures.js';

const DIR = fileURLToPath(new URL('../../../test/vectors/clf/', import.meta.url));

/** Bytes of a vector as a binary string. */
const b64file = (name: string): string => vectorBytes(name).latin1Slice();

const S5 = b64file('rfc6873-s5-clf_record.b64');
const WS = b64file('rfc7355-s5.1-ws.b64');
const WSS = b64file('rfc7355-s5.2-wss.b64');

const S5_MODEL: ClfRecord = RFC6873_S5;
const WS_MODEL: ClfRecord = RFC7355_WS;

/** The same record with its pointers rewritten 0-based (the §4.1 prose reading). */
function zeroBased(rec: string): string {
  let ptrs = '';
  for (let i = 0; i < 13; i++) ptrs += (parseInt(rec.slice(8 + 4 * i, 12 + 4 * i), 16) - 1).toString(16).toUpperCase().padStart(4, '0');
  return rec.slice(0, 8) + ptrs + rec.slice(60);
}

describe('RFC 6873 §5 record', () => {
  test('decodes to the RFC values', () => {
    assert.equal(S5.length, 256);
    assert.equal(recordLengthAt(S5), 256);
    assert.deepEqual(decodeRecord(S5), S5_MODEL);
  });
  test('encodes byte-exact, 1-based pointers', () => {
    assert.equal(encodeRecord(S5_MODEL), S5);
    assert.equal(S5.slice(8, 12), '0053');
  });
  test('0-based pointers (the §4.1 prose) decode the same', () => {
    const z = zeroBased(S5);
    assert.equal(z.slice(8, 12), '0052');
    assert.deepEqual(decodeRecord(z), S5_MODEL);
    assert.equal(field(z, 0, 'callId'), 'DL70dff590c1-1079051554@example.com');
    const withOpt = { ...S5_MODEL, optional: [headerField('Contact', ' <sip:bob@192.0.2.4>').field] };
    const z2 = zeroBased(encodeRecord(withOpt));
    assert.equal(z2.slice(56, 60), '00FF'); // the 0-based offset of the optional field's TAB
    assert.deepEqual(decodeRecord(z2), withOpt);
    assert.deepEqual(optionalFields(z2), withOpt.optional);
  });
  test('index access reads each field through its pointer', () => {
    for (const name of ['cseq', 'status', 'requestUri', 'destination', 'source', 'toUri', 'toTag', 'fromUri', 'fromTag', 'callId', 'serverTxn', 'clientTxn'] as const) {
      assert.equal(field(S5, 0, name), S5_MODEL[name], name);
    }
    assert.deepEqual(optionalFields(S5), []);
  });
  test('from the §5 SIP message: recordFromMessage reproduces the record', () => {
    const msg = parseMessage(
      Buffer.from(
        [
          'INVITE sip:192.0.2.10 SIP/2.0',
          'To: <sip:192.0.2.10>',
          'Call-ID: DL70dff590c1-1079051554@example.com',
          'From: "Alice" <sip:1001@example.com:5060>;tag=DL88360fa5fc;epid=0x34619b0',
          'CSeq: 1 INVITE',
          'Max-Forwards: 70',
          'Date: Thu, 21 Feb 2012 15:02:03 GMT',
          'Via: SIP/2.0/TCP 192.0.2.200:5060;branch=z9hG4bK-1f6be070c4-DL',
          'Contact: "1001" <sip:1001@192.0.2.200:5060>',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        'latin1',
      ),
    );
    const r = recordFromMessage(
      msg,
      {
        timestamp: 1328821153010,
        direction: 'R',
        transport: 'U',
        encrypted: false,
        retransmission: 'O',
        source: '192.0.2.200:56485',
        destination: '192.0.2.10:5060',
        serverTxn: 'S1781761-88',
        clientTxn: 'C67651-11',
      },
      { wholeMessage: false },
    );
    assert.equal(encodeRecord(r), S5);
  });
  test('the digest’s derived record with one optional field (Contact)', () => {
    const c = headerField('Contact', ' <sip:bob@192.0.2.4>').field;
    const rec = encodeRecord({ ...S5_MODEL, optional: [c] });
    assert.equal(rec.slice(0, 7), 'A000131');
    assert.equal(rec.slice(56, 60), '0100');
    assert.equal(rec.slice(255), '\t00@00000000,001C,00,Contact: <sip:bob@192.0.2.4>\n');
    assert.deepEqual(decodeRecord(rec).optional, [c]);
  });
});

describe('RFC 7355 §5 WebSocket records', () => {
  test('WS: the base64 carries one extra LF after the 231-byte record; the record round-trips', () => {
    assert.equal(WS.length, 232);
    assert.equal(recordLengthAt(WS), 231);
    assert.equal(WS.slice(231), '\n');
    assert.deepEqual(decodeRecord(WS), WS_MODEL);
    assert.equal(encodeRecord(WS_MODEL), WS.slice(0, 231));
  });
  test('WSS: the bytes say RORWU (unencrypted) — decoded as written, re-encoded byte-exact', () => {
    const model = RFC7355_WSS;
    assert.equal(WSS.length, 233);
    assert.equal(recordLengthAt(WSS), 232);
    assert.equal(WSS.slice(76, 81), 'RORWU');
    assert.deepEqual(decodeRecord(WSS), model);
    assert.equal(encodeRecord(model), WSS.slice(0, 232));
  });
  test('WSS as RFC 7355 §4 requires (E): differs from the RFC bytes in that flag byte only', () => {
    const model = { ...RFC7355_WSS, encrypted: true };
    const mine = encodeRecord(model);
    const rfc = WSS.slice(0, 232);
    assert.equal(mine.slice(76, 81), 'RORWE');
    assert.equal(mine.slice(0, 80) + mine.slice(81), rfc.slice(0, 80) + rfc.slice(81));
    assert.deepEqual(decodeRecord(mine), model);
  });
});

describe('RFC 6873 §4.4 optional-field examples', () => {
  const lines = readFileSync(DIR + 'optional-fields.txt', 'latin1').trimEnd().split('\n');
  /** A §5 record carrying the example line as its one optional field (the RFC omits the leading TAB). */
  const inRecord = (line: string): string => {
    const base = encodeRecord(S5_MODEL);
    const rec = base.slice(0, base.length - 1) + '\t' + line + '\n';
    return 'A' + rec.length.toString(16).toUpperCase().padStart(6, '0') + rec.slice(7);
  };
  const parse = (line: string, lenient = false): OptionalField => {
    const [f] = optionalFields(inRecord(line), 0, { lenientLength: lenient });
    assert.ok(f);
    return f;
  };

  test('(1) Contact and (2) Reason-Phrase: byte-exact from the helpers', () => {
    assert.deepEqual(parse(lines[0] as string), headerField('Contact', ' <sip:bob@192.0.2.4>').field);
    assert.deepEqual(parse(lines[1] as string), reasonPhraseField('Ringing').field);
    const rec = encodeRecord({ ...S5_MODEL, optional: [reasonPhraseField('Ringing').field] });
    assert.equal(rec, inRecord(lines[1] as string));
  });
  test('(3) SDP: the printed Length 0x008B is wrong (0x00A9 as written) — strict decode rejects, lenient reads', () => {
    const line = lines[2] as string;
    assert.throws(() => optionalFields(inRecord(line)), (e: unknown) => e instanceof ClfDecodeError && e.code === 'CLF_OPTIONAL_LENGTH' && e.offset === 256 + 12);
    const f = parse(line, true);
    const sdp = 'v=0\r\no=alice 2890844526 2890844526 IN IP4 host.example.com\r\ns=-\r\nc=IN IP4 host.example.com\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 97\r\n';
    assert.equal(decodeOptionalValue(f), 'application/sdp ' + sdp);
    const mine = bodyField('application/sdp', sdp).field;
    assert.deepEqual(mine, f);
    assert.equal(encodeRecord({ ...S5_MODEL, optional: [mine] }), inRecord(line.replace('008B', '00A9')));
  });
  test('(4) binary body: MIME-style base64 decodes to the RFC 4475 mpart01 part; ours is plain base64', () => {
    const mpart = readFileSync(fileURLToPath(new URL('../../../test/vectors/rfc4475/mpart01.dat', import.meta.url)));
    const part = mpart.subarray(924, 924 + 342).latin1Slice();
    const f = parse(lines[3] as string);
    assert.equal(f.value.length, 0x216);
    assert.equal(decodeOptionalValue(f), 'multipart/mixed;boundary=7a9cbec02ceef655 ' + part);
    assert.equal(part.split('\t').length - 1, 5, 'the part holds TAB octets, kept by the RFC inside base64');
    const mine = bodyField('multipart/mixed;boundary=7a9cbec02ceef655', part).field;
    assert.equal(mine.base64, true);
    assert.equal(mine.value, 'multipart/mixed;boundary=7a9cbec02ceef655 ' + Buffer.from(part, 'latin1').toString('base64'));
    assert.equal(decodeOptionalValue(mine), decodeOptionalValue(f));
  });
  test('(5) vendor 03@00032473 byte-exact; (6) 07@00032473 printed 0016 is decimal 16 = 0x0010', () => {
    assert.deepEqual(parse(lines[4] as string), vendorField(3, SIPCLF_PEN, 'a=rtpmap:0 PCMU/8000').field);
    const six = lines[5] as string;
    assert.throws(() => optionalFields(inRecord(six)), (e: unknown) => e instanceof ClfDecodeError && e.code === 'CLF_OPTIONAL_LENGTH');
    const mine = vendorField(7, SIPCLF_PEN, '1877 example.com').field;
    assert.deepEqual(parse(six, true), mine);
    assert.ok(encodeRecord({ ...S5_MODEL, optional: [mine] }).endsWith('\t07@00032473,0010,00,1877 example.com\n'));
  });
});
