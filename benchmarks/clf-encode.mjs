#!/usr/bin/env node
// SIP CLF encode micro-benchmark: records/s of encodeRecordInto (src/clf/encode-into.ts) and encodeRecord
// (src/clf/encode.ts) for a record carrying a Tag 02 whole ~1 KB SIP message, on one core. Reads dist/
// (build first: `npx tsc -p tsconfig.json`):
//   node benchmarks/clf-encode.mjs [--ms 1000] [--rounds 5]
// Five cases are timed, each reported as the median of its rounds (rounds interleaved across the cases):
//   encodeInto        encodeRecordInto with the Tag 02 field already built, into a reused Buffer: records
//                     encoded to the bytes a log writer writes (the figure compared with the 1,000,000 target)
//   encode            encodeRecord with the Tag 02 field already built (the record string is a rope)
//   encode+flatten    the same, then written into a Buffer with latin1Write (what a writer of strings pays)
//   field+encodeInto  messageField(message, bytes) + encodeRecordInto (the whole per-message cost)
//   field+encode      messageField(message, bytes) + encodeRecord
//   octet+encodeInto  octetMessageField(bytes) + encodeRecordInto: the per-message cost of the proxy, the UA
//                     and capture (src/clf/octet-field.ts: the Value written from the octets, no string)
// Each case reports wall-clock records/s and records per CPU-second of this process (process.cpuUsage):
// on a busy machine the CPU-time figure is the steadier one. The load average is printed alongside.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { encodeRecord } = await import(pathToFileURL(path.join(ROOT, 'dist/src/clf/encode.js')).href);
const { encodeRecordInto } = await import(pathToFileURL(path.join(ROOT, 'dist/src/clf/encode-into.js')).href);
const { messageField } = await import(pathToFileURL(path.join(ROOT, 'dist/src/clf/optional.js')).href);
const { octetMessageField } = await import(pathToFileURL(path.join(ROOT, 'dist/src/clf/octet-field.js')).href);

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUND_MS = arg('ms', 1000);
const ROUNDS = arg('rounds', 5);

const sdp =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\n' +
  'm=audio 49172 RTP/AVP 0 8 97\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:97 iLBC/8000\r\na=sendrecv\r\n';
let message =
  'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n' +
  'Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n' +
  'Max-Forwards: 70\r\n' +
  'To: Bob <sip:bob@biloxi.example.com>\r\n' +
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n' +
  'CSeq: 314159 INVITE\r\n' +
  'Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>\r\n' +
  'Record-Route: <sip:p1.example.com;lr>\r\n' +
  'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE, PRACK\r\n' +
  'Supported: replaces, timer, 100rel\r\n' +
  'User-Agent: Example-UA/1.0\r\n' +
  'Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2\r\n' +
  'Content-Type: application/sdp\r\n' +
  `Content-Length: ${sdp.length}\r\n\r\n` +
  sdp;
while (message.length < 1000) message = message.replace('User-Agent: Example-UA/1.0', 'User-Agent: Example-UA/1.0 (padding padding)');
const bytes = Buffer.from(message, 'latin1');
const field = messageField(message, bytes).field;

const base = {
  timestamp: 1328821153010,
  isRequest: true,
  retransmission: 'O',
  direction: 'R',
  transport: 'U',
  encrypted: false,
  cseq: '314159 INVITE',
  status: null,
  requestUri: 'sip:bob@biloxi.example.com',
  destination: '192.0.2.10:5060',
  source: '192.0.2.200:56485',
  toUri: 'sip:bob@biloxi.example.com',
  toTag: null,
  fromUri: 'sip:alice@atlanta.example.com',
  fromTag: '1928301774',
  callId: 'a84b4c76e66710@pc33.atlanta.example.com',
  serverTxn: 'z9hG4bK776asdhds',
  clientTxn: 'z9hG4bK77ef4c2312983.1',
  optional: [field],
};
// Distinct records (timestamps and tags vary) so nothing is constant-folded.
const records = Array.from({ length: 1024 }, (_, i) => ({ ...base, timestamp: base.timestamp + i * 7, fromTag: `tag${i}` }));
const out = Buffer.allocUnsafe(1 << 16);

// One 64 KiB Buffer: records are encoded one after another into it, and encoding wraps to offset 0 when the
// next record does not fit. This measures encoding alone into warm, already-touched memory; it is not what
// ClfWriter.writeRecord does (writer-slab.ts leaves a full slab to its queued segments and allocates a new
// one, whose allocation and first touch are not included here).
let at = 0;
const into = (r) => {
  let n = encodeRecordInto(r, out, at);
  if (n < 0) {
    at = 0;
    n = encodeRecordInto(r, out, at);
  }
  at += n;
  return n;
};

{
  // Both encoders must write the same bytes, or the comparison means nothing.
  const n = into(records[0]);
  if (!out.subarray(at - n, at).equals(Buffer.from(encodeRecord(records[0]), 'latin1'))) throw new Error('encodeRecordInto and encodeRecord disagree');
  const m = into({ ...records[0], optional: [octetMessageField(bytes)] });
  if (!out.subarray(at - m, at).equals(Buffer.from(encodeRecord(records[0]), 'latin1'))) throw new Error('the octets path and encodeRecord disagree');
}

const cases = {
  encodeInto: into,
  encode: (r) => encodeRecord(r).length,
  'encode+flatten': (r) => out.latin1Write(encodeRecord(r), 0),
  'field+encodeInto': (r) => into({ ...r, optional: [messageField(message, bytes).field] }),
  'field+encode': (r) => encodeRecord({ ...r, optional: [messageField(message, bytes).field] }).length,
  'octet+encodeInto': (r) => into({ ...r, optional: [octetMessageField(bytes)] }),
};

function round(fn) {
  let n = 0;
  let sink = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(ROUND_MS) * 1_000_000n;
  let now = t0;
  while (now < deadline) {
    for (let i = 0; i < 1024; i++) sink += fn(records[i]);
    n += 1024;
    now = process.hrtime.bigint();
  }
  const c = process.cpuUsage(c0);
  if (sink === -1) console.log('');
  return { wall: n / (Number(now - t0) / 1e9), cpu: n / ((c.user + c.system) / 1e6) };
}

const fmt = (x) => Math.round(x).toLocaleString('en-US').padStart(12);
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`record with Tag 02 message of ${message.length} bytes: ${encodeRecord(records[0]).length} bytes encoded`);
// Rounds are interleaved (round 1 of every case, then round 2 …) so that a burst of load from other
// processes falls on all cases alike instead of on whichever case was running.
const entries = Object.entries(cases);
for (const [, fn] of entries) round(fn); // warm-up
const rs = entries.map(() => []);
for (let k = 0; k < ROUNDS; k++) entries.forEach(([, fn], i) => rs[i].push(round(fn)));
entries.forEach(([name], i) => {
  const median = (key) => rs[i].map((r) => r[key]).sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
  console.log(`${name.padEnd(17)} ${fmt(median('wall'))} records/s wall, ${fmt(median('cpu'))} per CPU-second (median of ${ROUNDS} × ${ROUND_MS} ms)`);
});
