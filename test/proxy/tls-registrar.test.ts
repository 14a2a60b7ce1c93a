// Two start-up features of the `sipclf proxy` CLI, run as a child process with peers on loopback:
//
// 1. A TLS listener from the command line (--listen tls:… --tls-cert --tls-key; RFC 3261 §26.3.1, §18.2.2):
//    a throwaway self-signed certificate made by `openssl`, a Node TLS client that verifies it (ca = the
//    certificate, IP subjectAltName), an OPTIONS over TLS forwarded to a UDP callee, and its 200 coming back over
//    the same TLS connection. A tls: listener without a certificate is a usage error (exit 2).
// 2. The registrar file read back at start (§10.3): a REGISTER saved by one proxy process is routed to by the
//    next one started with the same --config, after the first has exited.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connect } from 'node:tls';
import { parseMessage } from '../../src/sip/parser.js';
import { CLI, missingTools, OPENSSL, start, startProxy, stopProxy, udpPeer, until, waitFor, withDir } from './peers.js';



/** The 200 a UAS answers `req` with (Vias, From, To with a tag, Call-ID and CSeq copied, §8.2.6.2). */
function ok200(req: Buffer): Buffer {
  const m = parseMessage(req);
  return Buffer.from(
    ['SIP/2.0 200 OK', ...m.getAll('Via').map((v) => `Via: ${v}`), `From: ${m.get('From') ?? ''}`, `To: ${m.get('To') ?? ''};tag=t1`, `Call-ID: ${m.callId ?? ''}`, `CSeq: ${m.get('CSeq') ?? ''}`, 'Content-Length: 0', '', ''].join('\r\n'),
  );
}

async function tlsListener(): Promise<void> {
  await withDir('sipclf-tls-', async (dir, runs) => {
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    const cert = readFileSync(join(dir, 'cert.pem'));
    const callee = await udpPeer();
    callee.sock.on('message', (b) => callee.sock.send(ok200(b), Number(/listening on udp:127\.0\.0\.1:(\d+)/.exec(proxy.run.out)?.[1]), '127.0.0.1'));
    const proxy = await startProxy(runs, dir, ['--listen', 'tls:127.0.0.1:0', '--listen', 'udp:127.0.0.1:0', '--tls-cert', 'cert.pem', '--tls-key', 'key.pem', '--route', `127.0.0.1=127.0.0.1:${callee.port}`]);
    await waitFor(proxy.run, /listening on udp:127\.0\.0\.1:\d+/, 5000);
    try {
      const sock = connect({ host: '127.0.0.1', port: proxy.port, ca: cert });
      await new Promise<void>((resolve, reject) => {
        sock.once('secureConnect', resolve);
        sock.once('error', reject);
      });
      assert.equal(sock.authorized, true, `the certificate verifies: ${String(sock.authorizationError)}`);
      let text = '';
      sock.on('data', (d: Buffer) => (text += d.toString('latin1')));
      const local = sock.localPort ?? 0;
      sock.write(
        [
          `OPTIONS sip:bob@127.0.0.1:${proxy.port} SIP/2.0`,
          `Via: SIP/2.0/TLS 127.0.0.1:${local};branch=z9hG4bK-tls-1`,
          'Max-Forwards: 70',
          'From: <sip:alice@127.0.0.1>;tag=a1',
          `To: <sip:bob@127.0.0.1:${proxy.port}>`,
          'Call-ID: tls-1@127.0.0.1',
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
      await until(() => callee.got.length === 1, 'the OPTIONS reaches the callee over UDP');
      const fwd = parseMessage(callee.got[0] as Buffer);
      assert.equal(fwd.topVia?.transport.toUpperCase(), 'UDP');
      assert.equal(fwd.vias()[1]?.transport.toUpperCase(), 'TLS', 'the caller came over TLS');
      await until(() => text.includes('\r\n\r\n'), 'the 200 comes back over the TLS connection');
      assert.match(text, /^SIP\/2\.0 200 OK\r\n/);
      assert.equal(parseMessage(Buffer.from(text, 'latin1')).vias().length, 1, "the proxy's Via is popped");
      sock.destroy();
      await stopProxy(proxy);
    } finally {
      callee.sock.close();
    }
  });
}

async function tlsWithoutCert(): Promise<void> {
  await withDir('sipclf-tls-nocert-', async (dir, runs) => {
    const run = start('node', [CLI, 'proxy', '--listen', 'tls:127.0.0.1:0'], dir, 20);
    runs.push(run);
    assert.equal(await run.done, 2, run.out);
    assert.match(run.out, /CONFIG_INVALID.*--tls-cert and --tls-key/);
  });
}

function register(contact: string, port: number): Buffer {
  return Buffer.from(
    [
      'REGISTER sip:example.com SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-restart-reg;rport`,
      'Max-Forwards: 70',
      'From: <sip:bob@example.com>;tag=r1',
      'To: <sip:bob@example.com>',
      'Call-ID: restart-reg@127.0.0.1',
      'CSeq: 1 REGISTER',
      `Contact: <${contact}>`,
      'Expires: 600',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

async function registrarRestart(): Promise<void> {
  await withDir('sipclf-registrar-', async (dir, runs) => {
    writeFileSync(join(dir, 'proxy.yaml'), 'listen: [udp:127.0.0.1:0]\ndomains: [example.com]\nregistrar:\n  file: ./registrar.json\n');
    const phone = await udpPeer();
    const caller = await udpPeer();
    try {
      const first = await startProxy(runs, dir, ['--config', 'proxy.yaml']);
      caller.sock.send(register(`sip:bob@127.0.0.1:${phone.port}`, caller.port), first.port, '127.0.0.1');
      await until(() => caller.got.length === 1, 'REGISTER answered');
      assert.match((caller.got[0] as Buffer).toString('latin1'), /^SIP\/2\.0 200 /);
      await stopProxy(first);
      assert.equal(statSync(join(dir, 'registrar.json')).mode & 0o777, 0o600, 'the registrar file is private (mode 0600)');

      const second = await startProxy(runs, dir, ['--config', 'proxy.yaml']);
      caller.sock.send(
        Buffer.from(
          [
            'MESSAGE sip:bob@example.com SIP/2.0',
            `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK-restart-msg;rport`,
            'Max-Forwards: 70',
            'From: <sip:alice@127.0.0.1>;tag=m1',
            'To: <sip:bob@example.com>',
            'Call-ID: restart-msg@127.0.0.1',
            'CSeq: 1 MESSAGE',
            'Content-Type: text/plain',
            'Content-Length: 2',
            '',
            'hi',
          ].join('\r\n'),
        ),
        second.port,
        '127.0.0.1',
      );
      await until(() => phone.got.length === 1, "the restarted proxy routes to the binding the first one saved (a 404 would mean it wasn't loaded)");
      assert.equal(parseMessage(phone.got[0] as Buffer).requestUri, `sip:bob@127.0.0.1:${phone.port}`);
      await stopProxy(second);
    } finally {
      phone.sock.close();
      caller.sock.close();
    }
  });
}

describe('sipclf proxy: TLS listener from the command line', () => {
  const missing = missingTools(OPENSSL);
  it('an OPTIONS over TLS (self-signed certificate, verified by the client) is forwarded and answered', { skip: missing ?? false, timeout: 30_000 }, () => tlsListener());
  it('a tls: listener without --tls-cert/--tls-key is a usage error (exit 2)', { timeout: 30_000 }, () => tlsWithoutCert());
});

describe('sipclf proxy: registrar file read back at start (RFC 3261 §10.3)', () => {
  it('a binding registered with one process is used by the next', { timeout: 30_000 }, () => registrarRestart());
});
