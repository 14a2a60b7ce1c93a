// fast-check arbitraries of CLF records biased towards what breaks the format (shared by property.test.ts
// and encode-into.test.ts): TAB, CR, LF, lone -/?, escapes, non-UTF-8 octets, values past the 4096-byte cap.
import fc from 'fast-check';
import { bodyField, headerField, messageField, vendorField } from '../../src/clf/optional.js';
import { UNPARSEABLE, type ClfRecord, type ClfValue, type OptionalField } from '../../src/clf/record.js';

/** Binary strings biased towards what breaks CLF: TAB, CR, LF, lone -/?, escapes, non-UTF-8 octets. */
const piece = fc.oneof(
  fc.constantFrom('\t', '\r', '\n', '\r\n', '-', '?', '%2D', '%3F', '%0D%0A', '\xff', '\xc3\xa9', '\xe2\x82', '\x00', '\x7f', ' '),
  fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
);
export const binary = (maxLength: number) => fc.array(piece, { maxLength }).map((a) => a.join(''));
export const big = fc.oneof(binary(40), fc.integer({ min: 4000, max: 5200 }).map((n) => 'a\r\n\t'.repeat(n / 4)), binary(40).map((s) => s.repeat(130)));
export const value: fc.Arbitrary<ClfValue> = fc.oneof(fc.constant(null), fc.constant(UNPARSEABLE), binary(30), fc.constantFrom('-', '?', '%2D', '%3F', ''));

const optional: fc.Arbitrary<OptionalField[]> = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom('Contact', 'Via', 'Subject'), big).map(([n, v]) => headerField(n, v)),
      big.map((b) => bodyField('application/sdp', b)),
      big.map((m) => messageField(m)),
      fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99_999_999 }), binary(20)).map(([t, p, v]) => vendorField(t, p, v)),
    ),
    { maxLength: 3 },
  )
  .map((cs) => cs.flatMap((c) => (c.marker === undefined ? [c.field] : [c.field, c.marker])));

export const record: fc.Arbitrary<ClfRecord> = fc.record({
  timestamp: fc.integer({ min: 0, max: 9_999_999_999_999 }),
  isRequest: fc.boolean(),
  retransmission: fc.constantFrom('O', 'D', 'S'),
  direction: fc.constantFrom('S', 'R'),
  transport: fc.constantFrom('U', 'T', 'S', 'W'),
  encrypted: fc.boolean(),
  cseq: value,
  status: value,
  requestUri: value,
  destination: value,
  source: value,
  toUri: fc.oneof(value, big),
  toTag: value,
  fromUri: value,
  fromTag: value,
  callId: fc.oneof(value, big),
  serverTxn: value,
  clientTxn: value,
  optional,
});
