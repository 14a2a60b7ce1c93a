/**
 * Log file names and rotation boundaries for ClfWriter (writer.ts): the file-name pattern, the regular
 * expression that recognises the files a pattern produced (for retention and the `%n` sequence), and the
 * wall-clock alignment of time-based rotation.
 *
 * Pattern tokens (strftime-like; UTC unless `utc: false`):
 *
 *   %Y year (4 digits)   %m month 01-12   %d day 01-31   %H hour 00-23   %M minute 00-59   %S second 00-59
 *   %s Unix seconds      %n sequence number, at least 4 digits (0000, 0001, …)   %% a literal %
 *
 * `%n` is one more than the highest sequence found among the directory's files of this pattern when the
 * writer opens, and grows by one per file, so it orders files across rotations and restarts. A pattern
 * without `%n` that yields an existing name gets `-1`, `-2`, … inserted before its extension (files are
 * always created with O_EXCL: a writer never appends to a file it did not create, so a torn tail left by a
 * crashed run is never followed by new records, RFC 6873 §4 framing stays checkable).
 *
 * Time rotation: an interval of `Ns`, `Nm`, `Nh` or `Nd` starts at the multiples of the interval counted
 * from midnight 1970-01-01 (UTC, or local time with `utc: false`, using the UTC offset in force when the
 * boundary is computed). Intervals that divide a day (15m, 1h, 6h, 1d) therefore begin on the wall-clock
 * boundaries one expects.
 */
import { SipclfError } from '../errors.js';

const TOKEN = /%(.)/g;
const KNOWN = new Set(['Y', 'm', 'd', 'H', 'M', 'S', 's', 'n', '%']);

/** Parsed file-name pattern. */
export interface NamePattern {
  readonly pattern: string;
  readonly hasSeq: boolean;
  /**
   * Matches every name this pattern produces (with a collision suffix and `.gz`); group `n` is `%n`, group `k`
   * the collision count (patterns without `%n`).
   */
  readonly regex: RegExp;
}

/** Validate a pattern (a plain file name with known tokens) and build its recogniser. */
export function parsePattern(pattern: string): NamePattern {
  if (pattern === '' || pattern.includes('/') || pattern.includes('\\') || pattern === '.' || pattern === '..') {
    throw new SipclfError('CONFIG_INVALID', `pattern: '${pattern}' must be a plain file name (no directory)`);
  }
  let hasSeq = false;
  let hasTime = false;
  for (const m of pattern.matchAll(TOKEN)) {
    const t = m[1] ?? '';
    if (!KNOWN.has(t)) throw new SipclfError('CONFIG_INVALID', `pattern: unknown token %${t} in '${pattern}'`);
    if (t === 'n') hasSeq = true;
    else if (t !== '%') hasTime = true;
  }
  if (/%$/.test(pattern.replace(/%%/g, ''))) throw new SipclfError('CONFIG_INVALID', `pattern: '${pattern}' ends in a lone %`);
  if (!hasSeq && !hasTime) {
    throw new SipclfError('CONFIG_INVALID', `pattern: '${pattern}' needs %n or a time token so that rotated files get new names`);
  }
  const { stem, ext } = splitExt(pattern);
  const body = hasSeq ? toRegex(pattern) : `${toRegex(stem)}(?:-(?<k>\\d+))?${toRegex(ext)}`;
  return { pattern, hasSeq, regex: new RegExp(`^${body}(?:\\.gz)?$`, 'd') };
}

/** Escape the literal parts, turn tokens into digit classes; `%n` becomes the named group `n`. */
function toRegex(p: string): string {
  let out = '';
  let last = 0;
  for (const m of p.matchAll(TOKEN)) {
    out += escape(p.slice(last, m.index));
    const t = m[1];
    out += t === 'Y' ? '\\d{4}' : t === 's' ? '\\d+' : t === 'n' ? '(?<n>\\d{4,})' : t === '%' ? '%' : '\\d{2}';
    last = m.index + m[0].length;
  }
  return out + escape(p.slice(last));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `name.ext` → stem + `.ext` when the last extension is literal (no token), else the whole name + ''. */
function splitExt(p: string): { stem: string; ext: string } {
  const dot = p.lastIndexOf('.');
  if (dot <= 0 || p.slice(dot).includes('%')) return { stem: p, ext: '' };
  return { stem: p.slice(0, dot), ext: p.slice(dot) };
}

const pad = (v: number, w = 2): string => String(v).padStart(w, '0');

/**
 * The file name for time `ms`, sequence `seq` and collision count `k` (0 = none; only used without `%n`).
 */
export function formatName(p: NamePattern, ms: number, seq: number, k: number, utc: boolean): string {
  const d = new Date(ms);
  const f = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const render = (s: string): string =>
    s.replace(TOKEN, (_all, t: string) => {
      switch (t) {
        case 'Y': return pad(f[0] ?? 0, 4);
        case 'm': return pad(f[1] ?? 0);
        case 'd': return pad(f[2] ?? 0);
        case 'H': return pad(f[3] ?? 0);
        case 'M': return pad(f[4] ?? 0);
        case 'S': return pad(f[5] ?? 0);
        case 's': return String(Math.floor(ms / 1000));
        case 'n': return pad(seq, 4);
        default: return '%';
      }
    });
  if (k === 0 || p.hasSeq) return render(p.pattern);
  const { stem, ext } = splitExt(p.pattern);
  return `${render(stem)}-${k}${render(ext)}`;
}

/** The `%n` of a name produced by the pattern, or -1 (not ours, or no `%n`). */
export function seqOf(p: NamePattern, name: string): number {
  const m = p.regex.exec(name);
  if (m === null) return -1;
  const n = m.groups?.['n'];
  return n === undefined ? -1 : Number(n);
}

/**
 * Where a name produced by the pattern comes in creation order among names of the same time: `base`, the name
 * without its collision suffix and `.gz`, and `k`, the collision count (0 for the first, which has no suffix).
 * Names compare as text wrongly here: `x-10` < `x-2` < `x`.
 */
export function collisionOf(p: NamePattern, name: string): { base: string; k: number } {
  const plain = name.endsWith('.gz') ? name.slice(0, -3) : name;
  const m = p.regex.exec(plain);
  const at = m?.indices?.groups?.['k'];
  if (m === null || at === undefined) return { base: plain, k: 0 };
  return { base: plain.slice(0, at[0] - 1) + plain.slice(at[1]), k: Number(plain.slice(at[0], at[1])) };
}

/** `'15m'`, `'1h'`, `'1d'`, `'30s'` or a number of milliseconds → milliseconds (≥ 1 s). */
export function parseInterval(v: string | number): number {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else {
    const m = /^(\d+)\s*([smhd])$/.exec(v.trim());
    if (m === null) throw new SipclfError('CONFIG_INVALID', `interval: '${v}' is not N followed by s, m, h or d`);
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
    ms = Number(m[1]) * unit;
  }
  if (!Number.isSafeInteger(ms) || ms < 1000) throw new SipclfError('CONFIG_INVALID', `interval: ${String(v)} is shorter than 1 s`);
  return ms;
}

/** Local-time shift: UTC offset in ms at `ms` (0 in UTC mode). */
function shift(ms: number, utc: boolean): number {
  return utc ? 0 : -new Date(ms).getTimezoneOffset() * 60_000;
}

/** Start of the interval that contains `now`. */
export function intervalStart(now: number, interval: number, utc: boolean): number {
  const off = shift(now, utc);
  return Math.floor((now + off) / interval) * interval - off;
}

/** First boundary strictly after `now`. */
export function nextBoundary(now: number, interval: number, utc: boolean): number {
  return intervalStart(now, interval, utc) + interval;
}
