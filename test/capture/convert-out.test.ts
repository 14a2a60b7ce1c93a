// OutBuffer (sipclf convert's output batching): bytes in order whatever the mix of strings and buffers, the
// flush size, oversize items and asynchronous sinks; every flush a fresh buffer the sink may keep.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OutBuffer } from '../../src/capture/convert-out.js';

function collector(async = false): { chunks: Buffer[]; sink: { write(b: Buffer): void | Promise<void> } } {
  const chunks: Buffer[] = [];
  return {
    chunks,
    sink: {
      write(b: Buffer) {
        chunks.push(b); // kept, not copied: later writes must not change it
        return async ? new Promise<void>((r) => setImmediate(r)) : undefined;
      },
    },
  };
}

describe('OutBuffer', () => {
  it('latin1: strings and buffers come out in order, in writes of at most the buffer size', async () => {
    const { chunks, sink } = collector();
    const o = new OutBuffer(sink, 'latin1', 16);
    const parts: Buffer[] = [];
    const items: (string | Buffer)[] = ['abc', Buffer.from([1, 2, 3]), 'x'.repeat(16), '\xe9\xff', 'y'.repeat(40), Buffer.alloc(20, 7), 'end'];
    for (const it of items) {
      if (typeof it === 'string') {
        parts.push(Buffer.from(it, 'latin1'));
        await o.str(it);
      } else {
        parts.push(Buffer.from(it));
        await o.buf(it);
        it.fill(9); // the caller may reuse its buffer
      }
    }
    await o.flush();
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat(parts));
    // Oversize items (40, 20 bytes) go out alone; the rest fits the 16-byte buffer.
    assert.ok(chunks.every((c) => c.length <= 16 || c.length === 40 || c.length === 20));
    assert.equal(o.pending, 0);
  });

  it('utf8: multi-byte characters are never split, near the end of the buffer or not', async () => {
    const { chunks, sink } = collector();
    const o = new OutBuffer(sink, 'utf8', 10);
    const items = ['12345678', 'é€', '😀😀', 'abc', 'ü'.repeat(7)];
    for (const s of items) await o.str(s);
    await o.flush();
    assert.equal(Buffer.concat(chunks).toString('utf8'), items.join(''));
    for (const c of chunks) assert.ok(c.toString('utf8').indexOf('\ufffd') < 0, 'no chunk ends inside a character');
  });

  it('an asynchronous sink gets the writes in order and each buffer once', async () => {
    const { chunks, sink } = collector(true);
    const o = new OutBuffer(sink, 'latin1', 8);
    let expect = '';
    for (let i = 0; i < 50; i++) {
      const s = `r${i};`.repeat(i % 5);
      expect += s;
      const r = o.str(s);
      if (r !== undefined) await r;
    }
    await o.flush();
    // The chunks were kept as given: had a buffer been reused, earlier ones would hold later bytes.
    assert.equal(Buffer.concat(chunks).toString('latin1'), expect);
    assert.ok(chunks.length > 10);
  });

  it('flush with nothing pending writes nothing', () => {
    const { chunks, sink } = collector();
    const o = new OutBuffer(sink, 'latin1');
    assert.equal(o.flush(), undefined);
    assert.equal(chunks.length, 0);
  });
});

describe('OutBuffer.record', () => {
  it('writes the bytes of encodeRecord, across flushes and for records larger than the buffer', async () => {
    const { encodeRecord } = await import('../../src/clf/encode.js');
    const { generateRecords } = await import('../../src/gen/generator.js');
    const recs = [...generateRecords({ records: 60, seed: 3 })];
    for (const cap of [300, 1000, 1 << 20]) {
      const { chunks, sink } = collector(cap === 1000);
      const o = new OutBuffer(sink, 'latin1', cap);
      for (const r of recs) {
        const w = o.record(r);
        if (w !== undefined) await w;
      }
      await o.flush();
      assert.equal(Buffer.concat(chunks).toString('latin1'), recs.map((r) => encodeRecord(r)).join(''), `buffer of ${cap} bytes`);
    }
  });

  it('a record the format cannot hold throws the encoder error and writes nothing', async () => {
    const { generateRecords } = await import('../../src/gen/generator.js');
    const [rec] = [...generateRecords({ records: 1, seed: 4 })];
    assert.ok(rec !== undefined);
    const { chunks, sink } = collector();
    const o = new OutBuffer(sink, 'latin1', 4096);
    assert.throws(() => o.record({ ...rec, timestamp: -1 }), { code: 'CLF_TIMESTAMP_RANGE' });
    assert.equal(o.pending, 0);
    await o.flush();
    assert.equal(chunks.length, 0);
  });
});

describe('Converter with an asynchronous sink', () => {
  it('writes the same bytes as with a synchronous one (captures: each write awaited in order, mid-batch too)', async () => {
    const { Converter } = await import('../../src/capture/convert.js');
    const { vector } = await import('./pcap-helpers.js');
    for (const name of ['sipp-udp4.pcap', 'sipp-tcp4.pcapng']) {
      const sync = collector(false);
      const async = collector(true);
      const a = await new Converter({ from: name.endsWith('ng') ? 'pcapng' : 'pcap', to: 'clf' }, sync.sink).run(vector(name));
      // A 600-byte buffer: nearly every record flushes, so writes settle while a batch is being handled.
      const b = await new Converter({ from: name.endsWith('ng') ? 'pcapng' : 'pcap', to: 'clf', outputBufferBytes: 600 }, async.sink).run(vector(name));
      assert.deepEqual(b, a);
      assert.ok(a.written > 0);
      assert.deepEqual(Buffer.concat(async.chunks), Buffer.concat(sync.chunks), name);
      assert.ok(async.chunks.length > a.written / 2, 'many asynchronous writes');
    }
  });
});

describe('Converter: an entity sending to itself (two views of one message)', () => {
  it('with an asynchronous sink and records larger than the buffer, the two records come out in view order', async () => {
    const { Converter } = await import('../../src/capture/convert.js');
    const { udpFrames } = await import('../../src/capture/net-build.js');
    const { pcapFile } = await import('./pcap-helpers.js');
    const { A4, B4, sipText } = await import('./net-helpers.js');
    const self = { ip: A4.ip, port: 5070 };
    // A small record first (it stays pending in the buffer), then a large one sent from A to A itself.
    const frames = [{ data: udpFrames(A4, B4, sipText('small'), 1)[0] as Buffer }, { data: udpFrames(A4, self, sipText('big', 3000), 2, { mtu: 9000 })[0] as Buffer }];
    const path = join(mkdtempSync(join(tmpdir(), 'sipclf-out-')), 'self.pcap');
    writeFileSync(path, pcapFile(1, frames));
    const sync = collector(false);
    const async = collector(true);
    const opts = { from: 'pcap', to: 'clf', entity: [{ ip: '192.0.2.1' }] } as const;
    const a = await new Converter(opts, sync.sink).run(path);
    const b = await new Converter({ ...opts, outputBufferBytes: 1000 }, async.sink).run(path);
    assert.equal(a.written, 3, 'one record for the small message, two (sent, received) for the big one');
    assert.deepEqual(b, a);
    const text = Buffer.concat(async.chunks).toString('latin1');
    assert.equal(text, Buffer.concat(sync.chunks).toString('latin1'));
    assert.ok(async.chunks.length >= 3, 'the large records went out on their own');
  });

  it('outputBufferBytes must be a positive integer (CONFIG_INVALID)', async () => {
    const { Converter } = await import('../../src/capture/convert.js');
    const { sink } = collector();
    for (const n of [-1, 0, 1.5, Number.NaN]) {
      assert.throws(() => new Converter({ from: 'pcap', to: 'clf', outputBufferBytes: n }, sink), { code: 'CONFIG_INVALID' }, String(n));
    }
  });
});
