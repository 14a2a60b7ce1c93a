// sipclf convert of a HEP file (concatenated HEP v3 packets, e.g. saved from a socket with `nc -u -l`):
// every SIP packet becomes one record with the packet's addresses and time; non-SIP and damaged packets are
// reported with their packet number and skipped; the rest is converted; the marker is kept (--only-logme).
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { recordIsMarked } from '../../src/capture/convert.js';
import { capture } from '../../src/index.js';
import { runCli } from '../cli/helpers.js';
import { hepOf, readClfFiles, sipRequest } from './hep-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sipclf-convert-hep-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function marked(i: number): Buffer {
  return Buffer.from(sipRequest(i).toString('latin1').replace('Content-Length: 0', 'Session-ID: 0123456789abcdef0123456789abcdef;remote=00000000000000000000000000000000;logme\r\nContent-Length: 0'), 'latin1');
}

describe('sipclf convert: HEP v3 files', () => {
  it('converts every SIP packet, with its addresses and time, in order', async () => {
    const hep = Buffer.concat([0, 1, 2, 3].map((i) => hepOf(sipRequest(i), { timeSec: 1_767_600_000 + i, srcPort: 5060 + i })));
    const input = join(dir, 'four.hep');
    writeFileSync(input, hep);
    const out = join(dir, 'four-out');
    mkdirSync(out);
    const r = await runCli(['convert', input, '-o', join(out, 'four.clf')]);
    assert.equal(r.code, 0, r.stderr);
    const recs = readClfFiles(out).flatMap((f) => f.records);
    assert.equal(recs.length, 4);
    recs.forEach((rec, i) => {
      assert.equal(rec.callId, `call-${i}@test`);
      assert.equal(rec.source, `10.0.0.1:${5060 + i}`);
      assert.equal(rec.destination, '10.0.0.2:5070');
      assert.equal(rec.timestamp, (1_767_600_000 + i) * 1000 + 123);
    });
  });

  it('a packet without a timestamp chunk gets the time of the packet before it, and the summary says how many', async () => {
    const untimed = (i: number): Buffer => hepOf(sipRequest(i), { timeSec: undefined, timeUsec: undefined });
    const before = Date.now();
    const hep = Buffer.concat([untimed(0), hepOf(sipRequest(1), { timeSec: 1_767_600_001 }), untimed(2), untimed(3)]);
    const input = join(dir, 'untimed.hep');
    writeFileSync(input, hep);
    const out = join(dir, 'untimed-out');
    mkdirSync(out);
    const r = await runCli(['convert', input, '-o', join(out, 'untimed.clf')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /3 HEP packet\(s\) without a timestamp chunk/);
    const recs = readClfFiles(out).flatMap((f) => f.records);
    assert.equal(recs.length, 4);
    // Before any packet had a time: the conversion's start (not 1970).
    assert.ok(Math.abs((recs[0]?.timestamp ?? 0) - before) < 60_000, `first timestamp ${recs[0]?.timestamp}`);
    assert.deepEqual(recs.slice(1).map((x) => x.timestamp), [1_767_600_001_123, 1_767_600_001_123, 1_767_600_001_123]);
  });

  it('--only-logme keeps the marked packets; a non-SIP payload and a damaged packet are reported and skipped', async () => {
    const good = [hepOf(sipRequest(0)), hepOf(marked(1)), hepOf(Buffer.from('not sip at all\r\n\r\n')), hepOf(marked(2))];
    const cut = hepOf(sipRequest(3)).subarray(0, 20); // a truncated packet at the end of the file
    const input = join(dir, 'mixed.hep');
    writeFileSync(input, Buffer.concat([...good, cut]));
    const out = join(dir, 'mixed-out');
    mkdirSync(out);
    const r = await runCli(['convert', input, '-o', join(out, 'mixed.clf'), '--only-logme']);
    assert.equal(r.code, 1, 'problems make the exit status 1');
    assert.match(r.stderr, /packet 3\b/, 'the non-SIP packet is named by its number');
    assert.match(r.stderr, /packet 5\b/, 'so is the truncated one');
    const recs = readClfFiles(out).flatMap((f) => f.records);
    assert.deepEqual(recs.map((x) => x.callId), ['call-1@test', 'call-2@test']);
    assert.ok(recs.every((x) => recordIsMarked(x)));
  });

  it('the capture namespace of the package exports the HEP codec', () => {
    const p = capture.decodeHep(hepOf(sipRequest(7)));
    assert.equal(capture.hepPayload(p)?.toString('latin1').split('\r\n')[0], 'BYE sip:bob@example.com SIP/2.0');
  });
});
