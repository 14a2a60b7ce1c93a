// A Kamailio hop in the chain (an independent RFC 3261 proxy implementation, Debian package `kamailio`):
//
//   SIPp uac_logme.xml ─▶ sipclf proxy ─▶ Kamailio (stateful, record-routing) ─▶ SIPp uas_logme.xml
//
// Kamailio runs from a minimal configuration written to a temporary directory (loopback ports, children=1 so it
// keeps message order, its own runtime directory and pid file; commands and traps: ../shared/specs/peers-howto.md
// §3). Both proxies Record-Route, so the caller's ACK and BYE carry two Route values and cross both hops (loose
// routing, RFC 3261 §16.4, §16.12). Checked: every SIPp exits 0 with all calls successful; tshark on a tcpdump
// capture shows every message Kamailio delivers to the callee still marked (RFC 8497: an RFC 3261 proxy passes
// the Session-ID and its parameters untouched, §5.3), the callee's echo reaching the caller marked; and the
// sipclf CLF log (--log marked) holds every message of those dialogs at its port but Kamailio's unmarked 100
// Trying (its own 100 echoes the marker: RFC 7989 §7, RFC 8497 Figure 3 F5).
// Run three times: the sipclf proxy ↔ Kamailio hop over UDP, then over TCP (Kamailio then record-routes twice,
// one value per transport; the caller's ACK and BYE carry three Route values), then over TLS (Kamailio's tls
// module, an OpenSSL server; the proxy verifies its certificate against tls.ca and logs that hop as T + E,
// RFC 6873 §4.2). The TCP and TLS hops are not in the UDP capture: there the CLF records say what crossed
// them, and the callee's side that it arrived marked.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { decodeRecord, recordLengthAt } from '../../src/clf/decode.js';
import { KAMAILIO_MODULES, kamailioConfig } from '../kamailio.js';
import {
  clfMessages, freePort, KAMAILIO, missingTools, SCEN, show, SIPP, sippOk, start, startCapture, startProxy, stopCapture,
  stopProxy, TCPDUMP, TSHARK, uuidCsv, waitFor, wireMessages, withDir,
} from './peers.js';

const CALLS = 5;
/** The transport of the sipclf proxy ↔ Kamailio hop (the SIPp legs are UDP). */
type Hop = 'udp' | 'tcp' | 'tls';

/** Kamailio's TLS module (Debian package kamailio-tls-modules): why the TLS hop cannot run, if it cannot. */
function missingTlsModule(): string | undefined {
  if (existsSync(join(KAMAILIO_MODULES, 'tls.so'))) return undefined;
  const why = 'kamailio-tls-modules is not installed (apt-get install -y --no-install-recommends kamailio-tls-modules; .ci/run installs it)';
  if (process.env['CI'] === 'true') throw new Error(`CI: ${why}`);
  return why;
}

/** The transport and encryption flags (RFC 6873 §4.2 bytes 4, 5) of the records sent to / received from `peer`. */
function hopFlags(dir: string, peer: string): string[] {
  const flags = new Set<string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.clf'))) {
    const text = readFileSync(join(dir, f), 'latin1');
    for (let off = 0; off < text.length; off += recordLengthAt(text, off)) {
      const r = decodeRecord(text, off);
      if (r.destination === peer || r.source === peer) flags.add(`${r.transport}${r.encrypted ? 'E' : 'U'}`);
    }
  }
  return [...flags];
}

async function chain(t: TestContext, hop: Hop): Promise<void> {
  await withDir('sipclf-kamailio-', async (dir, runs) => {
    uuidCsv(join(dir, 'uuids.csv'));
    uuidCsv(join(dir, 'uas_uuids.csv'));
    const [kport, uasPort, uacPort] = [await freePort('127.0.0.1', true), await freePort(), await freePort()];
    if (hop === 'tls') {
      // One throwaway self-signed certificate for both ends (IP subjectAltName: the proxy checks the name).
      const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, encoding: 'utf8' });
      assert.equal(gen.status, 0, gen.stderr);
      writeFileSync(join(dir, 'proxy.yaml'), 'tls:\n  cert: cert.pem\n  key: key.pem\n  ca: cert.pem\n');
    }
    const tls = hop === 'tls' ? { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } : undefined;
    writeFileSync(join(dir, 'kamailio.cfg'), kamailioConfig({ port: kport, uasPort, tcp: hop === 'tcp', ...(tls === undefined ? {} : { tls }) }));
    const check = start('kamailio', ['-c', '-f', join(dir, 'kamailio.cfg')], dir, 20);
    runs.push(check);
    assert.equal(await check.done, 0, `kamailio -c:\n${check.out}`);
    const kam = start('kamailio', ['-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-P', join(dir, 'kamailio.pid'), '-Y', dir, '-m', '64', '-M', '8'], dir, 60);
    runs.push(kam);
    await waitFor(kam, /SO_RCVBUF is finally/, 10000); // printed once the UDP socket is bound
    // Over TCP the proxy needs a TCP interface for its Via and Record-Route (RFC 3261 §16.6 steps 4, 8); the
    // route's transport=tcp makes it connect to Kamailio, whose responses come back on that connection.
    // Over TLS the same with a tls: listener, and Kamailio's certificate verified against tls.ca (proxy.yaml).
    const tcp = hop === 'tcp' ? ['--listen', 'tcp:127.0.0.1:0'] : hop === 'tls' ? ['--listen', 'tls:127.0.0.1:0', '--config', 'proxy.yaml'] : [];
    const proxy = await startProxy(runs, dir, ['--listen', 'udp:127.0.0.1:0', ...tcp, '--route', `127.0.0.1=127.0.0.1:${kport}${hop === 'udp' ? '' : `;transport=${hop}`}`, '--log-dir', 'logs', '--log', 'marked']);
    const pcap = join(dir, 'chain.pcap');
    const capture = await startCapture(runs, dir, pcap, `udp port ${proxy.port} or udp port ${uasPort}`);
    const bounds = ['-nostdin', '-m', String(CALLS), '-timeout', '30s', '-timeout_error'];
    const uas = start('sipp', ['-sf', join(SCEN, 'uas_logme.xml'), '-inf', 'uas_uuids.csv', '-i', '127.0.0.1', '-p', String(uasPort), ...bounds], dir, 45);
    runs.push(uas);
    await new Promise((r) => setTimeout(r, 700));
    const uac = start('sipp', ['-sf', join(SCEN, 'uac_logme.xml'), '-inf', 'uuids.csv', `127.0.0.1:${proxy.port}`, '-i', '127.0.0.1', '-p', String(uacPort), '-r', '5', '-d', '50', ...bounds, '-recv_timeout', '10000'], dir, 45);
    runs.push(uac);
    await sippOk(uac, CALLS, 'sipp uac', `proxy:\n${proxy.run.out}\nkamailio:\n${kam.out}`);
    await sippOk(uas, CALLS, 'sipp uas');
    await stopCapture(capture);
    await stopProxy(proxy);
    kam.child.kill('SIGTERM');
    await kam.done;

    const wire = wireMessages(pcap);
    const pp = `127.0.0.1:${proxy.port}`;
    const kk = `127.0.0.1:${kport}`;
    const callee = `127.0.0.1:${uasPort}`;
    const callIds = new Set(wire.map((m) => m.callId));
    assert.equal(callIds.size, CALLS);
    const toCallee = wire.filter((m) => m.src === kk && m.dst === callee);
    // INVITE, ACK and BYE per call, delivered by Kamailio, each still marked
    assert.equal(toCallee.filter((m) => ['INVITE', 'ACK', 'BYE'].includes(m.what)).length, 3 * CALLS, toCallee.map(show).join('\n'));
    assert.deepEqual(toCallee.filter((m) => !m.logme).map(show), [], 'the marker survives the Kamailio hop');
    const recs = clfMessages(join(dir, 'logs'));
    if (hop === 'udp') {
      const toKamailio = wire.filter((m) => m.src === pp && m.dst === kk);
      assert.ok(toKamailio.length >= 3 * CALLS && toKamailio.every((m) => m.logme), 'sipclf proxy forwards the marker to Kamailio');
      const fromKamailio = wire.filter((m) => m.src === kk && m.dst === pp && m.what !== '100');
      assert.ok(fromKamailio.length >= 3 * CALLS && fromKamailio.every((m) => m.logme), "the callee's echo comes back through Kamailio marked (its own 100 has no Session-ID)");
    } else {
      // the TCP hop is not in the (UDP) capture: the CLF says what crossed it, the UAS side that it arrived marked
      const toKam = recs.filter((m) => m.dir === 'S' && m.dst === kk);
      const fromKam = recs.filter((m) => m.dir === 'R' && m.src === kk);
      assert.equal(toKam.filter((m) => ['INVITE', 'ACK', 'BYE'].includes(m.what)).length, 3 * CALLS, toKam.map(show).join('\n'));
      assert.ok(fromKam.filter((m) => m.what === '200').length >= 2 * CALLS && toKam.concat(fromKam).every((m) => m.logme), `marked both ways over ${hop.toUpperCase()}`);
      // RFC 6873 §4.2: TLS is TCP (T) with the encryption flag E; plain TCP is TU.
      assert.deepEqual(hopFlags(join(dir, 'logs'), kk), [hop === 'tls' ? 'TE' : 'TU']);
    }
    // the sipclf proxy's CLF (no --logme-config: the messages carrying the marker): every message at its port,
    // its own marked 100 Trying too, but Kamailio's 100 (no Session-ID), in order per direction
    const atProxy = wire.filter((m) => (m.src === pp || m.dst === pp) && !(m.what === '100' && m.src === kk));
    assert.ok(atProxy.filter((m) => m.what === '100' && m.src === pp).every((m) => m.logme), 'the proxy echoes the marker in its own 100');
    const onWire = (m: { src: string; dst: string }): boolean => hop === 'udp' || (m.src !== kk && m.dst !== kk);
    const fmt = (dirn: 'R' | 'S') => (m: (typeof wire)[number]): string => show({ ...m, dir: dirn, logme: false });
    assert.deepEqual(recs.filter((m) => m.dir === 'R' && onWire(m)).map((m) => show({ ...m, logme: false })), atProxy.filter((m) => m.dst === pp).map(fmt('R')));
    assert.deepEqual(recs.filter((m) => m.dir === 'S' && onWire(m)).map((m) => show({ ...m, logme: false })), atProxy.filter((m) => m.src === pp).map(fmt('S')));
    t.diagnostic(`${toCallee.length} messages delivered by Kamailio to the callee, all marked; ${recs.length} CLF records at sipclf proxy`);
  });
}

describe('SIPp → sipclf proxy → Kamailio → SIPp with log-me markers', () => {
  const missing = missingTools(SIPP, KAMAILIO, TCPDUMP, TSHARK);
  it(`${CALLS} marked calls complete and the markers survive both proxies (UDP hop to Kamailio)`, { skip: missing ?? false, timeout: 60_000 }, (t) => chain(t, 'udp'));
  it(`${CALLS} marked calls over a TCP hop to Kamailio (double Record-Route)`, { skip: missing ?? false, timeout: 60_000 }, (t) => chain(t, 'tcp'));
  it(`${CALLS} marked calls over a TLS hop to Kamailio (its OpenSSL server; our certificate check)`, { skip: missing ?? missingTlsModule() ?? false, timeout: 60_000 }, (t) => chain(t, 'tls'));
});
