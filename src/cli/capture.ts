/**
 * `sipclf capture`: a HEP v3 collector (src/capture/hep-collector.ts) writing rotated SIP CLF files until
 * SIGTERM or SIGINT, then flushing and exiting 0. Listens only on the --hep and --metrics addresses given.
 */
import { SipclfError } from '../errors.js';
import { HepCollector, parseHepListen, parseHostPort, type HepCollectorOptions } from '../capture/hep-collector.js';
import { intOption, type Io } from './io.js';
import { untilSignal } from './signals.js';

export const VIEWPOINT_NOTE =
  'viewpoint: neutral HEP mirror — every message is logged once, as received by its destination ' +
  '(direction R, Source/Destination from the HEP chunks, retransmission flag S: not detected)';

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

function options(raw: Record<string, unknown>): HepCollectorOptions {
  const listen = list(raw['hep']).map(parseHepListen);
  if (listen.length === 0) throw new SipclfError('CLI_USAGE', '--hep udp:HOST:PORT or tcp:HOST:PORT is required');
  const out = raw['out'];
  if (typeof out !== 'string' || out === '') throw new SipclfError('CLI_USAGE', '--out DIR is required');
  const writer: Record<string, unknown> = {};
  if (raw['maxBytes'] !== undefined) writer['maxBytes'] = intOption(raw['maxBytes'], 'max-bytes');
  if (typeof raw['interval'] === 'string') writer['interval'] = raw['interval'];
  if (raw['gzip'] === true) writer['gzip'] = true;
  if (raw['maxFiles'] !== undefined) writer['maxFiles'] = intOption(raw['maxFiles'], 'max-files');
  return {
    listen,
    out,
    perAgent: raw['perAgent'] === true,
    ...(typeof raw['authKey'] === 'string' ? { authKey: raw['authKey'] } : {}),
    ...(typeof raw['metrics'] === 'string' ? { metrics: parseHostPort(raw['metrics'], '--metrics') } : {}),
    writer,
    queueBytes: intOption(raw['queueBytes'] ?? 8388608, 'queue-bytes'),
    maxAgents: intOption(raw['maxAgents'] ?? 64, 'max-agents'),
    keepKeys: raw['keepKeys'] === true,
  };
}

/** Runs until `stop` resolves (SIGTERM/SIGINT by default). */
export async function runCapture(raw: Record<string, unknown>, io: Io, stop?: Promise<unknown>): Promise<number> {
  let collector: HepCollector;
  try {
    const o = options(raw);
    collector = await HepCollector.start({
      ...o,
      onFirstError: (code, agent, message) => io.stderr.write(`sipclf capture: ${code} (agent ${agent}): ${message} (further ones are counted)\n`),
    });
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf capture: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  for (const a of collector.addresses) {
    const host = a.address.includes(':') ? `[${a.address}]` : a.address;
    io.stderr.write(a.transport === 'http' ? `sipclf capture: metrics on http://${host}:${a.port}/metrics\n` : `sipclf capture: listening on ${a.transport}:${host}:${a.port}\n`);
  }
  io.stderr.write(`sipclf capture: ${VIEWPOINT_NOTE}\n`);
  // untilSignal's listeners stay installed: a repeated signal must not cut the flush of the CLF files short.
  const signalled = stop !== undefined ? await stop.then(() => 'stop') : await untilSignal();
  await collector.close();
  const s = collector.stats();
  const errs = Object.entries(s.errors)
    .map(([c, n]) => `${c}=${n}`)
    .join(' ');
  io.stderr.write(
    `sipclf capture: ${signalled}: ${s.packets.udp + s.packets.tcp} packets (udp ${s.packets.udp}, tcp ${s.packets.tcp}), ${s.written} records written, ` +
      `${s.dropped} dropped${errs === '' ? '' : `, not logged: ${errs}`}\n`,
  );
  return 0;
}

export function run(_args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  return runCapture(opts, io);
}
