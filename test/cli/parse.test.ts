// `sipclf parse`: text and JSON output, strict mode, stream framing, error lines and exit statuses.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from './helpers.js';

const root = join(import.meta.dirname, '..', '..', '..');
const vec = (f: string): string => join(root, 'test', 'vectors', 'rfc4475', f);

describe('sipclf parse', () => {
  test('prints the start line, every header raw and parsed, and the body', async () => {
    const r = await runCli(['parse', vec('wsinv.dat')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^request: INVITE sip:vivekg@chair-dnrc\.example\.com;unknownparam SIP\/2\.0$/m);
    assert.match(r.stdout, /^ {2}cseq: 0009 INVITE$/m);
    assert.match(r.stdout, /= \{"seq":9,"method":"INVITE"\}/);
    assert.match(r.stdout, /body: 150 bytes \(application\/sdp\)/);
  });

  test('--json gives one object with headers and summary', async () => {
    const r = await runCli(['parse', '--json', vec('esc01.dat')]);
    assert.equal(r.code, 0);
    const o = JSON.parse(r.stdout) as { type: string; method: string; headers: unknown[]; summary: { callId: string } };
    assert.equal(o.type, 'request');
    assert.equal(o.method, 'INVITE');
    assert.ok(o.headers.length > 5);
    assert.equal(o.summary.callId, 'esc01.239409asdfakjkn23onasd0-3234');
  });

  test('invalid input prints "error CODE at byte N" and exits 1', async () => {
    const r = await runCli(['parse', vec('ltgtruri.dat')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^error SIP_BAD_REQUEST_URI at byte 7: /);
  });

  test('--strict finds what the lazy parser does not look at (RFC 4475 §3.1.2.12 baddate)', async () => {
    assert.equal((await runCli(['parse', vec('baddate.dat')])).code, 0);
    const r = await runCli(['parse', '--strict', vec('baddate.dat')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^error SIP_BAD_HEADER_VALUE at byte \d+: Date: time zone must be GMT/);
  });

  test('reads standard input with - and frames a stream with --stream', async () => {
    const one = Buffer.from('OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n');
    const stream = Buffer.concat([one, Buffer.from('\r\n\r\n'), one]);
    const r = await runCli(['parse', '--stream', '--json', '-'], stream);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim().split('\n').length, 2);
    const bad = await runCli(['parse', '--stream', '-'], Buffer.from('OPTIONS sip:a@example.com SIP/2.0\r\n\r\n'));
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /error SIP_MISSING_CONTENT_LENGTH at byte 0/);
  });

  test('limits are options', async () => {
    const r = await runCli(['parse', '--max-message-bytes', '100', vec('wsinv.dat')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /error SIP_LIMIT_MESSAGE_SIZE/);
    const u = await runCli(['parse', '--max-headers', 'zero', vec('wsinv.dat')]);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /CLI_USAGE/);
  });

  test('usage errors exit 2; a missing file is an I/O error', async () => {
    assert.equal((await runCli(['parse', '--bogus'])).code, 2);
    const r = await runCli(['parse', '/nonexistent/file.sip']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /IO_READ/);
  });

  test('the README set-up command works as written (built CLI, real process)', () => {
    const out = execFileSync(process.execPath, [join(root, 'bin', 'sipclf.js'), 'parse', 'test/vectors/rfc4475/wsinv.dat'], { cwd: root, encoding: 'utf8' });
    assert.match(out, /^request: INVITE /);
    const help = spawnSync(process.execPath, [join(root, 'bin', 'sipclf.js'), '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /parse \[options\] \[file\]/);
  });
});
