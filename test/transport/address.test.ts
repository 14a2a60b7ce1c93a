// Listen-address syntax, IP normalisation, option validation: pure, no sockets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipclfError } from '../../src/errors.js';
import { formatEndpoint, normalizeIp, parseListenAddress, TransportLayer } from '../../src/transport/index.js';

test('parseListenAddress: transport, host and port, defaults loopback and 5060/5061', () => {
  assert.deepEqual(parseListenAddress('udp:127.0.0.1:5060'), { transport: 'udp', host: '127.0.0.1', port: 5060 });
  assert.deepEqual(parseListenAddress('TCP:[::1]:5070'), { transport: 'tcp', host: '::1', port: 5070 });
  assert.deepEqual(parseListenAddress('tls:[0:0:0:0:0:0:0:1]'), { transport: 'tls', host: '::1', port: 5061 });
  assert.deepEqual(parseListenAddress('udp'), { transport: 'udp', host: '127.0.0.1', port: 5060 });
  assert.deepEqual(parseListenAddress('udp:5080'), { transport: 'udp', host: '127.0.0.1', port: 5080 });
  assert.deepEqual(parseListenAddress('tcp:localhost:0'), { transport: 'tcp', host: '127.0.0.1', port: 0 });
  // Binding every interface is possible, but only when written out.
  assert.deepEqual(parseListenAddress('udp:0.0.0.0:5060'), { transport: 'udp', host: '0.0.0.0', port: 5060 });
  assert.deepEqual(parseListenAddress('udp:[::]:5060'), { transport: 'udp', host: '::', port: 5060 });
  assert.equal(formatEndpoint(parseListenAddress('udp:[::1]:5060')), 'udp:[::1]:5060');
});

test('parseListenAddress: clear CONFIG_INVALID errors naming the path', () => {
  const cases: Array<[string, RegExp]> = [
    ['sctp:127.0.0.1:5060', /transport "sctp"/],
    ['udp:::1:5060', /IPv6 address without brackets/],
    ['udp:[::1:5060', /without '\]'/],
    ['udp:[127.0.0.1]:5060', /not an IPv6 address/],
    ['udp:example.com:5060', /not an IPv4 address/],
    ['udp:127.0.0.1:65536', /port "65536"/],
    ['udp:127.0.0.1:x', /port "x"/],
    ['udp:[::1]5060', /not ':PORT'/],
  ];
  for (const [spec, why] of cases) {
    assert.throws(
      () => parseListenAddress(spec, 'listeners[3]'),
      (e: unknown) => e instanceof SipclfError && e.code === 'CONFIG_INVALID' && e.message.startsWith('listeners[3]: ') && why.test(e.message),
      spec,
    );
  }
});

test('normalizeIp: RFC 5952 text form, IPv4-mapped folded, brackets removed', () => {
  assert.equal(normalizeIp('[2001:DB8:0:0:0:0:2:1]'), '2001:db8::2:1');
  assert.equal(normalizeIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(normalizeIp('2001:0db8:0000:0001:0001:0001:0001:0001'), '2001:db8:0:1:1:1:1:1');
  assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normalizeIp('0:0:0:0:0:0:0:0'), '::');
  assert.equal(normalizeIp('Example.COM'), 'example.com');
});

test('TransportLayer options are validated before anything is bound', () => {
  const bad = (o: ConstructorParameters<typeof TransportLayer>[0], why: RegExp): void => {
    assert.throws(() => new TransportLayer(o), (e: unknown) => e instanceof SipclfError && e.code === 'CONFIG_INVALID' && why.test(e.message));
  };
  bad({ listeners: [] }, /^listeners: at least one/);
  bad({ listeners: ['tls:127.0.0.1:0'] }, /^listeners\[0\]: .*tls\.cert and tls\.key/);
  bad({ listeners: ['udp:127.0.0.1:5060', 'udp:127.0.0.1:5060'] }, /^listeners\[1\]: .*twice/);
  bad({ listeners: ['udp:0'], maxConnections: 0 }, /^maxConnections: /);
  bad({ listeners: ['udp:0'], limits: { maxMessageBytes: -1 } }, /^limits\.maxMessageBytes: /);
  bad({ listeners: [{ listen: 'udp:1.2.3' }] }, /^listeners\[0\]: /);
});
