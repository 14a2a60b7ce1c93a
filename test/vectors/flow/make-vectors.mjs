#!/usr/bin/env node
// Writes the CLF logs of test/vectors/flow/ from hand-made SIP messages (run once after `npm run build`;
// the committed logs are the test input, this script documents how they were made):
//   basic/    alice → proxy → bob, a marked call logged by all three, plus an unrelated OPTIONS ping
//   fork/     the proxy forks to bob and carol; bob answers, carol's branch is CANCELled; carol drops
//             the logme marker (a marking error) and does not log the ACK of her 487
//   transfer/ alice–bob call, bob REFERs alice to carol, alice INVITEs carol with the same Session-ID
//             UUID (RFC 8497 Figure 2 style); carol logs nothing (her column is named by her address)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', '..', 'dist', 'src');
const { parseMessage } = await import(join(dist, 'sip', 'parser.js'));
const { recordFromMessage } = await import(join(dist, 'clf', 'from-sip.js'));
const { encodeRecord } = await import(join(dist, 'clf', 'encode.js'));

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const ADDR = { alice: '192.0.2.10:5060', proxy: '192.0.2.1:5060', bob: '192.0.2.20:5060', carol: '192.0.2.30:5060' };
const UA = '2f1e3a4b5c6d4e7f8a9b0c1d2e3f4a5b'; // alice
const UB = '7d6c5b4a39284f1e8d7c6b5a49382716'; // bob
const UC = 'c0ffee00c0ffee004c0f8e00c0ffee00'; // carol
const NIL = '00000000000000000000000000000000';

/** A SIP message from a start line and header lines (Content-Length added). */
function msg(start, headers) {
  return `${start}\r\n${headers.filter((h) => h !== undefined).join('\r\n')}\r\nContent-Length: 0\r\n\r\n`;
}

function sid(local, remote, logme) {
  return `Session-ID: ${local};remote=${remote}${logme ? ';logme' : ''}`;
}

class Logs {
  files = new Map();
  /** `from` sends `text` to `to` at t0+ms; `to` logs it received `lag` ms later (unless told not to). */
  hop(ms, from, to, text, { lag = 2, sender = true, receiver = true } = {}) {
    if (sender) this.log(from, 'S', ms, ADDR[from], ADDR[to], text);
    if (receiver) this.log(to, 'R', ms + lag, ADDR[from], ADDR[to], text);
  }
  log(entity, direction, ms, source, destination, text) {
    const m = parseMessage(Buffer.from(text, 'latin1'));
    const r = recordFromMessage(m, { timestamp: T0 + ms, direction, transport: 'U', encrypted: false, retransmission: 'O', source, destination });
    const list = this.files.get(entity) ?? [];
    list.push({ ms, rec: encodeRecord(r) });
    this.files.set(entity, list);
  }
  write(dir) {
    mkdirSync(join(here, dir), { recursive: true });
    for (const [entity, list] of this.files) {
      list.sort((a, b) => a.ms - b.ms);
      writeFileSync(join(here, dir, `${entity}.clf`), Buffer.from(list.map((x) => x.rec).join(''), 'latin1'));
    }
  }
}

// Headers of a request/response in a dialog, given the Via stack (top first).
function req(method, uri, { via, cid, seq, cseqMethod = method, from, ftag, to, ttag, s, rr, mf = 70, extra = [] }) {
  return msg(`${method} ${uri} SIP/2.0`, [
    ...via.map((v) => `Via: SIP/2.0/UDP ${v}`),
    `Max-Forwards: ${mf}`,
    ...(rr ?? []).map((r) => `Record-Route: <sip:${r};lr>`),
    `From: <sip:${from}@example.com>;tag=${ftag}`,
    `To: <sip:${to}@example.com>${ttag ? `;tag=${ttag}` : ''}`,
    `Call-ID: ${cid}`,
    `CSeq: ${seq} ${cseqMethod}`,
    s,
    ...extra,
  ]);
}

function res(status, reason, { via, cid, seq, cseqMethod, from, ftag, to, ttag, s, rr }) {
  return msg(`SIP/2.0 ${status} ${reason}`, [
    ...via.map((v) => `Via: SIP/2.0/UDP ${v}`),
    ...(rr ?? []).map((r) => `Record-Route: <sip:${r};lr>`),
    `From: <sip:${from}@example.com>;tag=${ftag}`,
    `To: <sip:${to}@example.com>${ttag ? `;tag=${ttag}` : ''}`,
    `Call-ID: ${cid}`,
    `CSeq: ${seq} ${cseqMethod}`,
    s,
  ]);
}

const VA = (b) => `192.0.2.10:5060;branch=z9hG4bK${b}`;
const VP = (b) => `192.0.2.1:5060;branch=z9hG4bK${b}`;
const VB = (b) => `192.0.2.20:5060;branch=z9hG4bK${b}`;

// ---- basic -------------------------------------------------------------------------------------------------
{
  const L = new Logs();
  const d = { cid: 'basic-1@alice.example.com', from: 'alice', ftag: 'a1', to: 'bob' };
  const sa = sid(UA, NIL, true);
  const sb = sid(UB, UA, true);
  const rr = ['192.0.2.1'];
  L.hop(0, 'alice', 'proxy', req('INVITE', 'sip:bob@example.com', { ...d, via: [VA('a1')], seq: 1, s: sa }));
  L.hop(5, 'proxy', 'alice', res(100, 'Trying', { ...d, via: [VA('a1')], seq: 1, cseqMethod: 'INVITE', s: sb.replace(UB, NIL).replace(`remote=${UA}`, `remote=${UA}`) }));
  L.hop(6, 'proxy', 'bob', req('INVITE', 'sip:bob@192.0.2.20', { ...d, via: [VP('p1'), VA('a1')], seq: 1, s: sa, rr, mf: 69 }));
  L.hop(30, 'bob', 'proxy', res(180, 'Ringing', { ...d, via: [VP('p1'), VA('a1')], seq: 1, cseqMethod: 'INVITE', ttag: 'b1', s: sb, rr }));
  L.hop(33, 'proxy', 'alice', res(180, 'Ringing', { ...d, via: [VA('a1')], seq: 1, cseqMethod: 'INVITE', ttag: 'b1', s: sb, rr }));
  L.hop(1200, 'bob', 'proxy', res(200, 'OK', { ...d, via: [VP('p1'), VA('a1')], seq: 1, cseqMethod: 'INVITE', ttag: 'b1', s: sb, rr }));
  L.hop(1203, 'proxy', 'alice', res(200, 'OK', { ...d, via: [VA('a1')], seq: 1, cseqMethod: 'INVITE', ttag: 'b1', s: sb, rr }));
  L.hop(1220, 'alice', 'proxy', req('ACK', 'sip:bob@192.0.2.20', { ...d, via: [VA('a2')], seq: 1, ttag: 'b1', s: sa.replace(NIL, UB) }));
  L.hop(1223, 'proxy', 'bob', req('ACK', 'sip:bob@192.0.2.20', { ...d, via: [VP('p2'), VA('a2')], seq: 1, ttag: 'b1', s: sa.replace(NIL, UB), mf: 69 }));
  // an unrelated keep-alive: a session of its own
  L.hop(2000, 'proxy', 'bob', req('OPTIONS', 'sip:bob@192.0.2.20', { cid: 'ping-1@proxy', from: 'proxy', ftag: 'p9', to: 'bob', via: [VP('p9')], seq: 7 }));
  L.hop(2004, 'bob', 'proxy', res(200, 'OK', { cid: 'ping-1@proxy', from: 'proxy', ftag: 'p9', to: 'bob', ttag: 'b9', via: [VP('p9')], seq: 7, cseqMethod: 'OPTIONS' }));
  const back = { cid: d.cid, from: 'bob', ftag: 'b1', to: 'alice', ttag: 'a1' };
  L.hop(5000, 'bob', 'proxy', req('BYE', 'sip:alice@192.0.2.10', { ...back, via: [VB('b2')], seq: 1, s: sb }));
  L.hop(5003, 'proxy', 'alice', req('BYE', 'sip:alice@192.0.2.10', { ...back, via: [VP('p3'), VB('b2')], seq: 1, s: sb, mf: 69 }));
  L.hop(5010, 'alice', 'proxy', res(200, 'OK', { ...back, via: [VP('p3'), VB('b2')], seq: 1, cseqMethod: 'BYE', s: sa.replace(NIL, UB) }));
  L.hop(5013, 'proxy', 'bob', res(200, 'OK', { ...back, via: [VB('b2')], seq: 1, cseqMethod: 'BYE', s: sa.replace(NIL, UB) }));
  L.write('basic');
}

// ---- fork with CANCEL of the losing branch -------------------------------------------------------------------
{
  const L = new Logs();
  const d = { cid: 'fork-1@alice.example.com', from: 'alice', ftag: 'a1', to: 'bob' };
  const sa = sid(UA, NIL, true);
  const sb = sid(UB, UA, true);
  const sc = sid(UC, UA, false); // carol's UA drops the marker
  const rr = ['192.0.2.1'];
  L.hop(0, 'alice', 'proxy', req('INVITE', 'sip:bob@example.com', { ...d, via: [VA('f1')], seq: 1, s: sa }));
  L.hop(4, 'proxy', 'alice', res(100, 'Trying', { ...d, via: [VA('f1')], seq: 1, cseqMethod: 'INVITE', s: sa }));
  L.hop(5, 'proxy', 'bob', req('INVITE', 'sip:bob@192.0.2.20', { ...d, via: [VP('f1b'), VA('f1')], seq: 1, s: sa, rr, mf: 69 }));
  L.hop(6, 'proxy', 'carol', req('INVITE', 'sip:bob@192.0.2.30', { ...d, via: [VP('f1c'), VA('f1')], seq: 1, s: sa, rr, mf: 69 }));
  L.hop(40, 'carol', 'proxy', res(180, 'Ringing', { ...d, via: [VP('f1c'), VA('f1')], seq: 1, cseqMethod: 'INVITE', ttag: 'c1', s: sc, rr }));
  L.hop(43, 'proxy', 'alice', res(180, 'Ringing', { ...d, via: [VA('f1')], seq: 1, cseqMethod: 'INVITE', ttag: 'c1', s: sc, rr }));
  L.hop(900, 'bob', 'proxy', res(200, 'OK', { ...d, via: [VP('f1b'), VA('f1')], seq: 1, cseqMethod: 'INVITE', ttag: 'b1', s: sb, rr }));
  L.hop(903, 'proxy', 'alice', res(200, 'OK', { ...d, via: [VA('f1')], seq: 1, cseqMethod: 'INVITE', ttag: 'b1', s: sb, rr }));
  L.hop(904, 'proxy', 'carol', req('CANCEL', 'sip:bob@192.0.2.30', { ...d, via: [VP('f1c')], seq: 1, s: sa, mf: 70 }));
  L.hop(910, 'carol', 'proxy', res(200, 'OK', { ...d, via: [VP('f1c')], seq: 1, cseqMethod: 'CANCEL', ttag: 'c1', s: sc }));
  L.hop(911, 'carol', 'proxy', res(487, 'Request Terminated', { ...d, via: [VP('f1c'), VA('f1')], seq: 1, cseqMethod: 'INVITE', ttag: 'c1', s: sc }));
  L.hop(914, 'proxy', 'carol', req('ACK', 'sip:bob@192.0.2.30', { ...d, via: [VP('f1c')], seq: 1, cseqMethod: 'ACK', ttag: 'c1', s: sa }), { receiver: false });
  L.hop(920, 'alice', 'proxy', req('ACK', 'sip:bob@192.0.2.20', { ...d, via: [VA('f2')], seq: 1, ttag: 'b1', s: sa.replace(NIL, UB) }));
  L.hop(923, 'proxy', 'bob', req('ACK', 'sip:bob@192.0.2.20', { ...d, via: [VP('f2'), VA('f2')], seq: 1, ttag: 'b1', s: sa.replace(NIL, UB), mf: 69 }));
  L.write('fork');
}

// ---- transfer: REFER, then a new INVITE with the same Session-ID UUID -----------------------------------------
{
  const L = new Logs();
  const d = { cid: 'xfer-1@alice.example.com', from: 'alice', ftag: 'a1', to: 'bob' };
  const sa = sid(UA, UB, true);
  const sb = sid(UB, UA, true);
  const rr = ['192.0.2.1'];
  L.hop(0, 'alice', 'proxy', req('INVITE', 'sip:bob@example.com', { ...d, via: [VA('x1')], seq: 1, s: sid(UA, NIL, true) }));
  L.hop(3, 'proxy', 'bob', req('INVITE', 'sip:bob@192.0.2.20', { ...d, via: [VP('x1'), VA('x1')], seq: 1, s: sid(UA, NIL, true), rr, mf: 69 }));
  L.hop(500, 'bob', 'proxy', res(200, 'OK', { ...d, via: [VP('x1'), VA('x1')], seq: 1, cseqMethod: 'INVITE', ttag: 'b1', s: sb, rr }));
  L.hop(503, 'proxy', 'alice', res(200, 'OK', { ...d, via: [VA('x1')], seq: 1, cseqMethod: 'INVITE', ttag: 'b1', s: sb, rr }));
  L.hop(510, 'alice', 'proxy', req('ACK', 'sip:bob@192.0.2.20', { ...d, via: [VA('x2')], seq: 1, ttag: 'b1', s: sa }));
  L.hop(513, 'proxy', 'bob', req('ACK', 'sip:bob@192.0.2.20', { ...d, via: [VP('x2'), VA('x2')], seq: 1, ttag: 'b1', s: sa, mf: 69 }));
  const back = { cid: d.cid, from: 'bob', ftag: 'b1', to: 'alice', ttag: 'a1' };
  const refer = ['Refer-To: <sip:carol@example.com>', 'Referred-By: <sip:bob@example.com>'];
  L.hop(3000, 'bob', 'proxy', req('REFER', 'sip:alice@192.0.2.10', { ...back, via: [VB('x3')], seq: 2, s: sb, extra: refer }));
  L.hop(3003, 'proxy', 'alice', req('REFER', 'sip:alice@192.0.2.10', { ...back, via: [VP('x3'), VB('x3')], seq: 2, s: sb, mf: 69, extra: refer }));
  L.hop(3010, 'alice', 'proxy', res(202, 'Accepted', { ...back, via: [VP('x3'), VB('x3')], seq: 2, cseqMethod: 'REFER', s: sa }));
  L.hop(3013, 'proxy', 'bob', res(202, 'Accepted', { ...back, via: [VB('x3')], seq: 2, cseqMethod: 'REFER', s: sa }));
  // the new dialog: alice keeps her UUID, carol is not known yet (nil remote)
  const n = { cid: 'xfer-2@alice.example.com', from: 'alice', ftag: 'a2', to: 'carol' };
  L.hop(3100, 'alice', 'proxy', req('INVITE', 'sip:carol@example.com', { ...n, via: [VA('x4')], seq: 1, s: sid(UA, NIL, true) }));
  L.hop(3103, 'proxy', 'carol', req('INVITE', 'sip:carol@192.0.2.30', { ...n, via: [VP('x4'), VA('x4')], seq: 1, s: sid(UA, NIL, true), rr, mf: 69 }), { receiver: false });
  L.hop(3600, 'carol', 'proxy', res(200, 'OK', { ...n, via: [VP('x4'), VA('x4')], seq: 1, cseqMethod: 'INVITE', ttag: 'c1', s: sid(UC, UA, true), rr }), { sender: false });
  L.hop(3603, 'proxy', 'alice', res(200, 'OK', { ...n, via: [VA('x4')], seq: 1, cseqMethod: 'INVITE', ttag: 'c1', s: sid(UC, UA, true), rr }));
  L.hop(3610, 'alice', 'proxy', req('ACK', 'sip:carol@192.0.2.30', { ...n, via: [VA('x5')], seq: 1, ttag: 'c1', s: sid(UA, UC, true) }));
  L.hop(3613, 'proxy', 'carol', req('ACK', 'sip:carol@192.0.2.30', { ...n, via: [VP('x5'), VA('x5')], seq: 1, ttag: 'c1', s: sid(UA, UC, true), mf: 69 }), { receiver: false });
  const notify = ['Event: refer', 'Subscription-State: terminated;reason=noresource'];
  L.hop(3700, 'alice', 'proxy', req('NOTIFY', 'sip:bob@192.0.2.20', { ...d, via: [VA('x6')], seq: 2, ttag: 'b1', s: sa, extra: notify }));
  L.hop(3703, 'proxy', 'bob', req('NOTIFY', 'sip:bob@192.0.2.20', { ...d, via: [VP('x6'), VA('x6')], seq: 2, ttag: 'b1', s: sa, mf: 69, extra: notify }));
  L.hop(3710, 'bob', 'proxy', res(200, 'OK', { ...d, via: [VP('x6'), VA('x6')], seq: 2, cseqMethod: 'NOTIFY', ttag: 'b1', s: sb }));
  L.hop(3713, 'proxy', 'alice', res(200, 'OK', { ...d, via: [VA('x6')], seq: 2, cseqMethod: 'NOTIFY', ttag: 'b1', s: sb }));
  L.hop(3800, 'bob', 'proxy', req('BYE', 'sip:alice@192.0.2.10', { ...back, via: [VB('x7')], seq: 3, s: sb }));
  L.hop(3803, 'proxy', 'alice', req('BYE', 'sip:alice@192.0.2.10', { ...back, via: [VP('x7'), VB('x7')], seq: 3, s: sb, mf: 69 }));
  L.hop(3810, 'alice', 'proxy', res(200, 'OK', { ...back, via: [VP('x7'), VB('x7')], seq: 3, cseqMethod: 'BYE', s: sa }));
  L.hop(3813, 'proxy', 'bob', res(200, 'OK', { ...back, via: [VB('x7')], seq: 3, cseqMethod: 'BYE', s: sa }));
  L.write('transfer');
}
