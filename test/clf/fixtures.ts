// Shared CLF test fixtures: the RFC 6873 §5 and RFC 7355 §5.1/§5.2 records as models, and the RFC's bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClfRecord } from '../../src/clf/record.js';

const VECTORS = fileURLToPath(new URL('../../../test/vectors/clf/', import.meta.url));

/** The bytes of a `begin-base64 … ====` block in test/vectors/clf/ (e.g. `rfc6873-s5-clf_record.b64`). */
export function vectorBytes(name: string): Buffer {
  const lines = readFileSync(VECTORS + name, 'latin1').trim().split('\n');
  return Buffer.from(lines.slice(1, -1).join(''), 'base64');
}

/** The record of RFC 6873 §5 as a model (its bit-exact form is test/vectors/clf/rfc6873-s5.b64). */
export const RFC6873_S5: ClfRecord = Object.freeze({
  timestamp: 1328821153010,
  isRequest: true,
  retransmission: 'O',
  direction: 'R',
  transport: 'U',
  encrypted: false,
  cseq: '1 INVITE',
  status: null,
  requestUri: 'sip:192.0.2.10',
  destination: '192.0.2.10:5060',
  source: '192.0.2.200:56485',
  toUri: 'sip:192.0.2.10',
  toTag: null,
  fromUri: 'sip:1001@example.com:5060',
  fromTag: 'DL88360fa5fc',
  callId: 'DL70dff590c1-1079051554@example.com',
  serverTxn: 'S1781761-88',
  clientTxn: 'C67651-11',
  optional: [],
});

/** The RFC 7355 §5.1 WebSocket record as a model (its bytes: rfc7355-s5.1-ws.b64, plus one extra LF). */
export const RFC7355_WS: ClfRecord = Object.freeze({
  ...RFC6873_S5,
  transport: 'W',
  requestUri: 'sip:bob@example.com',
  destination: '192.0.2.10:80',
  toUri: 'sip:bob@example.com',
  fromUri: 'sip:alice@example.com',
  fromTag: 'asdyka899',
  callId: 'asidkj3ss',
});

/** The RFC 7355 §5.2 secure WebSocket record as its bytes say it (RORWU: unencrypted; rfc7355-s5.2-wss.b64). */
export const RFC7355_WSS: ClfRecord = Object.freeze({ ...RFC7355_WS, destination: '192.0.2.10:443' });
