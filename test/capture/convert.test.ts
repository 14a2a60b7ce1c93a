// sipclf convert: captures → CLF against tshark's dissections, the CLF → pcap → CLF round trip, JSON Lines,
// --only-logme, format inference, truncated input and usage errors.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeRecord, recordLengthAt } from '../../src/clf/decode.js';
import { decodeOptionalValue } from '../../src/clf/optional.js';
import type { ClfRecord } from '../../src/clf/record.js';
import { recordIsMarked } from '../../src/capture/convert.js';
import { generateClf } from '../../src/gen/generator.js';
import { runCli } from '../cli/helpers.js';
import { udpFrames } from '../../src/capture/net-build.js';
import { A4, B4, sipText } from './net-helpers.js';
import { ngSection, parseTsharkRows, vector } from './pcap-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sipclf-convert-'));
const tmp = (name: string): string => join(dir, name);

function records(path: string): ClfRecord[] {
  const text = readFileSync(path).toString('latin1');
  const out: ClfRecord[] = [];
  for (let off = 0; off < text.length; ) {
    const len = recordLengthAt(text, off);
    out.push(decodeRecord(text, off));
    off += len;
  }
  return out;
}

function methodOf(r: ClfRecord): string {
  return String(r.cseq).split(' ')[1] ?? '';
}

const FIXTURES = ['sipp-udp4.pcap', 'sipp-udp6-sll2.pcap', 'sipp-tcp4.pcapng', 'sipp-tcp6-ns.pcap'];

describe('sipclf convert: captures to CLF', () => {
  for (const name of FIXTURES) {
    it(`${name}: records equal tshark's dissection (count, Call-IDs, methods, statuses, log-me)`, async () => {
      const out = tmp(`${name}.clf`);
      const r = await runCli(['convert', vector(name), '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /every message is logged once, as received by its destination/);
      const rows = parseTsharkRows(readFileSync(vector(`${name}.tshark.txt`), 'utf8'), true);
      const recs = records(out);
      assert.equal(recs.length, rows.length);
      recs.forEach((rec, i) => {
        const row = rows[i];
        assert.ok(row !== undefined);
        assert.equal(rec.callId, row.callId);
        if (row.method !== '') {
          assert.equal(rec.isRequest, true);
          assert.equal(methodOf(rec), row.method);
        } else assert.equal(rec.status, row.status);
        assert.equal(rec.direction, 'R');
        assert.equal(rec.retransmission, 'S');
        assert.equal(recordIsMarked(rec), false, 'SIPp basic scenario carries no log-me marker');
      });
      assert.equal(statSync(out).mode & 0o777, 0o600);
    });
  }
});

function genFile(n: number, logmeShare: number): string {
  const f = tmp(`gen-${n}-${logmeShare}.clf`);
  writeFileSync(f, [...generateClf({ records: n, seed: 3, logmeShare })].join(''), 'latin1');
  return f;
}

describe('sipclf convert: key material (RFC 8497 §8.2)', () => {
  it('SDP keys are masked with X in the records of a capture unless --keep-keys; a CLF input with --keep-keys is a usage error', async () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n' +
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\nk=clear:secret\r\n';
    const text = Buffer.from(
      'INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkeys\r\nFrom: <sip:a@example.com>;tag=1\r\n' +
        `To: <sip:b@example.com>\r\nCall-ID: keys\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`,
      'latin1',
    );
    const file = tmp('keys.pcapng');
    writeFileSync(file, ngSection(true, [['idb', 1, undefined], ['epb', 0, 1_700_000_000_000_000n, udpFrames(A4, B4, text, 1, { fragment: false })[0] as Buffer]]));
    const messageOf = (path: string): string => {
      const [rec] = records(path);
      const f = rec?.optional.find((o) => o.tag === 2);
      assert.ok(f !== undefined);
      return decodeOptionalValue(f);
    };
    const masked = tmp('keys-masked.clf');
    assert.equal((await runCli(['convert', file, '-o', masked])).code, 0);
    const m = messageOf(masked);
    assert.ok(m.includes('a=crypto:' + 'X'.repeat('1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32'.length) + '\r\n'), m);
    assert.ok(m.includes(`k=${'X'.repeat('clear:secret'.length)}\r\n`), m);
    assert.equal(m.length, text.length, 'lengths kept (Content-Length still right)');
    assert.ok(!m.includes('inline:') && !m.includes('secret'));
    const kept = tmp('keys-kept.clf');
    assert.equal((await runCli(['convert', file, '-o', kept, '--keep-keys'])).code, 0);
    assert.equal(messageOf(kept), text.toString('latin1'));
    const r = await runCli(['convert', masked, '-o', tmp('keys-copy.clf'), '--keep-keys']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CLI_USAGE.*--keep-keys applies to captures/);
  });
});

describe('sipclf convert: logs', () => {
  it('CLF → pcap → CLF keeps Call-IDs, methods, statuses and timestamps', async () => {
    const src = genFile(500, 0.05);
    const pcap = tmp('round.pcap');
    let r = await runCli(['convert', src, '-o', pcap]);
    assert.equal(r.code, 0, r.stderr);
    const back = tmp('round.clf');
    r = await runCli(['convert', pcap, '-o', back]);
    assert.equal(r.code, 0, r.stderr);
    const a = records(src);
    const b = records(back);
    assert.equal(b.length, a.length);
    a.forEach((x, i) => {
      const y = b[i] as ClfRecord;
      assert.deepEqual([y.callId, y.cseq, y.status, y.timestamp, y.source, y.destination], [x.callId, x.cseq, x.status, x.timestamp, x.source, x.destination]);
    });
  });

  it('CLF → JSON Lines → CLF is byte-exact', async () => {
    const src = genFile(300, 0.2);
    const jl = tmp('x.jsonl');
    let r = await runCli(['convert', src, '-o', jl]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(jl, 'utf8').split('\n').filter((l) => l !== '').length, 300);
    const back = tmp('x-back.clf');
    r = await runCli(['convert', jl, '-o', back]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(back).equals(readFileSync(src)));
  });

  it('--only-logme keeps exactly the marked messages (CLF and capture input)', async () => {
    const src = genFile(400, 0.5);
    const want = records(src).filter(recordIsMarked).length;
    assert.ok(want > 0);
    const out = tmp('marked.clf');
    let r = await runCli(['convert', src, '-o', out, '--only-logme']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(records(out).length, want);
    assert.match(r.stderr, new RegExp(`not-logme ${400 - want}`));
    const pcap = tmp('marked-src.pcap');
    await runCli(['convert', src, '-o', pcap]);
    const out2 = tmp('marked2.clf');
    r = await runCli(['convert', pcap, '-o', out2, '--only-logme']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(records(out2).length, want);
    assert.ok(records(out2).every(recordIsMarked));
  });

  it('formats are told by the magic bytes, whatever the name, and by --to', async () => {
    const odd = tmp('capture.dat');
    writeFileSync(odd, readFileSync(vector('sipp-udp4.pcap')));
    const out = tmp('odd.out');
    const r = await runCli(['convert', odd, '-o', out, '--to', 'jsonl']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /pcap → jsonl/);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 12);
  });
});

describe('sipclf convert: bad input and usage', () => {
  it('a truncated pcap: error with the packet number, the rest converted, exit 1', async () => {
    const whole = readFileSync(vector('sipp-udp4.pcap'));
    const cut = tmp('cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 100));
    const out = tmp('cut.clf');
    const r = await runCli(['convert', cut, '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /packet 12: CAPTURE_TRUNCATED/);
    assert.equal(records(out).length, 11);
  });

  it('a packet time CLF or pcap cannot hold (pcapng, year ~2,300,000): that message is a problem, the others are converted', async () => {
    const frame = (id: string): Buffer => udpFrames(A4, B4, sipText(id), 1, { fragment: false })[0] as Buffer;
    // Interface 0 in microseconds (no if_tsresol): 2^56 µs is ~7.2e13 ms, beyond CLF's 10 digits of seconds.
    const file = tmp('far.pcapng');
    writeFileSync(file, ngSection(true, [['idb', 1, undefined], ['epb', 0, 1_700_000_000_000_000n, frame('before')], ['epb', 0, 1n << 56n, frame('far')], ['epb', 0, 1_700_000_001_000_000n, frame('after')]]));
    const out = tmp('far.clf');
    const r = await runCli(['convert', file, '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /packet 2: CLF_TIMESTAMP_RANGE/);
    assert.deepEqual(records(out).map((x) => x.callId), ['before', 'after']);
    // To pcap: seconds beyond 32 bits are skipped with a note, not written wrapped.
    const pcap = tmp('far.pcap');
    const p = await runCli(['convert', file, '-o', pcap]);
    assert.match(p.stderr, /packet 2: CAPTURE_PCAP_UNWRITABLE: timestamp .* outside what pcap can hold/);
    const back = tmp('far-back.clf');
    assert.equal((await runCli(['convert', pcap, '-o', back])).code, 0);
    assert.deepEqual(records(back).map((x) => x.callId), ['before', 'after']);
  });

  it('usage errors exit 2 with CLI_USAGE', async () => {
    const cases: string[][] = [
      ['convert', vector('sipp-udp4.pcap')],
      ['convert', vector('sipp-udp4.pcap'), '-o', tmp('u.clf'), '--from', 'wav'],
      ['convert', vector('sipp-udp4.pcap'), '-o', tmp('u.xyz')],
      ['convert', genFile(10, 0), '-o', tmp('u.clf'), '--entity', '127.0.0.1'],
      ['convert', vector('sipp-udp4.pcap'), '-o', tmp('u.clf'), '--entity', 'proxy.example.com'],
    ];
    for (const argv of cases) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /CLI_USAGE/);
    }
    const missing = await runCli(['convert', tmp('nope.pcap'), '-o', tmp('u.clf')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /IO_READ/);
  });
});
