import assert from 'node:assert/strict';
import { isCallId, parseJoin, parseReplaces, parseTargetDialog } from '../../../src/sip/grammar/dialog-headers.js';
import { MAX_CSEQ, parseCSeq, parseMediaType, parseReferTo, parseUint } from '../../../src/sip/grammar/simple.js';
import type { SipUri } from '../../../src/sip/grammar/uri.js';
import type { ErrorCode } from '../../../src/errors.js';
import { describe, it, throwsCode } from './helpers.js';

describe('Replaces (RFC 3891 §6.1)', () => {
  it('parses the RFC examples', () => {
    const r = parseReplaces('98732@sip.example.com ;from-tag=r33th4x0r ;to-tag=ff87ff');
    assert.deepEqual([r.callId, r.fromTag, r.toTag, r.earlyOnly], ['98732@sip.example.com', 'r33th4x0r', 'ff87ff', false]);
    const e = parseReplaces('12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only');
    assert.deepEqual([e.callId, e.toTag, e.fromTag, e.earlyOnly], ['12adf2f34456gs5', '12345', '54321', true]);
    const u = parseReplaces('a;To-Tag=1;FROM-TAG=2;Early-Only;x=y');
    assert.deepEqual([u.toTag, u.fromTag, u.earlyOnly, u.params.get('x')], ['1', '2', true, 'y']);
    const m = parseReplaces('abc@[::1]');
    assert.deepEqual([m.callId, m.toTag, m.fromTag], ['abc@[::1]', undefined, undefined]);
  });
  const bad: Array<[string, ErrorCode]> = [
    ['', 'SIP_BAD_HEADER_VALUE'],
    [';to-tag=1', 'SIP_BAD_HEADER_VALUE'],
    ['a@', 'SIP_BAD_HEADER_VALUE'],
    ['a;to-tag=1;to-tag=2', 'SIP_BAD_HEADER_VALUE'],
    ['a;to-tag', 'SIP_BAD_HEADER_VALUE'],
    ['a;to-tag="1"', 'SIP_BAD_HEADER_VALUE'],
    ['a;early-only=yes', 'SIP_BAD_HEADER_VALUE'],
    ['a b;to-tag=1', 'SIP_BAD_HEADER_VALUE'],
    ['a;from-tag="x', 'SIP_UNTERMINATED_QUOTE'],
  ];
  for (const [s, code] of bad) it(`rejects ${JSON.stringify(s)}`, () => throwsCode(() => parseReplaces(s), code, s));
});

describe('Join (RFC 3911 §7.1) and Target-Dialog (RFC 4538 §7)', () => {
  it('Join', () => {
    const j = parseJoin('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff');
    assert.deepEqual([j.callId, j.fromTag, j.toTag], ['98732@sip.example.com', 'r33th4x0r', 'ff87ff']);
    throwsCode(() => parseJoin('x;from-tag=1;from-tag=1'), 'SIP_BAD_HEADER_VALUE');
    throwsCode(() => parseJoin('x;;'), 'SIP_BAD_HEADER_VALUE');
  });
  it('Target-Dialog', () => {
    const t = parseTargetDialog('fa77as7dad8-sd98ajzz@host.example.com ;local-tag=kkaz- ;remote-tag=6544');
    assert.deepEqual([t.callId, t.localTag, t.remoteTag], ['fa77as7dad8-sd98ajzz@host.example.com', 'kkaz-', '6544']);
    const n = parseTargetDialog('abc');
    assert.deepEqual([n.localTag, n.remoteTag, n.params.size], [undefined, undefined, 0]);
    throwsCode(() => parseTargetDialog('a;local-tag=1;LOCAL-TAG=2'), 'SIP_BAD_HEADER_VALUE');
    throwsCode(() => parseTargetDialog('a;remote-tag=a@b'), 'SIP_BAD_HEADER_VALUE');
  });
  it('isCallId', () => {
    for (const s of ['a', 'a@b', "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com']) assert.ok(isCallId(s), s);
    for (const s of ['', ' a', 'a b', 'a@', '@b', 'a@b@c', 'a;b', 'é']) assert.ok(!isCallId(s), s);
  });
});

describe('parseCSeq', () => {
  const ok: Array<[string, number, string]> = [
    ['4711 INVITE', 4711, 'INVITE'],
    ['0009 INVITE', 9, 'INVITE'], // wsinv (unfolded)
    ['0 ACK', 0, 'ACK'],
    [`${MAX_CSEQ} BYE`, MAX_CSEQ, 'BYE'],
    ["139122385 !interesting-Method0123456789_*+`.%indeed'~", 139122385, "!interesting-Method0123456789_*+`.%indeed'~"],
    ['29344 RE%47IST%45R', 29344, 'RE%47IST%45R'], // esc02: % is not an escape
    ['  1 \t  OPTIONS  ', 1, 'OPTIONS'],
  ];
  for (const [s, seq, method] of ok) it(`parses ${JSON.stringify(s)}`, () => assert.deepEqual(parseCSeq(s), { seq, method }));
  const bad: Array<[string, ErrorCode]> = [
    ['', 'SIP_BAD_HEADER_VALUE'],
    ['INVITE', 'SIP_BAD_HEADER_VALUE'],
    ['1', 'SIP_BAD_HEADER_VALUE'],
    ['1INVITE', 'SIP_BAD_HEADER_VALUE'],
    ['1 INVITE BYE', 'SIP_BAD_HEADER_VALUE'],
    ['-1 INVITE', 'SIP_BAD_HEADER_VALUE'],
    ['+1 INVITE', 'SIP_BAD_HEADER_VALUE'],
    ['1.0 INVITE', 'SIP_BAD_HEADER_VALUE'],
    ['1 INV"ITE', 'SIP_BAD_HEADER_VALUE'],
    ['2147483648 INVITE', 'SIP_SCALAR_RANGE'],
    ['36893488147419103232 REGISTER', 'SIP_SCALAR_RANGE'], // scalar02
    ['9292394834772304023312 OPTIONS', 'SIP_SCALAR_RANGE'], // scalarlg
  ];
  for (const [s, code] of bad) it(`rejects ${JSON.stringify(s)} with ${code}`, () => throwsCode(() => parseCSeq(s), code, s));
});

describe('parseUint', () => {
  const ok: Array<[string, number, number]> = [
    ['0', 255, 0],
    ['70', 255, 70],
    ['0068', 255, 68], // wsinv Max-Forwards
    ['255', 255, 255],
    ['4294967295', 4294967295, 4294967295],
    ['000000000000000000000000000001', 10, 1],
  ];
  for (const [s, max, v] of ok) it(`parseUint(${s}, ${max}) = ${v}`, () => assert.equal(parseUint(s, max), v));
  const bad: Array<[string, number, ErrorCode]> = [
    ['', 255, 'SIP_BAD_HEADER_VALUE'],
    ['-1', 255, 'SIP_BAD_HEADER_VALUE'],
    ['+1', 255, 'SIP_BAD_HEADER_VALUE'],
    [' 1', 255, 'SIP_BAD_HEADER_VALUE'],
    ['1 ', 255, 'SIP_BAD_HEADER_VALUE'],
    ['1e3', 10000, 'SIP_BAD_HEADER_VALUE'],
    ['0x10', 255, 'SIP_BAD_HEADER_VALUE'],
    ['256', 255, 'SIP_SCALAR_RANGE'], // Max-Forwards: 300 in scalar02
    ['300', 255, 'SIP_SCALAR_RANGE'],
    ['4294967296', 4294967295, 'SIP_SCALAR_RANGE'],
    ['10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000', 4294967295, 'SIP_SCALAR_RANGE'], // scalar02 Expires
  ];
  for (const [s, max, code] of bad) it(`parseUint(${JSON.stringify(s)}, ${max}) throws ${code}`, () => throwsCode(() => parseUint(s, max), code, s));
});

describe('parseMediaType', () => {
  it('parses types and params', () => {
    const m = parseMediaType('Application/SDP');
    assert.deepEqual([m.type, m.subtype, m.params.size], ['application', 'sdp', 0]);
    const p = parseMediaType('multipart/mixed;boundary=unique-boundary-1');
    assert.equal(p.params.get('boundary'), 'unique-boundary-1');
    const q = parseMediaType('text/html ; charset = "ISO-8859-4"');
    assert.equal(q.params.get('CHARSET'), 'ISO-8859-4');
    const r = parseMediaType('application / unknownformat');
    assert.deepEqual([r.type, r.subtype], ['application', 'unknownformat']);
  });
  for (const s of ['', 'application', 'application/', '/sdp', 'application/sdp/x', 'appli cation/sdp', 'application/sdp;', 'text/plain;charset']) {
    if (s === 'text/plain;charset') {
      it('accepts a valueless m-parameter (generic-param)', () => assert.equal(parseMediaType(s).params.get('charset'), null));
      continue;
    }
    it(`rejects ${JSON.stringify(s)}`, () => throwsCode(() => parseMediaType(s), 'SIP_BAD_HEADER_VALUE', s));
  }
});

describe('parseReferTo (RFC 3515)', () => {
  it('name-addr with embedded Replaces header', () => {
    const r = parseReferTo('<sips:dave@chicago.example.com?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>');
    const u = r.uri as SipUri;
    assert.equal(u.headers.get('replaces'), '12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994');
    assert.equal(parseReplaces(u.headers.get('replaces') ?? '').toTag, '12345');
  });
  it('addr-spec and params', () => {
    const r = parseReferTo('sip:carol@cleveland.example.org;method=INVITE');
    assert.equal(r.params.get('method'), 'INVITE');
    assert.equal(parseReferTo('"Carol" <sip:carol@x>;foo').displayName, 'Carol');
  });
  it('rejects a header-bearing URI without <> (§20.10)', () => {
    throwsCode(() => parseReferTo('sip:dave@x?Replaces=1'), 'SIP_BAD_HEADER_VALUE');
  });
});
