// The logging worker (src/msglog/log-worker*.ts, log-batch.ts): the batch codec, and MessageLog with a LogWorker
// writing the same records as MessageLog with an in-thread ClfWriter — fields, Tag 02, masking (RFC 8497 §8.2),
// order — plus flush/close, backpressure, counters, a writer that cannot open, and workers that die, throw or hang.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { after, describe, test } from 'node:test';

import { decodeRecord } from '../../src/clf/decode.js';
import type { ClfRecord } from '../../src/clf/record.js';
import { ClfWriter } from '../../src/logfile/writer.js';
import { LogmeEngine } from '../../src/logme/engine.js';
import { BatchBuilder, readBatch, type LoggedMessage } from '../../src/msglog/log-batch.js';
import { BATCH_BYTES, COALESCE_MS, LogWorker } from '../../src/msglog/log-worker-client.js';
import { MessageLog } from '../../src/msglog/message-log.js';
import { parseMessage } from '../../src/sip/parser.js';

const root = mkdtempSync(join(tmpdir(), 'sipclf-logworker-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newDir = (): string => join(root, `d${n++}`);

function entry(over: Partial<LoggedMessage> = {}): LoggedMessage {
  return {
    octets: Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n'),
    timestamp: 1_700_000_000_123,
    direction: 'R',
    transport: 'U',
    encrypted: false,
    retransmission: 'O',
    source: '192.0.2.1:5060',
    destination: '[2001:db8::1]:5070',
    serverTxn: null,
    clientTxn: null,
    ...over,
  };
}

describe('log batches (log-batch.ts)', () => {
  test('entries come back as added: every flag value, null and empty transaction ids, binary octets', () => {
    const b = new BatchBuilder();
    const input: Array<[LoggedMessage, number]> = [];
    let i = 0;
    for (const direction of ['R', 'S'] as const) {
      for (const transport of ['U', 'T', 'S', 'W'] as const) {
        for (const retransmission of ['O', 'D', 'S'] as const) {
          const octets = Buffer.from(Array.from({ length: i * 7 }, (_, k) => (k * 37 + i) & 0xff));
          const e = entry({ direction, transport, retransmission, encrypted: i % 2 === 0, octets, timestamp: 1_700_000_000_000 + i, serverTxn: i % 3 === 0 ? null : `z9hG4bK\xe9${i}`, clientTxn: i % 4 === 0 ? '' : null });
          input.push([e, i % 5]);
          b.add(e, i % 5);
          i++;
        }
      }
    }
    const taken = b.take();
    assert.ok(taken !== undefined);
    assert.equal(taken.count, input.length);
    assert.equal(b.take(), undefined, 'take() starts a new batch');
    const out = [...readBatch(Buffer.from(taken.buffer, 0, taken.length))];
    assert.equal(out.length, input.length);
    out.forEach((o, k) => {
      const [e, mask] = input[k] as [LoggedMessage, number];
      assert.deepEqual({ ...o, octets: Buffer.from(o.octets) }, { ...e, octets: Buffer.from(e.octets), mask });
    });
  });

  test('a batch grows past its first buffer for a large message', () => {
    const b = new BatchBuilder();
    const big = Buffer.alloc(200_000, 0x41);
    b.add(entry(), 0);
    b.add(entry({ octets: big }), 0);
    const t = b.take();
    assert.ok(t !== undefined);
    const out = [...readBatch(Buffer.from(t.buffer, 0, t.length))];
    assert.equal(out[1]?.octets.length, 200_000);
  });

  test('a damaged batch throws IO_LOG_BATCH_CORRUPT, never reads beyond it', () => {
    const b = new BatchBuilder();
    b.add(entry(), 0);
    const t = b.take();
    assert.ok(t !== undefined);
    const good = Buffer.from(t.buffer, 0, t.length);
    const cases: Array<[string, Buffer]> = [
      ['truncated header', good.subarray(0, 20)],
      ['octets beyond', good.subarray(0, good.length - 1)],
      ['bad flags', Buffer.concat([good.subarray(0, 20), Buffer.from([0xff]), good.subarray(21)])],
      ['string beyond', (() => { const c = Buffer.from(good); c.writeUInt32LE(0x7fffffff, 4); return c; })()],
      ['missing address', (() => { const c = Buffer.from(good); c.writeUInt32LE(0xffffffff, 8); return c; })()],
    ];
    for (const [what, buf] of cases) assert.throws(() => [...readBatch(buf)], { code: 'IO_LOG_BATCH_CORRUPT' }, what);
  });

  test('invalid flags are refused when added (IO_LOG_BATCH_CORRUPT)', () => {
    assert.throws(() => new BatchBuilder().add(entry({ transport: 'X' as 'U' }), 0), { code: 'IO_LOG_BATCH_CORRUPT' });
  });
});

const from = { transport: 'udp' as const, host: '192.0.2.10', port: 5060 };
const to = { transport: 'udp' as const, host: '2001:db8::20', port: 5070 };

const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:secretkey\r\n';
function invite(i: number): Buffer {
  return Buffer.from(
    `INVITE sip:bob@example.net SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-${i}\r\nMax-Forwards: 70\r\nTo: "Bob" <sip:bob@example.net>\r\n` +
      `f: <sip:alice@example.com;transport=udp>;tag=a${i}\r\nCall-ID: call-${i}@example.com\r\nCSeq: ${i + 1} INVITE\r\nSession-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000;logme\r\n` +
      `Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`,
    'latin1',
  );
}
function ok(i: number): Buffer {
  return Buffer.from(
    `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-${i}\r\nTo: "Bob" <sip:bob@example.net>;tag=b${i}\r\nFrom: <sip:alice@example.com>;tag=a${i}\r\n` +
      `Call-ID: call-${i}@example.com\r\nCSeq: ${i + 1} INVITE\r\nContent-Length: 0\r\n\r\n`,
    'latin1',
  );
}

/** Drives `log` like a proxy: each call's INVITE received and forwarded, its 200 received and forwarded. */
function traffic(log: MessageLog, calls: number, at: number): void {
  for (let i = 0; i < calls; i++) {
    const inv = parseMessage(invite(i));
    const txns = { serverTxn: `z9hG4bK-${i}`, clientTxn: `z9hG4bK-p${i}` };
    log.begin();
    log.inbound(inv, from);
    const out = log.outbound(inv.raw, to, txns);
    log.sentDirect(out.msg, from, to, false, txns);
    log.end(inv, true, { from, to: from, at: at + i, retransmission: i % 7 === 3, txns });
    const res = parseMessage(ok(i));
    log.begin();
    log.inbound(res, to);
    log.end(res, true, { from: to, to: from, at: at + i, retransmission: false, txns });
    const fwd = log.outbound(res.raw, from, txns, res);
    log.onSend(fwd.bytes, from, from, false, txns);
  }
}

function records(dir: string): ClfRecord[] {
  const out: ClfRecord[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.clf')).sort()) {
    const text = readFileSync(join(dir, f), 'latin1');
    let p = 0;
    while (p < text.length) {
      const len = Number.parseInt(text.slice(p + 1, p + 7), 16);
      out.push(decodeRecord(text.slice(p, p + len)));
      p += len;
    }
  }
  return out;
}

/** A record without its timestamp: sent records are stamped with Date.now() when they leave. */
const untimed = (r: ClfRecord): ClfRecord => ({ ...r, timestamp: 0 });

describe('MessageLog with a logging worker', () => {
  test('writes the records an in-thread writer writes: fields, Tag 02, masking, order', async () => {
    const engine = (): LogmeEngine => new LogmeEngine({});
    const d1 = newDir();
    const d2 = newDir();
    const inThread = new MessageLog('all', engine(), await ClfWriter.open({ dir: d1 }));
    const worker = new MessageLog('all', engine(), await LogWorker.open({ writer: { dir: d2 } }));
    traffic(inThread, 50, 1_700_000_000_000);
    traffic(worker, 50, 1_700_000_000_000);
    await inThread.close();
    await worker.close();
    const a = records(d1);
    const b = records(d2);
    assert.equal(a.length, 200);
    assert.deepEqual(b.map(untimed), a.map(untimed));
    // Received records keep the time they were handled; masking happened (the key is gone, its length kept).
    assert.deepEqual(b.filter((r) => r.direction === 'R').map((r) => r.timestamp), a.filter((r) => r.direction === 'R').map((r) => r.timestamp));
    const tag2 = b[0]?.optional.find((f) => f.tag === 2)?.value ?? '';
    assert.match(tag2, /a=crypto:X+%0D%0A/);
    assert.doesNotMatch(tag2, /secretkey/);
    assert.equal(worker.stats.records, 200);
    assert.equal(worker.stats.unencodable, 0);
    assert.equal(worker.writerStats()?.records, 200);
    assert.equal(worker.pending, 0);
  });

  test('batch buffers go back and forth: the records written from reused buffers are exact', async () => {
    const engine = (): LogmeEngine => new LogmeEngine({});
    const d1 = newDir();
    const d2 = newDir();
    const inThread = new MessageLog('all', engine(), await ClfWriter.open({ dir: d1 }));
    const lw = await LogWorker.open({ writer: { dir: d2 } });
    const worker = new MessageLog('all', engine(), lw);
    // Rounds of ~1,200 records (several batches each); a flush between them lets the buffers come back.
    for (let round = 0; round < 5; round++) {
      traffic(inThread, 300, 1_700_000_000_000 + round * 1000);
      traffic(worker, 300, 1_700_000_000_000 + round * 1000);
      await worker.flush();
    }
    assert.ok(lw.counts.reusedBuffers > 0, `batches in reused buffers: ${lw.counts.reusedBuffers}`);
    await inThread.close();
    await worker.close();
    const a = records(d1);
    const b = records(d2);
    assert.equal(a.length, 6000);
    assert.deepEqual(b.map(untimed), a.map(untimed));
    assert.equal(worker.stats.unencodable, 0);
  });

  test('flush() resolves once everything handed over is in the file; pending counts what is not', async () => {
    const dir = newDir();
    const log = new MessageLog('all', undefined, await LogWorker.open({ writer: { dir } }));
    traffic(log, 500, 1_700_000_000_000);
    // Handed over, not yet written: all of it but the full batches the worker (another thread) finished
    // meanwhile — at least the last, partial batch, which waits for its COALESCE_MS.
    const pending = log.pending;
    assert.ok(pending > 0 && pending <= 2000, `pending ${pending}`);
    await log.flush();
    assert.equal(log.pending, 0);
    const recs = records(dir);
    assert.equal(recs.length, 2000);
    // In the order handed over: per call R INVITE, S INVITE, R 200, S 200.
    assert.deepEqual(recs.slice(0, 8).map((r) => `${r.direction} ${String(r.cseq)} ${String(r.status ?? "-")}`), ['R 1 INVITE -', 'S 1 INVITE -', 'R 1 INVITE 200', 'S 1 INVITE 200', 'R 2 INVITE -', 'S 2 INVITE -', 'R 2 INVITE 200', 'S 2 INVITE 200']);
    assert.deepEqual(recs.filter((_, i) => i % 4 === 0).map((r) => r.callId), Array.from({ length: 500 }, (_, i) => `call-${i}@example.com`));
    await log.close();
  });

  test('backpressure: with room for one batch in flight every batch waits for the last, and nothing is lost', async () => {
    const dir = newDir();
    const w = await LogWorker.open({ writer: { dir }, maxInFlightBytes: 1 });
    const log = new MessageLog('all', undefined, w);
    for (let round = 0; round < 5; round++) {
      traffic(log, 100, 1_700_000_000_000);
      await new Promise((r) => setTimeout(r, COALESCE_MS + 5)); // a batch leaves COALESCE_MS after its first entry
    }
    await log.close();
    assert.equal(records(dir).length, 2000);
    const { records: n, unencodable, lost, waits, waitMs } = w.counts;
    assert.deepEqual({ n, unencodable, lost }, { n: 2000, unencodable: 0, lost: 0 });
    // What the metrics read (sipclf_proxy_clf_backpressure_*): the worker's own wait account.
    assert.deepEqual(log.backpressure, { waits, seconds: waitMs / 1000 });
  });

  test('backpressure blocks: a burst handed over in one go never has more than the bound plus one batch in flight', async () => {
    const dir = newDir();
    const w = await LogWorker.open({ writer: { dir }, maxInFlightBytes: 1 });
    const body = 'x'.repeat(4000);
    const octets = Buffer.from(`MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nTo: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=f\r\nCall-ID: burst\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 'latin1');
    // About 60 entries per 256-KiB batch: 600 synchronously are ten batches, each sent as the one before is done.
    for (let i = 0; i < 600; i++) w.add(entry({ octets }));
    const perBatch = Math.ceil(BATCH_BYTES / (octets.length + 64));
    assert.ok(w.pending <= 2 * perBatch, `pending ${w.pending}: more than one batch in flight and one being built`);
    await w.close();
    const { records: n, unencodable, lost, waits, waitMs } = w.counts;
    assert.deepEqual({ n, unencodable, lost }, { n: 600, unencodable: 0, lost: 0 });
    // Every batch after the first waited for the one before (ten or so; fewer only if the estimate is off).
    assert.ok(waits >= 5, `waits ${waits}`);
    assert.ok(waitMs > 0, `waitMs ${waitMs}`);
  });

  test('a log directory that cannot be opened fails open() with the writer error', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    await assert.rejects(LogWorker.open({ writer: { dir: file } }), { code: 'IO_WRITE' });
  });

  test('the worker thread runs below the forwarding thread (nice 10, Linux: per thread); the rest of the process does not', async () => {
    /** Thread id → nice value of this process's threads (one that ends while it is read is left out). */
    const nices = (): Map<string, number> =>
      new Map(
        readdirSync('/proc/self/task').flatMap((tid): [string, number][] => {
          let st: string;
          try {
            st = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          } catch {
            return []; // a thread that ended since the directory was read (an earlier test's worker, a V8 helper)
          }
          return [[tid, Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[16])]]; // field 19: nice
        }),
      );
    // The threads that appeared with the worker: exactly one of them at nice 10. (Counting all nice-10
    // threads before and after failed when an earlier test's worker ended in between.)
    const before = nices();
    const w = await LogWorker.open({ writer: { dir: newDir() } });
    const added = [...nices()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
    assert.equal(added.filter((x) => x === 10).length, 1, `new threads' nice values: ${added.join(', ')}`);
    assert.equal(Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[16]), 0, 'the main thread keeps nice 0');
    await w.close();
    await assert.rejects(LogWorker.open({ writer: { dir: newDir() }, nice: 20 }), { code: 'CONFIG_INVALID' });
  });

  describe('a worker that fails (test/fixtures/log-worker-broken.mjs)', () => {
    const broken = (mode: string): URL => pathToFileURL(join(process.cwd(), `test/fixtures/log-worker-${mode}.mjs`));
    /** IO_LOG_WORKER_FAILED warnings emitted while `f` runs (process.emitWarning delivers them on a later tick). */
    async function warnings(f: () => Promise<void>): Promise<string[]> {
      const seen: string[] = [];
      const on = (w: Error & { code?: string }): void => {
        if (w.code === 'IO_LOG_WORKER_FAILED') seen.push(w.message);
      };
      process.on('warning', on);
      try {
        await f();
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off('warning', on);
      }
      return seen;
    }

    test('a worker that never says it opened the log: open() gives up after openWaitMs (IO_LOG_WORKER_FAILED)', async () => {
      await assert.rejects(LogWorker.open({ writer: { dir: newDir() }, script: broken('silent'), openWaitMs: 200 }), {
        code: 'IO_LOG_WORKER_FAILED',
        message: /did not open the log within 200 ms/,
      });
    });

    for (const mode of ['dies', 'throws']) {
      test(`a worker that ${mode === 'dies' ? 'exits' : 'throws'} after start: reported, its records counted as lost, flush and close resolve, its lock removed`, async () => {
        const dir = newDir();
        const w = await LogWorker.open({ writer: { dir }, script: broken(mode) });
        const log = new MessageLog('all', undefined, w);
        const seen = await warnings(async () => {
          traffic(log, 10, 1_700_000_000_000); // 40 entries, one batch: the one the worker fails on
          await log.flush();
        });
        assert.equal(seen.length, 1, `warnings: ${seen.join('; ')}`);
        assert.match(seen[0] as string, mode === 'dies' ? /exited \(code 3\)/ : /broken worker/);
        assert.equal(w.counts.lost, 40);
        assert.equal(log.writerStats()?.lost, 40, 'what sipclf_proxy_clf_records_dropped_total{reason="io"} reads');
        // Forwarding goes on; what it hands over now is counted, not queued.
        traffic(log, 1, 1_700_000_001_000);
        assert.equal(w.counts.lost, 44);
        assert.equal(log.pending, 0);
        await log.close();
        // The dead worker's writer held the directory in this process's name: the next writer may have it.
        const again = await ClfWriter.open({ dir });
        await again.close();
      });
    }

    test('a worker that stops finishing batches while forwarding waits on it is given up on after stallMs', async () => {
      const w = await LogWorker.open({ writer: { dir: newDir() }, script: broken('stalls'), maxInFlightBytes: 1, stallMs: 300 });
      const octets = Buffer.from(`MESSAGE sip:b@example.com SIP/2.0\r\nCall-ID: stall\r\nContent-Length: 4000\r\n\r\n${'x'.repeat(4000)}`, 'latin1');
      const seen = await warnings(() => {
        // The first full batch goes out; the second waits for it (the bound is one byte) and gives up.
        for (let i = 0; i < 200; i++) w.add(entry({ octets }));
        return Promise.resolve();
      });
      assert.equal(seen.length, 1, `warnings: ${seen.join('; ')}`);
      assert.match(seen[0] as string, /no progress for 300 ms/);
      const { lost, waits, waitMs } = w.counts;
      assert.equal(lost, 200, 'the batch in flight, the one waiting and every entry after them');
      assert.equal(waits, 1);
      assert.ok(waitMs >= 300 && waitMs < 3000, `forwarding was held ${waitMs} ms`);
      await w.close();
    });

    test('a worker that never answers flush: flush resolves after answerWaitMs, the records are counted as lost', async () => {
      const w = await LogWorker.open({ writer: { dir: newDir() }, script: broken('stalls'), answerWaitMs: 200 });
      const seen = await warnings(async () => {
        for (let i = 0; i < 10; i++) w.add(entry());
        const t0 = performance.now();
        await w.flush();
        const took = performance.now() - t0;
        assert.ok(took >= 190 && took < 3000, `flush took ${took} ms`);
      });
      assert.equal(seen.length, 1, `warnings: ${seen.join('; ')}`);
      assert.match(seen[0] as string, /did not answer flush within 200 ms/);
      assert.equal(w.counts.lost, 10);
      await w.close(); // the worker was terminated: close resolves at once
    });
  });

  test('close() twice, and flush() after close(), resolve; a message handed over after close() is counted as lost', async () => {
    const w = await LogWorker.open({ writer: { dir: newDir() } });
    await Promise.all([w.close(), w.close()]);
    await w.flush();
    w.add(entry(), undefined);
    assert.deepEqual(w.counts, { records: 0, unencodable: 0, lost: 1, waits: 0, waitMs: 0, reusedBuffers: 0 });
  });
});

describe('the logging thread (log-worker.ts) given bad messages: counts them and goes on', () => {
  test('a corrupt batch, a batch message without its buffer, an unknown mask id: counted, the counter still moves, nothing unmasked is written', async () => {
    const dir = newDir();
    const control = new SharedArrayBuffer(4);
    const consumed = new Int32Array(control);
    const worker = new Worker(new URL('../../src/msglog/log-worker.js', import.meta.url), { workerData: { writer: { dir }, control, nice: 0 } });
    const next = (t: string): Promise<Record<string, unknown>> =>
      new Promise((resolve) => {
        const on = (m: Record<string, unknown>): void => {
          if (m['t'] !== t) return;
          worker.off('message', on);
          resolve(m);
        };
        worker.on('message', on);
      });
    try {
      await next('ready');
      // 1. Three valid entries, the third cut short: two logged, the rest of the batch counted as unencodable.
      const b = new BatchBuilder();
      for (let i = 0; i < 3; i++) b.add(entry({ octets: Buffer.from(`OPTIONS sip:x SIP/2.0\r\nCall-ID: c${i}\r\nCSeq: 1 OPTIONS\r\n\r\n`) }), 0);
      const whole = b.take();
      assert.ok(whole !== undefined);
      worker.postMessage({ t: 'batch', buffer: whole.buffer, length: whole.length - 10, count: 3 }, [whole.buffer]);
      // 2. A batch message whose length runs past its buffer: not readable at all, both entries counted.
      worker.postMessage({ t: 'batch', buffer: new ArrayBuffer(4), length: 100, count: 2 });
      // 3. An entry whose mask id was never announced: counted, not written unmasked.
      const m = new BatchBuilder();
      m.add(entry({ octets: Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: secret\r\nCSeq: 1 OPTIONS\r\n\r\n') }), 7);
      const masked = m.take();
      assert.ok(masked !== undefined);
      worker.postMessage({ t: 'batch', buffer: masked.buffer, length: masked.length, count: 1 }, [masked.buffer]);
      worker.postMessage({ t: 'flush', id: 1 });
      const flushed = await next('flushed');
      assert.equal(Atomics.load(consumed, 0), 3, 'every batch message was counted as finished');
      assert.equal(flushed['records'], 2);
      assert.equal(flushed['unencodable'], 4, 'the cut entry, the two of the unreadable batch, the unknown mask');
      worker.postMessage({ t: 'close', id: 2 });
      await next('closed');
      assert.deepEqual(records(dir).map((r) => r.callId), ['c0', 'c1']);
    } finally {
      await worker.terminate();
    }
  });
});
