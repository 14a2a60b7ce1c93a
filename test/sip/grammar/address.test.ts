import assert from 'node:assert/strict';
import { formatNameAddr, parseContact, parseNameAddr, parseNameAddrList, type NameAddr } from '../../../src/sip/grammar/address.js';
import type { SipUri } from '../../../src/sip/grammar/uri.js';
import type { ErrorCode } from '../../../src/errors.js';
import { describe, it, throwsCode } from './helpers.js';

function uriText(na: NameAddr): string {
  return na.uri.raw;
}

describe('parseNameAddr: valid', () => {
  type Exp = { display?: string; uri: string; tag?: string; params?: Record<string, string | null>; bracketed: boolean };
  const cases: Array<[string, Exp]> = [
    ['<sip:user@example.com>', { uri: 'sip:user@example.com', bracketed: true }],
    ['sip:user@example.com', { uri: 'sip:user@example.com', bracketed: false }],
    ['"Bob" <sips:bob@biloxi.com>;tag=a48s', { display: 'Bob', uri: 'sips:bob@biloxi.com', tag: 'a48s', bracketed: true }],
    ['Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8', { display: 'Anonymous', uri: 'sip:c8oqz84zk7z@privacy.org', tag: 'hyh8', bracketed: true }],
    // RFC 4475 §3.1.1.1 wsinv To / From / m (unfolded)
    ['sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n', { uri: 'sip:vivekg@chair-dnrc.example.com', tag: '1918181833n', bracketed: false }],
    ['"J Rosenberg \\\\\\""       <sip:jdrosen@example.com>   ;   tag = 98asjd8', { display: 'J Rosenberg \\"', uri: 'sip:jdrosen@example.com', tag: '98asjd8', bracketed: true }],
    ['"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam = newvalue ;   secondparam ; q = 0.33', {
      display: 'Quoted string ""', uri: 'sip:jdrosen@example.com', params: { newparam: 'newvalue', secondparam: null, q: '0.33' }, bracketed: true,
    }],
    // §3.1.1.6 lwsdisp: no LWS before "<"
    ['caller<sip:caller@example.com>;tag=323', { display: 'caller', uri: 'sip:caller@example.com', tag: '323', bracketed: true }],
    ['"caller"<sip:caller@example.com>', { display: 'caller', uri: 'sip:caller@example.com', bracketed: true }],
    // §3.1.1.2 intmeth To / From
    ['"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@example.com>', {
      display: 'BEL:\x07 NUL:\x00 DEL:\x7f', uri: "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com", bracketed: true,
    }],
    ["token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\u0440\u0430\u0431\";tag=_token~1'+`*%!-.", {
      display: "token1~` token2'+_ token3*%!.-", uri: 'sip:mundane@example.com', tag: "_token~1'+`*%!-.", params: { "fromParam''~+*_!.-%": '\u0440\u0430\u0431' }, bracketed: true,
    }],
    // §3.1.1.5 esc02: % is not an escape in a display name
    ['"%Z%45" <sip:resource@example.com>', { display: '%Z%45', uri: 'sip:resource@example.com', bracketed: true }],
    // §3.1.1.3 esc01 From / Contact
    ['<sip:I%20have%20spaces@example.net>;tag=938', { uri: 'sip:I%20have%20spaces@example.net', tag: '938', bracketed: true }],
    ['<sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>', { uri: 'sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31', bracketed: true }],
    // §3.1.1.4 escnull
    ['sip:null-%00-null@example.com;tag=839923423', { uri: 'sip:null-%00-null@example.com', tag: '839923423', bracketed: false }],
    // §3.3.12 cparam01: unknownparam is a contact-param, not a url-param
    ['sip:+19725552222@gw1.example.net;unknownparam', { uri: 'sip:+19725552222@gw1.example.net', params: { unknownparam: null }, bracketed: false }],
    // §3.3.13 cparam02: unknownparam is a url-param
    ['<sip:+19725552222@gw1.example.net;unknownparam>', { uri: 'sip:+19725552222@gw1.example.net;unknownparam', bracketed: true }],
    // §3.3.4 unksm2, §3.3.14 regescrt
    ['isbn:2983792873', { uri: 'isbn:2983792873', bracketed: false }],
    ['<http://www.example.com>;tag=3234233', { uri: 'http://www.example.com', tag: '3234233', bracketed: true }],
    ['<name:John_Smith>', { uri: 'name:John_Smith', bracketed: true }],
    ['<sip:user@example.com?Route=%3Csip:sip.example.com%3E>', { uri: 'sip:user@example.com?Route=%3Csip:sip.example.com%3E', bracketed: true }],
    // §3.4.1 inv2543
    ['sip:+16505552222@ss1.example.net;user=phone', { uri: 'sip:+16505552222@ss1.example.net', params: { user: 'phone' }, bracketed: false }],
    ['<sip:+13035551111@ift.client.example.net;user=phone>', { uri: 'sip:+13035551111@ift.client.example.net;user=phone', bracketed: true }],
    ['tel:+1-201-555-0123', { uri: 'tel:+1-201-555-0123', bracketed: false }],
    ['"" <sip:a@b>', { display: '', uri: 'sip:a@b', bracketed: true }],
    ['  <sip:a@b>  ', { uri: 'sip:a@b', bracketed: true }],
    ['<sip:a@b>;expires=280297596632815', { uri: 'sip:a@b', params: { expires: '280297596632815' }, bracketed: true }],
    ['"a <b>" <sip:a@b>', { display: 'a <b>', uri: 'sip:a@b', bracketed: true }],
    ['sip:a@b;x="<sip:c>"', { uri: 'sip:a@b', params: { x: '<sip:c>' }, bracketed: false }],
  ];
  for (const [s, exp] of cases) {
    it(`parses ${JSON.stringify(s)}`, () => {
      const na = parseNameAddr(s);
      assert.equal(na.displayName, exp.display);
      assert.equal(uriText(na), exp.uri);
      assert.equal(na.tag, exp.tag);
      assert.equal(na.bracketed, exp.bracketed);
      assert.equal(na.raw, s.trim());
      if (exp.params) for (const [k, v] of Object.entries(exp.params)) assert.equal(na.params.get(k), v, k);
    });
  }
  it('cparam01 vs cparam02: where unknownparam lands', () => {
    const a = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam');
    const b = parseNameAddr('<sip:+19725552222@gw1.example.net;unknownparam>');
    assert.ok(a.params.has('unknownparam') && !(a.uri as SipUri).params.has('unknownparam'));
    assert.ok(!b.params.has('unknownparam') && (b.uri as SipUri).params.has('unknownparam'));
  });
  it('decodes the URI', () => {
    const na = parseNameAddr('sip:%75se%72@example.com');
    assert.equal((na.uri as SipUri).user, 'user');
  });
});

describe('parseNameAddr: invalid', () => {
  const bad: Array<[string, ErrorCode]> = [
    ['', 'SIP_BAD_HEADER_VALUE'],
    ['   ', 'SIP_BAD_HEADER_VALUE'],
    // §3.1.2.6 quotbal
    ['"Mr. J. User <sip:j.user@example.com>', 'SIP_UNTERMINATED_QUOTE'],
    ['"Mr J. User <sip:j.user@example.com> <sip:realj@example.net>', 'SIP_UNTERMINATED_QUOTE'],
    // §3.1.2.15 baddn
    ['Bell, Alexander <sip:a.g.bell@example.com>;tag=43', 'SIP_BAD_HEADER_VALUE'],
    ['Watson, Thomas <sip:t.watson@example.org>', 'SIP_BAD_HEADER_VALUE'],
    ['J. "R" <sip:a@b>', 'SIP_BAD_HEADER_VALUE'],
    ['Jos\u00e9 <sip:a@b>', 'SIP_BAD_HEADER_VALUE'],
    // §3.1.2.14 badaspec: spaces inside <>
    ['"Watson, Thomas" < sip:t.watson@example.org >', 'SIP_BAD_URI'],
    ['<sip:a@b >', 'SIP_BAD_URI'],
    // §3.1.2.13 regbadct: escaped header without <>
    ['sip:user@example.com?Route=%3Csip:sip.example.com%3E', 'SIP_BAD_HEADER_VALUE'],
    ['sip:a@b,c', 'SIP_BAD_HEADER_VALUE'],
    ['sip:us er@example.com', 'SIP_BAD_HEADER_VALUE'],
    // semiuri as addr-spec: ";par=u%40example.net@example.com" becomes a header param whose value is not a token
    ['sip:user;par=u%40example.net@example.com', 'SIP_BAD_HEADER_VALUE'],
    ['<sip:a@b', 'SIP_BAD_HEADER_VALUE'],
    ['"x" sip:a@b', 'SIP_BAD_HEADER_VALUE'],
    ['"x" y <sip:a@b>', 'SIP_BAD_HEADER_VALUE'],
    ['<sip:a@b> x', 'SIP_BAD_HEADER_VALUE'],
    ['<sip:a@b>;tag', 'SIP_BAD_HEADER_VALUE'],
    ['<sip:a@b>;tag=1;tag=2', 'SIP_BAD_HEADER_VALUE'],
    ['<sip:a@b>;tag="x"', 'SIP_BAD_HEADER_VALUE'],
    ['<sip:a@b>;tag=x;', 'SIP_BAD_HEADER_VALUE'],
    ['<sip:a@b>;x="unterminated', 'SIP_UNTERMINATED_QUOTE'],
    ['<>', 'SIP_BAD_URI'],
    ['<sip:>', 'SIP_BAD_URI'],
    ['<sip:a@b:99999>', 'SIP_SCALAR_RANGE'],
    ['sip:a@b:99999', 'SIP_SCALAR_RANGE'],
    ['*', 'SIP_BAD_URI'],
  ];
  for (const [s, code] of bad) it(`rejects ${JSON.stringify(s)} with ${code}`, () => throwsCode(() => parseNameAddr(s), code, s));
});

describe('parseNameAddrList / parseContact', () => {
  it('splits on commas outside quotes and <>', () => {
    const l = parseNameAddrList('"Bell, Alexander" <sip:a.g.bell@example.com>;q=0.7, <sip:x,1@y;a=1>;expires=60 , sip:z@w');
    assert.deepEqual(l.map((n) => n.uri.raw), ['sip:a.g.bell@example.com', 'sip:x,1@y;a=1', 'sip:z@w']);
    assert.equal(l[0]?.displayName, 'Bell, Alexander');
    assert.equal(l[0]?.params.get('q'), '0.7');
    assert.equal(l[1]?.params.get('expires'), '60');
  });
  it('wsinv Route', () => {
    const l = parseNameAddrList('<sip:services.example.com;lr;unknownwith=value;unknown-no-value>');
    assert.equal(l.length, 1);
  });
  it('Contact star', () => {
    assert.equal(parseContact('*'), '*');
    assert.equal(parseContact('  *  '), '*');
    assert.equal(parseNameAddrList('*', { allowStar: true }), '*');
    throwsCode(() => parseNameAddrList('*'), 'SIP_BAD_HEADER_VALUE');
    throwsCode(() => parseContact('*, <sip:a@b>'), 'SIP_BAD_HEADER_VALUE');
    throwsCode(() => parseContact('*;expires=0'), 'SIP_BAD_URI');
  });
  it('rejects empty lists and elements', () => {
    throwsCode(() => parseNameAddrList(''), 'SIP_BAD_HEADER_VALUE');
    throwsCode(() => parseNameAddrList('<sip:a@b>,'), 'SIP_BAD_HEADER_VALUE');
    throwsCode(() => parseNameAddrList('<sip:a@b>, "open <sip:c@d>'), 'SIP_UNTERMINATED_QUOTE');
  });
  it('error offsets index the whole value', () => {
    try {
      parseNameAddrList('<sip:a@b>, <sip:c@d:70000>');
      assert.fail('no throw');
    } catch (e) {
      assert.equal((e as { offset: number }).offset, 20);
    }
  });
  it('regescrt contact parses with the header in the URI', () => {
    const c = parseContact('<sip:user@example.com?Route=%3Csip:sip.example.com%3E>');
    assert.notEqual(c, '*');
    if (c !== '*') assert.equal((c[0]?.uri as SipUri).headers.get('route'), '<sip:sip.example.com>');
  });
});

describe('formatNameAddr', () => {
  const cases: Array<[string, string]> = [
    ['sip:a@b;tag=1', '<sip:a@b>;tag=1'],
    ['"J \\"R\\"" <sip:a@b>', '"J \\"R\\"" <sip:a@b>'],
    ['Bob <sip:a@b>', '"Bob" <sip:a@b>'],
    ['<sip:a@b;lr>', '<sip:a@b;lr>'],
  ];
  for (const [s, out] of cases) it(`formats ${s}`, () => assert.equal(formatNameAddr(parseNameAddr(s)), out));
});
