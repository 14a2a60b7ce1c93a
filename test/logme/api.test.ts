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

test('docs/reference/logme.md documents every configuration key and event name', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const doc = fs.readFileSync(path.join(import.meta.dirname, '..', '..', '..', 'docs', 'reference', 'logme.md'), 'utf8');
  const c = logme.validateLogmeConfig({ roles: ['boundary'], peers: [{ name: 'p' }] });
  const keys = [
    ...Object.keys(c),
    ...Object.keys(c.peers[0] ?? {}).map((k) => `peers[].${k}`),
    ...Object.keys(c.limits).map((k) => `limits.${k}`),
    ...Object.keys(c.privacy).map((k) => `privacy.${k}`),
    ...['id', 'enabled', 'scope.from', 'scope.sources', 'scope.userAgents', 'scope.to', 'start', 'expires', 'maxDialogs'].map((k) => `sessions[].${k}`),
  ];
  for (const k of keys) assert.ok(doc.includes(`\`${k}`), `config key ${k} is not documented`);
  for (const r of logme.ROLES) assert.ok(doc.includes(`\`${r}\``), `role ${r} is not documented`);
  const events = ['dialog.start', 'dialog.related', 'dialog.end', 'dialog.stop', 'marker.add', 'error.missing', 'limit.reached', 'session.expired', 'sessionId.insert', 'marker.ignored'];
  for (const e of events) assert.ok(doc.includes(`logme.${e}`), `event logme.${e} is not documented`);
});
