/**
 * The RFC 4475 torture messages, header by header: every value the grammar parsers own is extracted from
 * the .dat files (unfolded and trimmed, as the message parser hands it over) and parsed. Values RFC 4475
 * §3.1.2 calls malformed at this level must fail with the listed code; everything else must parse.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseContact, parseNameAddr, parseNameAddrList } from '../../../src/sip/grammar/address.js';
import { parseCSeq, parseMediaType, parseUint } from '../../../src/sip/grammar/simple.js';
import { splitCommaValues, splitTokens } from '../../../src/sip/grammar/split.js';
import { parseUri } from '../../../src/sip/grammar/uri.js';
import { parseVia } from '../../../src/sip/grammar/via.js';
import type { ErrorCode } from '../../../src/errors.js';
import { describe, it, throwsCode } from './helpers.js';

const inRepo = fileURLToPath(new URL('../../../../test/vectors/rfc4475/', import.meta.url));
const dir = existsSync(inRepo) ? inRepo : '/work/shared/testdata/rfc4475/';
// test.dat is an extra file in the RFC's archive, not one of its test messages (no verdict, not SIP)
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.dat') && f !== 'test.dat') : [];

const COMPACT: Record<string, string> = { t: 'to', f: 'from', m: 'contact', v: 'via', c: 'content-type', l: 'content-length', k: 'supported', r: 'refer-to' };
const U32 = 0xffffffff;

const PARSERS: Record<string, (v: string) => unknown> = {
  to: parseNameAddr,
  from: parseNameAddr,
  'refer-to': parseNameAddr,
  contact: parseContact,
  route: (v) => parseNameAddrList(v),
  'record-route': (v) => parseNameAddrList(v),
  via: parseVia,
  cseq: parseCSeq,
  'content-type': parseMediaType,
  accept: (v) => splitCommaValues(v).map(parseMediaType),
  'max-forwards': (v) => parseUint(v, 255),
  'content-length': (v) => parseUint(v, U32),
  expires: (v) => parseUint(v, U32),
  require: splitTokens,
  'proxy-require': splitTokens,
  supported: splitTokens,
  unsupported: splitTokens,
  allow: splitTokens,
};

/** file → header (lowercase long name, or ':ruri') → the code its value must fail with. */
const EXPECTED_FAILURES: Record<string, Record<string, ErrorCode>> = {
  quotbal: { to: 'SIP_UNTERMINATED_QUOTE' }, // §3.1.2.6
  baddn: { from: 'SIP_BAD_HEADER_VALUE', to: 'SIP_BAD_HEADER_VALUE' }, // §3.1.2.15
  badaspec: { to: 'SIP_BAD_URI' }, // §3.1.2.14
  regbadct: { contact: 'SIP_BAD_HEADER_VALUE' }, // §3.1.2.13
  ltgtruri: { ':ruri': 'SIP_BAD_URI' }, // §3.1.2.7
  badinv01: { via: 'SIP_BAD_HEADER_VALUE', contact: 'SIP_BAD_HEADER_VALUE' }, // §3.1.2.1
  ncl: { 'content-length': 'SIP_BAD_HEADER_VALUE' }, // §3.1.2.3
  scalar02: { cseq: 'SIP_SCALAR_RANGE', 'max-forwards': 'SIP_SCALAR_RANGE', expires: 'SIP_SCALAR_RANGE' }, // §3.1.2.4
  scalarlg: { cseq: 'SIP_SCALAR_RANGE' }, // §3.1.2.5
};

/** Request lines the message parser rejects before any URI parsing (§3.1.2.8-10): not split here. */
const BROKEN_START_LINE = new Set(['lwsruri', 'lwsstart', 'trws']);

function headers(text: string): Array<[string, string]> {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const lines = head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  const out: Array<[string, string]> = [['', lines[0] ?? '']];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    out.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()]);
  }
  return out;
}

describe('RFC 4475 torture messages through the grammar parsers', () => {
  it('finds the vectors', () => assert.ok(files.length >= 40, `${files.length} in ${dir}`));
  for (const file of files) {
    const name = file.replace(/\.dat$/, '');
    it(name, () => {
      const expected = EXPECTED_FAILURES[name] ?? {};
      const seen = new Set<string>();
      const hs = headers(readFileSync(`${dir}${file}`, 'utf8'));
      for (const [h, value] of hs) {
        if (h === '') {
          const parts = value.split(' ');
          if (parts[0]?.startsWith('SIP/') === true || BROKEN_START_LINE.has(name)) continue;
          const code = expected[':ruri'];
          if (code !== undefined) {
            throwsCode(() => parseUri(parts[1] ?? ''), code, `${name} Request-URI`);
            seen.add(':ruri');
          } else parseUri(parts[1] ?? '');
          continue;
        }
        const parse = PARSERS[h];
        if (parse === undefined) continue;
        const code = expected[h];
        if (code !== undefined) {
          throwsCode(() => parse(value), code, `${name} ${h}: ${value}`);
          seen.add(h);
        } else {
          try {
            parse(value);
          } catch (e) {
            assert.fail(`${name} ${h}: ${JSON.stringify(value)}: ${String(e)}`);
          }
        }
      }
      assert.deepEqual([...seen].sort(), Object.keys(expected).sort(), 'every expected failure was exercised');
    });
  }
});
