// RFC 3261 §10.3 registrar: bindings with expiry on an injected clock, q-values, Call-ID/CSeq ordering,
// "Contact: *" with Expires 0, 423 with Min-Expires, the 200 listing current bindings, and the file:
// atomic write with mode 0600 and a reload that drops what expired.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SipclfError } from '../../src/errors.js';
import { Registrar, aorOf } from '../../src/proxy/index.js';
import { parseUri } from '../../src/sip/grammar/uri.js';
import { msg } from './util.js';

const t = 1_700_000_000_000;
const clock = (): number => t;

function register(o: { contacts?: string[]; expires?: number; callId?: string; cseq: number; to?: string; ruri?: string; extra?: string[] }): ReturnType<typeof msg> {
  const lines = [
    `REGISTER ${o.ruri ?? 'sip:example.com'} SIP/2.0`,
    `Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKreg${o.cseq}`,
    'Max-Forwards: 70',
    'From: <sip:bob@example.com>;tag=r',
    `To: <${o.to ?? 'sip:bob@example.com'}>`,
    `Call-ID: ${o.callId ?? 'reg-1'}`,
    `CSeq: ${o.cseq} REGISTER`,
  ];
  for (const c of o.contacts ?? []) lines.push(`Contact: ${c}`);
  if (o.expires !== undefined) lines.push(`Expires: ${o.expires}`);
  lines.push(...(o.extra ?? []), 'Content-Length: 0');
  return msg(lines);
}

function contacts(r: Registrar): string[] {
  return r.lookup(parseUri('sip:bob@example.com')).map((b) => `${b.contact} q=${b.q ?? '-'} ${Math.round((b.expiresAt - t) / 1000)}s`);
}

describe('§10.3 REGISTER processing', () => {
  test('a query, or the removal of a binding that does not exist, stores nothing (a flood of them cannot grow the table)', () => {
    const r = new Registrar({ domains: ['example.com'], clock });
    for (let i = 0; i < 50; i++) {
      const to = `sip:user${i}@example.com`;
      assert.equal(r.handleRegister(register({ cseq: 1, to, callId: `q${i}` })).status, 200, 'query');
      assert.equal(r.handleRegister(register({ contacts: ['<sip:x@198.51.100.9>'], expires: 0, cseq: 2, to, callId: `q${i}` })).status, 200, 'removal');
      assert.equal(r.handleRegister(register({ contacts: ['*'], expires: 0, cseq: 3, to, callId: `q${i}` })).status, 200, 'star');
      assert.equal(r.knows(parseUri(to)), false, 'never registered: 404, not 480');
    }
    assert.deepEqual(r.snapshot(), []);
    // A real registration is remembered after its removal (480 rather than 404, §16.5).
    r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 600, cseq: 1 }));
    r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 0, cseq: 2 }));
    assert.equal(r.knows(parseUri('sip:bob@example.com')), true);
  });

  test('binding added with the Expires header; 200 lists it with expires and a Date', () => {
    const r = new Registrar({ domains: ['example.com'], clock });
    const res = r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 600, cseq: 1 }));
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers[0], ['Contact', '<sip:bob@198.51.100.7>;expires=600']);
    assert.equal(res.headers[1]?.[0], 'Date');
    const bytes = r.respond(register({ cseq: 1 }), res, 'tg').toString();
    assert.match(bytes, /^SIP\/2\.0 200 OK\r\n/);
    assert.match(bytes, /\r\nContact: <sip:bob@198\.51\.100\.7>;expires=600\r\n/);
    assert.match(bytes, /\r\nTo: <sip:bob@example\.com>;tag=tg\r\n/);
  });
  test('expires parameter beats the header; default 3600; capped at maxExpires; q kept; ordered by q', () => {
    const r = new Registrar({ domains: ['example.com'], clock, maxExpires: 7200 });
    r.handleRegister(register({ contacts: ['<sip:a@198.51.100.1>;expires=120;q=0.2', '<sip:b@198.51.100.2>;q=0.8', '<sip:c@198.51.100.3>;expires=99999'], expires: 300, cseq: 1 }));
    // no q counts as 1.0
    assert.deepEqual(contacts(r), ['sip:c@198.51.100.3 q=- 7200s', 'sip:b@198.51.100.2 q=0.8 300s', 'sip:a@198.51.100.1 q=0.2 120s']);
    const r2 = new Registrar({ domains: ['example.com'], clock });
    r2.handleRegister(register({ contacts: ['<sip:d@198.51.100.4>'], cseq: 1 }));
    assert.deepEqual(contacts(r2), ['sip:d@198.51.100.4 q=- 3600s']);
  });
  test('bindings expire with the clock', () => {
    const r = new Registrar({ domains: ['example.com'], clock });
    r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 60, cseq: 1 }));
    assert.equal(r.lookup(parseUri('sip:bob@example.com'), t + 59_999).length, 1);
    assert.equal(r.lookup(parseUri('sip:bob@example.com'), t + 60_000).length, 0);
    assert.equal(r.knows(parseUri('sip:bob@example.com')), true);
  });
  test('query (no Contact) returns the current bindings unchanged', () => {
    const r = new Registrar({ domains: ['example.com'], clock });
    r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 600, cseq: 1 }));
    const res = r.handleRegister(register({ cseq: 2 }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.filter(([n]) => n === 'Contact').length, 1);
  });
  test('refresh and removal: same Call-ID needs a higher CSeq; another Call-ID replaces', () => {
    const r = new Registrar({ domains: ['example.com'], clock });
    r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 600, cseq: 5 }));
    const stale = r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 900, cseq: 5 }));
    assert.equal(stale.status, 500);
    assert.equal(stale.error?.code, 'PROXY_REGISTER_STALE');
    assert.deepEqual(contacts(r), ['sip:bob@198.51.100.7 q=- 600s']); // nothing changed (atomic)
    assert.equal(r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 900, cseq: 6 })).status, 200);
    assert.deepEqual(contacts(r), ['sip:bob@198.51.100.7 q=- 900s']);
    assert.equal(r.handleRegister(register({ contacts: ['<sip:BOB@198.51.100.7:5060>'], expires: 0, cseq: 1, callId: 'other' })).status, 200);
    assert.deepEqual(contacts(r), ['sip:bob@198.51.100.7 q=- 900s'], 'URI comparison (§19.1.4): user is case-sensitive');
    assert.equal(r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 0, cseq: 1, callId: 'other' })).status, 200);
    assert.deepEqual(contacts(r), []);
  });
  test('Contact: * with Expires: 0 removes all; with a stale CSeq it fails; misuse is 400', () => {
    const r = new Registrar({ domains: ['example.com'], clock });
    r.handleRegister(register({ contacts: ['<sip:a@198.51.100.1>', '<sip:b@198.51.100.2>'], expires: 600, cseq: 3 }));
    assert.equal(r.handleRegister(register({ contacts: ['*'], expires: 0, cseq: 3 })).status, 500);
    assert.equal(r.handleRegister(register({ contacts: ['*'], expires: 600, cseq: 4 })).status, 400);
    assert.equal(r.handleRegister(register({ contacts: ['*', '<sip:c@h>'], expires: 0, cseq: 4 })).status, 400);
    const ok = r.handleRegister(register({ contacts: ['*'], expires: 0, cseq: 4 }));
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.headers.map(([n]) => n), ['Date']);
    assert.deepEqual(contacts(r), []);
  });
  test('423 Interval Too Brief with Min-Expires; 0 and ≥ 3600 are never too brief', () => {
    const r = new Registrar({ domains: ['example.com'], clock, minExpires: 300 });
    const res = r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 30, cseq: 1 }));
    assert.equal(res.status, 423);
    assert.deepEqual(res.headers, [['Min-Expires', '300']]);
    assert.match(r.respond(register({ cseq: 1 }), res).toString(), /^SIP\/2\.0 423 Interval Too Brief\r\n[^]*\r\nMin-Expires: 300\r\n/);
    assert.equal(r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 0, cseq: 2 })).status, 200);
    const big = new Registrar({ domains: ['example.com'], clock, minExpires: 7200 });
    assert.equal(big.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 3600, cseq: 1 })).status, 200);
  });
  test('404 for a foreign domain or an AOR of another domain; 400 for a non-SIP AOR; 420 for Require', () => {
    const r = new Registrar({ domains: ['example.com'], clock });
    assert.equal(r.handleRegister(register({ ruri: 'sip:example.net', cseq: 1 })).status, 404);
    assert.equal(r.handleRegister(register({ to: 'sip:bob@example.net', cseq: 1 })).status, 404);
    assert.equal(r.handleRegister(register({ to: 'tel:+1555', cseq: 1 })).status, 400);
    assert.equal(r.handleRegister(register({ cseq: 1, extra: ['Require: gruu'] })).status, 420);
  });
  test('AOR canonical form (§10.3 step 5): parameters dropped, host lowercased, escapes decoded', () => {
    assert.equal(aorOf(parseUri('sips:b%6Fb@EXAMPLE.com;user=phone;transport=tcp')), 'sip:bob@example.com');
    assert.equal(aorOf(parseUri('sip:bob@example.com:5070')), 'sip:bob@example.com:5070');
    assert.equal(aorOf(parseUri('tel:+1555')), undefined);
  });
});

describe('bounds of the binding table (REGISTER floods)', () => {
  test('maxContacts: a REGISTER adding a binding past it gets 503 PROXY_REGISTRAR_FULL and changes nothing; refresh and removal still work', () => {
    const r = new Registrar({ domains: ['example.com'], clock, maxContacts: 2 });
    assert.equal(r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.1>', '<sip:bob@198.51.100.2>'], expires: 600, cseq: 1 })).status, 200);
    const full = r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.3>'], expires: 600, cseq: 2 }));
    assert.equal(full.status, 503);
    assert.equal(full.error?.code, 'PROXY_REGISTRAR_FULL');
    assert.match(r.respond(register({ cseq: 2 }), full, 'tg').toString('latin1'), /^SIP\/2\.0 503 Service Unavailable\r\n[^]*\r\nWarning: 399 sipclf "Too Many Registered Contacts"\r\n/);
    assert.deepEqual(contacts(r).sort(), ['sip:bob@198.51.100.1 q=- 600s', 'sip:bob@198.51.100.2 q=- 600s']);
    // Replacing one binding by another in one request keeps the count: allowed.
    const swap = r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.2>;expires=0', '<sip:bob@198.51.100.3>'], expires: 600, cseq: 3 }));
    assert.equal(swap.status, 200);
    assert.equal(contacts(r).length, 2);
    assert.equal(r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.1>'], expires: 0, cseq: 4 })).status, 200, 'removal');
    assert.equal(contacts(r).length, 1);
  });

  test('maxAors: a new address-of-record past it gets 503; one forgotten after forgetAfter frees its place', () => {
    let now = t;
    const r = new Registrar({ domains: ['example.com'], clock: () => now, maxAors: 3, forgetAfter: 120 });
    for (let i = 0; i < 3; i++) {
      assert.equal(r.handleRegister(register({ contacts: [`<sip:u${i}@198.51.100.${i + 1}>`], expires: 600, cseq: 1, to: `sip:u${i}@example.com`, callId: `a${i}` })).status, 200);
    }
    const fourth = register({ contacts: ['<sip:u3@198.51.100.4>'], expires: 600, cseq: 1, to: 'sip:u3@example.com', callId: 'a3' });
    const full = r.handleRegister(fourth);
    assert.equal(full.status, 503);
    assert.equal(full.error?.code, 'PROXY_REGISTRAR_FULL');
    assert.equal(r.knows(parseUri('sip:u3@example.com')), false);
    // An existing AOR can still refresh and add bindings while the table is full.
    assert.equal(r.handleRegister(register({ contacts: ['<sip:u0@198.51.100.1>', '<sip:u0@198.51.100.9>'], expires: 600, cseq: 2, to: 'sip:u0@example.com', callId: 'a0' })).status, 200);
    // u1 unregisters: still known (480, not 404) for forgetAfter, so still holding its place.
    assert.equal(r.handleRegister(register({ contacts: ['*'], expires: 0, cseq: 2, to: 'sip:u1@example.com', callId: 'a1' })).status, 200);
    now += 119_000;
    assert.equal(r.knows(parseUri('sip:u1@example.com')), true);
    assert.equal(r.handleRegister(fourth).status, 503);
    now += 2_000;
    assert.equal(r.knows(parseUri('sip:u1@example.com')), false, 'forgotten after forgetAfter');
    assert.equal(r.handleRegister(fourth).status, 200, 'the sweep made room');
    assert.equal(r.size, 3);
    assert.equal(r.lookup(parseUri('sip:u3@example.com')).length, 1);
  });

  test('an AOR whose bindings expired is known for forgetAfter past the expiry, then swept from the table', () => {
    let now = t;
    const r = new Registrar({ domains: ['example.com'], clock: () => now, forgetAfter: 300 });
    r.handleRegister(register({ contacts: ['<sip:bob@198.51.100.7>'], expires: 60, cseq: 1 }));
    now += 61_000;
    assert.equal(r.lookup(parseUri('sip:bob@example.com')).length, 0);
    assert.equal(r.knows(parseUri('sip:bob@example.com')), true, 'expired 1 s ago: 480');
    now += 300_000;
    assert.equal(r.knows(parseUri('sip:bob@example.com')), false);
    assert.equal(r.size, 1, 'not swept yet');
    // Any REGISTER, past the sweep interval, sweeps the table.
    r.handleRegister(register({ cseq: 1, to: 'sip:alice@example.com', callId: 'q' }));
    assert.equal(r.size, 0);
  });
});

describe('registrar file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-registrar-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('saved atomically with mode 0600 after each change, reloaded without expired bindings', () => {
    const file = join(dir, 'bindings.json');
    const r = new Registrar({ domains: ['example.com'], clock, file });
    r.handleRegister(register({ contacts: ['<sip:a@198.51.100.1>;q=0.5'], expires: 60, cseq: 1 }));
    r.handleRegister(register({ contacts: ['<sip:b@198.51.100.2>'], expires: 600, cseq: 2 }));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['bindings.json'], 'no temporary file left behind');
    const copy = new Registrar({ domains: ['example.com'], clock, file });
    copy.load();
    assert.deepEqual(copy.snapshot(), r.snapshot());
    const later = new Registrar({ domains: ['example.com'], clock, file });
    later.load(file, t + 120_000);
    assert.deepEqual(later.snapshot().map((b) => b.contact), ['sip:b@198.51.100.2']);
  });
  test('missing file is empty; malformed file → PROXY_REGISTRAR_STORE', () => {
    const r = new Registrar({ domains: ['example.com'], clock, file: join(dir, 'none.json') });
    r.load();
    assert.deepEqual(r.snapshot(), []);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"version":1,"aors":{"sip:x@example.com":[{"contact":1}]}}');
    assert.throws(() => r.load(bad), (e: unknown) => e instanceof SipclfError && e.code === 'PROXY_REGISTRAR_STORE');
    writeFileSync(bad, 'not json');
    assert.throws(() => r.load(bad), /not valid JSON/);
  });
  test('a failed write leaves the bindings as they were (§10.3 step 7 atomicity)', () => {
    const r = new Registrar({ domains: ['example.com'], clock, file: join(dir, 'no-such-dir', 'x.json') });
    const res = r.handleRegister(register({ contacts: ['<sip:a@198.51.100.1>'], expires: 60, cseq: 1 }));
    assert.equal(res.status, 500);
    assert.equal(res.error?.code, 'PROXY_REGISTRAR_STORE');
    assert.deepEqual(r.snapshot(), []);
  });
});
