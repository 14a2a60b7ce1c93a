/**
 * One ClfWriter per log directory and file-name pattern.
 *
 * Two writers on the same directory and pattern — two proxies, or a proxy and `sipclf capture`, both left on
 * the default pattern in one `--log-dir` — never write into each other's files (files are created O_EXCL),
 * but they number, prune and tidy the same set of files: one writer's retention (maxFiles, maxAgeMs) can
 * delete the other's active file, and its open() removes the other's gzip temp files as stale. So open()
 * takes a lock file in the directory, `.PATTERN.lock` (mode 0600, created O_EXCL, holding `pid host start`,
 * start being when the process started, ms since the epoch), and close() removes it. A second writer is refused with IO_LOCKED naming the holder.
 *
 * A lock left by a writer that died without close() (SIGKILL, power loss) must not block its restart:
 *  - while its writer is open, the lock's mtime is renewed every HEARTBEAT_MS; a lock not renewed for
 *    STALE_MS is stale (this works across hosts and containers sharing the directory, where a pid means
 *    nothing);
 *  - on the same host a lock is stale at once when its pid is not alive, or when it holds this process's own
 *    pid with another start time (a container restarted as the same pid 1). With this process's pid and start
 *    it is held here, maybe by another thread (the proxy's logging worker): not stale.
 * A stale lock is replaced, with an IO_LOCKED warning saying so.
 */
import { readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { SipclfError } from '../errors.js';
import { createPrivateFile, describe, errnoOf } from './writer-fs.js';

/** How often an open writer renews its lock's mtime. */
export const HEARTBEAT_MS = 10_000;
/** A lock not renewed for this long is stale, whoever holds it. */
export const STALE_MS = 60_000;

/** When this process started (ms since the epoch): process-wide, the same in every worker thread. */
function processStart(): number {
  return Math.round(Date.now() - process.uptime() * 1000);
}
/** Start times are computed from two clocks: they may differ by a rounding, never by seconds. */
const SAME_START_MS = 2000;

export function lockPath(dir: string, pattern: string): string {
  return join(dir, `.${pattern}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoOf(e) === 'EPERM'; // exists, owned by someone else
  }
}

interface Holder {
  readonly pid: number | undefined;
  readonly host: string | undefined;
  readonly ageMs: number;
  /** Why the lock is stale, or undefined when its holder may be alive. */
  readonly stale: string | undefined;
}

/** Who holds `path`, or undefined when it has gone meanwhile. */
async function holderOf(path: string, now: number): Promise<Holder | undefined> {
  let text: string;
  let mtime: number;
  try {
    mtime = (await stat(path)).mtimeMs;
    text = await readFile(path, 'latin1');
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return undefined;
    throw new SipclfError('IO_WRITE', `cannot read lock ${path}: ${describe(e)}`, { cause: e });
  }
  const m = /^(\d{1,10}) (\S{1,255}) (\d{1,16})\n?$/.exec(text);
  const pid = m === null ? undefined : Number(m[1]);
  const host = m === null ? undefined : m[2];
  const start = m === null ? undefined : Number(m[3]);
  const ageMs = Math.max(0, now - mtime);
  let stale: string | undefined;
  if (ageMs > STALE_MS) stale = `not renewed for ${Math.round(ageMs / 1000)} s`;
  else if (pid !== undefined && host === hostname()) {
    if (pid === process.pid) {
      if (Math.abs((start as number) - processStart()) > SAME_START_MS) stale = `holds this process's pid ${pid} from an earlier run`;
    } else if (!alive(pid)) stale = `its process ${pid} is gone`;
  }
  return { pid, host, ageMs, stale };
}

export class WriterLock {
  readonly #timer: NodeJS.Timeout;
  #released = false;

  private constructor(readonly path: string) {
    this.#timer = setInterval(() => {
      const t = new Date();
      utimes(path, t, t).catch(() => undefined); // gone or unwritable: the next open() decides
    }, HEARTBEAT_MS);
    this.#timer.unref();
  }

  /**
   * Takes the lock of `pattern` in `dir`. Throws IO_LOCKED when another live writer holds it, IO_WRITE when
   * it cannot be created or read. `replaced` hears about a stale lock that was taken over.
   */
  static async acquire(dir: string, pattern: string, replaced: (why: SipclfError) => void, now: () => number = Date.now): Promise<WriterLock> {
    const path = lockPath(dir, pattern);
    // A few rounds: the holder may release, or another starter take over, between our attempts.
    for (let round = 0; round < 4; round++) {
      try {
        const fh = await createPrivateFile(path);
        try {
          await fh.writeFile(`${process.pid} ${hostname()} ${processStart()}\n`, 'latin1');
        } finally {
          await fh.close();
        }
        return new WriterLock(path);
      } catch (e) {
        if (errnoOf(e) !== 'EEXIST') throw new SipclfError('IO_WRITE', `cannot create lock ${path}: ${describe(e)}`, { cause: e });
      }
      const h = await holderOf(path, now());
      if (h === undefined) continue;
      const who = h.pid === undefined ? 'an unreadable holder' : `pid ${h.pid} on ${h.host ?? '?'}`;
      if (h.stale === undefined) {
        throw new SipclfError(
          'IO_LOCKED',
          `log directory ${dir} is in use for '${pattern}' by another writer (${who}, lock ${path}, renewed ${Math.round(h.ageMs / 1000)} s ago): give each writer its own directory or pattern`,
        );
      }
      try {
        await unlink(path);
      } catch (e) {
        if (errnoOf(e) !== 'ENOENT') throw new SipclfError('IO_WRITE', `cannot remove stale lock ${path}: ${describe(e)}`, { cause: e });
      }
      replaced(new SipclfError('IO_LOCKED', `replaced the stale lock ${path} of ${who}: ${h.stale}`));
    }
    throw new SipclfError('IO_LOCKED', `log directory ${dir}: could not take the lock ${path} (other writers starting at the same time)`);
  }

  /** Removes the lock (idempotent; a lock already gone is fine). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    await unlink(this.path).catch(() => undefined);
  }
}
