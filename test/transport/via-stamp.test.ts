// received/rport stamping (RFC 3261 §18.2.1, RFC 3581 §4), §18.2.2 response routing, the salvaged 400: pure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from '../../src/sip/parser.js';
import { responseDestination, salvageErrorResponse, stampVia, viaRouteOf } from '../../src/transport/index.js';
import { request } from './helpers.js';

function stamp(via: string, host: string, port: number): string | undefined {
  const st = stampVia(parseMessage(request({ via })), host, port);
  return st === undefined ? undefined : (parseMessage(st.bytes).getAll('Via')[0] ?? '');
}

test('§18.2.1: received is added only when the sent-by host differs from the source or is a name', () => {
  assert.equal(stamp('SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1', '127.0.0.1', 5070), undefined);
  assert.equal(stamp('SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-1', '127.0.0.1', 40000), 'SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-1;received=127.0.0.1');
  assert.equal(stamp('SIP/2.0/UDP pc.example.com;branch=z9hG4bK-1', '192.0.2.4', 5060), 'SIP/2.0/UDP pc.example.com;branch=z9hG4bK-1;received=192.0.2.4');
  // Same address in another text form: no received.
  assert.equal(stamp('SIP/2.0/UDP [0:0:0:0:0:0:0:1]:5070;branch=z9hG4bK-1', '::1', 5070), undefined);
  assert.equal(stamp('SIP/2.0/UDP [::1]:5070;branch=z9hG4bK-1', '::2', 5070), 'SIP/2.0/UDP [::1]:5070;branch=z9hG4bK-1;received=::2');
});

test('RFC 3581 §4: a valueless rport gets the source port, and received is added even when equal', () => {
  assert.equal(stamp('SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK-1', '127.0.0.1', 40001), 'SIP/2.0/UDP 127.0.0.1:5070;rport=40001;branch=z9hG4bK-1;received=127.0.0.1');
  assert.equal(stamp('SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1;RPORT', '127.0.0.1', 9), 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1;RPORT=9;received=127.0.0.1');
  // A filled-in rport is left alone; only received is due.
  assert.equal(stamp('SIP/2.0/UDP 10.0.0.1;rport=1234;branch=z9hG4bK-1', '127.0.0.1', 9), 'SIP/2.0/UDP 10.0.0.1;rport=1234;branch=z9hG4bK-1;received=127.0.0.1');
  // A stale received is replaced.
  assert.equal(stamp('SIP/2.0/UDP 10.0.0.1;received=10.9.9.9;branch=z9hG4bK-1', '127.0.0.1', 9), 'SIP/2.0/UDP 10.0.0.1;received=127.0.0.1;branch=z9hG4bK-1');
});

test('only the top via-parm changes; every other byte is as received', () => {
  const req = request({ via: 'SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK-1 , SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK-2', extra: ['Subject:   spaced  '] });
  const st = stampVia(parseMessage(req), '127.0.0.1', 7);
  assert.ok(st);
  assert.equal(st.bytes.toString(), req.toString().replace(';rport;branch=z9hG4bK-1 ,', ';rport=7;branch=z9hG4bK-1;received=127.0.0.1 ,'));
  assert.deepEqual([st.received, st.rport], [true, true]);
});

test('§18.2.2 destinations: reliable, maddr, received + rport, sent-by', () => {
  const dest = (via: string): unknown => {
    const route = viaRouteOf(parseMessage(request({ via })));
    return route === undefined ? undefined : responseDestination(route);
  };
  assert.deepEqual(dest('SIP/2.0/TCP 10.0.0.1;received=192.0.2.1;branch=z9hG4bK-1'), { transport: 'tcp', host: '192.0.2.1', port: 5060 });
  assert.deepEqual(dest('SIP/2.0/TLS 10.0.0.1;branch=z9hG4bK-1'), { transport: 'tls', host: '10.0.0.1', port: 5061 });
  assert.deepEqual(dest('SIP/2.0/UDP 10.0.0.1:5070;maddr=10.0.0.9;received=192.0.2.1;branch=z9hG4bK-1'), { transport: 'udp', host: '10.0.0.9', port: 5070 });
  assert.deepEqual(dest('SIP/2.0/UDP 10.0.0.1:5070;received=192.0.2.1;rport=40000;branch=z9hG4bK-1'), { transport: 'udp', host: '192.0.2.1', port: 40000 });
  assert.deepEqual(dest('SIP/2.0/UDP 10.0.0.1:5070;received=192.0.2.1;branch=z9hG4bK-1'), { transport: 'udp', host: '192.0.2.1', port: 5070 });
  assert.deepEqual(dest('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-1'), { transport: 'udp', host: '10.0.0.1', port: 5060 });
  assert.equal(dest('SIP/2.0/SCTP 10.0.0.1;branch=z9hG4bK-1'), undefined);
});

test('salvage: a 400 with a Warning from the raw lines of a request that did not parse', () => {
  const raw = Buffer.from(
    'INVITE sip:bob@example.com SIP/2.0\r\nv: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-7\r\nf: <sip:a@x>;tag=1\r\nt: <sip:b@x>\r\ni: c7\r\nCSeq: 7 INVITE\r\nContact: <sip:a@\x01>\r\nBroken line\r\n\r\n',
    'latin1',
  );
  const out = salvageErrorResponse(raw, 'SIP_BAD_HEADER_LINE', "':' expected", { warnAgent: 'sipclf', toTag: 'tt' });
  assert.ok(out);
  const res = parseMessage(out);
  assert.equal(res.status, 400);
  assert.equal(res.get('Via'), 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-7');
  assert.equal(res.toTag, 'tt');
  assert.equal(res.callId, 'c7');
  assert.match(res.get('Warning') ?? '', /^399 sipclf "Malformed message: SIP_BAD_HEADER_LINE: ':' expected"$/);
  assert.equal(parseMessage(salvageErrorResponse(raw, 'SIP_LIMIT_MESSAGE_SIZE', 'big', { warnAgent: 'x', toTag: 't' }) ?? Buffer.alloc(0)).status, 513);
  // Not answerable: a response, an ACK, a missing CSeq, a code without status.
  assert.equal(salvageErrorResponse(Buffer.from('SIP/2.0 200 OK\r\nVia: x\r\n\r\n'), 'SIP_BAD_HEADER_LINE', '', { warnAgent: 'x', toTag: 't' }), undefined);
  assert.equal(salvageErrorResponse(Buffer.from(raw.toString('latin1').replace('INVITE sip', 'ACK sip'), 'latin1'), 'SIP_BAD_HEADER_LINE', '', { warnAgent: 'x', toTag: 't' }), undefined);
  assert.equal(salvageErrorResponse(Buffer.from(raw.toString('latin1').replace('CSeq: 7 INVITE\r\n', ''), 'latin1'), 'SIP_BAD_HEADER_LINE', '', { warnAgent: 'x', toTag: 't' }), undefined);
  assert.equal(salvageErrorResponse(raw, 'SIP_BAD_STATUS_CODE', '', { warnAgent: 'x', toTag: 't' }), undefined);
});
