// randomHex (src/sip/random.ts): tags and branches from a pooled CSPRNG — right length, hex, never repeated
// across pool refills.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomHex } from '../../src/sip/random.js';

test('randomHex: 2·n hex digits, all distinct over several pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const h = randomHex(8); // 5000 × 8 bytes: ten refills of the 4 KiB pool
    assert.match(h, /^[0-9a-f]{16}$/);
    seen.add(h);
  }
  assert.equal(seen.size, 5000);
  assert.match(randomHex(3), /^[0-9a-f]{6}$/);
  assert.match(randomHex(64), /^[0-9a-f]{128}$/);
});
