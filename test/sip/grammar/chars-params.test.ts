import assert from 'node:assert/strict';
import { isToken, lower, readQuoted, decodeEscaped, USER_CHAR } from '../../../src/sip/grammar/chars.js';
import { Params, parseParams, quoteIfNeeded } from '../../../src/sip/grammar/params.js';
import { splitCommaValues, splitTokens } from '../../../src/sip/grammar/split.js';
import type { ErrorCode } from '../../../src/errors.js';
import { describe, it, throwsCode } from './helpers.js';

describe('chars', () => {
  const tokens: Array<[string, boolean]> = [
    ['INVITE', true],
    ["!interesting-Method0123456789_*+`.%indeed'~", true], // RFC 4475 §3.1.1.2 intmeth
    ['', false],
    ['a b', false],
    ['a"b', false],
    ['a,b', false],
    ['é', false],
    ['a:b', false],
  ];
  for (const [s, ok] of tokens) it(`isToken(${JSON.stringify(s)}) = ${ok}`, () => assert.equal(isToken(s), ok));

  it('lower is ASCII-only and keeps length', () => {
    assert.equal(lower('SIP:User@EXAMPLE.com'), 'sip:user@example.com');
    assert.equal(lower('already'), 'already');
    assert.equal(lower('İA'), 'İa');
  });

  it('readQuoted resolves quoted-pairs incl. NUL/BEL/DEL (intmeth)', () => {
    const s = '"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:x@y>';
    const q = readQuoted(s, 0);
    assert.equal(q.value, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(s.charAt(q.end), ' ');
    assert.equal(readQuoted('"J Rosenberg \\\\\\""', 0).value, 'J Rosenberg \\"');
  });
  it('readQuoted rejects unterminated', () => {
    throwsCode(() => readQuoted('"abc', 0), 'SIP_UNTERMINATED_QUOTE');
    throwsCode(() => readQuoted('"abc\\"', 0), 'SIP_UNTERMINATED_QUOTE');
    throwsCode(() => readQuoted('"abc\\', 0), 'SIP_UNTERMINATED_QUOTE');
  });
  it('decodeEscaped: UTF-8, NUL, Latin-1 fallback, bad escapes', () => {
    const d = (s: string): string => decodeEscaped(s, 0, s.length, USER_CHAR, 'SIP_BAD_URI', 'user');
    assert.equal(d('%75se%72'), 'user');
    assert.equal(d('null-%00-null'), 'null-\x00-null');
    assert.equal(d('%C3%A9t%C3%A9'), 'été');
    assert.equal(d('%E9'), '\xe9');
    throwsCode(() => d('a%4'), 'SIP_BAD_URI');
    throwsCode(() => d('a%zz'), 'SIP_BAD_URI');
    throwsCode(() => d('a b'), 'SIP_BAD_URI');
  });
});

describe('Params / parseParams', () => {
  const ok: Array<[string, Array<[string, string | null, string | null]>]> = [
    ['', []],
    [';tag=abc', [['tag', 'abc', 'abc']]],
    [';lr', [['lr', null, null]]],
    [' ;   tag    = 1918181833n', [['tag', '1918181833n', '1918181833n']]], // wsinv To
    ['\n  ;\n  tag = 98asjd8'.replace(/\n/g, ' '), [['tag', '98asjd8', '98asjd8']]], // wsinv From (unfolded)
    [' ; newparam = newvalue ; secondparam ; q = 0.33', [['newparam', 'newvalue', 'newvalue'], ['secondparam', null, null], ['q', '0.33', '0.33']]],
    [';x="a \\"b\\" ;c"', [['x', 'a "b" ;c', '"a \\"b\\" ;c"']]],
    [';maddr=[2001:db8::1]', [['maddr', '[2001:db8::1]', '[2001:db8::1]']]],
    [';a=1;A=2', [['a', '1', '1'], ['A', '2', '2']]],
    [";fromParam''~+*_!.-%=\"\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439\";tag=_token~1'+`*%!-.", [
      ["fromParam''~+*_!.-%", '\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439', '"\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439"'],
      ['tag', "_token~1'+`*%!-.", "_token~1'+`*%!-."],
    ]], // intmeth From
  ];
  for (const [s, expected] of ok) {
    it(`parses ${JSON.stringify(s)}`, () => {
      const { params, end } = parseParams(s, 0);
      assert.equal(end, s.length);
      assert.deepEqual(
        params.entries().map((p) => [p.name, p.value, p.raw]),
        expected,
      );
      assert.equal(params.size, expected.length);
    });
  }
  it('lookup is case-insensitive, first wins', () => {
    const { params } = parseParams(';Tag=X;LR;tag=Y', 0);
    assert.equal(params.get('TAG'), 'X');
    assert.equal(params.get('lr'), null);
    assert.equal(params.get('nope'), undefined);
    assert.ok(params.has('Lr'));
    assert.equal(params.count('tag'), 2);
    assert.equal(params.getAll('tag').length, 2);
    assert.equal(params.toString(), ';Tag=X;LR;tag=Y');
  });
  it('stops at stop characters', () => {
    const s = ';a=b;c, next';
    const r = parseParams(s, 0, ',');
    assert.equal(r.end, 6);
    assert.equal(r.params.size, 2);
  });
  it('colonInValue admits IPv6 without brackets', () => {
    const r = parseParams(';received=2001:db8::9', 0, '', { colonInValue: true });
    assert.equal(r.params.get('received'), '2001:db8::9');
    throwsCode(() => parseParams(';received=2001:db8::9', 0), 'SIP_BAD_HEADER_VALUE');
  });
  const bad: Array<[string, ErrorCode]> = [
    ['tag=1', 'SIP_BAD_HEADER_VALUE'],
    [';', 'SIP_BAD_HEADER_VALUE'],
    [';;a', 'SIP_BAD_HEADER_VALUE'],
    [';a=', 'SIP_BAD_HEADER_VALUE'],
    [';a=b c', 'SIP_BAD_HEADER_VALUE'],
    [';a=b@c', 'SIP_BAD_HEADER_VALUE'],
    [';a="open', 'SIP_UNTERMINATED_QUOTE'],
    [';a=[::1', 'SIP_BAD_HEADER_VALUE'],
    [';a=[xyz]', 'SIP_BAD_HEADER_VALUE'],
    [';a b', 'SIP_BAD_HEADER_VALUE'],
    [';=b', 'SIP_BAD_HEADER_VALUE'],
  ];
  for (const [s, code] of bad) it(`rejects ${JSON.stringify(s)} with ${code}`, () => throwsCode(() => parseParams(s, 0), code, s));
  it('Params.add and quoteIfNeeded', () => {
    const p = new Params().add('a', 'b').add('c', null);
    assert.equal(p.toString(), ';a=b;c');
    assert.equal(quoteIfNeeded('abc'), 'abc');
    assert.equal(quoteIfNeeded('a b"\\'), '"a b\\"\\\\"');
    assert.equal(quoteIfNeeded(''), '""');
    assert.deepEqual([...p].map((x) => x.name), ['a', 'c']);
  });
});

describe('splitCommaValues / splitTokens', () => {
  const ok: Array<[string, string[]]> = [
    ['', []],
    ['   ', []],
    ['a', ['a']],
    ['a , b,c', ['a', 'b', 'c']],
    ['"Bell, Alexander" <sip:a@b>, <sip:c@d;x=1,2>', ['"Bell, Alexander" <sip:a@b>', '<sip:c@d;x=1,2>']],
    ['<sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@example.com>', ['<sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@example.com>']],
    ['"a \\" , b" <sip:x@y>', ['"a \\" , b" <sip:x@y>']],
    ['application/sdp, application/pkcs7-mime,  multipart/mixed, multipart/signed,  message/sip, message/sipfrag', [
      'application/sdp', 'application/pkcs7-mime', 'multipart/mixed', 'multipart/signed', 'message/sip', 'message/sipfrag',
    ]], // semiuri Accept
    ['SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239', [
      'SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8', 'SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239',
    ]], // wsinv v:
    ['<sip:a@b', ['<sip:a@b']],
  ];
  for (const [s, expected] of ok) it(`splits ${JSON.stringify(s)}`, () => assert.deepEqual(splitCommaValues(s), expected));
  const bad: Array<[string, ErrorCode]> = [
    ['a,,b', 'SIP_BAD_HEADER_VALUE'],
    ['a,', 'SIP_BAD_HEADER_VALUE'],
    [',a', 'SIP_BAD_HEADER_VALUE'],
    ['"a, b', 'SIP_UNTERMINATED_QUOTE'],
  ];
  for (const [s, code] of bad) it(`split rejects ${JSON.stringify(s)}`, () => throwsCode(() => splitCommaValues(s), code));

  const tok: Array<[string, string[]]> = [
    ['', []],
    ['100rel', ['100rel']],
    ['100rel, timer ,replaces', ['100rel', 'timer', 'replaces']],
    ['INVITE,ACK,CANCEL,BYE,OPTIONS', ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS']],
  ];
  for (const [s, expected] of tok) it(`splitTokens ${JSON.stringify(s)}`, () => assert.deepEqual(splitTokens(s), expected));
  for (const s of ['a b', 'a,,b', 'a,', ',a', 'a;b', '"a"', 'foo/bar']) {
    it(`splitTokens rejects ${JSON.stringify(s)}`, () => throwsCode(() => splitTokens(s), 'SIP_BAD_HEADER_VALUE'));
  }
});
