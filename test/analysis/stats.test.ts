// StatsCollector: counts, INVITE transaction timing, calls per hour, domains.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StatsCollector, uriDomain } from '../../src/analysis/stats.js';
import type { ClfRecord } from '../../src/clf/record.js';
import { generateRecords } from '../../src/gen/generator.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function rec(over: Partial<ClfRecord>): ClfRecord {
  return {
    timestamp: T0,
    isRequest: true,
    retransmission: 'O',
    direction: 'R',
    transport: 'U',
    encrypted: false,
    cseq: '1 INVITE',
    status: null,
    requestUri: 'sip:bob@biloxi.example.com',
    destination: '192.0.2.10:5060',
    source: '198.51.100.1:5060',
    toUri: 'sip:bob@biloxi.example.com',
    toTag: null,
    fromUri: 'sip:alice@atlanta.example.com',
    fromTag: 'a1',
    callId: 'c1',
    serverTxn: 'z9hG4bK1',
    clientTxn: null,
    optional: [],
    ...over,
  };
}

describe('StatsCollector', () => {
  test('one call through a proxy: timings measured from the INVITE, 100 Trying ignored', () => {
    const s = new StatsCollector();
    s.add(rec({}));
    s.add(rec({ timestamp: T0 + 1, direction: 'S', clientTxn: 'z9hG4bKp', requestUri: 'sip:bob@203.0.113.5' }));
    s.add(rec({ timestamp: T0 + 2, isRequest: false, status: '100', requestUri: null, direction: 'S' }));
    s.add(rec({ timestamp: T0 + 300, isRequest: false, status: '180', requestUri: null, toTag: 'b1', clientTxn: 'z9hG4bKp' }));
    s.add(rec({ timestamp: T0 + 301, isRequest: false, status: '180', requestUri: null, toTag: 'b1', direction: 'S' }));
    s.add(rec({ timestamp: T0 + 2000, isRequest: false, status: '200', requestUri: null, toTag: 'b1', clientTxn: 'z9hG4bKp' }));
    s.add(rec({ timestamp: T0 + 2500, isRequest: false, status: '200', requestUri: null, toTag: 'b1', retransmission: 'D' }));
    const r = s.report();
    assert.equal(r.records, 7);
    assert.deepEqual(r.byMethod, { INVITE: 2 });
    assert.deepEqual(r.byStatusClass, { '1xx': 3, '2xx': 2 });
    assert.equal(r.retransmissions, 1);
    assert.equal(r.invite.transactions, 1);
    assert.equal(r.invite.answered, 1);
    assert.deepEqual(r.invite.toFirstProvisional, { count: 1, min: 300, median: 300, p95: 300, max: 300 });
    assert.equal(r.invite.toFinal?.max, 2000);
    assert.deepEqual(r.callsPerHour, { '2026-01-05T09': 1 });
    assert.deepEqual(r.topDomains, [['biloxi.example.com', 1]]);
  });

  test('methods named like Object properties are counted like any other (the log is untrusted)', () => {
    const s = new StatsCollector();
    for (const m of ['__proto__', 'constructor', 'constructor', 'toString']) s.add(rec({ cseq: `1 ${m}`, callId: m }));
    const r = s.report();
    assert.deepEqual(Object.entries(r.byMethod).sort(), [['__proto__', 1], ['constructor', 2], ['toString', 1]]);
    assert.equal(Object.getPrototypeOf(r.byMethod), Object.prototype);
  });

  test('a failed call and an unfinished one', () => {
    const s = new StatsCollector();
    s.add(rec({ callId: 'f' }));
    s.add(rec({ callId: 'f', timestamp: T0 + 50, isRequest: false, status: '486', toTag: 'x' }));
    s.add(rec({ callId: 'u', timestamp: T0 + 3_600_000 }));
    const r = s.report();
    assert.equal(r.invite.failed, 1);
    assert.equal(r.invite.unfinished, 1);
    assert.equal(r.invite.toFirstProvisional, null);
    assert.deepEqual(r.callsPerHour, { '2026-01-05T09': 1, '2026-01-05T10': 1 });
  });

  test('generated traffic: every transaction ends once or is still open, timings are plausible', () => {
    const s = new StatsCollector();
    for (const r of generateRecords({ records: 5000, seed: 3 })) s.add(r);
    const r = s.report();
    assert.equal(r.records, 5000);
    assert.ok(r.invite.transactions > 50);
    assert.ok(r.invite.answered > 0 && r.invite.failed > 0);
    assert.ok((r.invite.toFirstProvisional?.min ?? 0) >= 40);
    assert.ok((r.invite.toFinal?.median ?? 0) >= 500);
    // Calls still ringing when the log ends are unfinished; every other transaction ended exactly once.
    assert.equal(r.invite.answered + r.invite.failed + r.invite.unfinished, r.invite.transactions);
  });

  test('uriDomain', () => {
    assert.equal(uriDomain('sip:alice@Atlanta.Example.com:5060;transport=tcp'), 'atlanta.example.com');
    assert.equal(uriDomain('sips:[2001:db8::1]:5061'), '[2001:db8::1]');
    assert.equal(uriDomain('tel:+1555'), undefined);
  });
});
