// Smoke test of the public API shape (the conformance suite codes against it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as logme from '../../src/logme/index.js';
import { aliceSession, engine, req, res } from './util.js';

test('public API: LogmeEngine, validateLogmeConfig, mask, stats, tick', () => {
  assert.equal(typeof logme.LogmeEngine, 'function');
  assert.equal(typeof logme.validateLogmeConfig, 'function');
  const { e, run } = engine({ roles: ['originating-ua', 'terminating-ua'], sessions: [aliceSession()] });
  const d = run(req('INVITE'), 'out', 'proxy1', { local: true });
  assert.equal(d.marker, 'add');
  assert.equal(d.log, true);
  assert.ok(Array.isArray(d.events));
  const r = run(res(180, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'proxy1');
  assert.equal(r.log, true);
  assert.equal(typeof e.mask('x'), 'string');
  assert.equal(e.stats().activeDialogs, 1);
  assert.deepEqual(e.tick(), []);
});
