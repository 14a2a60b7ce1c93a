// ProxyServer CLF logging with the log-me engine: a marked call is logged (received and sent records, in
// order, Server-Txn / Client-Txn per RFC 6872 §8.2, Tag 02 the whole message); an unmarked call is not.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { decodeRecord, encodeRecord, recordFromMessage, recordLengthAt, type ClfRecord } from '../../src/clf/index.js';
import type { SipMessage } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { ProxyServer } from '../../src/proxy/server.js';
import type { ProxyServerOptions } from '../../src/proxy/server-options.js';
import { TestUa, request } from './server-ua.js';

const SID = '0123456789abcdef0123456789abcdef';
const REMOTE = 'fedcba9876543210fedcba9876543210';

function records(dir: string): ClfRecord[] {
  const out: ClfRecord[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.clf'))) {
    const text = readFileSync(join(dir, f), 'latin1');
    for (let off = 0; off < text.length; off += recordLengthAt(text, off)) out.push(decodeRecord(text, off));
  }
  return out;
}

async function call(uac: TestUa, uas: TestUa, pport: number, callId: string, marked: boolean): Promise<void> {
  const sid = marked ? [`Session-ID: ${SID};remote=00000000000000000000000000000000;logme`] : [];
  uac.send(request(uac, { ruri: 'sip:bob@example.net', callId, extra: sid }), pport);
  const inv = await uas.request('INVITE', (m) => m.callId === callId);
  uas.reply(inv, 200, 'OK', 'b', [`Contact: <sip:bob@127.0.0.1:${uas.port}>`, ...(marked ? [`Session-ID: ${REMOTE};remote=${SID};logme`] : [])], pport);
  const ok = await uac.response(200, 'INVITE');
  assert.equal(ok.logme, marked);
  const rr = ok.get('Record-Route') ?? '';
  uac.send(request(uac, { method: 'ACK', ruri: `sip:bob@127.0.0.1:${uas.port}`, callId, toTag: 'b', routes: [rr], extra: marked ? [`Session-ID: ${SID};remote=${REMOTE};logme`] : [] }), pport);
  await uas.request('ACK', (m) => m.callId === callId);
}

/**
 * A proxy routing example.net to a test UAS, logging into a fresh directory; `body` drives the UAs. Returns
 * the records written (the proxy closed: everything flushed) and the ports.
 */
async function logged(
  opts: Omit<ProxyServerOptions, 'listen' | 'routes' | 'logDir'>,
  body: (uac: TestUa, uas: TestUa, pport: number) => Promise<void>,
): Promise<{ recs: ClfRecord[]; pport: number; uasPort: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-proxy-log-'));
  const uac = await TestUa.open();
  const uas = await TestUa.open();
  const proxy = await ProxyServer.start({ listen: ['udp:127.0.0.1:0'], routes: [`example.net=127.0.0.1:${uas.port}`], logDir: dir, ...opts });
  const pport = proxy.addresses()[0]?.port ?? 0;
  try {
    await body(uac, uas, pport);
  } finally {
    await proxy.close();
    uac.close();
    uas.close();
  }
  const recs = records(dir);
  rmSync(dir, { recursive: true, force: true });
  return { recs, pport, uasPort: uas.port };
}

it('logs a marked call in CLF (received and sent, Tag 02, Server-Txn/Client-Txn) and not an unmarked one', async () => {
  const { recs, pport, uasPort } = await logged({ logme: { roles: ['stateless-logger'] } }, async (uac, uas, port) => {
    await call(uac, uas, port, 'plain', false);
    await call(uac, uas, port, 'marked', true);
  });
  assert.ok(recs.every((r) => r.callId === 'marked'), 'the unmarked call is not logged');
  const seq = recs.map((r) => `${r.direction} ${r.isRequest ? String(r.cseq).split(' ')[1] : String(r.status)}`);
  // The proxy's own 100 Trying is marked too (RFC 8497 Figure 3 F3, F5), with the {N,A} Session-ID of an
  // intermediary's response (RFC 7989 §7, §10.8.1), so it is logged.
  assert.deepEqual(seq, ['R INVITE', 'S 100', 'S INVITE', 'R 200', 'S 200', 'R ACK', 'S ACK']);
  for (const r of recs) {
    assert.equal(r.retransmission, 'O');
    const tag2 = r.optional.find((o) => o.tag === 2 && o.vendor === 0);
    assert.ok(tag2 !== undefined && /Session-ID: [0-9a-f]{32};remote=[0-9a-f]{32};logme/.test(tag2.value), 'Tag 02: the whole message');
  }
  const [invR, trying, invS, okR, okS] = recs;
  const sidOf = (r: ClfRecord | undefined): string => /Session-ID: ([^%]*)/.exec(r?.optional.find((o) => o.tag === 2)?.value ?? '')?.[1] ?? '';
  const caller = sidOf(invR).split(';')[0] ?? '';
  assert.equal(sidOf(trying), `00000000000000000000000000000000;remote=${caller};logme`);
  assert.equal(trying?.serverTxn, invR?.serverTxn);
  assert.equal(trying?.clientTxn, null);
  assert.match(String(invR?.serverTxn), /^z9hG4bKua/);
  assert.equal(invR?.clientTxn, null);
  assert.equal(invS?.serverTxn, invR?.serverTxn);
  assert.match(String(invS?.clientTxn), /^z9hG4bK/);
  assert.notEqual(invS?.clientTxn, invR?.serverTxn);
  assert.equal(okR?.clientTxn, invS?.clientTxn);
  assert.equal(okR?.serverTxn, invR?.serverTxn);
  assert.equal(okS?.serverTxn, invR?.serverTxn);
  assert.equal(invR?.destination, `127.0.0.1:${pport}`);
  assert.equal(invS?.source, `127.0.0.1:${pport}`);
  assert.equal(invS?.destination, `127.0.0.1:${uasPort}`);
});

// Both log threads: in-thread the record takes the received response's fields without parsing the bytes sent
// (MessageLog.outbound `received`); the logging worker parses the bytes sent. Both must give the same record.
for (const logThread of ['main', 'worker'] as const) {
  it(`without a log-me engine, a forwarded response is logged from the received one: same fields as the bytes sent, Tag 02 the bytes sent, its own marker (log thread ${logThread})`, async () => {
    // `marked` without an engine: each message is logged when it carries the marker itself.
    const { recs } = await logged({ log: 'marked', logThread }, async (uac, uas, pport) => {
      const marker = `Session-ID: ${SID};remote=00000000000000000000000000000000;logme`;
      uac.send(request(uac, { ruri: 'sip:bob@example.net', callId: 'fwd', extra: [marker] }), pport);
      const inv = await uas.request('INVITE', (m) => m.callId === 'fwd');
      uas.reply(inv, 180, 'Ringing', 'b', [], pport); // unmarked: not logged, received or sent
      await uac.response(180, 'INVITE');
      uas.reply(inv, 200, 'OK', 'b', [`Contact: <sip:bob@127.0.0.1:${uas.port}>`, `Session-ID: ${REMOTE};remote=${SID};logme`], pport);
      await uac.response(200, 'INVITE');
    });
    assert.deepEqual(
      recs.map((r) => `${r.direction} ${r.isRequest ? String(r.cseq) : String(r.status)}`),
      ['R 1 INVITE', 'S 100', 'S 1 INVITE', 'R 200', 'S 200'],
    );
    const tag2 = (r: ClfRecord | undefined): string => r?.optional.find((o) => o.tag === 2)?.value.replaceAll('%0D%0A', '\r\n') ?? '';
    const [, , , okR, okS] = recs;
    const sent = parseMessage(Buffer.from(tag2(okS), 'latin1'));
    assert.equal(sent.values('Via').length, parseMessage(Buffer.from(tag2(okR), 'latin1')).values('Via').length - 1, 'Tag 02 is the bytes sent: our Via popped');
    // Byte for byte the record built by parsing the bytes sent (the path the log used to take).
    const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    const meta = { timestamp: okS?.timestamp ?? 0, direction: 'S' as const, transport: 'U' as const, encrypted: false, retransmission: 'O' as const, source: str(okS?.source) ?? '', destination: str(okS?.destination) ?? '', serverTxn: str(okS?.serverTxn), clientTxn: str(okS?.clientTxn) };
    assert.equal(encodeRecord(okS as ClfRecord), encodeRecord(recordFromMessage(sent, meta)));
  });
}

it('RFC 8497 Figure 3 F3: an originating intermediary marks its own 100 Trying to the UA it marks for ({N,A};logme), and its own errors carry the swapped Session-ID', async () => {
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  const logme = {
    roles: ['originating-intermediary'],
    peers: [{ name: 'alice', addresses: ['127.0.0.1'], markFor: true }],
    sessions: [{ id: 's', scope: { from: ['alice@*'] }, expires }],
  };
  let trying: SipMessage | undefined;
  let notFound: SipMessage | undefined;
  await logged({ logme, domains: ['example.com'] }, async (uac, uas, pport) => {
    // Alice cannot mark: no Session-ID at all. The proxy inserts one on her behalf (RFC 7989 §7, v5 UUID).
    uac.send(request(uac, { ruri: 'sip:bob@example.net', callId: 'f3' }), pport);
    trying = await uac.response(100, 'INVITE');
    const inv = await uas.request('INVITE', (m) => m.callId === 'f3');
    assert.ok(inv.logme, 'the INVITE is marked on her behalf');
    uas.reply(inv, 486, 'Busy Here', 'b', [], pport);
    await uac.response(486, 'INVITE');
    // A request the proxy answers itself (nobody registered as carol in its domain): its 404 names the sender's UUID as remote.
    uac.send(request(uac, { ruri: 'sip:carol@example.com', callId: 'nf', extra: [`Session-ID: ${SID};remote=${REMOTE}`] }), pport);
    notFound = await uac.response(404, 'INVITE');
  });
  const f3 = trying?.sessionId;
  assert.equal(f3?.local, '00000000000000000000000000000000');
  assert.match(String(f3?.remote), /^[0-9a-f]{12}5[0-9a-f]{19}$/, 'the v5 UUID made for Alice');
  assert.equal(f3?.logme, true);
  // Alice's call again (the session covers her): marked on her behalf, the 404 too.
  assert.equal(notFound?.get('Session-ID'), `${REMOTE};remote=${SID};logme`);
});
