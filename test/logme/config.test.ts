// validateLogmeConfig: defaults (RFC 8497 §7.1 disabled by default) and CONFIG_INVALID with path and reason.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipclfError } from '../../src/errors.js';
import { validateLogmeConfig } from '../../src/logme/config-validate.js';
import { T0 } from './util.js';

function rejects(data: unknown, path: string, reason?: RegExp): void {
  assert.throws(
    () => validateLogmeConfig(data),
    (e: unknown) => {
      assert.ok(e instanceof SipclfError);
      assert.equal(e.code, 'CONFIG_INVALID');
      assert.ok(e.message.startsWith(`${path}: `), `message ${JSON.stringify(e.message)} should start with ${path}`);
      if (reason !== undefined) assert.match(e.message, reason);
      return true;
    },
  );
}

const S = { id: 's', scope: { from: ['alice@*'] }, expires: T0 };

describe('validateLogmeConfig', () => {
  test('§7.1 defaults: no sessions (nothing is marked), plain proxy role, honour, masking on', () => {
    const c = validateLogmeConfig({});
    assert.deepEqual(c.roles, ['proxy']);
    assert.deepEqual(c.sessions, []);
    assert.equal(c.honour, true);
    assert.equal(c.privacy.mask, true);
    assert.deepEqual(c.privacy.attributes, ['crypto', 'key-mgmt', '3GPP-Integrity-Key', '3GPP-SRTP-Config']);
    assert.equal(c.limits.maxMarkedDialogs, 100);
    assert.equal(c.relatedDialogs, true);
    assert.equal(validateLogmeConfig(undefined).roles[0], 'proxy');
  });

  test('a validated config validates to itself', () => {
    const c = validateLogmeConfig({ roles: ['boundary'], sessions: [{ ...S, start: '2029-12-31T00:00:00Z', expires: '2030-01-02T00:00:00+01:00' }] });
    assert.deepEqual(validateLogmeConfig(c), c);
    assert.equal(c.sessions[0]?.expires, Date.parse('2030-01-02T00:00:00+01:00'));
  });

  test('peer defaults: inside ⇒ agreement; outside ⇒ none (§3.4.2); boundary ⇒ unknown neighbours outside', () => {
    const c = validateLogmeConfig({ roles: ['boundary'], peers: [{ name: 'a' }, { name: 'b', trust: 'outside' }] });
    assert.equal(c.peers[0]?.agreement, true);
    assert.equal(c.peers[1]?.agreement, false);
    assert.deepEqual(c.defaultPeer, { trust: 'outside', agreement: false });
    assert.deepEqual(validateLogmeConfig({ roles: ['terminating-ua'] }).defaultPeer, { trust: 'inside', agreement: true });
  });

  test('CONFIG_INVALID names the path and the reason', () => {
    rejects({ sessions: [{ ...S, scope: { sources: ['10.0.0.0/8', '10.0.0.300'] } }] }, 'sessions[0].scope.sources[1]', /not an IPv4\/IPv6 address or CIDR/);
    rejects({ sessions: [{ ...S, scope: { sources: ['2001:db8::/129'] } }] }, 'sessions[0].scope.sources[0]');
    rejects({ peers: [{ name: 'p', addresses: ['nope'] }] }, 'peers[0].addresses[0]', /CIDR/);
    rejects({ roles: ['router'] }, 'roles[0]', /unknown role/);
    rejects({ roles: [] }, 'roles');
    rejects({ roles: ['proxy', 'boundary'] }, 'roles', /plain RFC 3261 proxy/);
    rejects({ roles: ['stateless-logger', 'terminating-ua'] }, 'roles', /stateless-logger/);
    rejects({ honour: 'yes' }, 'honour', /true or false/);
    rejects({ colour: 1 }, 'colour', /unknown key/);
    rejects({ peers: [{ name: 'p' }, { name: 'p' }] }, 'peers[1].name', /duplicate/);
    rejects({ peers: [{ name: 'p', trust: 'maybe' }] }, 'peers[0].trust');
    rejects({ limits: { maxMarkedDialogs: -1 } }, 'limits.maxMarkedDialogs', />= 0/);
    rejects({ limits: { maxMarkedDialogs: 50, maxTrackedDialogs: 10 } }, 'limits.maxTrackedDialogs');
    rejects({ privacy: { attributes: ['cry pto'] } }, 'privacy.attributes[0]');
    rejects([], 'config', /object/);
  });

  test('§7.1: a session needs a specific scope and a time window', () => {
    rejects({ sessions: [{ id: 's', expires: T0 }] }, 'sessions[0].scope', /required/);
    rejects({ sessions: [{ ...S, scope: {} }] }, 'sessions[0].scope', /at least one/);
    rejects({ sessions: [{ ...S, scope: { from: [] } }] }, 'sessions[0].scope', /at least one/);
    rejects({ sessions: [{ id: 's', scope: { from: ['a'] } }] }, 'sessions[0].expires', /required/);
    rejects({ sessions: [{ ...S, start: T0 + 1 }] }, 'sessions[0].expires', /after start/);
    rejects({ sessions: [{ ...S, expires: '2030-01-01' }] }, 'sessions[0].expires', /ISO 8601/);
    rejects({ sessions: [S, S] }, 'sessions[1].id', /duplicate/);
    rejects({ sessions: [{ ...S, maxDialogs: 0 }] }, 'sessions[0].maxDialogs');
    rejects({ sessions: [{ ...S, scope: { from: [''] } }] }, 'sessions[0].scope.from[0]');
  });
});
