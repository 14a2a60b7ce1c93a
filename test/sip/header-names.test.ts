// The parser's header-name automaton (header-names.ts) against the token scan plus lookupHeaderBytes it replaces:
// the same name end and the same header id for every known name in any case, and for names one edit away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOKEN } from '../../src/sip/bytes.js';
import { H, NAME_CLASS, NAME_CLASS_BITS, NAME_ID, NAME_NEXT, NAME_ROOT, canonicalName, compactName, lookupHeaderBytes } from '../../src/sip/header-names.js';

function automaton(b: Uint8Array): [number, number] {
  let st = NAME_ROOT;
  let i = 0;
  while (i < b.length) {
    const nx = NAME_NEXT[st | (NAME_CLASS[b[i] as number] as number)] as number;
    if (nx === 0) break;
    st = nx;
    i++;
  }
  return [i, NAME_ID[st >> NAME_CLASS_BITS] as number];
}

function reference(b: Uint8Array): [number, number] {
  let i = 0;
  while (i < b.length && TOKEN[b[i] as number] === 1) i++;
  return [i, i === 0 ? H.OTHER : lookupHeaderBytes(b, 0, i)];
}

test('header-name automaton: same end and id as the token scan and lookupHeaderBytes', () => {
  const names: string[] = [];
  for (const id of Object.values(H)) {
    if (id === H.OTHER) continue;
    names.push(canonicalName(id));
    const c = compactName(id);
    if (c !== undefined) names.push(c);
  }
  const chars: string[] = [];
  for (let c = 0; c < 256; c++) chars.push(String.fromCharCode(c));
  let checked = 0;
  const check = (name: string): void => {
    const b = Buffer.from(name + ':', 'latin1');
    assert.deepEqual(automaton(b), reference(b), JSON.stringify(name));
    checked++;
  };
  for (const base of names) {
    for (const n of [base, base.toLowerCase(), base.toUpperCase()]) {
      check(n);
      for (let k = 0; k <= n.length; k++) {
        check(n.slice(0, k) + n.slice(k + 1)); // one char dropped
        if (n !== base) continue;
        for (const ch of chars) {
          check(n.slice(0, k) + ch + n.slice(k)); // one char inserted
          if (k < n.length) check(n.slice(0, k) + ch + n.slice(k + 1)); // one char replaced
        }
      }
    }
  }
  assert.ok(checked > 100_000);
});
