// Shared CLF test fixtures.
import type { ClfRecord } from '../../src/clf/record.js';

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
