// RFC 8497 conformance: every call flow of the RFC (Figures 2–11, test/vectors/rfc8497/) played through one
// LogmeEngine per entity on the in-memory bus (conformance-bus.ts). For every message Fn: is the marker on the
// wire on that hop, which entities log it, which errors are detected where, is the Session-ID passed unchanged
// (RFC 7989 §7) and does every logged decision carry the test case (§3.3). The error figures (8–10) also get
// the §5.3 consequences. The choices where the RFC contradicts itself: docs/reference/logme-conformance.md.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogmeEngine } from '../../src/logme/engine.js';
import type { LogmeStats } from '../../src/logme/types.js';
import { loadVectors, runFlow, type EngineLike, type FlowOptions, type FlowRun, type HopRecord, type Vector, type VectorMessage } from './conformance-bus.js';
import { configFor, uuidSource } from './conformance-config.js';

/**
 * Known engine gaps: `figure/Fn` → the reason, shown by node:test as TODO. An entry never weakens an
 * expectation: the case still runs and its failure is still printed.
 */
const TODO: Readonly<Record<string, string>> = {};

const VECTORS = loadVectors();

interface Engines {
  readonly engines: Map<string, LogmeEngine>;
}

function run(v: Vector, options: FlowOptions = {}): FlowRun & Engines {
  const engines = new Map<string, LogmeEngine>();
  const flow = runFlow(
    v,
    (e, vector, env): EngineLike => {
      const engine = new LogmeEngine(configFor(e, vector), { clock: env.clock, uuid: uuidSource(vector.entities.indexOf(e) + 1) });
      engines.set(e.name, engine);
      return engine;
    },
    options,
  );
  return { ...flow, engines };
}

/** Marker, loggers and errors per hop, for comparing two runs of one flow. */
function outcome(flow: FlowRun): string[] {
  return [...flow.hops.values()].map((h) => `${h.id}: wire=${String(h.wire)} log=[${h.loggedBy.join(', ')}] errors=[${h.errors.map((e) => `${e.at} ${e.type}`).join(', ')}]`);
}

function label(v: Vector, m: VectorMessage): string {
  const what = m.method ?? `${m.status ?? '?'} ${m.reason ?? ''}`.trim();
  return `Figure ${v.figure} ${m.id} ${what} ${m.from} → ${m.to}`;
}

/**
 * The test case (§3.3: the local UUID of the initial request's Session-ID) a logging decision must carry. A
 * stateful entity knows it for every message of the session. A stateless logger (§4.5.1) keeps no state, so
 * it can only know it from the dialog-creating request itself (the message's own local UUID); elsewhere it
 * may leave it out, but never give a wrong one.
 */
function expectedTestCase(v: Vector, m: VectorMessage, entity: string, actual: string | undefined): string {
  const stateless = v.entities.find((e) => e.name === entity)?.logme === 'stateless';
  const initial = m.method !== undefined && m.method !== 'ACK' && m.toTag === null;
  return stateless && !initial && actual === undefined ? '(none)' : v.testCase;
}

/** The facts of one hop in one comparable object. */
function facts(v: Vector, m: VectorMessage, hop: HopRecord | undefined, expected: boolean): Record<string, unknown> {
  if (expected) {
    const logged = hop?.decisions.filter((d) => d.decision.log) ?? [];
    return {
      wire: m.expect.wire,
      loggedBy: [...m.expect.log].sort(),
      errors: m.expect.errors === null ? (hop?.errors ?? []) : m.expect.errors.map((e) => `${e.at}: ${e.type}`).sort(),
      sessionId: m.sessionId,
      testCase: logged.map((d) => `${d.entity} ${d.direction}: ${expectedTestCase(v, m, d.entity, d.decision.testCase)}`),
      failures: [],
    };
  }
  if (hop === undefined) return { failures: ['not played'] };
  return {
    wire: hop.wire,
    loggedBy: hop.loggedBy,
    errors: m.expect.errors === null ? hop.errors : hop.errors.map((e) => `${e.at}: ${e.type}`).sort(),
    sessionId: hop.sessionId,
    testCase: hop.decisions.filter((d) => d.decision.log).map((d) => `${d.entity} ${d.direction}: ${d.decision.testCase ?? '(none)'}`),
    failures: hop.failures,
  };
}

describe('RFC 8497 conformance vectors are well formed', () => {
  for (const v of VECTORS) {
    test(`Figure ${v.figure}: entities, references and expectations are consistent`, () => {
      const names = new Set(v.entities.map((e) => e.name));
      const seen = new Map<string, VectorMessage>();
      for (const m of v.messages) {
        const where = `Figure ${v.figure} ${m.id}`;
        assert.ok(names.has(m.from) && names.has(m.to), `${where}: from/to name entities of the figure`);
        assert.ok(!seen.has(m.id), `${where}: ids are unique`);
        for (const who of m.expect.log) assert.ok(who === m.from || who === m.to, `${where}: only the sender or the receiver can log a hop (${who})`);
        const ref = m.how === 'forward' ? m.forwards : m.how === 'answer' ? m.answers : undefined;
        if (m.how !== 'originate') {
          const r = ref === undefined ? undefined : seen.get(ref);
          assert.ok(r !== undefined && r.to === m.from, `${where}: ${m.from} received ${String(ref)} before it can ${m.how} it`);
        }
        assert.ok(m.rfc.length > 0, `${where}: quotes the RFC`);
        seen.set(m.id, m);
      }
      assert.equal(v.figure >= 2 && v.figure <= 11, true, 'figures 2 to 11');
    });
  }
  test('one vector per figure 2–11', () => {
    assert.deepEqual(
      VECTORS.map((v) => v.figure),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
  });
});

for (const v of VECTORS) {
  describe(`RFC 8497 §${v.section} ${v.caption}`, () => {
    const flow = run(v);
    for (const m of v.messages) {
      const todo = TODO[`${v.figure}/${m.id}`];
      test(label(v, m), todo === undefined ? {} : { todo }, () => {
        const hop = flow.hops.get(m.id);
        assert.deepEqual(
          facts(v, m, hop, false),
          facts(v, m, hop, true),
          `${label(v, m)}: marker on the wire / entities that log it / errors / Session-ID / test case — ${m.rfc}${m.note === undefined ? '' : ` [${m.note}]`}`,
        );
      });
    }

    test(`Figure ${v.figure}: the same outcome when process() gets neighbours as ip:port addresses`, () => {
      assert.deepEqual(outcome(run(v, { neighbours: 'address' })), outcome(flow), `Figure ${v.figure}: neighbours by address vs by peer name`);
    });

    // §5.3 consequences at every entity that detects an error in this figure.
    const detections = v.messages.flatMap((m, i) => (m.expect.errors ?? []).map((e) => ({ m, i, at: e.at, type: e.type })));
    for (const { m, i, at, type } of detections) {
      const todo = TODO[`${v.figure}/${m.id}/§5.3/${at}`];
      const apiTodo = TODO[`${v.figure}/${m.id}/phase/${at}`];
      test(`Figure ${v.figure} ${m.id}: ${at} reports the ${type} error as an event and a dialog phase`, apiTodo === undefined ? {} : { todo: apiTodo }, () => {
        const where = `Figure ${v.figure} ${m.id} (${type} at ${at})`;
        const d = flow.hops.get(m.id)?.decisions.find((x) => x.entity === at && x.decision.error === type);
        assert.ok(d !== undefined, `${where}: ${at} reports the error`);
        const event = type === 'missing-marker' ? 'logme.error.missing' : 'logme.error.midDialog';
        assert.ok(d.decision.events.some((e) => e.name === event), `${where}: ${at} emits ${event}`);
        // types.ts DialogPhase: the error phases are how the engine says "consider this an error condition" (§5.3).
        const phase = type === 'missing-marker' ? 'missing-marker-error' : 'mid-dialog-error';
        assert.equal(d.decision.stateChange?.to, phase, `${where}: the dialog moves to ${phase} at ${at}`);
      });
      test(`Figure ${v.figure} ${m.id}: §5.3 after the ${type} error at ${at}`, todo === undefined ? {} : { todo }, () => {
        const where = `Figure ${v.figure} ${m.id} (${type} at ${at})`;
        const hop = flow.hops.get(m.id);
        assert.ok(hop?.decisions.some((x) => x.entity === at && x.decision.error === type), `${where}: ${at} reports the error`);
        // "It MUST NOT mark subsequent requests and responses" / "MUST stop logging" / "MUST NOT log the message".
        for (const later of v.messages.slice(i)) {
          const h = flow.hops.get(later.id);
          if (later !== m && later.from === at) assert.equal(h?.wire, false, `${where}: ${at} does not mark ${later.id} (§5.3)`);
          if (type === 'mid-dialog-marker' && later.to === at) {
            const fwd = v.messages.find((x) => x.how === 'forward' && x.forwards === later.id);
            if (fwd !== undefined) assert.equal(flow.hops.get(fwd.id)?.wire, false, `${where}: ${at} does not forward the marker of ${later.id} in ${fwd.id} (§5.3)`);
          }
          const logsIt = h?.decisions.some((x) => x.entity === at && x.decision.log) ?? false;
          assert.equal(logsIt, false, `${where}: ${at} does not log ${later.id} (§5.3)`);
        }
        // "Any previously logged messages SHOULD be retained ... and not deleted."
        const before = v.messages.slice(0, i).filter((x) => flow.hops.get(x.id)?.decisions.some((y) => y.entity === at && y.decision.log));
        assert.deepEqual(
          flow.logs.get(at),
          before.map((x) => x.id),
          `${where}: what ${at} logged before the error is kept, nothing after it`,
        );
        const stats: LogmeStats | undefined = flow.engines.get(at)?.stats();
        const loggedDecisions = [...flow.hops.values()].reduce((n, h) => n + h.decisions.filter((y) => y.entity === at && y.decision.log).length, 0);
        assert.equal(stats?.logged, loggedDecisions, `${where}: ${at}'s logged counter is not rolled back`);
        if (type === 'missing-marker') assert.ok(before.length > 0, `${where}: ${at} had logged the dialog before the error`);
      });
    }
  });
}
