// `sipclf flow`: the fixed logs of test/vectors/flow/ (made by make-vectors.mjs) drawn as text and JSON and
// compared with the expected files next to them; HTML/SVG well-formed and self-contained; selectors; usage errors.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../cli/helpers.js';

const VEC = join(import.meta.dirname, '..', '..', '..', 'test', 'vectors', 'flow');
const files = (dir: string): string[] =>
  readdirSync(join(VEC, dir))
    .filter((f) => f.endsWith('.clf'))
    .sort()
    .map((f) => join(VEC, dir, f));
const expected = (name: string): string => readFileSync(join(VEC, name), 'utf8');

interface JsonFlow {
  callIds: string[];
  entities: { name: string }[];
  messages: { from: string; to: string; label: string; logme: boolean; matched: boolean; markingError: string | null }[];
  markingErrors: number;
}

/** A small XML well-formedness check: balanced tags, quoted attributes, known entities only. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!DOCTYPE[^>]*>|&(#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);|[<>&]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml)) !== null) {
    if (m[0].startsWith('<!DOCTYPE') || m[0].startsWith('&') && m[0].length > 1) continue;
    if (m[2] === undefined) {
      if (m[0] === '>') continue; // a bare > is allowed in character data
      assert.fail(`stray ${JSON.stringify(m[0])} at ${m.index}`);
    }
    if (m[1] === '/') assert.equal(stack.pop(), m[2], `closing </${m[2]}> at ${m.index}`);
    else if (m[4] !== '/') stack.push(m[2]);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
}

function assertNoExternal(doc: string): void {
  const stripped = doc.replace('xmlns="http://www.w3.org/2000/svg"', '');
  assert.doesNotMatch(stripped, /https?:|\bhref=|\bsrc=|url\(|@import|<script/i);
}

describe('sipclf flow: expected outputs', () => {
  for (const name of ['basic', 'fork', 'transfer']) {
    test(`${name}: text`, async () => {
      const r = await runCli(['flow', ...files(name)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, expected(`${name}.txt`));
    });
    test(`${name}: json`, async () => {
      const r = await runCli(['flow', '--format', 'json', ...files(name)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, expected(`${name}.json`));
    });
  }
});

describe('sipclf flow: semantics', () => {
  test('basic: every hop matched once, all marked, the other session hinted', async () => {
    const r = await runCli(['flow', '--format', 'json', ...files('basic')]);
    const f = JSON.parse(r.stdout) as JsonFlow;
    assert.deepEqual(f.entities.map((e) => e.name), ['alice', 'proxy', 'bob']);
    assert.equal(f.messages.length, 13);
    assert.ok(f.messages.every((m) => m.matched && m.logme && m.markingError === null));
    assert.match(r.stderr, /1 other session.*\n.*--call-id ping-1@proxy/);
  });

  test('fork: both branches, the CANCEL, carol dropping logme, the unlogged ACK', async () => {
    const f = JSON.parse((await runCli(['flow', '--format', 'json', ...files('fork')])).stdout) as JsonFlow;
    assert.ok(f.messages.some((m) => m.label === 'CANCEL' && m.from === 'proxy' && m.to === 'carol' && m.matched));
    assert.equal(f.messages.filter((m) => m.label === 'INVITE' && m.from === 'proxy').length, 2);
    assert.equal(f.markingErrors, 4);
    const ack = f.messages.find((m) => m.label === 'ACK' && m.to === 'carol');
    assert.equal(ack?.matched, false);
  });

  test('transfer: both Call-IDs in one session through the shared UUID; carol, who logged nothing, is a column named by her address', async () => {
    const f = JSON.parse((await runCli(['flow', '--format', 'json', ...files('transfer')])).stdout) as JsonFlow;
    assert.deepEqual(f.callIds, ['xfer-1@alice.example.com', 'xfer-2@alice.example.com']);
    assert.equal(f.entities.at(-1)?.name, '192.0.2.30:5060');
    assert.ok(f.messages.some((m) => m.label === 'REFER'));
  });
});

describe('sipclf flow: --name', () => {
  test('names the column of a peer that logged nothing, by address or by IP; a bad value is a usage error', async () => {
    const f = JSON.parse((await runCli(['flow', '--format', 'json', '--name', '192.0.2.30:5060=carol', ...files('transfer')])).stdout) as JsonFlow;
    assert.equal(f.entities.at(-1)?.name, 'carol');
    assert.ok(f.messages.some((m) => m.to === 'carol'));
    const g = JSON.parse((await runCli(['flow', '--format', 'json', '--name', '192.0.2.30=carol', ...files('transfer')])).stdout) as JsonFlow;
    assert.equal(g.entities.at(-1)?.name, 'carol');
    const bad = await runCli(['flow', '--name', 'carol', ...files('transfer')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /CLI_USAGE: --name takes ADDR=NAME/);
  });
});

describe('sipclf flow: selectors', () => {
  test('--call-id picks the other session', async () => {
    const f = JSON.parse((await runCli(['flow', '--format', 'json', '--call-id', 'ping-1@proxy', ...files('basic')])).stdout) as JsonFlow;
    assert.deepEqual(f.messages.map((m) => m.label), ['OPTIONS', '200 OK (OPTIONS)']);
  });

  test('--session-id takes the whole session; --test-case follows RFC 8497 §3.3', async () => {
    const bob = '7d6c5b4a-3928-4f1e-8d7c-6b5a49382716';
    const s = JSON.parse((await runCli(['flow', '--format', 'json', '--session-id', bob, ...files('transfer')])).stdout) as JsonFlow;
    assert.equal(s.callIds.length, 2);
    // bob's UUID is not in carol's dialog: the test case of bob is the first call only
    const t = JSON.parse((await runCli(['flow', '--format', 'json', '--test-case', bob, ...files('transfer')])).stdout) as JsonFlow;
    assert.deepEqual(t.callIds, ['xfer-1@alice.example.com']);
    const alice = '2f1e3a4b5c6d4e7f8a9b0c1d2e3f4a5b';
    const a = JSON.parse((await runCli(['flow', '--format', 'json', '--test-case', alice, ...files('transfer')])).stdout) as JsonFlow;
    assert.equal(a.callIds.length, 2);
  });

  test('a selector that matches nothing exits 1', async () => {
    const r = await runCli(['flow', '--call-id', 'nope', ...files('basic')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no message matches/);
  });
});

describe('sipclf flow: html and svg', () => {
  for (const format of ['svg', 'html']) {
    test(`${format} is well formed and self-contained`, async () => {
      const r = await runCli(['flow', '--format', format, ...files('fork')]);
      assert.equal(r.code, 0, r.stderr);
      assertNoExternal(r.stdout);
      const svg = r.stdout.slice(r.stdout.indexOf('<svg'), r.stdout.indexOf('</svg>') + 6);
      assertWellFormedXml(svg);
      assert.match(svg, /CANCEL/);
      if (format === 'html') {
        assert.match(r.stdout, /^<!DOCTYPE html>/);
        assert.match(r.stdout, /<style>/);
      } else assertWellFormedXml(r.stdout.trim());
    });
  }
});

describe('sipclf flow: usage errors', () => {
  const cases: [string, string[]][] = [
    ['two selectors', ['--call-id', 'x', '--session-id', '2f1e3a4b5c6d4e7f8a9b0c1d2e3f4a5b']],
    ['a bad UUID', ['--test-case', 'not-a-uuid']],
    ['an unknown format', ['--format', 'png']],
  ];
  for (const [what, argv] of cases) {
    test(what, async () => {
      const r = await runCli(['flow', ...argv, ...files('basic')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /CLI_USAGE/);
    });
  }
  test('an unreadable file exits 2', async () => {
    const r = await runCli(['flow', join(VEC, 'missing.clf')]);
    assert.equal(r.code, 2);
  });
});
