// RFC 3261 §16.3 request validation: 483 Max-Forwards, 420 Proxy-Require, and loop detection (482) through
// the branch of §16.6 step 8 — a request that comes back unchanged is a loop, one whose Request-URI changed
// is a spiral.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { forward, loopHash, loopPartOf, preprocessRoutes, validate } from '../../src/proxy/index.js';
import type { Target } from '../../src/proxy/index.js';
import { MessageEditor } from '../../src/sip/editor.js';
import { parseMessage } from '../../src/sip/parser.js';
import type { SipMessage } from '../../src/sip/message.js';
import { SELF, req } from './util.js';

const PEER: Target = { uri: 'sip:bob@example.net', routeSet: ['sip:203.0.113.5;lr'], source: 'static' };

/** What a peer does before sending the request back to us: its Via, Max-Forwards, maybe a new Request-URI. */
function bounce(bytes: Buffer, newRuri?: string): SipMessage {
  const ed = new MessageEditor(parseMessage(bytes)).pushVia('SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKpeer1').decrementMaxForwards();
  ed.popRoute();
  if (newRuri !== undefined) ed.setRequestUri(newRuri);
  return parseMessage(ed.toBuffer());
}

describe('§16.3 step 3: Max-Forwards', () => {
  test('Max-Forwards 0 → 483 (SIP_TOO_MANY_HOPS)', () => {
    const err = validate(req({ maxForwards: 0 }), SELF);
    assert.equal(err?.status, 483);
    assert.equal(err?.code, 'SIP_TOO_MANY_HOPS');
  });
  test('Max-Forwards absent or 1 passes', () => {
    assert.equal(validate(req({ maxForwards: null }), SELF), undefined);
    assert.equal(validate(req({ maxForwards: 1 }), SELF), undefined);
  });
  test('OPTIONS at 0 may be answered by the proxy (option)', () => {
    assert.equal(validate(req({ method: 'OPTIONS', maxForwards: 0 }), SELF, { answerOptionsAtZeroMaxForwards: true }), undefined);
  });
});

describe('§16.3 step 5: Proxy-Require', () => {
  test('unknown option tag → 420 with Unsupported', () => {
    const err = validate(req({ extra: ['Proxy-Require: foo'] }), SELF);
    assert.equal(err?.status, 420);
    assert.deepEqual(err?.responseHeaders, [['Unsupported', 'foo']]);
  });
  test('a supported one passes', () => {
    assert.equal(validate(req({ extra: ['Proxy-Require: foo'] }), SELF, { supportedOptionTags: ['foo'] }), undefined);
  });
});

describe('§16.3 step 4: loop detection', () => {
  test('the branch carries the loop hash of the request as received', () => {
    const r = req({ ruri: 'sip:bob@example.net' });
    const out = forward(preprocessRoutes(r, SELF), PEER, SELF, { recordRoute: false, stateless: false });
    assert.equal(loopPartOf(out.branch), loopHash(r));
    assert.match(out.branch, /^z9hG4bK[0-9a-f]{16}\.[0-9a-f]{16}$/);
  });

  test('the same request looped back → 482 PROXY_LOOP_DETECTED', () => {
    const r = req({ ruri: 'sip:bob@example.net' });
    assert.equal(validate(r, SELF), undefined);
    const out = forward(preprocessRoutes(r, SELF), PEER, SELF, { recordRoute: false, stateless: false });
    const back = bounce(out.bytes);
    const err = validate(back, SELF);
    assert.equal(err?.status, 482);
    assert.equal(err?.code, 'PROXY_LOOP_DETECTED');
  });

  test('a looped-back retransmission of a stateless forward → 482 too', () => {
    const r = req({ ruri: 'sip:bob@example.net' });
    const out = forward(r, PEER, SELF, { recordRoute: false, stateless: true });
    assert.equal(validate(bounce(out.bytes), SELF)?.status, 482);
  });

  test('a spiral (Request-URI changed downstream) is not a loop', () => {
    const r = req({ ruri: 'sip:bob@example.net' });
    const out = forward(r, PEER, SELF, { recordRoute: false, stateless: false });
    assert.equal(validate(bounce(out.bytes, 'sip:robert@example.com'), SELF), undefined);
  });

  test('a Via of another element with the same branch shape is ignored', () => {
    const r = req({ ruri: 'sip:bob@example.net' });
    const out = forward(r, PEER, SELF, { recordRoute: false, stateless: false });
    const text = out.bytes.toString('latin1').replace('192.0.2.10:5060', '192.0.2.99:5060');
    assert.equal(validate(bounce(Buffer.from(text, 'latin1')), SELF), undefined);
  });

  test('CANCEL and ACK hash like their INVITE (method excluded, §16.6 step 8)', () => {
    const inv = req({ extra: ['Proxy-Require: foo'] });
    const cancel = req({ method: 'CANCEL' });
    const ack = req({ method: 'ACK' });
    assert.equal(loopHash(cancel), loopHash(inv));
    assert.equal(loopHash(ack), loopHash(inv));
  });

  test('fields that drive routing change the hash', () => {
    const base = loopHash(req());
    assert.notEqual(loopHash(req({ ruri: 'sip:carol@example.com' })), base);
    assert.notEqual(loopHash(req({ cseq: 2 })), base);
    assert.notEqual(loopHash(req({ callId: 'other' })), base);
    assert.notEqual(loopHash(req({ fromTag: 'other' })), base);
    // …not the To tag: a non-2xx ACK carries the response's tag whether or not its INVITE had one.
    assert.equal(loopHash(req({ toTag: 'x' })), base);
    assert.notEqual(loopHash(req({ routes: ['<sip:p.example.org;lr>'] })), base);
    // the top Via is not part of it (a returning request always has another one)
    assert.equal(loopHash(req({ vias: ['SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKzz'] })), base);
  });
});
