import assert from 'node:assert/strict';
import { formatUri, parseHostPort, parseUri, uriEquals, type SipUri, type TelUri, type Uri } from '../../../src/sip/grammar/uri.js';
import { canonicalIPv6, parseIPv6, parseIPv4 } from '../../../src/sip/grammar/host.js';
import type { ErrorCode } from '../../../src/errors.js';
import { describe, it, throwsCode } from './helpers.js';

function sip(s: string): SipUri {
  const u = parseUri(s);
  assert.equal(u.kind, 'sip', s);
  return u;
}

describe('parseUri: SIP URIs', () => {
  type Exp = Partial<Pick<SipUri, 'scheme' | 'user' | 'password' | 'host' | 'hostType' | 'port'>> & { params?: Record<string, string | null>; headers?: Record<string, string> };
  const cases: Array<[string, Exp]> = [
    ['sip:user@example.com', { scheme: 'sip', user: 'user', host: 'example.com', hostType: 'domain' }],
    ['SIPS:User@EXAMPLE.com:5061', { scheme: 'sips', user: 'User', host: 'example.com', port: 5061 }],
    ['sip:example.com', { host: 'example.com', user: undefined }],
    ['sip:192.0.2.1:5060;transport=tcp', { host: '192.0.2.1', hostType: 'ipv4', port: 5060, params: { transport: 'tcp' } }],
    ['sip:[2001:db8::10]', { host: '2001:db8::10', hostType: 'ipv6' }],
    ['sip:alice@[2001:DB8::10]:5070;maddr=[::1]', { host: '2001:db8::10', hostType: 'ipv6', port: 5070, params: { maddr: '[::1]' } }],
    ['sip:[::ffff:192.0.2.1]', { host: '::ffff:192.0.2.1', hostType: 'ipv6' }],
    ['sip:alice:secret@atlanta.com;transport=tcp', { user: 'alice', password: 'secret', host: 'atlanta.com' }],
    // RFC 4475 §3.1.1.3 esc01
    ['sip:sips%3Auser%40example.com@example.net', { user: 'sips:user@example.com', host: 'example.net' }],
    ['sip:%75se%72@example.com', { user: 'user' }],
    ['sip:I%20have%20spaces@example.net', { user: 'I have spaces' }],
    ['sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31', { user: 'caller', params: { lr: null, name: 'value%41' } }],
    // RFC 4475 §3.1.1.4 escnull
    ['sip:null-%00-null@example.com', { user: 'null-\x00-null' }],
    ['sip:%00@host5.example.com', { user: '\x00' }],
    ['sip:%00%00@host5.example.com', { user: '\x00\x00' }],
    // RFC 4475 §3.1.1.9 semiuri
    ['sip:user;par=u%40example.net@example.com', { user: 'user;par=u@example.net', host: 'example.com' }],
    // RFC 4475 §3.1.1.2 intmeth Request-URI
    ["sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com", {
      user: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", password: "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", host: 'example.com',
    }],
    ['sip:vivekg@chair-dnrc.example.com;unknownparam', { params: { unknownparam: null } }], // wsinv
    ['sip:services.example.com;lr;unknownwith=value;unknown-no-value', { params: { lr: null, unknownwith: 'value', 'unknown-no-value': null } }],
    ['sip:user@example.com?Route=%3Csip:sip.example.com%3E', { headers: { Route: '<sip:sip.example.com>' } }], // regescrt
    ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', { headers: { subject: 'project x', priority: 'urgent' } }],
    ['sip:+19725552222@gw1.example.net;unknownparam', { user: '+19725552222' }], // cparam02
    ['sip:+1-212-555-1212:1234@gateway.com;user=phone', { user: '+1-212-555-1212', password: '1234', params: { user: 'phone' } }],
    ['sip:host.example.com.', { host: 'host.example.com.' }],
    ['sip:a_b.example.com:0', { host: 'a_b.example.com', port: 0 }],
    ['sip:x@h:65535', { port: 65535 }],
    ['sip:x@h?empty=', { headers: { empty: '' } }],
  ];
  for (const [s, exp] of cases) {
    it(`parses ${JSON.stringify(s)}`, () => {
      const u = sip(s);
      assert.equal(u.raw, s);
      for (const k of ['scheme', 'user', 'password', 'host', 'hostType', 'port'] as const) {
        if (k in exp) assert.equal(u[k], exp[k], k);
      }
      if (exp.params) for (const [k, v] of Object.entries(exp.params)) assert.equal(u.params.get(k), v, k);
      if (exp.headers) for (const [k, v] of Object.entries(exp.headers)) assert.equal(u.headers.get(k), v, k);
    });
  }
  it('keeps userRaw', () => assert.equal(sip('sip:%75se%72@example.com').userRaw, '%75se%72'));
});

describe('parseUri: tel and other schemes', () => {
  const tel: Array<[string, string, boolean, Record<string, string | null>]> = [
    ['tel:+1-201-555-0123', '+12015550123', true, {}],
    ['TEL:+358-555-1234567;postd=pp22', '+3585551234567', true, { postd: 'pp22' }],
    ['tel:7042;phone-context=example.com', '7042', false, { 'phone-context': 'example.com' }],
    ['tel:863-1234;phone-context=+1-914-555', '8631234', false, { 'phone-context': '+1-914-555' }],
    ['tel:*31#;phone-context=+1', '*31#', false, {}],
    ['tel:+1(800)555.0100;ext=22;isub=%41', '+18005550100', true, { ext: '22', isub: 'A' }],
  ];
  for (const [s, number, isGlobal, params] of tel) {
    it(`parses ${s}`, () => {
      const u = parseUri(s) as TelUri;
      assert.equal(u.kind, 'tel');
      assert.equal(u.number, number);
      assert.equal(u.isGlobal, isGlobal);
      for (const [k, v] of Object.entries(params)) assert.equal(u.params.get(k), v);
    });
  }
  const other: Array<[string, string, string]> = [
    ['nobodyKnowsThisScheme:totallyopaquecontent', 'nobodyknowsthisscheme', 'totallyopaquecontent'], // unkscm
    ['soap.beep://192.0.2.103:3002', 'soap.beep', '//192.0.2.103:3002'], // novelsc
    ['isbn:2983792873', 'isbn', '2983792873'], // unksm2
    ['http://www.example.com', 'http', '//www.example.com'],
    ['name:John_Smith', 'name', 'John_Smith'],
    ['im:alice@example.com', 'im', 'alice@example.com'],
    ['urn:service:sos', 'urn', 'service:sos'],
    ['mailto:a@b.c?subject=x%20y', 'mailto', 'a@b.c?subject=x%20y'],
  ];
  for (const [s, scheme, opaque] of other) {
    it(`parses ${s} as other`, () => {
      const u = parseUri(s);
      assert.equal(u.kind, 'other');
      if (u.kind !== 'other') return;
      assert.equal(u.scheme, scheme);
      assert.equal(u.opaque, opaque);
    });
  }
});

describe('parseUri: invalid', () => {
  const bad: Array<[string, ErrorCode]> = [
    ['', 'SIP_BAD_URI'],
    ['sip:', 'SIP_BAD_URI'],
    ['sip:@example.com', 'SIP_BAD_URI'],
    ['sip:user@', 'SIP_BAD_URI'],
    ['sip:user@example.com:', 'SIP_BAD_URI'],
    ['sip:user@example.com:65536', 'SIP_SCALAR_RANGE'],
    ['sip:user@example.com:99999999999999999999', 'SIP_SCALAR_RANGE'],
    ['sip:user@example.com:50x', 'SIP_BAD_URI'],
    ['sip:us er@example.com', 'SIP_BAD_URI'],
    ['sip:user%@example.com', 'SIP_BAD_URI'],
    ['sip:user%4@example.com', 'SIP_BAD_URI'],
    ['sip:user%zz@example.com', 'SIP_BAD_URI'],
    ['sip:user@exa mple.com', 'SIP_BAD_URI'],
    ['sip:user@example..com', 'SIP_BAD_URI'],
    ['sip:user@.example.com', 'SIP_BAD_URI'],
    ['sip:user@256.1.1.1', 'SIP_BAD_URI'],
    ['sip:user@1.2.3', 'SIP_BAD_URI'],
    ['sip:[2001:db8::10', 'SIP_BAD_URI'],
    ['sip:[2001:db8:::10]', 'SIP_BAD_URI'],
    ['sip:[1:2:3:4:5:6:7:8:9]', 'SIP_BAD_URI'],
    ['sip:[1::2::3]', 'SIP_BAD_URI'],
    ['sip:[12345::1]', 'SIP_BAD_URI'],
    ['sip:[::1.2.3.256]', 'SIP_BAD_URI'],
    ['sip:[g::1]', 'SIP_BAD_URI'],
    ['sip:[]', 'SIP_BAD_URI'],
    ['sip:user@example.com;', 'SIP_BAD_URI'],
    ['sip:user@example.com;a=', 'SIP_BAD_URI'],
    ['sip:user@example.com;a=%G1', 'SIP_BAD_URI'],
    ['sip:user@example.com?', 'SIP_BAD_URI'],
    ['sip:user@example.com?h', 'SIP_BAD_URI'],
    ['sip:user@example.com>', 'SIP_BAD_URI'],
    ['sip:user@example.com x', 'SIP_BAD_URI'],
    ['sip:a@b@c', 'SIP_BAD_URI'],
    ['<sip:user@example.com>', 'SIP_BAD_URI'], // ltgtruri
    [' sip:user@example.com', 'SIP_BAD_URI'],
    ['sip', 'SIP_BAD_URI'],
    ['1sip:x', 'SIP_BAD_URI'],
    ['sip user@example.com', 'SIP_BAD_URI'],
    ['foo:', 'SIP_BAD_URI'],
    ['foo:a b', 'SIP_BAD_URI'],
    ['foo:<a>', 'SIP_BAD_URI'],
    ['tel:', 'SIP_BAD_URI'],
    ['tel:+', 'SIP_BAD_URI'],
    ['tel:+12a', 'SIP_BAD_URI'],
    ['tel:12;', 'SIP_BAD_URI'],
    ['tel:12?x=y', 'SIP_BAD_URI'],
  ];
  for (const [s, code] of bad) it(`rejects ${JSON.stringify(s)} with ${code}`, () => throwsCode(() => parseUri(s), code, s));
});

describe('IPv4 / IPv6 text forms', () => {
  const v6ok: Array<[string, string]> = [
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:192.0.2.128', '::ffff:192.0.2.128'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['fe80::', 'fe80::'],
    ['1::', '1::'],
  ];
  for (const [s, canon] of v6ok) it(`IPv6 ${s} -> ${canon}`, () => assert.equal(canonicalIPv6(s), canon));
  for (const s of ['', ':', ':::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '1:', '::1.2.3', '::1.2.3.4.5', '1:2:3:4:5:6:7:1.2.3.4', '12345::', 'g::']) {
    it(`IPv6 rejects ${JSON.stringify(s)}`, () => assert.equal(parseIPv6(s), null));
  }
  it('IPv4', () => {
    assert.deepEqual(parseIPv4('255.255.255.255'), [255, 255, 255, 255]);
    assert.equal(parseIPv4('1.2.3.4.5'), null);
    assert.equal(parseIPv4('1.2.3.0400'), null);
    assert.equal(parseIPv4('1..3.4'), null);
  });
  it('parseHostPort at an offset', () => {
    const r = parseHostPort('x host.example.com:5060;a', 2);
    assert.deepEqual({ host: r.host, port: r.port, end: r.end, hostType: r.hostType }, { host: 'host.example.com', port: 5060, end: 23, hostType: 'domain' });
  });
});

describe('uriEquals (RFC 3261 §19.1.4) and formatUri', () => {
  const eq = (a: string, b: string): boolean => uriEquals(parseUri(a), parseUri(b)) && uriEquals(parseUri(b), parseUri(a));
  const same: Array<[string, string]> = [
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
    ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
    ['sip:[2001:db8::1]', 'sip:[2001:DB8:0:0:0:0:0:1]'],
    ['tel:+1-201-555-0123', 'tel:+1.201.555.0123'],
    ['tel:7042;phone-context=example.com;ext=1', 'tel:7042;ext=1;phone-context=EXAMPLE.com'],
    ['urn:service:sos', 'URN:service:sos'],
  ];
  for (const [a, b] of same) it(`${a} == ${b}`, () => assert.ok(eq(a, b)));
  const diff: Array<[string, string]> = [
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:bob@b.com', 'sips:bob@b.com'],
    ['sip:bob@b.com', 'sip:b.com'],
    ['sip:bob:pw@b.com', 'sip:bob@b.com'],
    ['sip:b.com;user=phone', 'sip:b.com'],
    ['sip:b.com;ttl=1', 'sip:b.com'],
    ['sip:b.com;method=INVITE', 'sip:b.com'],
    ['sip:b.com;maddr=1.2.3.4', 'sip:b.com'],
    ['sip:b.com;newparam=5', 'sip:b.com;newparam=6'],
    ['sip:b.com;lr', 'sip:b.com;lr=on'],
    ['sip:b.com', 'tel:+1'],
    ['tel:+1', 'tel:1'],
    ['tel:+1;ext=2', 'tel:+1'],
    ['urn:a', 'urn:A'],
    ['sip:%00@h', 'sip:%00%00@h'],
  ];
  for (const [a, b] of diff) it(`${a} != ${b}`, () => assert.ok(!eq(a, b)));

  const fmt: Array<[string, string]> = [
    ['sip:user@example.com', 'sip:user@example.com'],
    ['SIP:%75se%72@EXAMPLE.com:5060;Transport=TCP', 'sip:%75se%72@example.com:5060;Transport=TCP'],
    ['sip:user;par=u%40example.net@example.com', 'sip:user;par=u%40example.net@example.com'],
    ['sip:[2001:db8::10]:5060;lr', 'sip:[2001:db8::10]:5060;lr'],
    ['sip:u:p%20w@h?a=b&c=%3C', 'sip:u:p%20w@h?a=b&c=%3C'],
    ['sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31', 'sip:cal%6Cer@host5.example.net;lr;name=v%61lue%25%34%31'],
    ['tel:+1-201-555-0123;ext=1', 'tel:+12015550123;ext=1'],
    ['Soap.Beep://192.0.2.103:3002', 'soap.beep://192.0.2.103:3002'],
  ];
  for (const [s, out] of fmt) {
    it(`formatUri(${s})`, () => {
      const u: Uri = parseUri(s);
      assert.equal(formatUri(u), out);
      assert.ok(uriEquals(parseUri(formatUri(u)), u), 'round trip');
    });
  }
  it('formatUri escapes a modified user', () => {
    const u = sip('sip:x@h');
    assert.equal(formatUri({ ...u, user: 'a b@c', userRaw: undefined }), 'sip:a%20b%40c@h');
    assert.equal(formatUri({ ...u, user: '\x00é', userRaw: 'x' }), 'sip:%00%C3%A9@h');
  });
});
