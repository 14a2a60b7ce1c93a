#!/usr/bin/env node
// SIP CLF read micro-benchmark: MB/s of readRecords (src/logfile/reader.ts) over a generated log, against
// `grep -F` on the same file — the target is `sipclf grep --call-id X` within 1.5x of `grep -F X`.
// Reads dist/ (run `npm run build` first):
//   node benchmarks/clf-read.mjs [--records 200000] [--rounds 3] [--keep]
// The log holds N records, each with a Tag 02 whole ~1 KB SIP message (RFC 6873 §4.4) and its own
// Call-ID; the searched Call-ID is that of the middle record, so both tools find exactly one match. Cases:
//   grep -F        grep -F -c X FILE (LC_ALL=C), the baseline
//   grep --call-id readRecords with matchField('callId', X) (contains + pointer filter), frame validation
//   scan all       readRecords yielding every record (substring per record), frame validation
//   full decode    readRecords with validate 'full' (decodeRecord per record), no filter
// Each case runs after one warm-up read (page cache); the median of the rounds is printed.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { encodeRecord } = await import(pathToFileURL(path.join(ROOT, 'dist/src/clf/encode.js')).href);
const { readRecords, matchField } = await import(pathToFileURL(path.join(ROOT, 'dist/src/logfile/reader.js')).href);

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('records', 200_000);
const ROUNDS = arg('rounds', 3);
const KEEP = process.argv.includes('--keep');

const message = (i) =>
  [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds' + i + ';rport',
    'Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    `Call-ID: ${i}-a84b4c76e66710@pc33.atlanta.example.com`,
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>',
    'Record-Route: <sip:p1.example.com;lr>',
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE, PRACK',
    'Supported: replaces, timer, 100rel',
    'User-Agent: sipclf-bench/1.0',
    'Content-Type: application/sdp',
    'Content-Length: 226',
    '',
    'v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\n' +
      'm=audio 49172 RTP/AVP 0 8 97\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:97 iLBC/8000\r\na=sendrecv\r\n',
  ].join('\r\n');

const record = (i) =>
  encodeRecord({
    timestamp: 1_700_000_000_000 + i,
    isRequest: true,
    retransmission: 'O',
    direction: 'R',
    transport: 'U',
    encrypted: false,
    cseq: '314159 INVITE',
    status: null,
    requestUri: 'sip:bob@biloxi.example.com',
    destination: '192.0.2.4:5060',
    source: '192.0.2.101:5060',
    toUri: 'sip:bob@biloxi.example.com',
    toTag: null,
    fromUri: 'sip:alice@atlanta.example.com',
    fromTag: '1928301774',
    callId: `${i}-a84b4c76e66710@pc33.atlanta.example.com`,
    serverTxn: `S${i}`,
    clientTxn: `C${i}`,
    optional: [{ tag: 2, vendor: 0, base64: false, value: message(i).replaceAll('\r\n', '%0D%0A') }],
  });

const dir = mkdtempSync(path.join(os.tmpdir(), 'sipclf-read-'));
const file = path.join(dir, 'bench.clf');
const fd = openSync(file, 'w');
for (let i = 0; i < N; ) {
  let batch = '';
  for (let k = 0; k < 1000 && i < N; k++, i++) batch += record(i);
  writeSync(fd, Buffer.from(batch, 'latin1'));
}
closeSync(fd);
const size = statSync(file).size;
const MB = size / 1e6;
const needle = `${N >> 1}-a84b4c76e66710@pc33.atlanta.example.com`;

function time(fn) {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return r instanceof Promise ? r.then((v) => [Number(process.hrtime.bigint() - t0) / 1e9, v]) : [Number(process.hrtime.bigint() - t0) / 1e9, r];
}
async function bench(name, fn) {
  await fn(); // warm-up: page cache and JIT
  const secs = [];
  let out;
  for (let r = 0; r < ROUNDS; r++) {
    const [s, v] = await time(fn);
    secs.push(s);
    out = v;
  }
  secs.sort((a, b) => a - b);
  const med = secs[secs.length >> 1];
  console.log(`${name.padEnd(16)} ${(MB / med).toFixed(0).padStart(6)} MB/s  ${med.toFixed(3)} s  -> ${out}`);
  return med;
}
const count = async (opts) => {
  let n = 0;
  for await (const ev of readRecords(file, opts)) if (ev.type === 'record') n++;
  return n;
};

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`${N} records, ${MB.toFixed(1)} MB (${Math.round(size / N)} B/record): ${file}`);
const grep = await bench('grep -F', () =>
  execFileSync('grep', ['-F', '-c', needle, file], { env: { ...process.env, LC_ALL: 'C' } }).toString().trim(),
);
const ours = await bench('grep --call-id', () => count(matchField('callId', needle)));
await bench('scan all', () => count({}));
await bench('full decode', () => count({ validate: 'full', filter: () => false }));
console.log(`grep --call-id / grep -F time ratio: ${(ours / grep).toFixed(2)} (target <= 1.5)`);
if (KEEP) console.log(`kept ${file}`);
else rmSync(dir, { recursive: true, force: true });
