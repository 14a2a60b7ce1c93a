// The layer check (scripts/check-layers.mjs) passes on the tree and catches an upward import.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

interface LayerCheck {
  checkLayers(src: string): string[];
}

test('the source tree keeps imports pointing down', async () => {
  const m = (await import(join(root, 'scripts', 'check-layers.mjs'))) as LayerCheck;
  assert.deepEqual(m.checkLayers(join(root, 'src')), []);
});

test('an upward import (sip → cli) is reported', async () => {
  const m = (await import(join(root, 'scripts', 'check-layers.mjs'))) as LayerCheck;
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-layers-'));
  try {
    mkdirSync(join(dir, 'sip'));
    mkdirSync(join(dir, 'cli'));
    writeFileSync(join(dir, 'sip', 'a.ts'), "import { x } from '../cli/b.js';\nexport const y = x;\n");
    writeFileSync(join(dir, 'cli', 'b.ts'), "import { y } from '../sip/a.js';\nexport const x = 1; void y;\n");
    const problems = m.checkLayers(dir);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /layer 'sip' must not import 'cli'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
