// RFC 4475 torture vectors: one table-driven test over test/vectors/rfc4475/verdicts.json (schema in the
// README next to it). Invalid vectors assert the specific error code, never "some error".
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SipParseError, type SipValidationError } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { validateRequest, validateResponse } from '../../src/sip/validate.js';

type Role = 'proxy' | 'uas' | 'registrar' | 'uac';
interface Check {
  role: Role;
  status?: number;
  code?: string;
  responseHeaders?: Record<string, string>;
}
interface Expect {
  parse: 'ok' | { code: string; stage: 'parse' | 'checkAll' | 'either' };
  validate?: 'ok' | Check[];
}
interface Verdict {
  file: string;
  section: string;
  title: string;
  expect: Expect;
  facts?: { method?: string; status?: number; reason?: string; bodyLength?: number; viaCount?: number; contactCount?: number };
  repaired?: { append: string; expect: Expect };
  rfc: string;
  note?: string;
}

const dir = join(import.meta.dirname, '..', '..', '..', 'test', 'vectors', 'rfc4475');
const verdicts = JSON.parse(readFileSync(join(dir, 'verdicts.json'), 'utf8')) as Verdict[];

function parseErrorOf(fn: () => unknown): SipParseError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof SipParseError) return err;
    throw err;
  }
}

function assertParseError(err: SipParseError | undefined, code: string, buf: Buffer, where: string): void {
  assert.ok(err !== undefined, `${where}: expected SipParseError ${code}, nothing was thrown`);
  assert.equal(err.code, code, `${where}: ${err.message} (offset ${err.offset})`);
  assert.ok(Number.isInteger(err.offset) && err.offset >= 0 && err.offset <= buf.length, `${where}: offset ${err.offset} is outside the message`);
}

function validate(msg: SipMessage, role: Role, strict = false): SipValidationError | undefined {
  if (role === 'uac') return validateResponse(msg, { role: 'uac', strict });
  if (!msg.isRequest && role === 'proxy') return validateResponse(msg, { role: 'proxy', strict });
  return validateRequest(msg, { role, strict });
}

function runChecks(msg: SipMessage, checks: 'ok' | Check[]): void {
  const list: Check[] = checks !== 'ok' ? checks : msg.isRequest ? [{ role: 'proxy' }, { role: 'uas' }] : [{ role: 'uac' }];
  for (const c of list) {
    const err = validate(msg, c.role);
    if (c.code === undefined) {
      assert.equal(err, undefined, `role ${c.role}: expected no error, got ${err?.code}: ${err?.message}`);
      continue;
    }
    assert.ok(err !== undefined, `role ${c.role}: expected ${c.code}, got no error`);
    assert.equal(err.code, c.code, `role ${c.role}: ${err.message}`);
    assert.equal(err.status, c.status, `role ${c.role}: status`);
    for (const [name, value] of Object.entries(c.responseHeaders ?? {})) {
      assert.equal(err.responseHeaders.find(([n]) => n === name)?.[1], value, `role ${c.role}: response header ${name}`);
    }
  }
}

/** Runs one expectation against `buf`; returns the parsed message when parseMessage succeeded. */
function run(buf: Buffer, expect: Expect): SipMessage | undefined {
  const p = expect.parse;
  let msg: SipMessage | undefined;
  const parseErr = parseErrorOf(() => (msg = parseMessage(buf)));
  if (p === 'ok') {
    assert.equal(parseErr, undefined, `parseMessage: ${parseErr?.code}: ${parseErr?.message} (offset ${parseErr?.offset})`);
    assert.ok(msg !== undefined);
    const strictErr = parseErrorOf(() => msg?.checkAll());
    assert.equal(strictErr, undefined, `checkAll: ${strictErr?.code}: ${strictErr?.message} (offset ${strictErr?.offset})`);
  } else if (p.stage === 'parse') {
    assertParseError(parseErr, p.code, buf, 'parseMessage');
    return undefined;
  } else if (p.stage === 'either' && parseErr !== undefined) {
    assertParseError(parseErr, p.code, buf, 'parseMessage');
    return undefined;
  } else {
    assert.equal(parseErr, undefined, `parseMessage must succeed (the defect is for checkAll): ${parseErr?.code}: ${parseErr?.message}`);
    assert.ok(msg !== undefined);
    const m: SipMessage = msg;
    assertParseError(
      parseErrorOf(() => m.checkAll()),
      p.code,
      buf,
      'checkAll',
    );
    // Strict validation reports the same defect as a 400.
    const strict = validate(m, m.isRequest ? 'proxy' : 'uac', true);
    assert.ok(strict !== undefined, 'strict validation must fail');
    if (m.isRequest) {
      assert.equal(strict.code, p.code, strict.message);
      assert.equal(strict.status, 400);
    }
  }
  if (expect.validate !== undefined && msg !== undefined) runChecks(msg, expect.validate);
  return msg;
}

void describe('RFC 4475 torture vectors', () => {
  void test('verdicts.json has exactly one entry per vector file', () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.dat'))
      .sort();
    assert.equal(files.length, 50);
    const names = verdicts.map((v) => v.file).sort();
    assert.deepEqual(names, files);
  });

  void test('every verdict cites the RFC and every invalid vector has a specific code', () => {
    for (const v of verdicts) {
      assert.ok(v.rfc.length > 0, v.file);
      assert.ok(v.section.length > 0 && v.title.length > 0, v.file);
      if (v.section.startsWith('3.1.2')) {
        const rejected = v.expect.parse !== 'ok' || (Array.isArray(v.expect.validate) && v.expect.validate.some((c) => c.code !== undefined));
        assert.ok(rejected, `${v.file}: §3.1.2 messages are invalid and must be rejected somewhere`);
      }
    }
  });

  void test('docs/reference/rfc4475.md has one row per vector, naming its codes', () => {
    const doc = readFileSync(join(dir, '..', '..', '..', 'docs', 'reference', 'rfc4475.md'), 'utf8').split('\n');
    for (const v of verdicts) {
      const row = doc.find((l) => l.startsWith(`| \`${v.file}\` | ${v.section} |`));
      assert.ok(row !== undefined, `no row for ${v.file}`);
      const codes = [v.expect, v.repaired?.expect].flatMap((e) => [
        ...(e === undefined || e.parse === 'ok' ? [] : [e.parse.code]),
        ...(e === undefined || e.validate === undefined || e.validate === 'ok' ? [] : e.validate.flatMap((c) => (c.code === undefined ? [] : [c.code]))),
      ]);
      for (const code of codes) assert.ok(row.includes(code), `${v.file}: the row does not name ${code}`);
    }
  });

  for (const v of verdicts) {
    void test(`${v.file} (§${v.section} ${v.title})`, () => {
      const buf = readFileSync(join(dir, v.file));
      const msg = run(buf, v.expect);
      if (v.facts !== undefined) {
        assert.ok(msg !== undefined, 'facts need a parsed message');
        const f = v.facts;
        if (f.method !== undefined) assert.equal(msg.method, f.method);
        if (f.status !== undefined) assert.equal(msg.status, f.status);
        if (f.reason !== undefined) assert.equal(msg.reason, f.reason);
        if (f.bodyLength !== undefined) assert.equal(msg.body.length, f.bodyLength, 'body length');
        if (f.viaCount !== undefined) assert.equal(msg.vias().length, f.viaCount, 'Via values');
        if (f.contactCount !== undefined) assert.equal(msg.contacts().length, f.contactCount, 'Contact values');
      }
      if (v.repaired !== undefined) run(Buffer.concat([buf, Buffer.from(v.repaired.append, 'latin1')]), v.repaired.expect);
    });
  }
});
