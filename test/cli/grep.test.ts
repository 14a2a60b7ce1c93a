// `sipclf grep`: every criterion, field-exactness (prefixes, values in other fields, UUIDs outside the
// Session-ID header), the RFC 8497 §3.3 test-case rule, output forms, damage, stdin, gzip and usage errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeRecord } from '../../src/clf/decode.js';
import { recordFromJsonLine } from '../../src/clf/json.js';
import { generateClf } from '../../src/gen/generator.js';
import { parseMessage } from '../../src/sip/parser.js';
import { decodeOptionalValue } from '../../src/clf/optional.js';
import { T0, asText, encodeAll, writeLog, type RecSpec } from './grep-fixtures.js';
import { runCli } from './helpers.js';

const root = join(import.meta.dirname, '..', '..', '..');

const U = 'ab30317f1a784dc48ff824d0d3715d86';
const V = '47755a9de7794ba387653f2099600ef2';
const W = '0123456789abcdef0123456789abcdef';
const NIL = '00000000000000000000000000000000';

/** Runs grep over `specs` written to a file; returns the result and the encoded records. */
async function grepOver(name: string, specs: RecSpec[], argv: string[]): Promise<{ code: number; stdout: string; stderr: string; recs: string[] }> {
  const recs = encodeAll(specs);
  const file = writeLog(name, recs);
  const r = await runCli(['grep', ...argv, file]);
  return { ...r, recs };
}

/** The selected records, by index, as the CLI prints them. */
const pick = (recs: string[], ...ix: number[]): string => asText(ix.map((i) => recs[i] as string));

describe('sipclf grep: mandatory fields are compared whole', () => {
  test('--call-id: not a prefix of another Call-ID, not inside another field or header', async () => {
    const specs: RecSpec[] = [
      { callId: 'abc@h' },
      { callId: 'abc@h.example' }, // the value is a prefix of this Call-ID
      { callId: 'x-abc@h' }, // ... a suffix of this one
      { callId: 'other', fromTag: 'abc@h' }, // ... another field
      { callId: 'other2', extraHeaders: ['Replaces: abc@h;to-tag=1;from-tag=2'] }, // ... another header of the message
      { callId: 'abc@h', method: 'BYE', seq: 2 },
    ];
    const r = await grepOver('callid.clf', specs, ['--call-id', 'abc@h']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(r.recs, 0, 5));
    assert.equal(r.stderr, '');
  });

  test('--call-id with no match exits 1 and prints nothing', async () => {
    const r = await grepOver('callid-none.clf', [{ callId: 'abc@h.example' }], ['--call-id', 'abc@h']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
  });

  test('--txn matches Server-Txn or Client-Txn, whole', async () => {
    const specs: RecSpec[] = [
      { stxn: 'z9hG4bK1', ctxn: null },
      { stxn: 'srv', ctxn: 'z9hG4bK1' },
      { stxn: 'z9hG4bK12', ctxn: 'z9hG4bK1.x' },
      { stxn: 'srv', ctxn: null, fromTag: 'z9hG4bK1' },
    ];
    const r = await grepOver('txn.clf', specs, ['--txn', 'z9hG4bK1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(r.recs, 0, 1));
  });

  test('--dialog: Call-ID plus both tags in either order, and the tagless dialog-creating request', async () => {
    const specs: RecSpec[] = [
      { callId: 'c1', fromTag: 'A', toTag: null }, // initial INVITE: To tag not yet known
      { callId: 'c1', req: false, status: '180', fromTag: 'A', toTag: 'B' },
      { callId: 'c1', method: 'BYE', seq: 2, fromTag: 'B', toTag: 'A' }, // callee's BYE: tags swapped
      { callId: 'c1', req: false, status: '180', fromTag: 'A', toTag: 'C' }, // another fork branch
      { callId: 'c1x', fromTag: 'A', toTag: 'B' }, // Call-ID differs
      { callId: 'c1', fromTag: 'AB', toTag: null }, // tag prefix
    ];
    for (const value of ['c1,A,B', 'c1,B,A']) {
      const r = await grepOver('dialog.clf', specs, ['--dialog', value]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, pick(r.recs, 0, 1, 2), value);
    }
  });

  test('--method compares the CSeq method case-insensitively', async () => {
    const specs: RecSpec[] = [{ method: 'INVITE' }, { method: 'BYE', seq: 2 }, { method: 'INVITEX' }, { req: false, status: '200', method: 'BYE', seq: 2 }];
    const r = await grepOver('method.clf', specs, ['--method', 'bye']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(r.recs, 1, 3));
  });

  test('--status: an exact code or a class; requests never match', async () => {
    const specs: RecSpec[] = [
      { req: false, status: '404' },
      { req: false, status: '486' },
      { req: false, status: '200' },
      { req: true },
      { req: false, status: '500', callId: '404' },
    ];
    let r = await grepOver('status.clf', specs, ['--status', '404']);
    assert.equal(r.stdout, pick(r.recs, 0));
    r = await grepOver('status.clf', specs, ['--status', '4xx']);
    assert.equal(r.stdout, pick(r.recs, 0, 1));
    r = await grepOver('status.clf', specs, ['--status', '4XX']);
    assert.equal(r.stdout, pick(r.recs, 0, 1));
    r = await grepOver('status.clf', specs, ['--status', '6xx']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
  });

  test('--from and --to compare the URIs whole', async () => {
    const specs: RecSpec[] = [
      { from: 'sip:alice@example.com', to: 'sip:bob@example.net' },
      { from: 'sip:alice@example.com.evil', to: 'sip:bob@example.net' },
      { from: 'sip:bob@example.net', to: 'sip:alice@example.com' },
    ];
    let r = await grepOver('uri.clf', specs, ['--from', 'sip:alice@example.com']);
    assert.equal(r.stdout, pick(r.recs, 0));
    r = await grepOver('uri.clf', specs, ['--to', 'sip:alice@example.com']);
    assert.equal(r.stdout, pick(r.recs, 2));
  });

  test('--direction s|r reads the flag', async () => {
    const specs: RecSpec[] = [{ dir: 'S' }, { dir: 'R' }, { dir: 'S', method: 'BYE' }];
    let r = await grepOver('dir.clf', specs, ['--direction', 's']);
    assert.equal(r.stdout, pick(r.recs, 0, 2));
    r = await grepOver('dir.clf', specs, ['--direction', 'R']);
    assert.equal(r.stdout, pick(r.recs, 1));
  });

  test('criteria combine with AND', async () => {
    const specs: RecSpec[] = [{ callId: 'k', method: 'INVITE' }, { callId: 'k', method: 'BYE', seq: 2 }, { callId: 'j', method: 'BYE', seq: 2 }];
    const r = await grepOver('and.clf', specs, ['--call-id', 'k', '--method', 'BYE']);
    assert.equal(r.stdout, pick(r.recs, 1));
  });
});

describe('sipclf grep: time window', () => {
  const specs: RecSpec[] = [{ t: T0 }, { t: T0 + 999 }, { t: T0 + 1000 }, { t: T0 + 2000 }, { t: T0 + 2001 }];

  test('--since is inclusive, --until exclusive, to the millisecond', async () => {
    const r = await grepOver('time.clf', specs, ['--since', '2026-01-05T09:00:01Z', '--until', '2026-01-05T09:00:02Z']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(r.recs, 2));
  });

  test('epoch seconds (with a fraction) and zone offsets give the same bounds', async () => {
    let r = await grepOver('time.clf', specs, ['--since', '1767603600.999', '--until', '1767603602']);
    assert.equal(r.stdout, pick(r.recs, 1, 2));
    r = await grepOver('time.clf', specs, ['--since', '2026-01-05T10:00:02+01:00']);
    assert.equal(r.stdout, pick(r.recs, 3, 4));
    r = await grepOver('time.clf', specs, ['--until', '2026-01-05T09:00Z']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
  });
});

describe('sipclf grep: Session-ID (RFC 7989) from the logged message', () => {
  test('--session-id: local or remote UUID of the header, any case; not in the body, not in other headers', async () => {
    const specs: RecSpec[] = [
      { sid: `${U};remote=${NIL}` }, // local
      { sid: `${V};remote=${U}`, req: false }, // remote
      { sid: `${V};remote=${W}`, body: `v=0\r\na=x-note:${U}\r\n` }, // only in the body
      { sid: `${V};remote=${W}`, extraHeaders: [`X-Old-Session: ${U}`] }, // only in another header
      { sid: `${U.toUpperCase()};remote=${V}` }, // upper-case hex
      { sid: `${U}0;remote=${V}` }, // 33 digits: malformed, treated as absent
      { sid: `${U};remote=${V}`, sidAsTag00: true, noMessage: true }, // Tag 00 header field only
      { callId: U, sid: `${V};remote=${W}` }, // the UUID as a Call-ID
    ];
    const r = await grepOver('sid.clf', specs, ['--session-id', U.toUpperCase()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(r.recs, 0, 1, 4, 6));
  });

  test('--session-id also finds a message logged as base64 (no searchable text)', async () => {
    // A control octet makes the message "unprintable" (RFC 6873 §4.4): the Tag 02 value is base64.
    const specs: RecSpec[] = [{ sid: `${U};remote=${V}`, body: 'bin\x01ary' }, { sid: `${V};remote=${W}`, body: 'bin\x01ary' }];
    const recs = encodeAll(specs);
    assert.match(recs[0] as string, /\t02@00000000,[0-9A-F]{4},01,/);
    assert.ok(!(recs[0] as string).includes(U));
    const r = await runCli(['grep', '--session-id', U, writeLog('sid64.clf', recs)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(recs, 0));
  });

  test('--session-id accepts the hyphenated RFC 4122 form', async () => {
    const hy = `${U.slice(0, 8)}-${U.slice(8, 12)}-${U.slice(12, 16)}-${U.slice(16, 20)}-${U.slice(20)}`;
    const r = await grepOver('sidhy.clf', [{ sid: U }], ['--session-id', hy]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('--logme: the marker of a well-formed Session-ID (RFC 8497 §6), any case; not logme=value, not elsewhere', async () => {
    const specs: RecSpec[] = [
      { sid: `${U};remote=${V};logme` },
      { sid: `${U};remote=${V};LogMe` },
      { sid: `${U};remote=${V};logme=1` }, // a generic-param, not the marker
      { sid: `${U};remote=${V}`, body: 'a=logme\r\n' },
      { sid: `${U}xx;logme` }, // malformed Session-ID: absent (RFC 7989 §7)
      { sid: `${U};remote=${V}`, extraHeaders: ['X-Debug: logme'] },
      { sid: `${V};logme`, sidAsTag00: true, noMessage: true },
      { sid: `${U};logme`, body: 'bin\x01ary' }, // base64 Tag 02
    ];
    const r = await grepOver('logme.clf', specs, ['--logme']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(r.recs, 0, 1, 6, 7));
    const c = await grepOver('logme.clf', specs, ['--logme', '--count']);
    assert.equal(c.stdout, '4\n');
  });

  test('a Session-ID in a message cut at the 4096-byte cap (the parser rejects it) is still read', async () => {
    const big = 'x'.repeat(5000);
    const specs: RecSpec[] = [{ sid: `${U};remote=${V}`, body: big }];
    const recs = encodeAll(specs);
    assert.match(recs[0] as string, /\t02@00000000,1000,00,/); // cut to 4096 bytes
    assert.match(recs[0] as string, /\t11@00032473,[0-9A-F]{4},00,02@00000000 \d+\n$/); // truncation marker
    const cut = (recs[0] as string).split('\t02@00000000,1000,00,')[1]?.split('\t')[0] ?? '';
    assert.throws(() => parseMessage(Buffer.from(cut.replaceAll('%0D%0A', '\r\n'), 'latin1')), { code: 'SIP_BODY_TRUNCATED' });
    const r = await runCli(['grep', '--session-id', V, writeLog('cut.clf', recs)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(recs, 0));
  });
});

describe('sipclf grep --test-case (RFC 8497 §3.3)', () => {
  // dialog1: Alice (U) calls Bob (V) with Call-ID d1; dialog2 (Call-ID d2) is a REFER whose remote UUID
  // is U; dialog3 is unrelated. Records without a Session-ID belong by Call-ID once the initial request
  // was seen.
  const specs: RecSpec[] = [
    /* 0 */ { callId: 'd1', req: false, status: '100', fromTag: 'a', noMessage: true }, // d1 before its INVITE: no Session-ID
    /* 1 */ { callId: 'd1', fromTag: 'a', sid: `${U};remote=${NIL};logme` }, // initial INVITE: local U
    /* 2 */ { callId: 'd1', req: false, status: '180', fromTag: 'a', toTag: 'b', sid: `${V};remote=${U};logme` }, // callee's local V
    /* 3 */ { callId: 'd1', method: 'CANCEL', fromTag: 'a', noMessage: true }, // no message logged
    /* 4 */ { callId: 'd1', method: 'BYE', seq: 2, fromTag: 'b', toTag: 'a', sid: `${V};remote=${U}` }, // swapped UUIDs
    /* 5 */ { callId: 'd1', method: 'ACK', fromTag: 'a', toTag: 'b', sid: 'garbage' }, // malformed Session-ID, same Call-ID
    /* 6 */ { callId: 'd2', method: 'REFER', fromTag: 'r', sid: `${W};remote=${U}` }, // related dialog: remote U
    /* 7 */ { callId: 'd2', req: false, status: '202', fromTag: 'r', toTag: 's', noMessage: true }, // d2 registered? no: its local is W
    /* 8 */ { callId: 'd3', fromTag: 'x', sid: `${W};remote=${NIL}` },
    /* 9 */ { callId: 'd3x', fromTag: 'y', toTag: 'z', sid: `${U};remote=${V}` }, // in-dialog request with local U: matches, registers nothing
    /* 10 */ { callId: 'd3x', req: false, status: '200', fromTag: 'y', toTag: 'z', noMessage: true },
  ];

  test('matches local or remote UUID, and every later record of the initial request’s Call-ID', async () => {
    const r = await grepOver('tc.clf', specs, ['--test-case', U]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(r.recs, 1, 2, 3, 4, 5, 6, 9));
  });

  test('other criteria do not stop the test case from learning its Call-ID', async () => {
    const r = await grepOver('tc.clf', specs, ['--test-case', U, '--method', 'CANCEL']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(r.recs, 3));
    const t = await grepOver('tc.clf', specs, ['--test-case', U, '--txn', 'nope']);
    assert.equal(t.code, 1);
  });

  test('the callee’s UUID is not a test case of dialog1: only its records carrying V match', async () => {
    const r = await grepOver('tc.clf', specs, ['--test-case', V]);
    assert.equal(r.stdout, pick(r.recs, 2, 4, 9));
  });

  test('over generated traffic: a call’s records from its initial INVITE on, and nothing else', async () => {
    const recs = [...generateClf({ records: 400, seed: 3, logmeShare: 0.5 })];
    const decoded = recs.map((t) => decodeRecord(t));
    const invite = decoded.findIndex((d) => d.isRequest && d.cseq?.toString().endsWith('INVITE') && d.toTag === null);
    const first = decoded[invite];
    assert.ok(first !== undefined);
    const msg = parseMessage(Buffer.from(decodeOptionalValue(first.optional[0]!), 'latin1'));
    const u = msg.sessionId?.local;
    assert.ok(u !== undefined);
    const r = await runCli(['grep', '--test-case', u, writeLog('gen-tc.clf', recs)]);
    assert.equal(r.code, 0, r.stderr);
    const expected = recs.filter((_, i) => i >= invite && decoded[i]?.callId === first.callId);
    assert.equal(r.stdout, asText(expected));
  });
});

describe('sipclf grep: output, inputs, damage', () => {
  const specs: RecSpec[] = [{ callId: 'k' }, { callId: 'j' }, { callId: 'k', method: 'BYE', seq: 2 }];

  test('--count prints the number of matches (0 and exit 1 when none)', async () => {
    let r = await grepOver('count.clf', specs, ['--count', '--call-id', 'k']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '2\n');
    r = await grepOver('count.clf', specs, ['-c', '--call-id', 'none']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '0\n');
  });

  test('--json prints one lossless JSON object per match', async () => {
    const r = await grepOver('json.clf', specs, ['--json', '--call-id', 'k']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    const back = lines.map((l) => recordFromJsonLine(l));
    assert.deepEqual(back, [decodeRecord(r.recs[0] as string), decodeRecord(r.recs[2] as string)]);
  });

  test('`-` reads standard input; several files are read in turn', async () => {
    const recs = encodeAll(specs);
    const file = writeLog('in.clf', recs);
    const r = await runCli(['grep', '--call-id', 'k', '-', file], Buffer.from(recs.join(''), 'latin1'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(recs, 0, 2, 0, 2));
  });

  test('a .gz file is read transparently', async () => {
    const recs = encodeAll(specs);
    const file = writeLog('in.clf.gz', gzipSync(Buffer.from(recs.join(''), 'latin1')).toString('latin1'));
    const r = await runCli(['grep', '--call-id', 'j', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(recs, 1));
  });

  test('a damaged record in the middle is reported as FILE:OFFSET: CODE and skipped; the rest matches', async () => {
    const recs = encodeAll([{ callId: 'k' }, { callId: 'k', method: 'BYE', seq: 2 }, { callId: 'k', method: 'ACK' }]);
    const bad = (recs[1] as string).replace(/^A/, 'Z'); // unknown record version
    const file = writeLog('damaged.clf', [recs[0] as string, bad, recs[2] as string]);
    const r = await runCli(['grep', '--call-id', 'k', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(recs, 0, 2));
    const offset = (recs[0] as string).length;
    assert.equal(r.stderr, `${file}:${offset}: CLF_UNKNOWN_VERSION unknown record version Z\n`);
  });

  test('a record whose pointers cannot be followed is reported by the field check (CLF_BAD_POINTER)', async () => {
    const recs = encodeAll([{ callId: 'k' }, { callId: 'k', method: 'BYE', seq: 2 }]);
    // Pointer 10 (Call-ID) is not hex: the frame holds, the field check through the index fails.
    const r1 = recs[1] as string;
    const broken = r1.slice(0, 8 + 4 * 9) + 'ZZZZ' + r1.slice(12 + 4 * 9);
    const file = writeLog('pointer.clf', [recs[0] as string, broken]);
    const r = await runCli(['grep', '--call-id', 'k', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, pick(recs, 0));
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: CLF_BAD_POINTER `));
  });

  test('an unreadable file is IO_READ and exit 2, even when another file matched', async () => {
    const file = writeLog('ok.clf', encodeAll(specs));
    const r = await runCli(['grep', '--call-id', 'k', file, join(root, 'no-such-file.clf')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no-such-file\.clf:0: IO_READ /);
  });

  test('raw output is the records byte for byte, non-UTF-8 octets included (child process)', () => {
    const recs = encodeAll([{ callId: 'k', from: 'sip:jos\xe9@example.com' }, { callId: 'j' }]);
    const file = writeLog('latin1.clf', recs);
    const p = spawnSync(process.execPath, [join(root, 'bin', 'sipclf.js'), 'grep', '--call-id', 'k', file]);
    assert.equal(p.status, 0, p.stderr.toString());
    assert.deepEqual(p.stdout, Buffer.from(recs[0] as string, 'latin1'));
    assert.deepEqual(readFileSync(file).subarray(0, p.stdout.length), p.stdout);
  });
});

describe('sipclf grep: usage errors exit 2 with CLI_USAGE', () => {
  const file = (): string => writeLog('usage.clf', encodeAll([{}]));
  const bad: string[][] = [
    [],
    ['--status', '99'],
    ['--status', '4x'],
    ['--status', '700'],
    ['--since', 'yesterday'],
    ['--since', '2026-02-30T00:00Z'],
    ['--since', '2026-01-05T10:00Z', '--until', '2026-01-05T09:00Z'],
    ['--session-id', 'not-a-uuid'],
    ['--session-id', NIL],
    ['--test-case', `${U}0`],
    ['--dialog', 'c1,A'],
    ['--dialog', 'c1,,B'],
    ['--direction', 'x'],
    ['--method', 'IN VITE'],
    ['--call-id', ''],
    ['--call-id', 'a\tb'],
    ['--call-id', 'k', '--count', '--json'],
  ];
  for (const argv of bad) {
    test(argv.join(' ') || '(no criterion)', async () => {
      const r = await runCli(['grep', ...argv, file()]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^sipclf grep: CLI_USAGE: /);
      assert.equal(r.stdout, '');
    });
  }

  test('no file argument is a commander usage error (exit 2)', async () => {
    const r = await runCli(['grep', '--call-id', 'k']);
    assert.equal(r.code, 2);
  });
});

describe('sipclf grep agrees with a full decode over generated traffic', () => {
  const recs = [...generateClf({ records: 700, seed: 11, logmeShare: 0.3 })];
  const decoded = recs.map((t) => decodeRecord(t));
  const sids = decoded.map((d) => {
    const m = d.optional.find((f) => f.tag === 2 && f.vendor === 0);
    return m === undefined ? undefined : parseMessage(Buffer.from(decodeOptionalValue(m), 'latin1')).sessionId;
  });
  const file = writeLog('gen-agree.clf', recs);
  const at = (i: number): NonNullable<(typeof decoded)[number]> => decoded[i % decoded.length]!;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const cases: [string, string[], (i: number) => boolean][] = [
    ['--call-id', ['--call-id', str(at(350).callId)], (i) => at(i).callId === at(350).callId],
    ['--txn', ['--txn', str(at(200).clientTxn ?? at(200).serverTxn)], (i) => [at(i).serverTxn, at(i).clientTxn].includes(at(200).clientTxn ?? at(200).serverTxn)],
    ['--from', ['--from', str(at(100).fromUri)], (i) => at(i).fromUri === at(100).fromUri],
    ['--to', ['--to', str(at(101).toUri)], (i) => at(i).toUri === at(101).toUri],
    ['--status 1xx', ['--status', '1xx'], (i) => str(at(i).status).startsWith('1')],
    ['--status 200', ['--status', '200'], (i) => at(i).status === '200'],
    ['--method ack', ['--method', 'ack'], (i) => str(at(i).cseq).endsWith(' ACK')],
    ['--direction s', ['--direction', 's'], (i) => at(i).direction === 'S'],
    ['--since/--until', ['--since', String(at(300).timestamp / 1000), '--until', String(at(500).timestamp / 1000)], (i) => at(i).timestamp >= at(300).timestamp && at(i).timestamp < at(500).timestamp],
    ['--logme', ['--logme'], (i) => sids[i]?.logme === true],
    ['--session-id', ['--session-id', str(sids[400]?.local)], (i) => sids[i]?.local === sids[400]?.local || sids[i]?.remote === sids[400]?.local],
    ['--logme --direction r --method invite', ['--logme', '--direction', 'r', '--method', 'invite'], (i) => sids[i]?.logme === true && at(i).direction === 'R' && str(at(i).cseq).endsWith(' INVITE')],
  ];
  for (const [name, argv, want] of cases) {
    test(name, async () => {
      const expected = recs.filter((_, i) => want(i));
      assert.ok(expected.length > 0, 'the case selects something');
      assert.ok(expected.length < recs.length || name === '--status 1xx', 'the case does not select everything');
      const r = await runCli(['grep', ...argv, file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, asText(expected));
    });
  }
});
