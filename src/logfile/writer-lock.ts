/**
 * One ClfWriter per log directory and file-name pattern.
 *
 * Two writers on the same directory and pattern — two proxies, or a proxy and `sipclf capture`, both left on
 * the default pattern in one `--log-dir` — never write into each other's files (files are created O_EXCL),
 * but they number, prune and tidy the same set of files: one writer's retention (maxFiles, maxAgeMs) can
 * delete the other's active file, and its open() removes the other's gzip temp files as stale. So open()
 * takes a lock file in the directory, `.PATTERN.lock` (mode 0600, created O_EXCL), and close() removes it.
 * A second writer is refused with IO_LOCKED naming the holder.
 *
 * The lock holds its process's identity: `pid host boot-id pid-namespace start-time`, the last three read
 * from /proc (Linux; `-` elsewhere). A lock left by a writer that died without close() (SIGKILL, power loss)
 * must not block its restart:
 *  - Same kernel boot and pid namespace (the pid means the same process here): the lock is live exactly when
 *    its pid runs with the same start time (clock ticks since boot, /proc/PID/stat: a reused pid has
 *    another). That also covers a container restarted as the same pid 1, and a lock of this very process
 *    (a writer on another thread, such as the proxy's logging worker) is live. Whatever the lock's age: a
 *    writer stopped with Ctrl-Z keeps its lock.
 *  - Otherwise (another host or container sharing the directory, a reboot, no /proc): an open writer renews
 *    its lock's mtime every HEARTBEAT_MS, and a lock not renewed for STALE_MS is stale.
 * A stale lock is replaced, with an IO_LOCKED warning saying whose it was and why.
 *
 * Replacing is check, unlink, create (O_EXCL). The lock is stat-ed again just before the unlink and left
 * alone if it is no longer the file judged stale; only two starters racing within those microseconds over
 * the same stale lock could both succeed. A writer renews and removes only the lock file it created (same
 * inode).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { SipclfError } from '../errors.js';
import { createPrivateFile, describe, errnoOf } from './writer-fs.js';

/** How often an open writer renews its lock's mtime. */
export const HEARTBEAT_MS = 10_000;
/** A lock of another host or pid namespace not renewed for this long is stale. */
export const STALE_MS = 60_000;

export function lockPath(dir: string, pattern: string): string {
  return join(dir, `.${pattern}.lock`);
}

/** The start time of process `pid` (field 22 of /proc/PID/stat), undefined when it does not run or no /proc. */
export function startOf(pid: number | 'self'): string | undefined {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: fields 3… follow the last ')'.
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return f[19];
  } catch {
    return undefined;
  }
}

function readOr(path: string, pick: (s: string) => string): string {
  try {
    return pick(readFileSync(path, 'latin1'));
  } catch {
    return '-';
  }
}

interface Identity {
  readonly pid: number;
  readonly host: string;
  /** Kernel boot id, `-` unknown. */
  readonly boot: string;
  /** Pid namespace inode, `-` unknown. */
  readonly ns: string;
  /** Start time in clock ticks since boot, `-` unknown. */
  readonly start: string;
}

function ownIdentity(): Identity {
  let ns = '-';
  try {
    ns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '-'; // `pid:[4026531836]`
  } catch {
    // no /proc: judged by mtime only
  }
  return {
    pid: process.pid,
    host: hostname().replace(/\s/g, '_') || '-',
    boot: readOr('/proc/sys/kernel/random/boot_id', (s) => s.trim() || '-'),
    ns,
    start: startOf('self') ?? '-',
  };
}

const own = ownIdentity();

function format(id: Identity): string {
  return `${id.pid} ${id.host} ${id.boot} ${id.ns} ${id.start}\n`;
}

function parse(text: string): Identity | undefined {
  const m = /^(\d{1,10}) (\S{1,255}) (\S{1,64}) (\S{1,32}) (\S{1,32})\n?$/.exec(text);
  if (m === null) return undefined;
  return { pid: Number(m[1]), host: m[2] as string, boot: m[3] as string, ns: m[4] as string, start: m[5] as string };
}

interface Holder {
  readonly id: Identity | undefined;
  readonly ino: number;
  readonly mtimeMs: number;
  /** Why the lock is stale, or undefined when its holder may be alive. */
  readonly stale: string | undefined;
}

/** Whether `id` is judged by pid and start time (same boot and pid namespace, all known). */
function comparable(id: Identity): boolean {
  return id.boot !== '-' && id.ns !== '-' && id.start !== '-' && id.boot === own.boot && id.ns === own.ns && own.start !== '-';
}

/** Whether `id` is this very process (any of its threads). */
function isOwn(id: Identity): boolean {
  return comparable(id) && id.pid === own.pid && id.start === own.start;
}

/** Who holds `path`, or undefined when it has gone meanwhile. */
async function holderOf(path: string, now: number): Promise<Holder | undefined> {
  let text: string;
  let ino: number;
  let mtimeMs: number;
  try {
    const st = await stat(path);
    ino = st.ino;
    mtimeMs = st.mtimeMs;
    text = await readFile(path, 'latin1');
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return undefined;
    throw new SipclfError('IO_WRITE', `cannot read lock ${path}: ${describe(e)}`, { cause: e });
  }
  const id = parse(text);
  let stale: string | undefined;
  if (id !== undefined && comparable(id)) {
    const start = id.pid === own.pid ? own.start : startOf(id.pid);
    if (start === undefined) stale = `its process ${id.pid} is gone`;
    else if (start !== id.start) stale = id.pid === own.pid ? `it holds this process's pid ${id.pid} from an earlier run` : `pid ${id.pid} is now another process`;
  } else {
    const age = Math.max(0, now - mtimeMs);
    if (age > STALE_MS) stale = `not renewed for ${Math.round(age / 1000)} s`;
  }
  return { id, ino, mtimeMs, stale };
}

export class WriterLock {
  readonly #timer: NodeJS.Timeout;
  #released = false;

  private constructor(
    readonly path: string,
    /** The inode of the file this writer created: it renews and removes that file only. */
    private readonly ino: number,
  ) {
    this.#timer = setInterval(() => void this.#renew(), HEARTBEAT_MS);
    this.#timer.unref();
  }

  async #renew(): Promise<void> {
    try {
      if ((await stat(this.path)).ino !== this.ino) return; // replaced by someone who judged us stale
      const t = new Date();
      await utimes(this.path, t, t);
    } catch {
      // gone or unwritable: the next open() decides
    }
  }

  /**
   * Takes the lock of `pattern` in `dir`. Throws IO_LOCKED when another live writer holds it, IO_WRITE when
   * it cannot be created or read. `replaced` hears about a stale lock that was taken over.
   */
  static async acquire(dir: string, pattern: string, replaced: (why: SipclfError) => void, now: () => number = Date.now): Promise<WriterLock> {
    const path = lockPath(dir, pattern);
    // A few rounds: the holder may release, or another starter take over, between our attempts.
    for (let round = 0; round < 4; round++) {
      const lock = await WriterLock.#create(path);
      if (lock !== undefined) return lock;
      const h = await holderOf(path, now());
      if (h === undefined) continue;
      const who = h.id === undefined ? 'an unreadable holder' : `pid ${h.id.pid} on ${h.id.host}`;
      if (h.stale === undefined) {
        throw new SipclfError(
          'IO_LOCKED',
          `log directory ${dir} is in use for '${pattern}' by another writer (${who}, lock ${path}, renewed ${Math.round(Math.max(0, now() - h.mtimeMs) / 1000)} s ago): give each writer its own directory or pattern`,
        );
      }
      // Still the file judged stale? (Another starter may have replaced it meanwhile: then judge that one.)
      const again = await stat(path).catch(() => undefined);
      if (again === undefined || again.ino !== h.ino || again.mtimeMs !== h.mtimeMs) continue;
      try {
        await unlink(path);
      } catch (e) {
        if (errnoOf(e) !== 'ENOENT') throw new SipclfError('IO_WRITE', `cannot remove stale lock ${path}: ${describe(e)}`, { cause: e });
      }
      replaced(new SipclfError('IO_LOCKED', `replaced the stale lock ${path} of ${who}: ${h.stale}`));
    }
    throw new SipclfError('IO_LOCKED', `log directory ${dir}: could not take the lock ${path} (other writers starting at the same time)`);
  }

  /** Creates the lock file, or undefined when it exists. A half-made lock (write failed) is removed. */
  static async #create(path: string): Promise<WriterLock | undefined> {
    let fh;
    try {
      fh = await createPrivateFile(path);
    } catch (e) {
      if (errnoOf(e) === 'EEXIST') return undefined;
      throw new SipclfError('IO_WRITE', `cannot create lock ${path}: ${describe(e)}`, { cause: e });
    }
    try {
      await fh.writeFile(format(own), 'latin1');
      const { ino } = await fh.stat();
      await fh.close();
      return new WriterLock(path, ino);
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlink(path).catch(() => undefined); // an empty lock would refuse every writer for STALE_MS
      throw new SipclfError('IO_WRITE', `cannot write lock ${path}: ${describe(e)}`, { cause: e });
    }
  }

  /** Removes the lock if it is still the one this writer created (idempotent). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    try {
      if ((await stat(this.path)).ino === this.ino) await unlink(this.path);
    } catch {
      // already gone
    }
  }
}

/**
 * Removes the lock of `pattern` in `dir` if this process holds it: for a writer that died with its thread
 * (a logging worker terminated without closing its writer), whose lock would otherwise refuse this
 * process's next writer there (this process's own locks are never stale).
 */
export async function releaseOwnLock(dir: string, pattern: string): Promise<void> {
  const path = lockPath(dir, pattern);
  try {
    const id = parse(await readFile(path, 'latin1'));
    if (id !== undefined && isOwn(id)) await unlink(path);
  } catch {
    // none, or unreadable: nothing of ours to remove
  }
}
