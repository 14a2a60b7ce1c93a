// HepTally and agentLabel: labels are file-name safe whatever the node name (the byte-loop fast path agrees
// with the regex rule), maxAgents bounds the labels, and an agent named like an Object.prototype member
// ("__proto__", "constructor") is an ordinary agent, not a write to the prototype.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { agentLabel, HepTally, OTHER, UNAUTHENTICATED, UNKNOWN } from '../../src/capture/hep-tally.js';

/** The rule as written before the fast path: the reference. */
function reference(name: Buffer): string | undefined {
  const s = name
    .latin1Slice(0, Math.min(64, name.length))
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\./, '_');
  return s.length > 0 ? s : undefined;
}

describe('agentLabel', () => {
  it('equals the regex rule for any node name', () => {
    const bytes = fc.uint8Array({ minLength: 1, maxLength: 80 });
    const safe = fc.stringMatching(/^[A-Za-z0-9._-]{1,80}$/).map((s) => Buffer.from(s, 'latin1'));
    fc.assert(
      fc.property(fc.oneof(bytes.map((b) => Buffer.from(b)), safe), (name) => {
        assert.equal(agentLabel({ nodeName: name }), reference(name) ?? UNKNOWN);
      }),
      { numRuns: 2000 },
    );
    assert.equal(agentLabel({ nodeName: Buffer.from('.hidden') }), '_hidden');
    assert.equal(agentLabel({ nodeName: Buffer.from('kam-1.example_x') }), 'kam-1.example_x');
    assert.equal(agentLabel({ nodeName: Buffer.alloc(0), captureId: 7 }), 'id-7');
    assert.equal(agentLabel({}), UNKNOWN);
  });
});

describe('HepTally', () => {
  it('bounds labels by maxAgents; later agents are "other"', () => {
    const t = new HepTally(2, undefined);
    for (const a of ['a', 'b']) t.agentStats(t.agent(a)).received++;
    t.agentStats(UNKNOWN).received++;
    assert.equal(t.agent('a'), 'a');
    assert.equal(t.agent('c'), OTHER);
    t.agentStats(t.agent('c')).received++;
    assert.deepEqual(Object.keys(t.s.agents).sort(), ['a', 'b', OTHER, UNKNOWN].sort());
  });

  it('"unknown", "unauthenticated" and "other" do not use up maxAgents', () => {
    const t = new HepTally(2, undefined);
    t.agentStats(UNKNOWN).received++;
    t.agentStats(UNAUTHENTICATED).received++;
    t.agentStats(OTHER).received++;
    t.agentStats(t.agent('a')).received++;
    assert.equal(t.agent('b'), 'b', 'the second named agent still gets its label');
    t.agentStats(t.agent('b')).received++;
    assert.equal(t.agent('c'), OTHER);
  });

  it('"__proto__" and "constructor" are agents like any other', () => {
    const t = new HepTally(64, undefined);
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const label = t.agent(agentLabel({ nodeName: Buffer.from(name) }));
      assert.equal(label, name);
      t.agentStats(label).received++;
      t.agentStats(label).received++;
      t.error(label, new Error('x'));
    }
    assert.equal(({} as { received?: unknown }).received, undefined, 'Object.prototype untouched');
    assert.deepEqual(Object.keys(t.s.agents), ['__proto__', 'constructor', 'toString']);
    assert.equal((Object.getOwnPropertyDescriptor(t.s.agents, '__proto__')?.value as { received: number }).received, 2);
    assert.equal(structuredClone(t.s).agents['constructor']?.received, 2);
  });
});
