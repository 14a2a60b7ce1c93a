// Viewpoint: --entity parsing, and a proxy in the middle (A → P → B and back) logged from P's point of view:
// directions, Server-Txn/Client-Txn from the Via branches (RFC 6872 §9), retransmissions flagged D.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeRecord, recordLengthAt } from '../../src/clf/decode.js';
import type { ClfRecord } from '../../src/clf/record.js';
import { PcapEncoder } from '../../src/capture/pcap-write.js';
import { parseEntity } from '../../src/capture/viewpoint.js';
import { runCli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sipclf-viewpoint-'));

function records(path: string): ClfRecord[] {
  const text = readFileSync(path).toString('latin1');
  const out: ClfRecord[] = [];
  for (let off = 0; off < text.length; off += recordLengthAt(text, off)) out.push(decodeRecord(text, off));
  return out;
}

const A = { ip: '192.0.2.1', port: 5060 };
const P = { ip: '192.0.2.10', port: 5060 };
const B = { ip: '192.0.2.20', port: 5060 };
const VA = 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKaaa';
const VP = 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKppp';

function msg(start: string, vias: string[], cseq: string, extra = ''): Buffer {
  return Buffer.from(
    `${start}\r\n${vias.map((v) => `Via: ${v}\r\n`).join('')}From: <sip:a@example.com>;tag=fa\r\nTo: <sip:b@example.com>${start.startsWith('SIP/') ? ';tag=tb' : ''}\r\n` +
      `Call-ID: vp-1@example.com\r\nCSeq: ${cseq}\r\nMax-Forwards: 70\r\n${extra}Content-Length: 0\r\n\r\n`,
    'latin1',
  );
}

/** A pcap being built: `send` adds one UDP message 1 ms after the last; `save` writes it to `dir`/`name`. */
function capture(): { send: (src: typeof A, dst: typeof A, bytes: Buffer) => void; save: (name: string) => string } {
  const enc = new PcapEncoder();
  const parts: Buffer[] = [enc.fileHeader()];
  let t = 1_800_000_000_000_000_000n;
  return {
    send: (src, dst, bytes) => {
      t += 1_000_000n;
      parts.push(enc.message({ tsNs: t, transport: 'udp', src, dst, bytes }));
    },
    save: (name) => {
      const f = join(dir, name);
      writeFileSync(f, Buffer.concat(parts));
      return f;
    },
  };
}

function proxyCapture(): string {
  const { send, save } = capture();
  const invite = msg('INVITE sip:b@example.com SIP/2.0', [VA], '1 INVITE');
  send(A, P, invite); // 1 A→P
  send(A, P, invite); // 2 A→P retransmission
  send(P, B, msg('INVITE sip:b@example.com SIP/2.0', [VP, VA], '1 INVITE')); // 3 P→B
  send(B, P, msg('SIP/2.0 200 OK', [VP, VA], '1 INVITE')); // 4 B→P
  send(P, A, msg('SIP/2.0 200 OK', [VA], '1 INVITE')); // 5 P→A
  send(A, B, msg('OPTIONS sip:b@example.com SIP/2.0', ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKopt'], '7 OPTIONS')); // 6 not P's
  return save('proxy.pcap');
}

describe('viewpoint', () => {
  it('parses --entity lists (IPv4, IPv6, ports) and refuses names', () => {
    assert.deepEqual(parseEntity('192.0.2.10:5060,[2001:DB8::0:1]:5061,::1,10.0.0.1'), [
      { ip: '192.0.2.10', port: 5060 },
      { ip: '2001:db8::1', port: 5061 },
      { ip: '::1' },
      { ip: '10.0.0.1' },
    ]);
    assert.throws(() => parseEntity('proxy.example.com'), /CLI_USAGE|not an IP/);
    assert.throws(() => parseEntity('1.2.3.4:99999'), /port/);
    assert.throws(() => parseEntity(','), /at least one/);
  });

  it('a proxy in the middle: directions, transaction ids and retransmissions from its point of view', async () => {
    const pcap = proxyCapture();
    const out = join(dir, 'p.clf');
    const r = await runCli(['convert', pcap, '-o', out, '--entity', '192.0.2.10:5060']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /viewpoint: entity 192\.0\.2\.10:5060/);
    assert.match(r.stderr, /not-entity 1/);
    const got = records(out).map((x) => [x.isRequest ? 'req' : x.status, x.direction, x.retransmission, x.serverTxn, x.clientTxn]);
    assert.deepEqual(got, [
      ['req', 'R', 'O', 'z9hG4bKaaa', null], // INVITE received: Server-Txn = top Via
      ['req', 'R', 'D', 'z9hG4bKaaa', null], // its retransmission
      ['req', 'S', 'O', 'z9hG4bKaaa', 'z9hG4bKppp'], // forwarded: Client-Txn = own branch, Server-Txn = 2nd Via
      ['200', 'R', 'O', 'z9hG4bKaaa', 'z9hG4bKppp'], // response received: mirror
      ['200', 'S', 'O', 'z9hG4bKaaa', 'z9hG4bKppp'], // response forwarded: Client-Txn learned from the received one
    ]);
  });

  it('responses of one transaction told apart by To tag (forked branches) and RSeq (RFC 3262), a true repeat still D', async () => {
    const { send, save } = capture();
    const res = (start: string, tag: string, extra = ''): Buffer => Buffer.from(msg(start, [VA], '1 INVITE', extra).toString('latin1').replace(';tag=tb', `;tag=${tag}`), 'latin1');
    send(P, A, res('SIP/2.0 180 Ringing', 'b1')); // branch 1 rings
    send(P, A, res('SIP/2.0 180 Ringing', 'b2')); // branch 2 rings: another response
    send(P, A, res('SIP/2.0 180 Ringing', 'b2')); // its retransmission
    send(P, A, res('SIP/2.0 183 Session Progress', 'b1', 'RSeq: 1\r\n'));
    send(P, A, res('SIP/2.0 183 Session Progress', 'b1', 'RSeq: 2\r\n')); // the next reliable provisional
    send(P, A, res('SIP/2.0 200 OK', 'b1'));
    send(P, A, res('SIP/2.0 200 OK', 'b2')); // a second 2xx from the other branch
    const f = save('fork.pcap');
    const out = join(dir, 'fork.clf');
    const r = await runCli(['convert', f, '-o', out, '--entity', '192.0.2.10:5060']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(records(out).map((x) => [x.status, x.toTag, x.retransmission]), [
      ['180', 'b1', 'O'],
      ['180', 'b2', 'O'],
      ['180', 'b2', 'D'],
      ['183', 'b1', 'O'],
      ['183', 'b1', 'O'],
      ['200', 'b1', 'O'],
      ['200', 'b2', 'O'],
    ]);
  });

  it('the UAC end: one Via, so no Server-Txn on what it sends; any port of the address matches', async () => {
    const pcap = proxyCapture();
    const out = join(dir, 'a.clf');
    const r = await runCli(['convert', pcap, '-o', out, '--entity', '192.0.2.1']);
    assert.equal(r.code, 0, r.stderr);
    const got = records(out).map((x) => [x.isRequest ? String(x.cseq) : x.status, x.direction, x.retransmission, x.serverTxn, x.clientTxn]);
    assert.deepEqual(got, [
      ['1 INVITE', 'S', 'O', null, 'z9hG4bKaaa'],
      ['1 INVITE', 'S', 'D', null, 'z9hG4bKaaa'],
      ['200', 'R', 'O', null, 'z9hG4bKaaa'],
      ['7 OPTIONS', 'S', 'O', null, 'z9hG4bKopt'],
    ]);
  });

  it('RFC 2543 requests (no Via branch) are told apart by their bytes: a byte-identical repeat is D, a changed one O', async () => {
    const enc = new PcapEncoder();
    const parts: Buffer[] = [enc.fileHeader()];
    let t = 1_800_000_000_000_000_000n;
    const send = (bytes: Buffer): void => {
      t += 1_000_000n;
      parts.push(enc.message({ tsNs: t, transport: 'udp', src: A, dst: P, bytes }));
    };
    const old = msg('OPTIONS sip:b@example.com SIP/2.0', ['SIP/2.0/UDP 192.0.2.1:5060'], '1 OPTIONS');
    send(old);
    send(old);
    send(msg('OPTIONS sip:b@example.com SIP/2.0', ['SIP/2.0/UDP 192.0.2.1:5060'], '2 OPTIONS'));
    const f = join(dir, 'rfc2543.pcap');
    writeFileSync(f, Buffer.concat(parts));
    const out = join(dir, 'rfc2543.clf');
    const r = await runCli(['convert', f, '-o', out, '--entity', '192.0.2.10:5060']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(records(out).map((x) => [x.cseq, x.retransmission, x.serverTxn]), [
      ['1 OPTIONS', 'O', null],
      ['1 OPTIONS', 'D', null],
      ['2 OPTIONS', 'O', null],
    ]);
  });

  it('neutral (no --entity): every message once, as received by its destination', async () => {
    const pcap = proxyCapture();
    const out = join(dir, 'n.clf');
    const r = await runCli(['convert', pcap, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /neutral capture — every message is logged once, as received by its destination/);
    const recs = records(out);
    assert.equal(recs.length, 6);
    assert.ok(recs.every((x) => x.direction === 'R' && x.retransmission === 'S' && x.serverTxn === null && x.clientTxn === null));
  });
});
