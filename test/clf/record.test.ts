// toBinary / fromBinary (src/clf/record.ts): UTF-16 JavaScript text ↔ binary string of its UTF-8 bytes, at
// the ASCII edge (U+007F / U+0080), for a surrogate pair and for a lone surrogate (→ U+FFFD, EF BF BD).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromBinary, toBinary } from '../../src/clf/record.js';

describe('toBinary', () => {
  const cases: [string, string, string][] = [
    ['ASCII, unchanged', 'sip:alice@example.com', 'sip:alice@example.com'],
    ['empty', '', ''],
    ['U+007F, the last ASCII code point', 'a\u007fb', 'a\x7fb'],
    ['U+0080, the first two-byte one', 'a\u0080b', 'a\xc2\x80b'],
    ['é and €', 'é€', '\xc3\xa9\xe2\x82\xac'],
    ['an emoji (a surrogate pair) → four bytes', 'x\u{1F600}y', 'x\xf0\x9f\x98\x80y'],
    ['a lone high surrogate → EF BF BD', 'a\ud800b', 'a\xef\xbf\xbdb'],
    ['a lone low surrogate at the end → EF BF BD', 'a\udc00', 'a\xef\xbf\xbd'],
  ];
  for (const [name, text, bin] of cases) {
    test(name, () => {
      assert.equal(toBinary(text), bin);
      // One char per octet, the octets of Buffer.from(text, 'utf8').
      assert.ok(Buffer.from(toBinary(text), 'latin1').equals(Buffer.from(text, 'utf8')));
    });
  }
  test('fromBinary undoes it (a lone surrogate comes back as U+FFFD)', () => {
    for (const [, text] of cases.slice(0, -2)) assert.equal(fromBinary(toBinary(text)), text);
    assert.equal(fromBinary(toBinary('a\ud800b')), 'a\ufffdb');
    assert.equal(fromBinary(toBinary('a\udc00')), 'a\ufffd');
  });
});
