/**
 * Property tests: every grammar parser, fed arbitrary strings (binary, SIP-alphabet soup, and mutations of
 * valid values), only ever throws SipParseError and always finishes. Plus a URI format/parse round trip.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseNameAddr, parseNameAddrList, parseContact } from '../../../src/sip/grammar/address.js';
import { parseJoin, parseReplaces, parseTargetDialog } from '../../../src/sip/grammar/dialog-headers.js';
import { parseParams } from '../../../src/sip/grammar/params.js';
import { parseSessionId } from '../../../src/sip/grammar/session-id.js';
import { parseCSeq, parseMediaType, parseReferTo, parseUint } from '../../../src/sip/grammar/simple.js';
import { splitCommaValues, splitTokens } from '../../../src/sip/grammar/split.js';
import { formatUri, parseUri, uriEquals } from '../../../src/sip/grammar/uri.js';
import { parseVia } from '../../../src/sip/grammar/via.js';
import { describe, it, onlyParseErrors } from './helpers.js';

const SIP_ALPHABET = 'sipSIPtel:@;=<>",?&%[]:./0123456789abcdefABCDEF-_+*!~\'()$ \t\\#remotlgbranchtag'.split('');

const SEEDS = [
  'sip:user@example.com',
  '"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=98asjd8',
  'sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31',
  'sip:user;par=u%40example.net@example.com',
  'sip:[2001:db8::10]:5060;maddr=[::1]?h=v&a=b',
  'tel:+1-201-555-0123;ext=1',
  'SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8  , SIP/2.0/UDP [::1]:5060;received=::2;rport',
  'ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2;logme',
  '98732@sip.example.com ;from-tag=r33th4x0r ;to-tag=ff87ff;early-only',
  '0009 INVITE',
  'text/html ; charset = "ISO-8859-4"',
  '*',
];

/** Inserts, deletes or replaces characters of a seed. */
const mutated = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.constantFrom(...SIP_ALPHABET)), { maxLength: 6 }))
  .map(([seed, edits]) => {
    let s = seed;
    for (const [p, op, ch] of edits) {
      const i = s.length === 0 ? 0 : p % s.length;
      if (op === 0) s = s.slice(0, i) + ch + s.slice(i);
      else if (op === 1) s = s.slice(0, i) + s.slice(i + 1);
      else s = s.slice(0, i) + ch + s.slice(i + 1);
    }
    return s;
  });

const input = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(...SIP_ALPHABET), maxLength: 120 }),
  mutated,
);

const parsers: Array<[string, (s: string) => unknown]> = [
  ['parseParams', (s) => parseParams(s, 0)],
  ['splitCommaValues', splitCommaValues],
  ['splitTokens', splitTokens],
  ['parseUri', parseUri],
  ['parseNameAddr', parseNameAddr],
  ['parseNameAddrList', (s) => parseNameAddrList(s)],
  ['parseContact', parseContact],
  ['parseVia', parseVia],
  ['parseSessionId', parseSessionId],
  ['parseTargetDialog', parseTargetDialog],
  ['parseReplaces', parseReplaces],
  ['parseJoin', parseJoin],
  ['parseCSeq', parseCSeq],
  ['parseMediaType', parseMediaType],
  ['parseUint', (s) => parseUint(s, 0xffffffff)],
  ['parseReferTo', parseReferTo],
];

describe('property: arbitrary input only throws SipParseError', () => {
  for (const [name, parse] of parsers) {
    it(name, () => {
      fc.assert(fc.property(input, (s) => onlyParseErrors(() => parse(s), s.length)), { numRuns: 1500 });
    });
  }
  it('long inputs finish quickly (no super-linear paths)', () => {
    const long = [
      `<${'a'.repeat(50_000)}`,
      '<'.repeat(50_000),
      `sip:a@b${';x=1'.repeat(10_000)}`,
      `${'"a",'.repeat(10_000)}`,
      `${'a '.repeat(20_000)}<sip:a@b>`,
      `SIP/2.0/UDP h${', SIP/2.0/UDP h'.repeat(5_000)}`,
      `sip:${'%41'.repeat(20_000)}@h`,
    ];
    const t0 = performance.now();
    for (const s of long) for (const [, parse] of parsers) onlyParseErrors(() => parse(s), s.length);
    assert.ok(performance.now() - t0 < 5_000);
  });
});

describe('property: SIP URI format/parse round trip', () => {
  const userChar = fc.constantFrom(...'abcXYZ019-_.!~*\'()&=+$,;?/ @:%é\x00'.split(''));
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
  const uri = fc.record({
    scheme: fc.constantFrom('sip', 'sips'),
    user: fc.option(fc.string({ unit: userChar, minLength: 1, maxLength: 12 }), { nil: undefined }),
    host: fc.oneof(
      fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.') + (/^[0-9.]+$/.test(l.join('.')) ? 'x' : '')),
      fc.ipV4(),
      fc.ipV6().map((a) => `[${a}]`),
    ),
    port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    params: fc.array(fc.tuple(fc.constantFrom('lr', 'transport', 'x-y', 'maddr'), fc.option(fc.stringMatching(/^[a-z0-9.]{1,6}$/), { nil: null })), { maxLength: 3 }),
  });
  it('parse(format(parse(text))) equals parse(text)', () => {
    fc.assert(
      fc.property(uri, (u) => {
        const enc = (s: string): string => s.replace(/[^a-zA-Z0-9\-_.!~*'()&=+$,;?/]/gu, (c) => Array.from(new TextEncoder().encode(c), (b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
        const text =
          `${u.scheme}:${u.user === undefined ? '' : `${enc(u.user)}@`}${u.host}${u.port === undefined ? '' : `:${u.port}`}` +
          u.params.map(([n, v]) => (v === null ? `;${n}` : `;${n}=${v}`)).join('');
        const a = parseUri(text);
        assert.equal(a.kind, 'sip');
        if (a.kind === 'sip') assert.equal(a.user, u.user);
        const b = parseUri(formatUri(a));
        assert.ok(uriEquals(a, b), `${text} vs ${formatUri(a)}`);
        assert.equal(formatUri(b), formatUri(a));
      }),
      { numRuns: 1000 },
    );
  });
});
