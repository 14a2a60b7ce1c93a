// MessageEditor: proxy edits change only what they must; every other byte is forwarded as received.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipclfError } from '../../src/errors.js';
import { MessageEditor } from '../../src/sip/editor.js';
import { parseMessage } from '../../src/sip/parser.js';
import { sip } from './util.js';

const REQ = sip(
  [
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP ua.example.com;branch=z9hG4bKua',
    'v: SIP/2.0/TCP  older.example.com ;branch=z9hG4bKold',
    'Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>',
    'max-forwards: 10',
    'From: <sip:a@example.com>;tag=1',
    'To: <sip:bob@example.com>',
    'Call-ID: c1',
    'CSeq: 1 INVITE',
    'Session-ID: ab30317f1a784dc48ff824d0d3715d86 ; remote=00000000000000000000000000000000 ;LOGME',
    'Content-Length: 3',
  ],
  'abc',
);

function edit(f: (e: MessageEditor) => void, input = REQ): string {
  const e = new MessageEditor(parseMessage(input));
  f(e);
  return e.toBuffer().toString();
}

describe('MessageEditor', () => {
  test('no edits: the message bytes unchanged (leading CRLFs and trailing datagram octets dropped)', () => {
    const padded = Buffer.concat([Buffer.from('\r\n\r\n'), REQ, Buffer.from('garbage')]);
    assert.equal(edit(() => undefined, padded), REQ.toString());
  });

  test('pushVia adds a line above the first Via (RFC 3261 §16.6 step 8)', () => {
    const out = edit((e) => e.pushVia('SIP/2.0/UDP me.example.com;branch=z9hG4bKme'));
    assert.ok(out.includes('SIP/2.0\r\nVia: SIP/2.0/UDP me.example.com;branch=z9hG4bKme\r\nVia: SIP/2.0/UDP p1'));
    assert.equal(parseMessage(Buffer.from(out)).topVia?.branch, 'z9hG4bKme');
  });

  test('popVia removes one value at a time, then whole lines (RFC 3261 §16.7 step 3)', () => {
    const once = edit((e) => e.popVia());
    assert.ok(once.includes('\r\nVia: SIP/2.0/UDP ua.example.com;branch=z9hG4bKua\r\nv: '));
    const twice = parseMessage(Buffer.from(edit((e) => e.popVia().popVia())));
    assert.equal(twice.topVia?.branch, 'z9hG4bKold');
    assert.equal(twice.count('via'), 1);
    const thrice = parseMessage(Buffer.from(edit((e) => e.popVia().popVia().popVia())));
    assert.equal(thrice.topVia, undefined);
    assert.throws(() => edit((e) => e.popVia().popVia().popVia().popVia()), (err) => err instanceof SipclfError && err.code === 'SIP_EDIT');
  });

  test('push and pop on the same line position keep the pushed Via', () => {
    const m = parseMessage(Buffer.from(edit((e) => e.popVia().popVia().pushVia('SIP/2.0/UDP me;branch=z9hG4bKme'))));
    assert.deepEqual(m.vias().map((v) => v.branch), ['z9hG4bKme', 'z9hG4bKold']);
  });

  test('popRoute and insertRecordRoute (RFC 3261 §16.4, §16.6 step 4)', () => {
    const m = parseMessage(Buffer.from(edit((e) => e.popRoute().insertRecordRoute('<sip:me.example.com;lr>'))));
    assert.deepEqual(m.routes().map((r) => r.raw), ['<sip:p3.example.com;lr>']);
    assert.equal(m.get('record-route'), '<sip:me.example.com;lr>');
  });

  test('setRequestUri and decrementMaxForwards keep the received header name', () => {
    const out = edit((e) => e.setRequestUri('sip:bob@192.0.2.4:5070').decrementMaxForwards());
    assert.ok(out.startsWith('INVITE sip:bob@192.0.2.4:5070 SIP/2.0\r\n'));
    assert.ok(out.includes('\r\nmax-forwards: 9\r\n'));
  });

  test('Max-Forwards added with 70 when absent, refused at 0', () => {
    const noMf = sip(['OPTIONS sip:a@b SIP/2.0', 'l: 0']);
    assert.equal(parseMessage(Buffer.from(edit((e) => e.decrementMaxForwards(), noMf))).maxForwards, 70);
    const zero = sip(['OPTIONS sip:a@b SIP/2.0', 'Max-Forwards: 0', 'l: 0']);
    assert.throws(() => edit((e) => e.decrementMaxForwards(), zero), (err) => err instanceof SipclfError && err.code === 'SIP_EDIT');
  });

  test('setLogme(false) strips the marker whatever its case; setLogme(true) adds it (RFC 8497 §4.5)', () => {
    const off = parseMessage(Buffer.from(edit((e) => e.setLogme(false))));
    assert.equal(off.logme, false);
    assert.equal(off.get('session-id'), 'ab30317f1a784dc48ff824d0d3715d86 ; remote=00000000000000000000000000000000');
    const on = parseMessage(Buffer.from(edit((e) => e.setLogme(true), Buffer.from(edit((e) => e.setLogme(false))))));
    assert.equal(on.logme, true);
  });

  test('setLogme(false) at a boundary: folded LWS around the parameter, a second Session-ID, a malformed one (RFC 8497 §3.4.2)', () => {
    const L = 'ab30317f1a784dc48ff824d0d3715d86';
    const R = '0123456789abcdef0123456789abcdef';
    const withSid = (...values: string[]): Buffer => sip(['OPTIONS sip:a@b SIP/2.0', 'Call-ID: x', ...values.map((v) => `Session-ID: ${v}`), 'Content-Length: 0']);
    const cases: Array<[string, Buffer, string[]]> = [
      ['fold after ;', withSid(`${L};remote=${R};\r\n logme`), [`${L};remote=${R}`]],
      ['fold before ;', withSid(`${L};remote=${R}\r\n ;logme`), [`${L};remote=${R}`]],
      ['fold before, then another parameter', withSid(`${L}\r\n\t;LogMe\r\n ;remote=${R}`), [`${L}\r\n ;remote=${R}`]],
      ['a second Session-ID', withSid(`${L};remote=${R}`, `${L};remote=${R};logme`), [`${L};remote=${R}`, `${L};remote=${R}`]],
      ['a malformed one', withSid(`${L};remote=zz;logme`), [`${L};remote=zz`]],
      ['two remote parameters (malformed)', withSid(`${L};remote=${R};remote=${R};logme`), [`${L};remote=${R};remote=${R}`]],
      ['logme=x and logmex are other parameters', withSid(`${L};logme=x;logmex`), [`${L};logme=x;logmex`]],
    ];
    for (const [what, input, values] of cases) {
      const out = parseMessage(Buffer.from(edit((e) => e.setLogme(false), input)));
      assert.equal(out.logme, false, what);
      const raw = out.headers().filter((h) => h.canonical === 'Session-ID').map((h) => out.text.slice(h.offset, h.offset + h.raw.length).replace(/^Session-ID: /, '').replace(/\r\n$/, ''));
      assert.deepEqual(raw, values, what);
      assert.equal(MessageEditor.hasLogmeText(out), false, what);
      assert.equal(out.get('Call-ID'), 'x', `${what}: the header section is intact`);
    }
    assert.equal(MessageEditor.hasLogmeText(parseMessage(withSid(`${L};remote=zz;logme`))), true, 'a malformed marker is seen');
  });

  test('setLogme(false) on a Session-ID line holding octets above 0x7F keeps them as they were', () => {
    const L = 'ab30317f1a784dc48ff824d0d3715d86';
    const head = Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nSession-ID: ${L};x="`, 'latin1');
    const tail = Buffer.from('";logme\r\nContent-Length: 0\r\n\r\n', 'latin1');
    const input = Buffer.concat([head, Buffer.from([0xc3, 0xa9, 0xe9]), tail]); // UTF-8 é, then a lone latin1 é
    const e = new MessageEditor(parseMessage(input));
    const out = e.setLogme(false).toBuffer();
    const expected = Buffer.concat([head, Buffer.from([0xc3, 0xa9, 0xe9]), Buffer.from('"\r\nContent-Length: 0\r\n\r\n', 'latin1')]);
    assert.deepEqual(out, expected);
  });

  test('a Session-ID with two remote parameters is malformed to the eager scanner too: no marker, and reading it never throws', () => {
    const m = parseMessage(sip(['BYE sip:a@b SIP/2.0', 'Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=0123456789abcdef0123456789abcdef;remote=0123456789abcdef0123456789abcdef;logme', 'l: 0']));
    assert.equal(m.logme, false);
    assert.equal(m.sessionId, undefined);
  });

  test('setLogme(true) without a Session-ID is refused; setSessionId adds one', () => {
    const bare = sip(['BYE sip:a@b SIP/2.0', 'l: 0']);
    assert.throws(() => edit((e) => e.setLogme(true), bare), (err) => err instanceof SipclfError && err.code === 'SIP_EDIT');
    const m = parseMessage(Buffer.from(edit((e) => e.setSessionId('ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000;logme'), bare)));
    assert.equal(m.logme, true);
  });

  test('setBody updates Content-Length; ensureContentLength adds a missing one', () => {
    const m = parseMessage(Buffer.from(edit((e) => e.setBody(Buffer.from('hello world')))));
    assert.equal(m.body.toString(), 'hello world');
    assert.equal(m.contentLength, 11);
    const noCl = sip(['MESSAGE sip:a@b SIP/2.0'], 'hi');
    assert.equal(parseMessage(Buffer.from(edit((e) => e.ensureContentLength(), noCl))).contentLength, 2);
  });

  test('addHeader, setHeader, removeHeader', () => {
    const m = parseMessage(Buffer.from(edit((e) => e.addHeader('X-A', '1').setHeader('Call-ID', 'c2').removeHeader('route'))));
    assert.equal(m.get('x-a'), '1');
    assert.equal(m.callId, 'c2');
    assert.equal(m.hasRoute, false);
  });

  test('every untouched header line is byte-identical after a full proxy edit', () => {
    const before = parseMessage(REQ).headers().map((h) => h.raw.toString());
    const after = parseMessage(
      Buffer.from(edit((e) => e.pushVia('SIP/2.0/UDP me;branch=z9hG4bKme').popRoute().decrementMaxForwards().insertRecordRoute('<sip:me;lr>'))),
    )
      .headers()
      .map((h) => h.raw.toString());
    const untouched = before.filter((l) => !/^(Route|max-forwards)/.test(l));
    for (const line of untouched) assert.ok(after.includes(line), `kept: ${line}`);
  });
});
