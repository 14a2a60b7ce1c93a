// CLF → pcap: records made from the tcpdump/SIPp fixtures go through CLF text and back, are written as
// pcap, and read again by our reader, by tshark (same Call-IDs, methods, status codes; every IP/UDP/TCP
// checksum good; fragments reassembled) and by sngrep (same packet count). Also the skip rules.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PcapEncoder, writePcap } from '../../src/capture/pcap-write.js';
import type { SipPacket } from '../../src/capture/net-types.js';
import { encodeRecord, formatAddress, recordFromMessage, type ClfRecord } from '../../src/clf/index.js';
import { readRecords } from '../../src/logfile/reader.js';
import { parseMessage } from '../../src/sip/parser.js';
import { sipText } from './net-helpers.js';
import { collect, parseTsharkRows, rowOf, toolMissing, tsharkRows, vector, type SipRow } from './pcap-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sipclf-pcapw-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURES = ['sipp-udp4.pcap', 'sipp-tcp6-ns.pcap', 'sipp-tcp4.pcapng', 'sipp-udp6-sll2.pcap'];

function recordOf(p: SipPacket): ClfRecord {
  return recordFromMessage(parseMessage(p.bytes), {
    timestamp: Math.floor(p.ts),
    direction: 'R',
    transport: p.transport === 'tcp' ? 'T' : 'U',
    encrypted: false,
    retransmission: 'O',
    source: formatAddress(p.src.ip, p.src.port),
    destination: formatAddress(p.dst.ip, p.dst.port),
  });
}

/** The fixtures' messages as CLF records, through a CLF file and the CLF reader. */
async function fixtureRecords(): Promise<{ packets: SipPacket[]; records: ClfRecord[] }> {
  const packets: SipPacket[] = [];
  for (const f of FIXTURES) packets.push(...(await collect(vector(f))).sip);
  const clf = join(dir, 'in.clf');
  writeFileSync(clf, packets.map((p) => encodeRecord(recordOf(p))).join(''), 'latin1');
  const records: ClfRecord[] = [];
  for await (const e of readRecords(clf)) {
    assert.equal(e.type, 'record');
    if (e.type === 'record') records.push(e.decode());
  }
  return { packets, records };
}

const noFrame = (r: SipRow): Omit<SipRow, 'frame'> => ({ callId: r.callId, method: r.method, status: r.status });

test('CLF records (Tag 02) → pcap → our reader: same messages, addresses, transports and ms timestamps', async () => {
  const { packets, records } = await fixtureRecords();
  for (const resolution of ['us', 'ns'] as const) {
    const out = join(dir, `rt-${resolution}.pcap`);
    const sum = await writePcap(records, out, { resolution });
    assert.deepEqual([sum.records, sum.messages, sum.frames, sum.noMessage, sum.badAddress], [48, 48, 48, 0, 0]);
    const back = (await collect(out)).sip;
    assert.equal(back.length, packets.length);
    back.forEach((b, i) => {
      const p = packets[i] as SipPacket;
      assert.ok(b.bytes.equals(p.bytes), `message ${i}`);
      assert.deepEqual([b.src, b.dst, b.transport, b.ts], [p.src, p.dst, p.transport, Math.floor(p.ts)]);
    });
  }
});

test('tshark reads our pcap: same Call-IDs, methods and status codes as the source captures; all checksums good', async (t) => {
  const why = toolMissing('tshark');
  if (why !== undefined) return t.skip(why);
  const { records } = await fixtureRecords();
  const out = join(dir, 'tshark.pcap');
  await writePcap(records, out);
  const want = FIXTURES.flatMap((f) => parseTsharkRows(readFileSync(vector(`${f}.tshark.txt`), 'utf8'), true)).map(noFrame);
  assert.deepEqual(tsharkRows(out).map(noFrame), want);
  const checks = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];
  const st = execFileSync('tshark', [...checks, '-r', out, '-T', 'fields', '-e', 'ip.checksum.status', '-e', 'udp.checksum.status', '-e', 'tcp.checksum.status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const statuses = st.split(/\s+/).filter((s) => s !== '');
  // IPv4 frames show the IP and the UDP/TCP status, IPv6 frames only the latter: 24 + 24 + 24.
  assert.equal(statuses.length, 72);
  assert.ok(statuses.every((s) => s === '1'), 'every checksum verifies (status 1 = Good)');
  const warn = execFileSync('tshark', [...checks, '-r', out, '-Y', '_ws.expert.severity >= "Warning"'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.equal(warn, '');
});

function bigRecords(): ClfRecord[] {
  const list: ClfRecord[] = [];
  const addrs = [
    ['192.0.2.1:5060', '192.0.2.2:5060'],
    ['[2001:db8::1]:5060', '[2001:db8::2]:5060'],
  ];
  let n = 0;
  for (const [src, dst] of addrs) {
    for (const transport of ['U', 'T'] as const) {
      const msg = sipText(`big-${++n}`, 3000);
      list.push(recordFromMessage(parseMessage(msg), { timestamp: 1_700_000_000_000 + n, direction: 'R', transport, encrypted: false, retransmission: 'O', source: src ?? '', destination: dst ?? '' }));
    }
  }
  return list;
}

test('messages beyond the MTU: IP fragments (UDP) or MSS segments (TCP) that our reader and tshark reassemble; or jumbo frames', async (t) => {
  const recs = bigRecords();
  const out = join(dir, 'big.pcap');
  const sum = await writePcap(recs, out);
  assert.equal(sum.frames, 12); // 3 frames each (IPv4/IPv6 fragments, TCP segments)
  assert.deepEqual((await collect(out)).sip.map(rowOf).map(noFrame), recs.map((_, i) => ({ callId: `big-${i + 1}`, method: 'OPTIONS', status: '' })));
  const jumbo = join(dir, 'jumbo.pcap');
  assert.equal((await writePcap(recs, jumbo, { fragment: false })).frames, 4);
  assert.equal((await collect(jumbo)).sip.length, 4);
  const why = toolMissing('tshark');
  if (why !== undefined) return t.skip(why);
  assert.deepEqual(tsharkRows(out).map((r) => r.callId), ['big-1', 'big-2', 'big-3', 'big-4']);
});

test('sngrep opens our pcap: it saves every SIP packet back (sngrep -N -I out.pcap -O check.pcap)', async (t) => {
  const why = toolMissing('sngrep');
  if (why !== undefined) return t.skip(why);
  const { records } = await fixtureRecords();
  const out = join(dir, 'sngrep.pcap');
  const sum = await writePcap(records, out);
  const check = join(dir, 'check.pcap');
  // sngrep needs stdin that is not a terminal with -N, and prints "Dialog count: N".
  const text = execFileSync('timeout', ['30', 'sngrep', '-N', '-I', out, '-O', check], { cwd: dir, encoding: 'utf8', input: '', stdio: ['pipe', 'pipe', 'pipe'] });
  const dialogs = new Set(records.map((r) => r.callId)).size;
  assert.match(text, new RegExp(`Dialog count: ${dialogs}\\b`));
  const saved = (await collect(check)).sip;
  assert.equal(saved.length, sum.frames);
  // Fragmented and segmented messages too.
  const big = join(dir, 'sngrep-big.pcap');
  await writePcap(bigRecords(), big);
  const text2 = execFileSync('timeout', ['30', 'sngrep', '-N', '-I', big, '-O', join(dir, 'check-big.pcap')], { cwd: dir, encoding: 'utf8', input: '' });
  assert.match(text2, /Dialog count: 4\b/);
});

test('skip rules: no Tag 02, addresses that are not ip:port; truncated Tag 02 noted (TCP one as UDP); SCTP as UDP', () => {
  const base = recordFromMessage(parseMessage(sipText('s')), { timestamp: 1000, direction: 'S', transport: 'U', encrypted: false, retransmission: 'O', source: '10.0.0.1:5060', destination: '10.0.0.2:5060' });
  const enc = new PcapEncoder();
  assert.equal(enc.fileHeader().length, 24);
  assert.equal(enc.record({ ...base, optional: [] }).length, 0);
  assert.equal(enc.record({ ...base, source: 'proxy.example.com:5060' }).length, 0);
  assert.equal(enc.record({ ...base, destination: null }).length, 0);
  const marker = { tag: 11, vendor: 32473, base64: false, value: '02@00000000 9000' };
  assert.ok(enc.record({ ...base, transport: 'T', optional: [...base.optional, marker] }).length > 0);
  assert.ok(enc.record({ ...base, transport: 'S' }).length > 0);
  assert.ok(enc.record({ ...base, source: '10.0.0.1:5060', destination: '[2001:db8::9]:5060' }).length > 0);
  const s = enc.summary;
  assert.deepEqual([s.records, s.messages, s.noMessage, s.badAddress, s.truncated, s.asUdp], [6, 3, 1, 2, 1, 2]);
  assert.ok(s.notes.some((n) => n.includes('CAPTURE_BAD_ADDRESS')) && s.notes.some((n) => n.includes('truncated')));
});
