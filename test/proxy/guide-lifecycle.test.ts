// The lifecycle diagram of docs/guides/proxy.md names the error codes each phase can produce: every one must
// be in the single registry src/errors.ts (a renamed or removed code fails here, not in a reader's grep).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { ERRORS } from '../../src/errors.js';
import { ROOT } from './peers.js';

it('every error code in the proxy guide lifecycle is in src/errors.ts', () => {
  const guide = readFileSync(join(ROOT, 'docs/guides/proxy.md'), 'utf8');
  const start = guide.indexOf('### Lifecycle of one message');
  assert.ok(start >= 0, 'the lifecycle section exists');
  const section = guide.slice(start, guide.indexOf('\n## ', start));
  const codes = new Set([...section.matchAll(/\b(?:SIP|PROXY|TRANSPORT|TXN|IO|CONFIG)_[A-Z_]*[A-Z]\b/g)].map((m) => m[0]));
  assert.ok(codes.size >= 20, `codes found: ${codes.size}`);
  const known = new Set(Object.keys(ERRORS));
  // SIP_LIMIT_* stands for the three limit codes
  assert.deepEqual([...codes].filter((c) => !known.has(c) && c !== 'SIP_LIMIT').sort(), []);
});
