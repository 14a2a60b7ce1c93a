// udpReceiveBufferBytes: UDP listeners ask the kernel for a larger SO_RCVBUF (default 4 MiB) so a burst
// during a GC pause is not dropped; read back from the socket table with `ss -m` (rb = the kernel's
// doubled value, capped by net.core.rmem_max).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SipclfError } from '../../src/errors.js';
import { TransportLayer } from '../../src/transport/index.js';

// `ss` comes with iproute2 (installed by .ci/run): in CI its absence is a failure, elsewhere a skip.
const hasSs = spawnSync('ss', ['-V']).status === 0;
const skipReason = hasSs || process.env['CI'] === 'true' ? false : 'ss (iproute2) is not installed';

function rcvbuf(port: number): number {
  const out = execFileSync('ss', ['-uanm', `sport = :${port}`], { encoding: 'utf8' });
  const m = /rb(\d+)/.exec(out);
  assert.ok(m !== null, out);
  return Number(m[1]);
}

test('UDP listeners get the receive buffer asked for (capped by rmem_max); 0 keeps the system default', { skip: skipReason }, async () => {
  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  const rmemDefault = Number(readFileSync('/proc/sys/net/core/rmem_default', 'utf8'));
  const big = new TransportLayer({ listeners: ['udp:127.0.0.1:0'] });
  const dflt = new TransportLayer({ listeners: ['udp:127.0.0.1:0'], udpReceiveBufferBytes: 0 });
  try {
    const [a] = await big.start();
    const [b] = await dflt.start();
    assert.ok(a !== undefined && b !== undefined);
    // Linux doubles SO_RCVBUF for bookkeeping.
    assert.equal(rcvbuf(a.port), 2 * Math.min(4 * 1024 * 1024, rmemMax));
    assert.equal(rcvbuf(b.port), rmemDefault);
  } finally {
    await big.close();
    await dflt.close();
  }
});

test('udpReceiveBufferBytes must be a non-negative integer (CONFIG_INVALID)', () => {
  assert.throws(
    () => new TransportLayer({ listeners: ['udp:127.0.0.1:0'], udpReceiveBufferBytes: -1 }),
    (e: unknown) => e instanceof SipclfError && e.code === 'CONFIG_INVALID' && /udpReceiveBufferBytes/.test(e.message),
  );
});
