/**
 * The YAML configuration file of `sipclf proxy --config FILE` (docs/reference/proxy-config.md): parsed with
 * the `yaml` package (syntax errors reported with line and column), then checked by hand — every problem is a
 * CONFIG_INVALID error `PATH: reason` (`routes[2].to: not host:port`), unknown keys are rejected. The
 * `logme` section is checked by validateLogmeConfig, its paths prefixed with `logme.`.
 *
 * Precedence (mergeProxyConfig): a command-line flag given explicitly wins over the file; repeatable flags
 * (--listen, --route, --domain) replace the file's list rather than adding to it; otherwise the file's
 * value, otherwise the built-in default.
 */
import { parseDocument } from 'yaml';
import { SipclfError } from '../errors.js';
import { validateLogmeConfig } from '../logme/index.js';
import { parseInterval } from '../logfile/rotate.js';
import { OVERLOAD_DEFAULTS, resolveOverload, type OverloadOptions } from './overload.js';
import { parseNextHop, parseStaticRoute } from './routes.js';
import type { LogMode } from '../msglog/message-log.js';

export interface RotationConfig {
  readonly maxBytes?: number;
  readonly interval?: string | number;
  readonly utc?: boolean;
  readonly gzip?: boolean;
  readonly maxFiles?: number;
  readonly maxAgeMs?: number;
  readonly fsync?: 'every' | 'rotate' | 'none' | number;
  readonly pattern?: string;
}

export interface RegistrarConfig {
  readonly file?: string;
  readonly defaultExpires?: number;
  readonly minExpires?: number;
  readonly maxExpires?: number;
  readonly maxAors?: number;
  readonly maxContacts?: number;
  readonly forgetAfter?: number;
}

export interface TimersConfig {
  readonly T1?: number;
  readonly T2?: number;
  readonly T4?: number;
  readonly timerC?: number;
}

export interface MetricsConfig {
  readonly host: string;
  readonly port: number;
  readonly allowRemote: boolean;
}

/** TLS files (PEM paths) for `tls:` listeners and outbound TLS (docs/reference/transport.md). */
export interface TlsConfig {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly requestCert?: boolean;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated file: every field optional (flags and defaults fill the rest). */
export interface ProxyFileConfig {
  readonly listen?: string[];
  readonly routes?: string[];
  readonly defaultRoute?: string;
  readonly domains?: string[];
  readonly aliases?: string[];
  readonly registrar?: RegistrarConfig;
  readonly log?: { readonly dir?: string; readonly mode?: LogMode; readonly thread?: 'worker' | 'main'; readonly rotation?: RotationConfig };
  readonly logme?: unknown;
  readonly metrics?: MetricsConfig;
  readonly logLevel?: LogLevel;
  readonly timers?: TimersConfig;
  readonly stateless?: boolean;
  readonly tls?: TlsConfig;
  readonly transport?: TransportTuning;
  readonly overload?: OverloadOptions;
}

/**
 * Transport tunables (docs/reference/transport.md), passed to the TransportLayer; need a restart. Integers,
 * checked here with the same bounds TransportLayer applies.
 */
export interface TransportTuning {
  readonly udpReceiveBufferBytes?: number;
  readonly udpMaxRequestBytes?: number;
  readonly idleTimeoutMs?: number;
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
  readonly maxWriteBufferBytes?: number;
  readonly errorResponsesPerSecond?: number;
}

/** Key → smallest value allowed (transport/options.ts resolveOptions). */
const TRANSPORT_KEYS: Readonly<Record<keyof TransportTuning, number>> = {
  udpReceiveBufferBytes: 0,
  udpMaxRequestBytes: 1,
  idleTimeoutMs: 0,
  maxConnections: 1,
  connectTimeoutMs: 1,
  maxWriteBufferBytes: 1,
  errorResponsesPerSecond: 0,
};

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LISTEN = /^(udp|tcp|tls):(?:\[[0-9A-Fa-f:.]+\]|[^:[\]\s]+):\d{1,5}$/;

function bad(path: string, reason: string): never {
  throw new SipclfError('CONFIG_INVALID', `${path}: ${reason}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (!isObject(v)) bad(path, 'expected a mapping');
  for (const k of Object.keys(v)) if (!keys.includes(k)) bad(path === '' ? k : `${path}.${k}`, `unknown key (expected one of ${keys.join(', ')})`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') bad(path, 'expected a non-empty string');
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') bad(path, 'expected true or false');
  return v;
}

function int(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(path, 'expected an integer');
  if (v < min || v > max) bad(path, `out of range (${min}..${max})`);
  return v;
}

function strings(v: unknown, path: string, check?: (s: string, p: string) => void): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) bad(path, 'expected a list of strings');
  return list.map((x, i) => {
    const s = str(x, `${path}[${i}]`);
    check?.(s, `${path}[${i}]`);
    return s;
  });
}

function hostPort(text: string, path: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) bad(path, 'not host:port');
  return { host: (m[1] ?? m[2]) as string, port };
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `HOST:PORT` of the metrics listener; a non-loopback host only with allowRemote. */
export function parseMetricsListen(text: string, allowRemote: boolean, path: string): MetricsConfig {
  const hp = hostPort(text, path);
  if (!allowRemote && !isLoopback(hp.host)) bad(path, `${hp.host} is not a loopback address (set metrics.allowRemote: true to expose it)`);
  return { ...hp, allowRemote };
}

function route(v: unknown, path: string): string {
  let text: string;
  if (typeof v === 'string') text = v;
  else {
    const o = object(v, path, ['match', 'to']);
    const match = str(o['match'], `${path}.match`);
    const to = str(o['to'], `${path}.to`);
    const m = /^(?:\[[0-9A-Fa-f:.]+\]|[^:;[\]\s]+):(\d{1,5})(?:;.*)?$/.exec(to);
    if (m === null || Number(m[1]) > 65535) bad(`${path}.to`, 'not host:port');
    try {
      parseNextHop(to);
    } catch (e) {
      bad(`${path}.to`, e instanceof Error ? e.message : String(e));
    }
    text = `${match}=${to}`;
  }
  try {
    parseStaticRoute(text);
  } catch (e) {
    bad(path, e instanceof Error ? e.message : String(e));
  }
  return text;
}

/**
 * `hourly` and `daily` (the names the reference page uses) as the writer's durations; anything else as given.
 * The file keeps what the operator wrote; mergeProxyConfig hands the writer the duration.
 */
export function rotationInterval(v: string | number): string | number {
  return v === 'hourly' ? '1h' : v === 'daily' ? '1d' : v;
}

function rotation(v: unknown, path: string): RotationConfig {
  const o = object(v, path, ['maxBytes', 'interval', 'utc', 'gzip', 'maxFiles', 'maxAgeMs', 'fsync', 'pattern']);
  const r: { -readonly [K in keyof RotationConfig]: RotationConfig[K] } = {};
  if (o['maxBytes'] !== undefined) r.maxBytes = int(o['maxBytes'], `${path}.maxBytes`, 1);
  if (o['interval'] !== undefined) {
    const i = o['interval'];
    if (typeof i === 'number') r.interval = int(i, `${path}.interval`, 1);
    else r.interval = str(i, `${path}.interval`);
    // Checked now, with the writer's own parser: a bad interval is a load error naming its path, not a
    // failure when the log is opened.
    try {
      parseInterval(rotationInterval(r.interval));
    } catch {
      bad(`${path}.interval`, 'expected hourly, daily, N followed by s, m, h or d (15m, 1h, 1d), or milliseconds (at least 1000)');
    }
  }
  if (o['utc'] !== undefined) r.utc = bool(o['utc'], `${path}.utc`);
  if (o['gzip'] !== undefined) r.gzip = bool(o['gzip'], `${path}.gzip`);
  if (o['maxFiles'] !== undefined) r.maxFiles = int(o['maxFiles'], `${path}.maxFiles`, 1);
  if (o['maxAgeMs'] !== undefined) r.maxAgeMs = int(o['maxAgeMs'], `${path}.maxAgeMs`, 1);
  if (o['pattern'] !== undefined) r.pattern = str(o['pattern'], `${path}.pattern`);
  if (o['fsync'] !== undefined) {
    const f = o['fsync'];
    if (f === 'every' || f === 'rotate' || f === 'none') r.fsync = f;
    else if (typeof f === 'number') r.fsync = int(f, `${path}.fsync`, 1);
    else bad(`${path}.fsync`, 'expected every, rotate, none or milliseconds');
  }
  return r;
}

/** Checks parsed YAML/JSON data; throws CONFIG_INVALID `PATH: reason`. */
export function validateProxyConfig(data: unknown): ProxyFileConfig {
  if (data === null || data === undefined) return {};
  const o = object(data, '', ['listen', 'routes', 'defaultRoute', 'domains', 'aliases', 'registrar', 'log', 'logme', 'metrics', 'logLevel', 'timers', 'stateless', 'tls', 'transport', 'overload']);
  const c: { -readonly [K in keyof ProxyFileConfig]: ProxyFileConfig[K] } = {};
  if (o['listen'] !== undefined) {
    c.listen = strings(o['listen'], 'listen', (s, p) => {
      if (!LISTEN.test(s) || Number(s.slice(s.lastIndexOf(':') + 1)) > 65535) bad(p, 'expected udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT');
    });
  }
  if (o['routes'] !== undefined) {
    if (!Array.isArray(o['routes'])) bad('routes', 'expected a list');
    c.routes = o['routes'].map((r, i) => route(r, `routes[${i}]`));
  }
  if (o['defaultRoute'] !== undefined) {
    c.defaultRoute = str(o['defaultRoute'], 'defaultRoute');
    try {
      parseNextHop(c.defaultRoute);
    } catch {
      bad('defaultRoute', 'not host[:port][;transport=…]');
    }
  }
  if (o['domains'] !== undefined) c.domains = strings(o['domains'], 'domains');
  if (o['aliases'] !== undefined) c.aliases = strings(o['aliases'], 'aliases');
  if (o['registrar'] !== undefined) {
    const r = object(o['registrar'], 'registrar', ['file', 'defaultExpires', 'minExpires', 'maxExpires', 'maxAors', 'maxContacts', 'forgetAfter']);
    const reg: { -readonly [K in keyof RegistrarConfig]: RegistrarConfig[K] } = {};
    if (r['file'] !== undefined) reg.file = str(r['file'], 'registrar.file');
    for (const k of ['defaultExpires', 'minExpires', 'maxExpires', 'maxAors', 'maxContacts', 'forgetAfter'] as const) if (r[k] !== undefined) reg[k] = int(r[k], `registrar.${k}`, 1, 2 ** 31 - 1);
    if (reg.minExpires !== undefined && reg.maxExpires !== undefined && reg.minExpires > reg.maxExpires) bad('registrar.minExpires', 'greater than registrar.maxExpires');
    c.registrar = reg;
  }
  if (o['log'] !== undefined) {
    const l = object(o['log'], 'log', ['dir', 'mode', 'thread', 'rotation']);
    const mode = l['mode'];
    if (mode !== undefined && mode !== 'all' && mode !== 'marked' && mode !== 'none') bad('log.mode', 'expected all, marked or none');
    const thread = l['thread'];
    if (thread !== undefined && thread !== 'worker' && thread !== 'main') bad('log.thread', 'expected worker or main');
    c.log = {
      ...(l['dir'] === undefined ? {} : { dir: str(l['dir'], 'log.dir') }),
      ...(mode === undefined ? {} : { mode }),
      ...(thread === undefined ? {} : { thread }),
      ...(l['rotation'] === undefined ? {} : { rotation: rotation(l['rotation'], 'log.rotation') }),
    };
  }
  if (o['logme'] !== undefined) {
    try {
      c.logme = validateLogmeConfig(o['logme']);
    } catch (e) {
      if (e instanceof SipclfError) throw new SipclfError('CONFIG_INVALID', `logme.${e.message}`);
      throw e;
    }
  }
  if (o['metrics'] !== undefined) {
    const m = object(o['metrics'], 'metrics', ['listen', 'allowRemote']);
    const allow = m['allowRemote'] === undefined ? false : bool(m['allowRemote'], 'metrics.allowRemote');
    c.metrics = parseMetricsListen(str(m['listen'], 'metrics.listen'), allow, 'metrics.listen');
  }
  if (o['logLevel'] !== undefined) {
    if (typeof o['logLevel'] !== 'string' || !LEVELS.includes(o['logLevel'])) bad('logLevel', `expected one of ${LEVELS.join(', ')}`);
    c.logLevel = o['logLevel'] as LogLevel;
  }
  if (o['timers'] !== undefined) {
    const t = object(o['timers'], 'timers', ['T1', 'T2', 'T4', 'timerC']);
    c.timers = {
      ...(t['T1'] === undefined ? {} : { T1: int(t['T1'], 'timers.T1', 1, 60_000) }),
      ...(t['T2'] === undefined ? {} : { T2: int(t['T2'], 'timers.T2', 1, 600_000) }),
      ...(t['T4'] === undefined ? {} : { T4: int(t['T4'], 'timers.T4', 1, 600_000) }),
      ...(t['timerC'] === undefined ? {} : { timerC: int(t['timerC'], 'timers.timerC', 180_001) }),
    };
  }
  if (o['stateless'] !== undefined) c.stateless = bool(o['stateless'], 'stateless');
  if (o['tls'] !== undefined) {
    const t = object(o['tls'], 'tls', ['cert', 'key', 'ca', 'requestCert']);
    const tls: { -readonly [K in keyof TlsConfig]: TlsConfig[K] } = {};
    for (const k of ['cert', 'key', 'ca'] as const) if (t[k] !== undefined) tls[k] = str(t[k], `tls.${k}`);
    if (t['requestCert'] !== undefined) tls.requestCert = bool(t['requestCert'], 'tls.requestCert');
    if ((tls.cert === undefined) !== (tls.key === undefined)) bad(tls.cert === undefined ? 'tls.cert' : 'tls.key', 'tls.cert and tls.key go together');
    c.tls = tls;
  }
  if (o['transport'] !== undefined) {
    const keys = Object.keys(TRANSPORT_KEYS) as Array<keyof TransportTuning>;
    const t = object(o['transport'], 'transport', keys);
    const tuning: { -readonly [K in keyof TransportTuning]: TransportTuning[K] } = {};
    for (const k of keys) if (t[k] !== undefined) tuning[k] = int(t[k], `transport.${k}`, TRANSPORT_KEYS[k], 2 ** 31 - 1);
    c.transport = tuning;
  }
  if (o['overload'] !== undefined) {
    const ov = object(o['overload'], 'overload', Object.keys(OVERLOAD_DEFAULTS)) as OverloadOptions;
    resolveOverload(ov); // CONFIG_INVALID `overload.KEY: reason`
    c.overload = ov;
  }
  // A tls: listener cannot start without a certificate and its key (RFC 3261 §26.3.1: the server side of TLS).
  if (c.listen?.some((l) => l.startsWith('tls:')) === true && (c.tls?.cert === undefined || c.tls.key === undefined)) bad('tls', 'a tls: listener needs tls.cert and tls.key');
  return c;
}

/** Parses YAML text (JSON is YAML) and validates it; syntax errors name the line and column. */
export function parseProxyConfig(text: string, file = 'config'): ProxyFileConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err !== undefined) {
    const pos = err.linePos?.[0];
    const where = pos === undefined ? '' : `:${pos.line}:${pos.col}`;
    throw new SipclfError('CONFIG_INVALID', `${file}${where}: YAML syntax error: ${(err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  try {
    return validateProxyConfig(doc.toJS());
  } catch (e) {
    if (e instanceof SipclfError) throw new SipclfError('CONFIG_INVALID', `${file}: ${e.message}`);
    throw e;
  }
}
