// Hostile traffic at the real `sipclf proxy` CLI while SIPp makes good calls through it (SECURITY.md: SIP from
// the network is untrusted). During the calls the test sends, from its own sockets on loopback:
//
// - UDP: random-byte datagrams, an INVITE truncated at many points (in the start line, the headers, the body),
//   a header line over maxLineBytes, more header lines than maxHeaders, and requests without mandatory headers;
// - TCP, one connection each: a Content-Length over maxMessageBytes, an endless start line, a message without
//   Content-Length (RFC 3261 §18.3: mandatory on streams);
// - when `svmap` (Debian `sipvicious`) is installed: an svmap scan of the proxy (OPTIONS from
//   "friendly-scanner"), which the proxy answers 404 (127.0.0.1 is its domain, nobody is registered).
//
// Checked: every good call succeeds (SIPp exit 0), the proxy is alive afterwards (/health) and exits 0 on
// SIGTERM, each TCP connection was closed by the proxy, and /metrics counts the rejected input per code
// exactly as this project's parser classifies each datagram in-process (parseMessage, then the RFC 3261 §8.1.1
// mandatory headers the transport checks) — so a datagram the proxy silently lost or miscounted fails the test.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { SipParseError } from '../../src/errors.js';
import { parseMessage } from '../../src/sip/parser.js';
import { freePort, missingTools, SIPP, sippOk, sleep, start, startProxy, stopProxy, waitFor, withDir, type Run } from './peers.js';

const CALLS = 30;

function svmapMissing(): boolean {
  return spawnSync('sh', ['-c', 'command -v svmap'], { encoding: 'utf8' }).status !== 0;
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
/** A valid INVITE (checked below): the datagrams are made from it by cutting, inserting and removing lines. */
const INVITE = [
  'INVITE sip:service@127.0.0.1 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-hostile-1',
  'Max-Forwards: 70',
  'From: <sip:mallory@127.0.0.1>;tag=h1',
  'To: <sip:service@127.0.0.1>',
  'Call-ID: hostile-1@127.0.0.1',
  'CSeq: 1 INVITE',
  'Contact: <sip:mallory@127.0.0.1:9>',
  'Content-Type: application/sdp',
  `Content-Length: ${SDP.length}`,
  '',
  SDP,
].join('\r\n');

/** The hostile datagrams: random bytes, truncations, oversize lines, too many headers, missing headers. */
function hostileDatagrams(): Buffer[] {
  assert.equal(expectedCode(Buffer.from(INVITE, 'latin1')), undefined, 'the base INVITE is valid');
  const out: Buffer[] = [];
  for (let i = 0; i < 400; i++) out.push(randomBytes(1 + Math.floor(Math.random() * 1400)));
  const invite = Buffer.from(INVITE, 'latin1');
  for (let cut = 3; cut < invite.length; cut += 11) out.push(invite.subarray(0, cut));
  const lines = INVITE.split('\r\n');
  const withHeader = (h: string): Buffer => Buffer.from([...lines.slice(0, 2), h, ...lines.slice(2)].join('\r\n'), 'latin1');
  for (let i = 0; i < 5; i++) out.push(withHeader(`Subject: ${'x'.repeat(9000 + i)}`));
  for (let i = 0; i < 5; i++) out.push(withHeader(Array.from({ length: 300 }, (_, k) => `X-H${k}: ${i}`).join('\r\n')));
  for (const drop of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) out.push(Buffer.from(lines.filter((l) => !l.startsWith(`${drop}:`)).join('\r\n'), 'latin1'));
  return out;
}

/** What the proxy's transport counts for one datagram (src/transport/receive.ts), or undefined when nothing. */
function expectedCode(b: Buffer): string | undefined {
  if (b.every((x) => x === 0x0d || x === 0x0a)) return undefined; // CRLF keep-alive datagram
  try {
    const m = parseMessage(b);
    return m.topVia === undefined || m.from() === undefined || m.to() === undefined || m.callId === undefined || m.cseq === undefined ? 'SIP_MISSING_HEADER' : undefined;
  } catch (e) {
    if (e instanceof SipParseError) return e.code;
    return 'SIP_MISSING_HEADER'; // a lazy header that does not parse: the transport sees it as absent
  }
}

/**
 * Sends the datagrams in batches of 25; after each batch waits until the proxy's parse-error total has grown
 * by what the batch should add (`counted()`), so a batch never lands on a receive buffer still full of the last
 * one: a datagram the kernel dropped would otherwise look like one the proxy failed to count. A batch whose
 * errors are not all counted within 5 s fails the test.
 */
async function sendUdp(port: number, datagrams: readonly Buffer[], counted: () => Promise<number>, base: number): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  s.on('message', () => undefined); // error responses (400/513) come back here; not checked
  let expected = base;
  try {
    for (let i = 0; i < datagrams.length; i += 25) {
      const batch = datagrams.slice(i, i + 25);
      for (const d of batch) await new Promise<void>((r, j) => s.send(d, port, '127.0.0.1', (err) => (err ? j(err) : r())));
      expected += batch.filter((d) => expectedCode(d) !== undefined).length;
      let now = await counted();
      for (let k = 0; k < 100 && now < expected; k++) {
        await sleep(50);
        now = await counted();
      }
      assert.equal(now, expected, `parse errors counted after datagram ${i + batch.length} of ${datagrams.length}`);
    }
  } finally {
    s.close();
  }
}

/** One TCP connection sending `bytes`; resolves true when the proxy closes it (RFC 3261 §18.3), false after 5 s. */
function sendTcp(port: number, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1', () => c.write(bytes));
    const timer = setTimeout(() => {
      c.destroy();
      resolve(false);
    }, 5000);
    c.on('data', () => undefined);
    c.on('error', () => undefined);
    c.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const TCP_CASES: readonly (readonly [string, Buffer])[] = [
  ['SIP_LIMIT_MESSAGE_SIZE', Buffer.from(INVITE.replace(/Content-Length: \d+/, 'Content-Length: 10000000'), 'latin1')],
  ['SIP_LIMIT_LINE_LENGTH', Buffer.from(`INVITE sip:${'a'.repeat(9000)}`, 'latin1')],
  ['SIP_MISSING_CONTENT_LENGTH', Buffer.from(INVITE.replace(/Content-Length: \d+\r\n/, '').split('\r\n\r\n')[0] + '\r\n\r\n', 'latin1')],
];

async function scrape(url: string): Promise<string> {
  const r = await fetch(url);
  assert.equal(r.status, 200);
  return r.text();
}

function series(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}\\{code="([A-Z_]+)"\\} (\\d+)$`, 'gm'))) out.set(String(m[1]), Number(m[2]));
  return out;
}

async function hostile(t: TestContext, withSvmap: boolean): Promise<void> {
  await withDir('sipclf-hostile-', async (dir, runs: Run[]) => {
    const uasPort = await freePort();
    const proxy = await startProxy(runs, dir, [
      '--listen', 'udp:127.0.0.1:0', '--listen', 'tcp:127.0.0.1:0', '--domain', '127.0.0.1', '--route', `user:service=127.0.0.1:${uasPort}`, '--metrics', '127.0.0.1:0',
    ]);
    const tcpPort = Number((await waitFor(proxy.run, /listening on tcp:127\.0\.0\.1:(\d+)/, 5000))[1]);
    const metrics = String((await waitFor(proxy.run, /metrics on (http:\/\/\S+)\/metrics/, 5000))[1]);
    const bounds = ['-nostdin', '-m', String(CALLS), '-timeout', '40s', '-timeout_error'];
    const uas = start('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(uasPort), ...bounds], dir, 50);
    runs.push(uas);
    await sleep(700);
    const uac = start('sipp', ['-sn', 'uac', '-s', 'service', `127.0.0.1:${proxy.port}`, '-i', '127.0.0.1', '-p', String(await freePort()), '-r', '10', ...bounds, '-recv_timeout', '10000'], dir, 50);
    runs.push(uac);
    await sleep(500);

    const svmap = withSvmap ? start('svmap', ['-b', '127.0.0.1', '-P', String(await freePort()), `-p${proxy.port}`, '127.0.0.1', '-v'], dir, 30) : undefined;
    if (svmap !== undefined) runs.push(svmap);
    const datagrams = hostileDatagrams();
    const closed = await Promise.all(TCP_CASES.map(([, b]) => sendTcp(tcpPort, b)));
    const parseErrors = async (): Promise<number> => [...series(await scrape(`${metrics}/metrics`), 'sipclf_proxy_parse_errors_total').values()].reduce((x, y) => x + y, 0);
    await sendUdp(proxy.port, datagrams, parseErrors, await parseErrors());

    await sippOk(uac, CALLS, 'sipp uac', `proxy:\n${proxy.run.out}`);
    await sippOk(uas, CALLS, 'sipp uas');
    if (svmap !== undefined) {
      const code = await svmap.done;
      assert.equal(code, 0, `svmap exit ${String(code)}:\n${svmap.out}`);
      assert.match(svmap.out, new RegExp(`127\\.0\\.0\\.1:${proxy.port}`), `svmap found the proxy:\n${svmap.out}`);
    }
    assert.deepEqual(closed, TCP_CASES.map(() => true), 'the proxy closed every broken TCP stream');

    assert.equal(proxy.run.child.exitCode, null, 'the proxy is still running');
    const health = JSON.parse(await scrape(`${metrics}/health`)) as Record<string, unknown>;
    assert.equal(health['status'], 'ok', JSON.stringify(health));
    const text = await scrape(`${metrics}/metrics`);
    const expected = new Map<string, number>();
    for (const d of datagrams) {
      const c = expectedCode(d);
      if (c !== undefined) expected.set(c, (expected.get(c) ?? 0) + 1);
    }
    for (const [c] of TCP_CASES) expected.set(c, (expected.get(c) ?? 0) + 1);
    const counted = series(text, 'sipclf_proxy_parse_errors_total');
    assert.deepEqual(Object.fromEntries([...counted].sort()), Object.fromEntries([...expected].sort()), 'parse errors per code: counted by the proxy vs classified in-process');
    const errors = series(text, 'sipclf_proxy_errors_total');
    if (withSvmap) assert.ok((errors.get('PROXY_NOT_FOUND') ?? 0) >= 1, `svmap's OPTIONS answered 404: ${JSON.stringify([...errors])}`);
    await stopProxy(proxy);
    if (!withSvmap) t.diagnostic('svmap is not installed (apt-get install -y --no-install-recommends sipvicious): no scan in this run');
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(`${datagrams.length} hostile datagrams + ${TCP_CASES.length} broken TCP streams${withSvmap ? ' + svmap' : ''}; ${total} parse errors counted (${[...expected].map(([c, n]) => `${c} ${n}`).join(', ')}); ${CALLS}/${CALLS} good calls`);
  });
}

describe('hostile traffic at sipclf proxy during good SIPp calls', () => {
  const missing = missingTools(SIPP);
  const noSvmap = svmapMissing();
  if (noSvmap && process.env['CI'] === 'true') throw new Error('CI: svmap is not installed (apt-get install -y --no-install-recommends sipvicious; .ci/run installs it)');
  it(
    `garbage, truncated and oversize input${noSvmap ? '' : ' and an svmap scan'}: ${CALLS} good calls succeed, the proxy lives and counts every error`,
    { skip: missing ?? false, timeout: 60_000 },
    (t) => hostile(t, !noSvmap),
  );
});
