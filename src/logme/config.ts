/**
 * Configuration of the log-me engine as plain data, and its validation (`validateLogmeConfig`).
 *
 * RFC 8497 §7.1: "log me" marking MUST be disabled by default and enabled only by authorised users, limited
 * to specific calls originated in a given time. So the default configuration marks nothing: an operator
 * enables a log-me *session* with an explicit scope and an expiry. The rest says what this entity is (its
 * roles, §4), who its neighbours are (trust domain and agreements, §3.4.2, RFC 8123 §6.1), the DoS limits
 * (§7.3) and the privacy masking (§8.2). Docs: docs/reference/logme.md ("Configuration").
 *
 * The validator is hand-written rather than ajv: the TypeScript types below are the schema's single source
 * (no JSONSchemaType duplicate to keep in step), the checks that matter (IP/CIDR, globs, time windows, role
 * combinations) are custom keywords in ajv anyway, error paths come out in the form operators read
 * (`sessions[0].scope.sources[1]`) rather than JSON pointers, and the pure `logme` layer gains no
 * code-generating dependency. The proxy's YAML loader can call it on the parsed document. The validator
 * lives in config-validate.ts; this file holds the types and defaults.
 */
import type { MaskOptions } from './mask.js';
/** RFC 8497 §4 roles (and the two non-marking behaviours). An entity may combine several stateful roles. */
export type Role =
  /** §4.2: marks dialogs it originates, when a log-me session authorises it. */
  | 'originating-ua'
  /** §4.2: echoes markers, marks its in-dialog requests in marked dialogs. */
  | 'terminating-ua'
  /** §4.3, §4.5.2.1: marks on behalf of non-supporting UAs listed as peers with `markFor`. */
  | 'originating-intermediary'
  /** §4.3, §4.5.2.2: marks responses and requests of non-supporting terminating UAs (`markFor` peers). */
  | 'terminating-intermediary'
  /** §4.5.1, RFC 8123 REQ10: logs any marked message, keeps no state. */
  | 'stateless-logger'
  /** §5.3: a plain RFC 3261 proxy: forwards markers untouched, logs nothing. */
  | 'proxy'
  /** §4.4: couples its legs, marks its own in-dialog requests in marked dialogs. */
  | 'b2bua'
  /** §3.4.2, §4.5.2.3–§4.5.2.5, §7.2: strips markers toward/from peers without agreement, re-adds inward. */
  | 'boundary';

export const ROLES: readonly Role[] = [
  'originating-ua',
  'terminating-ua',
  'originating-intermediary',
  'terminating-intermediary',
  'stateless-logger',
  'proxy',
  'b2bua',
  'boundary',
];

export const STATEFUL_ROLES: ReadonlySet<Role> = new Set<Role>([
  'originating-ua',
  'terminating-ua',
  'originating-intermediary',
  'terminating-intermediary',
  'b2bua',
  'boundary',
]);

export interface PeerConfig {
  /** The name process() callers use for this neighbour. */
  readonly name: string;
  /** IPv4/IPv6 addresses or CIDR prefixes a neighbour string `ip[:port]` is matched against. */
  readonly addresses: readonly string[];
  /** Inside or outside this entity's trust domain (RFC 8123 §3, §6.1). Default `inside`. */
  readonly trust: 'inside' | 'outside';
  /**
   * Markers may be exchanged with this neighbour (§3.4.2: a prior agreement between peer networks). Default
   * true inside the trust domain, false outside. False strips the marker in both directions (§7.2); on an
   * inside peer it keeps markers out of the interior (Figure 6).
   */
  readonly agreement: boolean;
  /** A UA this entity marks on behalf of (§4.3): it is not expected to send markers (§5.2.1, §4.5.2.1 F12). */
  readonly markFor: boolean;
  /** An intermediary that marks on behalf of this UA (§5.2.2): its markers mid-dialog are not an error. */
  readonly marksOnOurBehalf: boolean;
}

export interface SessionScope {
  /** Globs on the From AOR (`user@host`, or `scheme:user@host` when the glob has a scheme). */
  readonly from?: readonly string[];
  /** IPv4/IPv6 addresses or CIDRs the dialog-creating request was received from (not for local requests). */
  readonly sources?: readonly string[];
  /** Globs on the User-Agent header value. */
  readonly userAgents?: readonly string[];
  /** Globs on the called identity: the Request-URI or the To AOR. */
  readonly to?: readonly string[];
}

/** An operator-enabled log-me session (§7.1, §8.6): which dialogs this entity may start marking, and when. */
export interface LogmeSession {
  readonly id: string;
  /** Default true; false keeps the entry but authorises nothing. */
  readonly enabled: boolean;
  /** All given criteria must match (a list matches when any element does); at least one is required. */
  readonly scope: SessionScope;
  /** Start of the window (ms since the epoch); default: no lower bound. */
  readonly start?: number;
  /** End of the window (ms since the epoch), required (§7.1: "in a given time duration"). */
  readonly expires: number;
  /** Dialogs this session may start marking over its lifetime; default unlimited (within limits). */
  readonly maxDialogs?: number;
}

export interface LogmeLimits {
  /** Concurrently marked dialogs (§7.3); a new one beyond it is not marked. Default 100. */
  readonly maxMarkedDialogs: number;
  /** A marked dialog stops being marked and logged after this long (RFC 8123 §5.3 stop event). Default 1 h. */
  readonly maxDialogDurationMs: number;
  /** A dialog-creating transaction without a final response ends after this long (RFC 3261 Timer C). 180 s. */
  readonly earlyTimeoutMs: number;
  /** An ended dialog's record is kept this long for retransmissions (64·T1, RFC 3261 §17). Default 32 s. */
  readonly lingerMs: number;
  /** Dialog records held in any phase; beyond it no new record is made. Default 10 × maxMarkedDialogs. */
  readonly maxTrackedDialogs: number;
}

export interface PrivacyConfig {
  /** Mask key material before logging (§8.2, a MUST). Default true. */
  readonly mask: boolean;
  /** SDP attributes whose value is masked; default crypto, key-mgmt, 3GPP-Integrity-Key, 3GPP-SRTP-Config. */
  readonly attributes: readonly string[];
  /** Also mask SDP `k=` (encryption key) lines. Default true. */
  readonly maskKeyLines: boolean;
}

export interface LogmeConfig {
  readonly roles: readonly Role[];
  /** Honour markers (log); false passes markers through without honouring them (§8.6). Default true. */
  readonly honour: boolean;
  readonly peers: readonly PeerConfig[];
  /** How an unknown neighbour is treated. Default inside/agreement, or outside/no agreement with `boundary`. */
  readonly defaultPeer: { readonly trust: 'inside' | 'outside'; readonly agreement: boolean };
  /** Default empty: nothing is marked (§7.1). */
  readonly sessions: readonly LogmeSession[];
  /** Received markers on dialog-creating requests need an active matching session too (§7.3 screening). */
  readonly screen: boolean;
  /** Mark dialogs related to a marked dialog (§3.7: a MAY). Default true. */
  readonly relatedDialogs: boolean;
  /** Mark messages sent toward a `markFor` UA (§5.2.2: a MAY, as Figure 3 F3/F8 do). Default true. */
  readonly markTowardUa: boolean;
  /** B2BUA: couple the legs for marking (§4.4 SHOULD). Default true. */
  readonly coupleLegs: boolean;
  readonly limits: LogmeLimits;
  readonly privacy: PrivacyConfig;
}

export const DEFAULT_MASKED_ATTRIBUTES: readonly string[] = ['crypto', 'key-mgmt', '3GPP-Integrity-Key', '3GPP-SRTP-Config'];

/**
 * The masking every log gets unless configured otherwise (RFC 8497 §8.2: key material "MUST be masked with a
 * dummy value prior to storing the message in a log file"): the attributes above and SDP `k=` lines. Used where
 * no engine's privacy settings apply — a MessageLog without an engine, captures made into CLF.
 */
export const DEFAULT_MASK_OPTIONS: MaskOptions = { attributes: DEFAULT_MASKED_ATTRIBUTES, maskKeyLines: true };
