// The configurations of the deployment guides (docs/guides/deploy-edge-proxy.md, deploy-border.md) are the
// fixtures in test/proxy/fixtures/, validate, say what the guides say they do, and start a proxy (listen and
// log directory overridden by flags, as an operator testing the file on a laptop would). Every yaml block of
// docs/guides/proxy.md validates too.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseProxyConfig } from '../../src/proxy/config.js';
import { mergeProxyConfig } from '../../src/proxy/config-merge.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { validateLogmeConfig } from '../../src/logme/index.js';
import { missingTools, OPENSSL } from './peers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const yamlBlocks = (md: string): string[] => [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => String(m[1]));

interface Peer {
  readonly name: string;
  readonly agreement: boolean;
  readonly markFor: boolean;
}
const peersOf = (logme: unknown): Peer[] => validateLogmeConfig(logme).peers as unknown as Peer[];

/** Starts a proxy from the file with loopback listeners, a scratch log directory and registrar file, and (when
 * the file has TLS) a throwaway certificate from openssl in place of the production one. */
async function starts(text: string, name: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sipclf-deploy-'));
  try {
    const file = parseProxyConfig(text, name);
    const listen = ['udp:127.0.0.1:0', ...(file.tls === undefined ? [] : ['tls:127.0.0.1:0'])];
    const cfg = mergeProxyConfig(file, { listen, logDir: join(dir, 'logs') });
    let tls = cfg.server.tls;
    if (tls !== undefined) {
      const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1'], { cwd: dir, encoding: 'utf8' });
      assert.equal(gen.status, 0, gen.stderr);
      tls = { ...tls, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
    }
    const server = await ProxyServer.start({ ...cfg.server, ...(tls === undefined ? {} : { tls }), registrar: { ...cfg.server.registrar, file: join(dir, 'registrar.json') } });
    assert.equal(server.addresses().length, listen.length);
    assert.ok(server.log.engine !== undefined, 'the log-me engine is running');
    await server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deployment guide configurations', () => {
  const noOpenssl = missingTools(OPENSSL);
  it('edge proxy: the guide shows the fixture; it marks for the listed phones and starts', { skip: noOpenssl ?? false }, async () => {
    const fixture = read('test/proxy/fixtures/deploy-edge-proxy.yaml');
    assert.deepEqual(yamlBlocks(read('docs/guides/deploy-edge-proxy.md')), [fixture]);
    const c = parseProxyConfig(fixture, 'edge.yaml');
    assert.deepEqual(c.domains, ['example.com']);
    assert.ok(c.listen?.includes('tls:192.0.2.10:5061') === true && c.tls?.cert !== undefined);
    const peers = peersOf(c.logme);
    assert.deepEqual(peers.filter((p) => p.markFor).map((p) => p.name), ['legacy-phones']);
    assert.ok(peers.every((p) => p.agreement), 'inside its own network every peer may receive markers');
    await starts(fixture, 'edge.yaml');
  });

  it('border: the guide shows both fixtures; without agreement B gets none, with agreement it does; both start', async () => {
    const none = read('test/proxy/fixtures/deploy-border-no-agreement.yaml');
    const agreed = read('test/proxy/fixtures/deploy-border-agreement.yaml');
    assert.deepEqual(yamlBlocks(read('docs/guides/deploy-border.md')), [none, agreed]);
    for (const [text, agreement] of [[none, false], [agreed, true]] as const) {
      const c = parseProxyConfig(text, 'border.yaml');
      const l = validateLogmeConfig(c.logme);
      assert.deepEqual(l.roles, ['boundary']);
      assert.equal(peersOf(c.logme).find((p) => p.name === 'operator-b')?.agreement, agreement);
      assert.equal(l.defaultPeer.agreement, false, 'unknown neighbours never exchange markers');
      await starts(text, 'border.yaml');
    }
  });

  it('every yaml block of the proxy guide validates', () => {
    const blocks = yamlBlocks(read('docs/guides/proxy.md'));
    assert.ok(blocks.length >= 1);
    for (const b of blocks) parseProxyConfig(b, 'proxy.md');
  });
});
