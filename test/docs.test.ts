// The reference pages generated from code tables must match the code (errors registry, CLI option table).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERRORS } from '../src/errors.js';

const root = join(import.meta.dirname, '..', '..');

interface GenDocs {
  PAGES: Record<string, () => Promise<string>>;
}

test('docs/reference pages are in sync with the code tables (run node scripts/gen-docs.mjs)', async () => {
  const gen = (await import(join(root, 'scripts', 'gen-docs.mjs'))) as GenDocs;
  for (const [path, render] of Object.entries(gen.PAGES)) {
    assert.equal(readFileSync(join(root, path), 'utf8'), await render(), `${path} is stale`);
  }
});

test('every error code is documented and no stale code is', () => {
  const doc = readFileSync(join(root, 'docs/reference/errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), Object.keys(ERRORS).sort());
});

test('error codes are upper snake case with a known layer prefix', () => {
  for (const code of Object.keys(ERRORS)) assert.match(code, /^(SIP|CLF|LOGME|CAPTURE|HEP|TRANSPORT|TXN|PROXY|UA|CONFIG|CLI|IO)_[A-Z0-9_]+$/);
});
