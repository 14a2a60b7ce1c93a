// Dialog end and stop events (§8.5, RFC 8123 §5.3), the DoS cap (§7.3), expiry with the injected clock,
// masking (§8.2), version-5 UUIDs (RFC 7989 §4.1), counters.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { DialogTable, MAX_GROUP_UUIDS, MAX_TAGS } from '../../src/logme/dialog-state.js';
import { makeMasker } from '../../src/logme/mask.js';
import { parseMessage } from '../../src/sip/parser.js';
import { uuidV5 } from '../../src/logme/uuid.js';
import { NIL, T0, aliceSession, engine, names, req, reqFromCallee, res, resFromCaller } from './util.js';

const UA = { roles: ['originating-ua'], sessions: [aliceSession()] };
const sid = (n: number): string => `${String(n).padStart(32, '1')};remote=${NIL}`;

describe('dialog end (§8.5) and stop events', () => {
  test('§8.5 marking ends with the dialog: BYE and its 200 are still marked, then the dialog ends', () => {
    const { run, e, events } = engine(UA);
    run(req('INVITE'), 'out', 'p', { local: true });
    run(res(200, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p');
    run(reqFromCallee('BYE', { logme: true }), 'in', 'p');
    const ok = run(resFromCaller(200, 'BYE'), 'out', 'p', { local: true });
    assert.deepEqual([ok.marker, ok.log, ok.stateChange?.to], ['add', true, 'terminated']);
    assert.equal(e.stats().activeDialogs, 0);
    assert.equal(e.stats().endReasons['bye'], 1);
    assert.ok(names(events).includes('logme.dialog.end'));
  });

  test('a non-2xx final response to the initial INVITE ends the dialog; retransmissions linger, then are dropped', () => {
    const { run, e, clock } = engine(UA);
    run(req('INVITE'), 'out', 'p', { local: true });
    assert.equal(run(res(486, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p').stateChange?.to, 'terminated');
    assert.equal(run(req('ACK', { toTag: 'b1' }), 'out', 'p', { local: true }).marker, 'add');
    assert.equal(e.stats().endReasons['final-non-2xx'], 1);
    clock.now += 32_000;
    e.tick();
    assert.equal(e.stats().trackedDialogs, 0);
  });

  test('timeout: a dialog-creating request without a final response ends after limits.earlyTimeoutMs', () => {
    const { run, e, clock } = engine({ ...UA, limits: { earlyTimeoutMs: 1000 } });
    run(req('INVITE'), 'out', 'p', { local: true });
    clock.now += 999;
    assert.deepEqual(e.tick(), []);
    clock.now += 1;
    assert.deepEqual(names(e.tick()), ['logme.dialog.end']);
    assert.equal(e.stats().endReasons['timeout'], 1);
  });

  test('a provisional response restarts the early timeout (Timer C, RFC 3261 §16.8): a call ringing longer is still marked when answered', () => {
    const { run, e, clock } = engine({ ...UA, limits: { earlyTimeoutMs: 1000 } });
    run(req('INVITE'), 'out', 'p', { local: true });
    clock.now += 800;
    run(res(180, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p');
    clock.now += 800; // 1,600 ms after the INVITE, 800 after the 180
    assert.deepEqual(e.tick(), []);
    const ok = run(res(200, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p');
    assert.equal(ok.log, true, 'the answer is still logged');
    assert.equal(e.stats().endReasons['timeout'] ?? 0, 0);
    // Without another provisional the timeout still applies, from the last one.
    const late = engine({ ...UA, limits: { earlyTimeoutMs: 1000 } });
    late.run(req('INVITE'), 'out', 'p', { local: true });
    late.clock.now += 500;
    late.run(res(180, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p');
    late.clock.now += 1000;
    assert.deepEqual(names(late.e.tick()), ['logme.dialog.end']);
  });

  test('RFC 8123 §5.3 stop event: the maximum dialog duration stops marking and logging', () => {
    const { run, e, clock } = engine({ ...UA, limits: { maxDialogDurationMs: 60_000 } });
    run(req('INVITE'), 'out', 'p', { local: true });
    run(res(200, 'INVITE', { toTag: 'b1', logme: true }), 'in', 'p');
    clock.now += 60_000;
    const ev = e.tick();
    assert.deepEqual(names(ev), ['logme.dialog.stop']);
    assert.equal(ev[0]?.reason, 'max-duration');
    const bye = run(req('BYE', { toTag: 'b1', cseq: 2 }), 'out', 'p', { local: true });
    assert.deepEqual([bye.marker, bye.log], ['none', false]);
  });

  test('expiry with the injected clock: a log-me session expires and is reported once', () => {
    const { e, clock, run } = engine(UA);
    clock.now = T0 + 3_600_000;
    assert.deepEqual(names(e.tick()), ['logme.session.expired']);
    assert.deepEqual(e.tick(), []);
    assert.equal(run(req('INVITE'), 'out', 'p', { local: true }).marker, 'none');
  });
});

describe('RFC 8497 §7.3 denial of service', () => {
  test('§7.3 the number of simultaneously marked dialogs is capped; refusals are counted', () => {
    const { run, e, events } = engine({ ...UA, limits: { maxMarkedDialogs: 2 } });
    for (let i = 0; i < 2; i++) assert.equal(run(req('INVITE', { callId: `c${i}`, sid: sid(i) }), 'out', 'p', { local: true }).marker, 'add');
    const third = run(req('INVITE', { callId: 'c2', sid: sid(2) }), 'out', 'p', { local: true });
    assert.deepEqual([third.marker, third.log], ['none', false]);
    assert.equal(e.stats().limitReached, 1);
    assert.ok(events.some((x) => x.name === 'logme.limit.reached' && x.limit === 'limits.maxMarkedDialogs'));
  });
  test('§7.3 at the cap a received marker is screened out (stripped), not half-honoured', () => {
    const { run } = engine({ roles: ['terminating-ua'], limits: { maxMarkedDialogs: 0 } });
    assert.equal(run(req('INVITE', { logme: true }), 'in', 'p').marker, 'strip');
    assert.equal(run(res(180, 'INVITE', { toTag: 'b1' }), 'out', 'p', { local: true }).marker, 'none');
  });
});

describe('RFC 8497 §8.2 masking', () => {
  const msg = [
    'INVITE sip:bob@x SIP/2.0',
    'Subject: a=crypto:not-in-body',
    '',
    'v=0',
    'k=base64:c2VjcmV0',
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4',
    'a=KEY-MGMT:mikey AQAFgM0X',
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');
  test('§8.2 MUST mask crypto and key-mgmt attribute values (and k= lines) before logging; lengths kept', () => {
    const { e } = engine({});
    const m = e.mask(msg);
    assert.equal(m.length, msg.length);
    assert.match(m, /a=crypto:X{20,}\r\n/);
    assert.match(m, /a=KEY-MGMT:X+\r\n/);
    assert.match(m, /k=X+\r\n/);
    assert.match(m, /a=rtpmap:0 PCMU\/8000/);
    assert.match(m, /Subject: a=crypto:not-in-body/); // headers are not SDP
  });
  test('§8.2 configurable attribute list; masking can be switched off', () => {
    assert.match(engine({ privacy: { attributes: ['rtpmap'] } }).e.mask(msg), /a=rtpmap:X+/);
    assert.equal(engine({ privacy: { mask: false } }).e.mask(msg), msg);
    assert.equal(makeMasker({ attributes: [], maskKeyLines: false })(msg), msg);
  });
});

describe('RFC 7989 §4.1 version-5 UUIDs', () => {
  test('SHA-1 over the namespace and Call-ID + tag, version 5, RFC 4122 variant', () => {
    const u = uuidV5('090459243588173445', '7553452');
    assert.match(u, /^[0-9a-f]{12}5[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    const h = createHash('sha1').update(Buffer.from('a58587dac93d11e2ae90f4ea67801e29', 'hex')).update('0904592435881734457553452').digest('hex');
    assert.equal(u.slice(0, 12), h.slice(0, 12));
    assert.equal(u, uuidV5('090459243588173445', '7553452'));
  });
});

describe('§7.3 per-dialog state is bounded', () => {
  test('fresh Session-IDs and tags in every in-dialog request do not grow a dialog record or its session group', () => {
    const t = new DialogTable();
    const msg = parseMessage(Buffer.from('INVITE sip:b@x SIP/2.0\r\nCall-ID: c\r\nl: 0\r\n\r\n', 'latin1'));
    const rec = t.create({ msg, callId: 'c', tag: 'a', local: false, now: 0, group: undefined, authorisedBy: undefined });
    for (let i = 0; i < 10_000; i++) t.addUuid(rec, `tag${i}`, i.toString(16).padStart(32, '0'));
    assert.equal(rec.uuids.size, MAX_TAGS);
    // RFC 7989 §8: an endpoint's new UUID replaces the one it used before.
    t.addUuid(rec, 'tag0', 'f'.repeat(32));
    assert.equal(rec.uuids.get('tag0'), 'f'.repeat(32));
    assert.equal(rec.group.uuids.size, MAX_GROUP_UUIDS);
    assert.equal(t.byUuid.size, MAX_GROUP_UUIDS);
  });
});
