// The README's examples run as tests, so they cannot rot: the library snippet and the CLI quick start.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test('the README library snippet runs', () => {
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(code !== undefined, 'README has a ts block');
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-readme-'));
  try {
    const datagram =
      'INVITE sip:bob@example.com SIP/2.0\\r\\nVia: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bKreadme\\r\\nFrom: <sip:a@example.com>;tag=1\\r\\n' +
      'To: <sip:bob@example.com>\\r\\nCall-ID: readme-call\\r\\nCSeq: 1 INVITE\\r\\nContact: <sip:a@198.51.100.7>\\r\\nContent-Length: 0\\r\\n\\r\\n';
    const js = `const datagram = Buffer.from('${datagram}');\n${code.replace("from 'sipclf'", `from '${join(root, 'dist', 'src', 'index.js')}'`)}`;
    writeFileSync(join(dir, 'snippet.mjs'), js);
    const out = execFileSync(process.execPath, ['snippet.mjs'], { cwd: dir, encoding: 'utf8' });
    assert.equal(out.trim(), 'readme-call');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the README CLI quick start runs', () => {
  const block = /## Quick start\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block !== undefined);
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-readme-'));
  const cli = [join(root, 'bin', 'sipclf.js')];
  const run = (args: string[], input?: string): string =>
    execFileSync(process.execPath, [...cli, ...args], { cwd: dir, encoding: 'latin1', ...(input !== undefined ? { input } : {}), stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  try {
    writeFileSync(join(dir, 'invite.sip'), readFileSync(join(root, 'test', 'vectors', 'rfc4475', 'esc01.dat')));
    for (const line of block.split('\n')) {
      const cmd = line.replace(/#.*$/, '').trim();
      if (!cmd.startsWith('npx sipclf ') || cmd.includes('|')) continue;
      const args = cmd.slice('npx sipclf '.length).split(/\s+/);
      if (args[0] === 'parse' && args.includes('--stream')) continue;
      if (args.includes('msg.sip')) args[args.indexOf('msg.sip')] = 'invite.sip';
      if (args[0] === 'gen') args[args.indexOf('--records') + 1] = '2000'; // the same command, smaller
      if (args[0] === 'merge') {
        writeFileSync(join(dir, 'edge.clf'), run(['gen', '--records', '50', '--seed', '1']), 'latin1');
        writeFileSync(join(dir, 'border.clf'), run(['gen', '--records', '50', '--seed', '2']), 'latin1');
      }
      if (args[0] === 'grep') args.splice(1, 2, '--call-id', run(['cat', '--fields', 'callid', 'proxy.clf']).split('\n')[0] ?? '');
      run(args);
    }
    assert.match(run(['stats', 'trail.clf']), /^Records: 100 /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
