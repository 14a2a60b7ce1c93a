// MessageLog (src/msglog/message-log.ts): the per-message traffic counters (the proxy's sipclf_proxy_messages_total) when
// nothing is logged — in mode `none` without a log-me engine, sent messages are counted from their bytes (start line,
// CSeq) without being parsed and must come out the same as parsed ones — and the records, written off the forwarding path.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ClfWriter } from '../../src/logfile/writer.js';
import { LogWorker } from '../../src/msglog/log-worker-client.js';
import { MessageLog } from '../../src/msglog/message-log.js';
import type { SipMessage as SipMessageT } from '../../src/sip/message.js';
import { LogmeEngine } from '../../src/logme/index.js';

const to = { transport: 'udp' as const, host: '127.0.0.1', port: 5070 };
const from = { transport: 'udp' as const, host: '127.0.0.1', port: 5060 };
const txns = { serverTxn: null, clientTxn: null };

function response(status: string, cseqLine: string): Buffer {
  return Buffer.from(
    `SIP/2.0 ${status}\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nTo: <sip:b@example.com>;tag=t\r\nFrom: <sip:a@example.com>;tag=f\r\n` +
      `Call-ID: c1\r\n${cseqLine}\r\nContent-Length: 0\r\n\r\n`,
    'latin1',
  );
}
const invite = Buffer.from(
  'INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nTo: <sip:b@example.com>\r\n' +
    'From: <sip:a@example.com>;tag=f\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
  'latin1',
);

describe('MessageLog traffic counters, mode none', () => {
  test('a request handed through outbound and sent is counted by its method', () => {
    const log = new MessageLog('none', undefined, undefined);
    const out = log.outbound(invite, to, txns);
    assert.equal(out.msg.method, 'INVITE'); // parsed on demand, for a client transaction
    log.onSend(out.msg.raw, from, to, false, txns);
    assert.deepEqual([...log.traffic], [['out|INVITE|', 1]]);
  });

  test('responses are counted by status and CSeq method, the CSeq name in any case', () => {
    const log = new MessageLog('none', undefined, undefined);
    // The method as written (case kept, RFC 3261 §20.16: the CSeq method is case-sensitive), as #countMsg does.
    for (const bytes of [response('180 Ringing', 'CSeq: 1 INVITE'), response('200 OK', 'cseq :  7   bye'), response('100 Trying', 'CSEQ:1 INVITE')]) {
      const out = log.outbound(bytes, to, txns);
      log.onSend(out.bytes, from, to, false, txns);
    }
    assert.deepEqual(new Map(log.traffic), new Map([['out|INVITE|180', 1], ['out|bye|200', 1], ['out|INVITE|100', 1]]));
  });

  test('bytes that are not SIP are counted with an empty method, never thrown on', () => {
    const log = new MessageLog('none', undefined, undefined);
    log.onSend(Buffer.from('garbage'), from, to, false, txns);
    log.onSend(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), from, to, false, txns);
    assert.deepEqual(new Map(log.traffic), new Map([['out||', 1], ['out||200', 1]]));
  });
});

describe('MessageLog writing records', () => {
  test('a record the encoder refuses is counted in unencodable; the other records of the message are written', async () => {
    const { SipclfError } = await import('../../src/errors.js');
    const { parseMessage } = await import('../../src/sip/parser.js');
    const written: unknown[] = [];
    let calls = 0;
    const writer = {
      writeRecord(rec: unknown): void {
        if (++calls === 1) throw new SipclfError('CLF_BAD_VALUE', 'refused for the test');
        written.push(rec);
      },
      flush: (): Promise<void> => Promise.resolve(),
    };
    const log = new MessageLog('all', undefined, writer as unknown as ConstructorParameters<typeof MessageLog>[2]);
    const msg = parseMessage(invite);
    log.begin();
    log.sentDirect(msg, from, to, false, txns); // queued behind the received record
    log.end(msg, true, { from: to, to: from, at: 1_700_000_000_000, retransmission: false, txns });
    assert.equal(log.pending, 2, 'logged off the forwarding path: nothing encoded yet');
    assert.equal(written.length + calls, 0);
    await log.flush();
    assert.equal(log.pending, 0);
    assert.equal(log.stats.unencodable, 1);
    assert.equal(log.stats.records, 1);
    assert.equal(written.length, 1);
  });
});

describe('MessageLog traffic labels', () => {
  test('raw and parsed counting agree: a token method with a dash, a method over 32 characters', async () => {
    const { parseMessage } = await import('../../src/sip/parser.js');
    const long = 'X'.repeat(40);
    const bytes = [response('200 OK', 'CSeq: 3 X-FOO'), Buffer.from(`${long} sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK9\r\nTo: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=f\r\nCall-ID: c9\r\nCSeq: 1 ${long}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`)];
    const raw = new MessageLog('none', undefined, undefined);
    const parsed = new MessageLog('all', undefined, undefined);
    for (const b of bytes) {
      raw.onSend(b, from, to, false, txns); // counted from the bytes
      parsed.sentDirect(parseMessage(b), undefined, to, false, txns); // counted from the parsed message
    }
    assert.deepEqual(new Map(raw.traffic), new Map([['out|X-FOO|200', 1], ['out|OTHER|', 1]]));
    assert.deepEqual(new Map(parsed.traffic), new Map(raw.traffic));
  });
});

describe('MessageLog traffic table bound', () => {
  test('a peer inventing methods cannot grow the table past MAX_TRAFFIC_KEYS: new methods count as OTHER', async () => {
    const { MAX_TRAFFIC_KEYS } = await import('../../src/msglog/message-log.js');
    const log = new MessageLog('none', undefined, undefined);
    for (let i = 0; i < MAX_TRAFFIC_KEYS + 100; i++) log.onSend(Buffer.from(`M${i} sip:x SIP/2.0\r\n\r\n`), from, to, false, txns);
    log.onSend(Buffer.from('M0 sip:x SIP/2.0\r\n\r\n'), from, to, false, txns); // a method counted before the table filled
    assert.equal(log.traffic.size, MAX_TRAFFIC_KEYS + 1);
    assert.equal(log.traffic.get('out|OTHER|'), 100);
    assert.equal(log.traffic.get('out|M0|'), 2);
  });
});

describe('MessageLog off the forwarding path (issue 5 §4)', () => {
  async function setup(): Promise<{ log: MessageLog; written: Array<{ direction: string; timestamp: number; callId: unknown }>; parse: (b: Buffer) => SipMessageT }> {
    const { parseMessage } = await import('../../src/sip/parser.js');
    const written: Array<{ direction: string; timestamp: number; callId: unknown }> = [];
    const writer = {
      writeRecord(rec: { direction: string; timestamp: number; callId: unknown }): void {
        written.push(rec);
      },
      flush: (): Promise<void> => Promise.resolve(),
      close: (): Promise<void> => Promise.resolve(),
    };
    const log = new MessageLog('all', undefined, writer as unknown as ConstructorParameters<typeof MessageLog>[2]);
    return { log, written, parse: parseMessage };
  }

  test('records are written on a later turn of the event loop, in the order of the messages, with the time they were handled', async () => {
    const { log, written, parse } = await setup();
    const msg = parse(invite);
    log.begin();
    log.sentDirect(msg, from, to, false, txns);
    log.end(msg, true, { from: to, to: from, at: 1_700_000_000_000, retransmission: false, txns });
    log.sentDirect(msg, from, to, true, txns);
    assert.equal(written.length, 0);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(written.map((r) => r.direction), ['R', 'S', 'S'], 'received first, then what its handling sent, then the later send');
    assert.equal(written[0]?.timestamp, 1_700_000_000_000);
    assert.equal(log.stats.records, 3);
  });

  test('a record that fails for another reason (a bug) is counted and skipped: the deferred slice never throws', async () => {
    const { parseMessage } = await import('../../src/sip/parser.js');
    const written: unknown[] = [];
    let calls = 0;
    const writer = {
      writeRecord(rec: unknown): void {
        if (++calls === 1) throw new TypeError('a bug');
        written.push(rec);
      },
      flush: (): Promise<void> => Promise.resolve(),
    };
    const log = new MessageLog('all', undefined, writer as unknown as ConstructorParameters<typeof MessageLog>[2]);
    const msg = parseMessage(invite);
    log.sentDirect(msg, from, to, false, txns);
    log.sentDirect(msg, from, to, false, txns);
    await new Promise((r) => setImmediate(r)); // the slice runs here; a throw from it would fail the test run
    await new Promise((r) => setImmediate(r));
    assert.equal(written.length, 1);
    assert.equal(log.stats.unencodable, 1);
    assert.equal(log.stats.records, 1);
  });

  test('what outbound() remembers on the bytes is seen by that MessageLog only (another one falls back to its own ids)', async () => {
    const { parseMessage } = await import('../../src/sip/parser.js');
    const logged = (): { log: MessageLog; written: Array<{ serverTxn: unknown; clientTxn: unknown }> } => {
      const written: Array<{ serverTxn: unknown; clientTxn: unknown }> = [];
      const writer = { writeRecord: (r: { serverTxn: unknown; clientTxn: unknown }): void => void written.push(r), flush: (): Promise<void> => Promise.resolve() };
      return { log: new MessageLog('all', undefined, writer as unknown as ConstructorParameters<typeof MessageLog>[2]), written };
    };
    const a = logged();
    const b = logged();
    const { bytes } = a.log.outbound(Buffer.from(invite), to, { serverTxn: 'z9hG4bK-a1', clientTxn: 'z9hG4bK-a2' });
    assert.equal(parseMessage(bytes).callId, 'c1');
    a.log.onSend(bytes, from, to, false, { serverTxn: 'fallback', clientTxn: null });
    b.log.onSend(bytes, from, to, false, { serverTxn: 'z9hG4bK-b1', clientTxn: null });
    await a.log.flush();
    await b.log.flush();
    assert.deepEqual(a.written.map((r) => [r.serverTxn, r.clientTxn]), [['z9hG4bK-a1', 'z9hG4bK-a2']]);
    assert.deepEqual(b.written.map((r) => [r.serverTxn, r.clientTxn]), [['z9hG4bK-b1', null]]);
  });

  test('RFC 6873 §4.2: a message over TLS is logged with transport T and encryption E (S would be SCTP)', async () => {
    const { log, written, parse } = await setup();
    const tls = { transport: 'tls' as const, host: '127.0.0.1', port: 5061 };
    log.sentDirect(parse(invite), tls, to, false, txns);
    log.sentDirect(parse(invite), from, to, false, txns);
    await log.flush();
    assert.deepEqual(written.map((r) => [(r as unknown as { transport: string }).transport, (r as unknown as { encrypted: boolean }).encrypted]), [['T', true], ['U', false]]);
  });

  test('beyond MAX_PENDING_RECORDS the oldest are written at once (backpressure, nothing dropped); close() writes the rest', async () => {
    const { MAX_PENDING_RECORDS } = await import('../../src/msglog/message-log.js');
    const { log, written, parse } = await setup();
    const msg = parse(invite);
    for (let i = 0; i <= MAX_PENDING_RECORDS; i++) log.sentDirect(msg, from, to, false, txns);
    assert.ok(written.length >= MAX_PENDING_RECORDS / 2, `the oldest written synchronously (${written.length})`);
    assert.ok(log.pending <= MAX_PENDING_RECORDS / 2 + 1);
    assert.equal(written.length + log.pending, MAX_PENDING_RECORDS + 1);
    await log.close();
    assert.equal(log.pending, 0);
    assert.equal(written.length, MAX_PENDING_RECORDS + 1);
    assert.equal(log.stats.records, MAX_PENDING_RECORDS + 1);
  });
});

describe('MessageLog when the log-me engine fails on a message about to be sent', () => {
  test('fail safe: the marker is removed (it may be crossing a boundary the engine could not check), the message still goes', () => {
    const broken = { config: { privacy: { mask: false, attributes: [], maskKeyLines: false } }, process: () => { throw new Error('unreadable Session-ID'); }, mask: (t: string) => t } as unknown as LogmeEngine;
    const log = new MessageLog('none', broken, undefined);
    const marked = Buffer.from(invite.toString('latin1').replace('Content-Length: 0', 'Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000;logme\r\nContent-Length: 0'), 'latin1');
    const out = log.outbound(marked, to, txns);
    assert.equal(log.stats.engineErrors, 1);
    assert.equal(out.msg.logme, false);
    assert.match(out.bytes.toString('latin1'), /Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000\r\n/);
    // Without a marker nothing changes: the same bytes go.
    const plain = log.outbound(invite, to, txns);
    assert.equal(plain.bytes.toString('latin1'), invite.toString('latin1'));
  });
});

describe('MessageLog without a log-me engine (none configured)', () => {
  test('RFC 8497 §8.2: key material is masked by default in what it logs, in-thread and on the logging worker alike', async () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nk=clear:secretk\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:secretkey\r\n';
    const marked = Buffer.from(
      invite.toString('latin1').replace('Content-Length: 0\r\n\r\n', `Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000;logme\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`),
      'latin1',
    );
    for (const thread of ['main', 'worker'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'sipclf-mask-'));
      const writer = thread === 'main' ? await ClfWriter.open({ dir }) : await LogWorker.open({ writer: { dir } });
      const log = new MessageLog('marked', undefined, writer);
      const out = log.outbound(marked, to, txns);
      log.onSend(out.bytes, from, to, false, txns);
      await log.close();
      const text = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'latin1')).join('');
      assert.equal(log.stats.sent, 1, thread);
      assert.match(text, /a=crypto:X+%0D%0A/, thread);
      assert.match(text, /k=X+%0D%0A/, thread);
      assert.doesNotMatch(text, /secretkey|secretk/, thread);
    }
  });
});

describe('MessageLog with a log-me engine, a marker the engine cannot see', () => {
  test('`logme` only in a malformed Session-ID is not forwarded (no marker to the engine, none to pass on)', () => {
    const log = new MessageLog('none', new LogmeEngine({}), undefined);
    const bad = Buffer.from(invite.toString('latin1').replace('Content-Length: 0', 'Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=zz;logme\r\nContent-Length: 0'), 'latin1');
    const out = log.outbound(bad, to, txns);
    assert.equal(log.stats.engineErrors, 0);
    assert.match(out.bytes.toString('latin1'), /Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=zz\r\n/);
  });
});
