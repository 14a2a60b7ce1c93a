import assert from 'node:assert/strict';
import { NIL_UUID, formatSessionId, isSessUuid, parseSessionId } from '../../../src/sip/grammar/session-id.js';
import { Params } from '../../../src/sip/grammar/params.js';
import { describe, it, throwsCode } from './helpers.js';

const A = 'ab30317f1a784dc48ff824d0d3715d86';
const B = '47755a9de7794ba387653f2099600ef2';

describe('parseSessionId (RFC 7989 §5, RFC 8497 §6)', () => {
  type Exp = { local: string; remote?: string; localIsNil: boolean; remoteIsNil: boolean; logme: boolean; size: number };
  const cases: Array<[string, Exp]> = [
    // RFC 7989 §5 example (unfolded)
    [`${A}; remote=${B}`, { local: A, remote: B, localIsNil: false, remoteIsNil: false, logme: false, size: 1 }],
    // RFC 7989 §10.1 F1 (folded before ";")
    [`${A} ;remote=${NIL_UUID}`, { local: A, remote: NIL_UUID, localIsNil: false, remoteIsNil: true, logme: false, size: 1 }],
    // RFC 8497 Figure 1
    [`${A};remote=${B};logme`, { local: A, remote: B, localIsNil: false, remoteIsNil: false, logme: true, size: 2 }],
    // RFC 7989 §10.8: intermediary-originated {N,A}
    [`${NIL_UUID};remote=${A}`, { local: NIL_UUID, remote: A, localIsNil: true, remoteIsNil: false, logme: false, size: 1 }],
    // RFC 7329 (pre-standard): single UUID, no remote (RFC 7989 §11)
    [A, { local: A, localIsNil: false, remoteIsNil: false, logme: false, size: 0 }],
    [`${A};foo=bar`, { local: A, localIsNil: false, remoteIsNil: false, logme: false, size: 1 }],
    // uppercase hex accepted and lowercased; param names case-insensitive
    [`${A.toUpperCase()};REMOTE=${B.toUpperCase()};LogMe`, { local: A, remote: B, localIsNil: false, remoteIsNil: false, logme: true, size: 2 }],
    // logme with a value is a generic-param, not the marker
    [`${A};remote=${B};logme=1`, { local: A, remote: B, localIsNil: false, remoteIsNil: false, logme: false, size: 2 }],
    [`${A};logme;remote=${B}`, { local: A, remote: B, localIsNil: false, remoteIsNil: false, logme: true, size: 2 }],
    [`  ${A} ; remote = ${B} ; logme `, { local: A, remote: B, localIsNil: false, remoteIsNil: false, logme: true, size: 2 }],
  ];
  for (const [s, exp] of cases) {
    it(`parses ${JSON.stringify(s)}`, () => {
      const v = parseSessionId(s);
      assert.equal(v.local, exp.local);
      assert.equal(v.remote, exp.remote);
      assert.equal(v.localIsNil, exp.localIsNil);
      assert.equal(v.remoteIsNil, exp.remoteIsNil);
      assert.equal(v.logme, exp.logme);
      assert.equal(v.params.size, exp.size);
      assert.equal(v.raw, s.trim());
    });
  }
  const bad = [
    '',
    'ab30317f1a784dc48ff824d0d3715d8', // 31
    'ab30317f1a784dc48ff824d0d3715d861', // 33
    'ab30317f-1a78-4dc4-8ff8-24d0d3715d86', // RFC 4122 text form with dashes
    'gb30317f1a784dc48ff824d0d3715d86',
    `${A};remote`,
    `${A};remote=`,
    `${A};remote=abc`,
    `${A};remote="${B}"`,
    `${A};remote=${B};remote=${B}`,
    `${A};`,
    `${A} x`,
    `${A},${B}`,
    `${A};remote=${B}x`,
  ];
  for (const s of bad) it(`rejects ${JSON.stringify(s)}`, () => throwsCode(() => parseSessionId(s), 'SIP_BAD_HEADER_VALUE', s));
  it('rejects an open quote with SIP_UNTERMINATED_QUOTE', () => throwsCode(() => parseSessionId(`${A};x="a`), 'SIP_UNTERMINATED_QUOTE'));
  it('isSessUuid', () => {
    assert.ok(isSessUuid(A) && isSessUuid(NIL_UUID) && isSessUuid(A.toUpperCase()));
    assert.ok(!isSessUuid('') && !isSessUuid(`${A}0`) && !isSessUuid(`${A.slice(1)}z`));
  });
});

describe('formatSessionId', () => {
  it('formats local, remote, logme and other params', () => {
    assert.equal(formatSessionId({ local: A, remote: NIL_UUID }), `${A};remote=${NIL_UUID}`);
    assert.equal(formatSessionId({ local: A.toUpperCase(), remote: B, logme: true }), `${A};remote=${B};logme`);
    assert.equal(formatSessionId({ local: A }), A);
    assert.equal(
      formatSessionId({ local: A, remote: B, otherParams: [{ name: 'x', value: 'a b' }, { name: 'flag', value: null }, { name: 'LOGME', value: null }] }),
      `${A};remote=${B};x="a b";flag`,
    );
  });
  it('round-trips a parsed value', () => {
    const v = parseSessionId(`${B};remote=${A};logme;foo=bar`);
    const out = formatSessionId({ local: v.local, remote: v.remote, logme: v.logme, otherParams: v.params });
    assert.equal(out, `${B};remote=${A};logme;foo=bar`);
    assert.deepEqual(parseSessionId(out).params.entries(), v.params.entries());
  });
  it('rejects bad UUIDs and names', () => {
    throwsCode(() => formatSessionId({ local: 'x' }), 'SIP_BAD_HEADER_VALUE');
    throwsCode(() => formatSessionId({ local: A, remote: 'y' }), 'SIP_BAD_HEADER_VALUE');
    throwsCode(() => formatSessionId({ local: A, otherParams: new Params().add('a b', null) }), 'SIP_BAD_HEADER_VALUE');
  });
});
