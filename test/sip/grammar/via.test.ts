import assert from 'node:assert/strict';
import { parseVia, type Via } from '../../../src/sip/grammar/via.js';
import type { ErrorCode } from '../../../src/errors.js';
import { describe, it, throwsCode } from './helpers.js';

type Exp = Partial<Omit<Via, 'params' | 'raw'>>;

function check(v: Via | undefined, exp: Exp): void {
  assert.ok(v);
  for (const [k, val] of Object.entries(exp)) assert.deepEqual(v[k as keyof Via], val, k);
}

describe('parseVia: valid', () => {
  const cases: Array<[string, Exp[]]> = [
    ['SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds', [{ protocolName: 'SIP', protocolVersion: '2.0', transport: 'UDP', host: 'pc33.atlanta.com', hostType: 'domain', branch: 'z9hG4bK776asdhds', port: undefined }]],
    ['SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234', [{ host: '192.0.2.59', hostType: 'ipv4', port: 5050 }]],
    // RFC 4475 §3.1.1.1 wsinv (unfolded)
    ['SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw', [{ protocolName: 'SIP', protocolVersion: '2.0', transport: 'UDP', host: '192.0.2.2', branch: '390skdjuw' }]],
    ['SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239', [
      { transport: 'TCP', host: 'spindle.example.com', branch: 'z9hG4bK9ikj8' },
      { transport: 'UDP', host: '192.168.255.111', branch: 'z9hG4bK30239' },
    ]],
    // §3.1.1.10 transports
    ['SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf', [{ transport: 'SCTP' }]],
    ['SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj', [{ transport: 'TLS' }]],
    ['SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en', [{ transport: 'UNKNOWN', host: 't4.example.com' }]],
    ['sip/2.0/ws df7jal23ls0d.invalid;branch=z9hG4bKasudf;rport', [{ protocolName: 'SIP', transport: 'WS', rport: true }]],
    // §3.1.1.2 intmeth branch with all non-alphanum token characters
    ["SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~", [{ branch: "z9hG4bK-.!%66*_+`'~" }]],
    // §3.1.1.5 esc02: % in branch is not an escape
    ['SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234', [{ branch: 'z9hG4bK209%fzsnel234' }]],
    // §3.4.1 inv2543: no branch
    ['SIP/2.0/UDP iftgw.example.com', [{ host: 'iftgw.example.com', branch: undefined }]],
    // scalarlg
    ['SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129', [{ received: '192.0.2.129' }]],
    ['SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23', [{ host: '255.255.255.255' }]], // bcast
    ['SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111;received=2001:DB8::9:255;rport=5071', [
      { host: '2001:db8::9:1', hostType: 'ipv6', port: 5070, received: '2001:db8::9:255', rport: 5071 },
    ]],
    ['SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3', [{ received: '2001:db8::9:255' }]],
    ['SIP/2.0/UDP host : 5060 ; maddr=224.2.0.1;ttl=16', [{ host: 'host', port: 5060, maddr: '224.2.0.1', ttl: 16 }]],
    ['SIP/2.0/UDP h;maddr=[FF02::1];ttl=0;ttl=255', [{ maddr: 'ff02::1', ttl: 0 }]],
    ['SIP/2.0/UDP h;ttl=255', [{ ttl: 255 }]],
    ['SIP/2.0/UDP h;rport=0', [{ rport: 0 }]],
    ['SIP/2.0/UDP h;BRANCH=z9hG4bKx;Received=1.2.3.4', [{ branch: 'z9hG4bKx', received: '1.2.3.4' }]],
    ['SIP/2.0/UDP h;x="quoted;value";y', [{ host: 'h' }]],
    ['SIP/2.0/UDP h.example.com.', [{ host: 'h.example.com.' }]],
    ['SIP/3.0/UDP h', [{ protocolVersion: '3.0' }]],
  ];
  for (const [s, exp] of cases) {
    it(`parses ${JSON.stringify(s)}`, () => {
      const vs = parseVia(s);
      assert.equal(vs.length, exp.length);
      exp.forEach((e, i) => check(vs[i], e));
    });
  }
  it('keeps all params and raw', () => {
    const [v] = parseVia('SIP/2.0/UDP h;branch=z9hG4bK1;foo=bar;lr, SIP/2.0/TCP x');
    assert.equal(v?.params.size, 3);
    assert.equal(v?.params.get('FOO'), 'bar');
    assert.equal(v?.raw, 'SIP/2.0/UDP h;branch=z9hG4bK1;foo=bar;lr');
  });
  it('longreq: many sent-bys in one value', () => {
    const value = Array.from({ length: 33 }, (_, i) => `SIP/2.0/TCP sip${33 - i}.example.com`).join(', ');
    assert.equal(parseVia(value).length, 33);
  });
});

describe('parseVia: invalid', () => {
  const bad: Array<[string, ErrorCode]> = [
    ['', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0 host', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDPhost', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP  ', 'SIP_BAD_HEADER_VALUE'],
    ['SIP//UDP h', 'SIP_BAD_HEADER_VALUE'],
    ['/2.0/UDP h', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h:', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h:70000', 'SIP_SCALAR_RANGE'],
    ['SIP/2.0/UDP h extra', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP [::1', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP [1::2::3]', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP 1.2.3.999', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;branch', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;branch="x"', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;received=example.com', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;received', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;ttl=256', 'SIP_SCALAR_RANGE'],
    ['SIP/2.0/UDP h;ttl=99999999999999999999999', 'SIP_SCALAR_RANGE'],
    ['SIP/2.0/UDP h;ttl=-1', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;ttl', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;rport=65536', 'SIP_SCALAR_RANGE'],
    ['SIP/2.0/UDP h;rport=x', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;maddr', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;maddr=a..b', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h,', 'SIP_BAD_HEADER_VALUE'],
    ['SIP/2.0/UDP h;x="open', 'SIP_UNTERMINATED_QUOTE'],
  ];
  for (const [s, code] of bad) it(`rejects ${JSON.stringify(s)} with ${code}`, () => throwsCode(() => parseVia(s), code, s));
});
