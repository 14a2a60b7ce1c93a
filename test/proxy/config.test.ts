// The YAML configuration of `sipclf proxy --config` (src/proxy/config.ts, config-merge.ts): the documented
// example validates, each kind of bad value is reported with its path, YAML syntax errors with line:column,
// and flags win over the file.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseProxyConfig, validateProxyConfig } from '../../src/proxy/config.js';
import { mergeProxyConfig } from '../../src/proxy/config-merge.js';
import { SipclfError } from '../../src/errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURE = readFileSync(join(ROOT, 'test/proxy/fixtures/proxy-config.yaml'), 'utf8');

function fails(text: string, message: RegExp): void {
  assert.throws(
    () => parseProxyConfig(text, 'f.yaml'),
    (e: unknown) => e instanceof SipclfError && e.code === 'CONFIG_INVALID' && message.test(e.message),
  );
}

describe('proxy configuration file', () => {
  it('the example of docs/reference/proxy-config.md is the fixture and validates', () => {
    const doc = readFileSync(join(ROOT, 'docs/reference/proxy-config.md'), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.equal(block, FIXTURE);
    const c = parseProxyConfig(FIXTURE, 'example.yaml');
    assert.deepEqual(c.listen, ['udp:127.0.0.1:5060', 'tcp:127.0.0.1:5060']);
    assert.deepEqual(c.routes, ['example.net=127.0.0.1:5070', 'user:+1555=127.0.0.1:5080']);
    assert.equal(c.defaultRoute, '127.0.0.1:5090;transport=tcp');
    assert.deepEqual(c.registrar, { file: './registrar.json', minExpires: 60, maxExpires: 7200 });
    assert.equal(c.log?.mode, 'marked');
    assert.deepEqual(c.log?.rotation, { maxBytes: 104857600, interval: 'daily', gzip: true, maxFiles: 30 });
    assert.deepEqual(c.metrics, { host: '127.0.0.1', port: 9464, allowRemote: false });
    assert.deepEqual(c.timers, { T1: 500, timerC: 185000 });
    assert.ok(c.logme !== undefined);
  });

  it('transport tunables: validated with their paths, passed to the server, checked by the transport layer', async () => {
    const c = parseProxyConfig('transport:\n  udpReceiveBufferBytes: 1048576\n  maxConnections: 64\n', 'f.yaml');
    assert.deepEqual(c.transport, { udpReceiveBufferBytes: 1048576, maxConnections: 64 });
    assert.deepEqual(mergeProxyConfig(c, { listen: ['udp:127.0.0.1:0'] }).server.transport, { udpReceiveBufferBytes: 1048576, maxConnections: 64 });
    fails('transport: {udpReceiveBufferBytes: -1}\n', /^f\.yaml: transport\.udpReceiveBufferBytes: out of range/);
    fails('transport: {maxConnections: 0}\n', /transport\.maxConnections: out of range/);
    fails('transport: {sndbuf: 1}\n', /transport\.sndbuf: unknown key/);
    // The server hands them to TransportLayer, which applies its own checks before any socket exists.
    const { ProxyServer } = await import('../../src/proxy/server.js');
    await assert.rejects(
      ProxyServer.start({ listen: ['udp:127.0.0.1:0'], log: 'none', transport: { maxConnections: 0 } }),
      (e: unknown) => e instanceof SipclfError && e.code === 'CONFIG_INVALID' && /maxConnections/.test(e.message),
    );
  });

  it('an empty file is an empty configuration', () => {
    assert.deepEqual(parseProxyConfig('', 'f.yaml'), {});
    assert.deepEqual(validateProxyConfig(null), {});
  });

  it('names the path and the reason of every kind of bad value', () => {
    fails('routes:\n  - a.net=127.0.0.1:5070\n  - b.net=127.0.0.1:5071\n  - {match: c.net, to: nope}\n', /^f\.yaml: routes\[2\]\.to: not host:port$/);
    fails('routes:\n  - {match: c.net}\n', /routes\[0\]\.to: expected a non-empty string/);
    fails('routes:\n  - {match: c.net, to: "127.0.0.1:5070", via: x}\n', /routes\[0\]\.via: unknown key/);
    fails('routes: [nonsense]\n', /routes\[0\]: /);
    fails('listen: [udp:127.0.0.1]\n', /listen\[0\]: expected udp:HOST:PORT/);
    fails('listen: [sctp:127.0.0.1:5060]\n', /listen\[0\]: /);
    fails('bogus: 1\n', /^f\.yaml: bogus: unknown key/);
    fails('log: {mode: some}\n', /log\.mode: expected all, marked or none/);
    fails('log: {rotation: {maxBytes: -1}}\n', /log\.rotation\.maxBytes: out of range/);
    fails('log: {rotation: {gzip: yes please}}\n', /log\.rotation\.gzip: expected true or false/);
    fails('log: {rotation: {fsync: sometimes}}\n', /log\.rotation\.fsync: /);
    fails('registrar: {minExpires: 100, maxExpires: 50}\n', /registrar\.minExpires: greater than registrar\.maxExpires/);
    fails('registrar: {maxExpires: 1.5}\n', /registrar\.maxExpires: expected an integer/);
    fails('registrar: {maxAors: 0}\n', /registrar\.maxAors/);
    fails('registrar: {maxContact: 5}\n', /maxContact/);
    assert.deepEqual(parseProxyConfig('registrar: {maxAors: 5000, maxContacts: 4, forgetAfter: 600}\n', 'x.yaml').registrar, { maxAors: 5000, maxContacts: 4, forgetAfter: 600 });
    fails('metrics: {listen: "10.0.0.1:9464"}\n', /metrics\.listen: 10\.0\.0\.1 is not a loopback address/);
    fails('metrics: {listen: "localhost"}\n', /metrics\.listen: not host:port/);
    fails('timers: {timerC: 1000}\n', /timers\.timerC: out of range/);
    fails('logLevel: loud\n', /logLevel: expected one of/);
    fails('domains: {a: 1}\n', /domains: expected a list of strings/);
    fails('defaultRoute: ""\n', /defaultRoute: expected a non-empty string/);
    fails('logme: {roles: [bogus]}\n', /logme\.roles\[0\]: /);
    fails('- a\n- b\n', /^f\.yaml: : expected a mapping|expected a mapping/);
  });

  it('accepts a remote metrics address only with allowRemote', () => {
    const c = parseProxyConfig('metrics: {listen: "0.0.0.0:9464", allowRemote: true}\n');
    assert.deepEqual(c.metrics, { host: '0.0.0.0', port: 9464, allowRemote: true });
  });

  it('reports YAML syntax errors with line and column', () => {
    fails('listen:\n  - udp:127.0.0.1:5060\nroutes: [\n', /^f\.yaml:\d+:\d+: YAML syntax error: /);
    fails('a: b: c\n', /^f\.yaml:1:4: YAML syntax error: /);
    fails('listen: []\nlisten: []\n', /^f\.yaml:2:1: YAML syntax error: .*unique/i);
  });

  it('flags win over the file; a repeatable flag replaces the list; defaults fill the rest', () => {
    const file = parseProxyConfig(FIXTURE);
    const same = mergeProxyConfig(file, {});
    assert.deepEqual(same.server.listen, ['udp:127.0.0.1:5060', 'tcp:127.0.0.1:5060']);
    assert.equal(same.server.log, 'marked');
    assert.equal(same.server.logDir, './logs');
    assert.equal(same.server.timerC, 185000);
    assert.deepEqual(same.server.timers, { T1: 500 });
    assert.equal(same.logLevel, 'info');
    const over = mergeProxyConfig(file, {
      listen: ['udp:127.0.0.1:0'],
      routes: ['example.org=127.0.0.1:6000'],
      log: 'all',
      logDir: '/tmp/x',
      logLevel: 'debug',
      metrics: '127.0.0.1:0',
      defaultRoute: '127.0.0.1:7000',
    });
    assert.deepEqual(over.server.listen, ['udp:127.0.0.1:0']);
    assert.deepEqual(over.server.routes, ['example.org=127.0.0.1:6000']);
    assert.deepEqual(over.server.domains, ['example.com']);
    assert.equal(over.server.log, 'all');
    assert.equal(over.server.logDir, '/tmp/x');
    assert.equal(over.server.defaultRoute, '127.0.0.1:7000');
    assert.equal(over.logLevel, 'debug');
    assert.deepEqual(over.metrics, { host: '127.0.0.1', port: 0, allowRemote: false });
    const none = mergeProxyConfig({}, { listen: ['udp:127.0.0.1:0'] });
    assert.equal(none.server.log, 'marked');
    assert.equal(none.metrics, undefined);
    assert.throws(() => mergeProxyConfig({}, { metrics: '192.0.2.1:9000' }), /--metrics: 192\.0\.2\.1 is not a loopback/);
    assert.throws(() => mergeProxyConfig({}, { log: 'some' }), /--log some/);
  });

  it('stateless, tls and rotation intervals: checked on load, merged with the flags', () => {
    fails('log:\n  rotation:\n    interval: weekly\n', /^f\.yaml: log\.rotation\.interval: expected hourly, daily/);
    fails('stateless: yes\n', /stateless: expected true or false/);
    fails('listen: [tls:127.0.0.1:5061]\n', /tls: a tls: listener needs tls\.cert and tls\.key/);
    fails('tls:\n  cert: c.pem\n', /tls\.key: tls\.cert and tls\.key go together/);
    fails('tls:\n  cert: c.pem\n  key: k.pem\n  pin: x\n', /tls\.pin: unknown key/);
    const file = parseProxyConfig('listen: [tls:127.0.0.1:5061]\ntls:\n  cert: c.pem\n  key: k.pem\nlog:\n  rotation:\n    interval: daily\n', 'f.yaml');
    assert.equal(file.log?.rotation?.interval, 'daily', 'the file keeps what was written');
    const m = mergeProxyConfig(file, { stateless: true, tlsKey: 'other.pem' });
    assert.equal(m.server.stateless, true);
    assert.deepEqual(m.server.tls, { cert: 'c.pem', key: 'other.pem' });
    assert.equal(m.server.rotation?.interval, '1d', 'the writer gets the duration');
    assert.equal(mergeProxyConfig({}, {}).server.stateless, undefined);
    assert.throws(() => mergeProxyConfig({}, { listen: ['tls:127.0.0.1:5061'] }), /--tls-cert and --tls-key/);
  });
});
