/**
 * `validateLogmeConfig(data)`: turns untrusted plain data (JSON, parsed YAML) into a complete `LogmeConfig`
 * with every default filled in, or throws CONFIG_INVALID whose message names the path and the reason, e.g.
 * `sessions[0].scope.sources[1]: not an IPv4/IPv6 address or CIDR`. Unknown keys are rejected (a typo must
 * not silently leave marking on or off). Why hand-written rather than ajv: see config.ts.
 */
import { SipclfError } from '../errors.js';
import {
  DEFAULT_MASKED_ATTRIBUTES,
  ROLES,
  STATEFUL_ROLES,
  type LogmeConfig,
  type LogmeLimits,
  type LogmeSession,
  type PeerConfig,
  type PrivacyConfig,
  type Role,
  type SessionScope,
} from './config.js';
import { compileGlob } from './match.js';
import { parseCidr } from './net.js';

type Obj = Record<string, unknown>;

function fail(path: string, reason: string): never {
  throw new SipclfError('CONFIG_INVALID', `${path === '' ? 'config' : path}: ${reason}`);
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

function object(v: unknown, path: string, keys: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  const o = v as Obj;
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(join(path, k), `unknown key (allowed: ${keys.join(', ')})`);
  return o;
}

function bool(o: Obj, key: string, path: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(join(path, key), 'must be true or false');
  return v;
}

function int(o: Obj, key: string, path: string, dflt: number | undefined, min: number): number | undefined {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(join(path, key), `must be an integer >= ${min}`);
  return v;
}

function strings(o: Obj, key: string, path: string, check?: (s: string) => string | undefined): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  const p = join(path, key);
  if (!Array.isArray(v)) fail(p, 'must be an array of strings');
  return v.map((s: unknown, i) => {
    if (typeof s !== 'string' || s.length === 0) fail(join(p, i), 'must be a non-empty string');
    const why = check?.(s);
    if (why !== undefined) fail(join(p, i), why);
    return s;
  });
}

const cidr = (s: string): string | undefined => (parseCidr(s) === undefined ? 'not an IPv4/IPv6 address or CIDR' : undefined);
const glob = (s: string): string | undefined => (compileGlob(s) === undefined ? 'not a glob' : undefined);

/** A time: ms since the epoch, or an ISO 8601 date-time string with a time zone. */
function time(o: Obj, key: string, path: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  const p = join(path, key);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  return fail(p, 'must be ms since the epoch or an ISO 8601 date-time with a time zone');
}

function roles(o: Obj): Role[] {
  const v = o['roles'];
  if (v === undefined) return ['proxy'];
  const out = strings(o, 'roles', '', (s) => (ROLES.includes(s as Role) ? undefined : `unknown role (allowed: ${ROLES.join(', ')})`));
  const r = (out ?? []) as Role[];
  if (r.length === 0) fail('roles', 'must name at least one role');
  if (new Set(r).size !== r.length) fail('roles', 'a role is listed twice');
  const stateful = r.some((x) => STATEFUL_ROLES.has(x));
  // RFC 8497 §4.5.1 vs §4.5.2: an entity either keeps no state (logs marked messages) or is stateful.
  if (r.includes('proxy') && r.length > 1) fail('roles', "'proxy' (a plain RFC 3261 proxy, §5.3) cannot be combined with other roles");
  if (r.includes('stateless-logger') && stateful) fail('roles', "'stateless-logger' (§4.5.1) cannot be combined with a stateful role");
  return r;
}

function peer(v: unknown, path: string, names: Set<string>): PeerConfig {
  const o = object(v, path, ['name', 'addresses', 'trust', 'agreement', 'markFor', 'marksOnOurBehalf']);
  const name = o['name'];
  if (typeof name !== 'string' || name.length === 0) fail(join(path, 'name'), 'must be a non-empty string');
  if (names.has(name)) fail(join(path, 'name'), `duplicate peer name ${JSON.stringify(name)}`);
  names.add(name);
  const trust = o['trust'] ?? 'inside';
  if (trust !== 'inside' && trust !== 'outside') fail(join(path, 'trust'), "must be 'inside' or 'outside'");
  return {
    name,
    addresses: strings(o, 'addresses', path, cidr) ?? [],
    trust,
    agreement: bool(o, 'agreement', path, trust === 'inside'),
    markFor: bool(o, 'markFor', path, false),
    marksOnOurBehalf: bool(o, 'marksOnOurBehalf', path, false),
  };
}

function scope(v: unknown, path: string): SessionScope {
  const o = object(v, path, ['from', 'sources', 'userAgents', 'to']);
  const out: { -readonly [K in keyof SessionScope]: SessionScope[K] } = {};
  const from = strings(o, 'from', path, glob);
  const sources = strings(o, 'sources', path, cidr);
  const userAgents = strings(o, 'userAgents', path, glob);
  const to = strings(o, 'to', path, glob);
  if (from !== undefined) out.from = from;
  if (sources !== undefined) out.sources = sources;
  if (userAgents !== undefined) out.userAgents = userAgents;
  if (to !== undefined) out.to = to;
  // RFC 8497 §7.1: permission "MUST be limited to only specific calls of interest".
  if (Object.values(out).every((l) => l === undefined || l.length === 0)) {
    fail(path, 'at least one of from, sources, userAgents, to must list something (RFC 8497 §7.1)');
  }
  return out;
}

function session(v: unknown, path: string, ids: Set<string>): LogmeSession {
  const o = object(v, path, ['id', 'enabled', 'scope', 'start', 'expires', 'maxDialogs']);
  const id = o['id'];
  if (typeof id !== 'string' || id.length === 0) fail(join(path, 'id'), 'must be a non-empty string');
  if (ids.has(id)) fail(join(path, 'id'), `duplicate session id ${JSON.stringify(id)}`);
  ids.add(id);
  if (o['scope'] === undefined) fail(join(path, 'scope'), 'required (RFC 8497 §7.1: specific calls of interest)');
  const start = time(o, 'start', path);
  const expires = time(o, 'expires', path);
  // RFC 8497 §7.1: "calls of interest that are originated in a given time duration".
  if (expires === undefined) fail(join(path, 'expires'), 'required (RFC 8497 §7.1: a given time duration)');
  if (start !== undefined && start >= expires) fail(join(path, 'expires'), 'must be after start');
  const out: { -readonly [K in keyof LogmeSession]: LogmeSession[K] } = {
    id,
    enabled: bool(o, 'enabled', path, true),
    scope: scope(o['scope'], join(path, 'scope')),
    expires,
  };
  if (start !== undefined) out.start = start;
  const max = int(o, 'maxDialogs', path, undefined, 1);
  if (max !== undefined) out.maxDialogs = max;
  return out;
}

function limits(v: unknown): LogmeLimits {
  const o = object(v ?? {}, 'limits', ['maxMarkedDialogs', 'maxDialogDurationMs', 'earlyTimeoutMs', 'lingerMs', 'maxTrackedDialogs']);
  const maxMarked = int(o, 'maxMarkedDialogs', 'limits', 100, 0) ?? 100;
  const tracked = int(o, 'maxTrackedDialogs', 'limits', Math.max(maxMarked * 10, 100), 1) ?? 1000;
  if (tracked < maxMarked) fail('limits.maxTrackedDialogs', 'must be >= maxMarkedDialogs');
  return {
    maxMarkedDialogs: maxMarked,
    maxDialogDurationMs: int(o, 'maxDialogDurationMs', 'limits', 3_600_000, 1) ?? 3_600_000,
    earlyTimeoutMs: int(o, 'earlyTimeoutMs', 'limits', 180_000, 1) ?? 180_000,
    lingerMs: int(o, 'lingerMs', 'limits', 32_000, 0) ?? 32_000,
    maxTrackedDialogs: tracked,
  };
}

function privacy(v: unknown): PrivacyConfig {
  const o = object(v ?? {}, 'privacy', ['mask', 'attributes', 'maskKeyLines']);
  const attrs = strings(o, 'attributes', 'privacy', (s) => (/^[A-Za-z0-9._-]+$/.test(s) ? undefined : 'not an SDP attribute name'));
  return {
    mask: bool(o, 'mask', 'privacy', true),
    attributes: attrs ?? DEFAULT_MASKED_ATTRIBUTES,
    maskKeyLines: bool(o, 'maskKeyLines', 'privacy', true),
  };
}

const TOP = ['roles', 'honour', 'peers', 'defaultPeer', 'sessions', 'screen', 'relatedDialogs', 'markTowardUa', 'coupleLegs', 'limits', 'privacy'];

/** Validates and completes a log-me configuration; throws SipclfError CONFIG_INVALID (path: reason). */
export function validateLogmeConfig(data: unknown): LogmeConfig {
  const o = object(data ?? {}, '', TOP);
  const r = roles(o);
  const peersRaw = o['peers'] ?? [];
  if (!Array.isArray(peersRaw)) fail('peers', 'must be an array');
  const names = new Set<string>();
  const peers = peersRaw.map((p: unknown, i) => peer(p, `peers[${i}]`, names));
  const sessionsRaw = o['sessions'] ?? [];
  if (!Array.isArray(sessionsRaw)) fail('sessions', 'must be an array');
  const ids = new Set<string>();
  const sessions = sessionsRaw.map((s: unknown, i) => session(s, `sessions[${i}]`, ids));
  const boundary = r.includes('boundary');
  const dp = object(o['defaultPeer'] ?? {}, 'defaultPeer', ['trust', 'agreement']);
  const dTrust = dp['trust'] ?? (boundary ? 'outside' : 'inside');
  if (dTrust !== 'inside' && dTrust !== 'outside') fail('defaultPeer.trust', "must be 'inside' or 'outside'");
  const dAgreement = bool(dp, 'agreement', 'defaultPeer', dTrust === 'inside');
  if (r.includes('proxy')) {
    // RFC 8497 §5.3: a plain RFC 3261 proxy "will simply forward any log me marker it receives", so it cannot
    // honour §3.4.2 ("MUST be removed at a network boundary if no agreement exists"): refuse rather than leak.
    const why = "role 'proxy' (§5.3) forwards markers untouched and cannot remove them (§3.4.2): use role 'boundary'";
    peers.forEach((p, i) => { if (!p.agreement) fail(`peers[${i}].agreement`, why); });
    if (!dAgreement) fail('defaultPeer.agreement', why);
  }
  return {
    roles: r,
    honour: bool(o, 'honour', '', true),
    peers,
    defaultPeer: { trust: dTrust, agreement: dAgreement },
    sessions,
    screen: bool(o, 'screen', '', false),
    relatedDialogs: bool(o, 'relatedDialogs', '', true),
    markTowardUa: bool(o, 'markTowardUa', '', true),
    coupleLegs: bool(o, 'coupleLegs', '', true),
    limits: limits(o['limits']),
    privacy: privacy(o['privacy']),
  };
}
