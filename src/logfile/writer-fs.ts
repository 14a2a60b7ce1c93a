/**
 * File-system primitives of ClfWriter (writer.ts) that carry the security and durability rules.
 *
 * Permissions (RFC 6872 §10: "the file is not publicly readable and writable and the directory where the
 * file is stored is not publicly accessible"; RFC 8497 §7.4: a SIP entity "MUST protect the logs"):
 *
 * - Directories the writer creates get 0700 and files 0600, set with an explicit chmod after creation, so
 *   the process umask (even 0) cannot widen them.
 * - An existing directory is never chmod-ed (it may be shared, e.g. /var/log), only checked: writable by
 *   group or others without the sticky bit → refused with IO_INSECURE_DIR (anyone in that group could
 *   delete, replace or pre-create log files) unless `insecureDir: 'warn'`; any access for group/others (or
 *   group/world-writable with the sticky bit, as /tmp) → a 'warning' (IO_INSECURE_DIR), because names and
 *   sizes of log files are then visible to others.
 * - Files are created with O_EXCL ('wx'): an existing name, or a symlink planted under that name, is never
 *   followed or appended to.
 *
 * Durability: `syncDir` fsyncs a directory so that a newly created or renamed entry survives a power loss
 * (POSIX; a no-op where directories cannot be opened, e.g. Windows).
 */
import type { FileHandle } from 'node:fs/promises';
import { chmod, mkdir, open, rename, stat, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { SipclfError } from '../errors.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** What to do with a group/world-writable directory that the writer did not create. */
export type InsecureDirPolicy = 'refuse' | 'warn';

/** `err.code` of a Node system error, or ''. */
export function errnoOf(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return '';
}

/** `EACCES: …` text of any thrown value. */
export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Make sure `dir` exists and is private enough. Returns warnings (IO_INSECURE_DIR); throws IO_INSECURE_DIR
 * (refused) or IO_WRITE (cannot create, not a directory).
 */
export async function prepareDir(dir: string, policy: InsecureDirPolicy): Promise<SipclfError[]> {
  let mode: number;
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new SipclfError('IO_WRITE', `log directory ${dir} exists and is not a directory`);
    mode = st.mode & 0o7777;
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') {
      if (e instanceof SipclfError) throw e;
      throw new SipclfError('IO_WRITE', `cannot stat log directory ${dir}: ${describe(e)}`, { cause: e });
    }
    try {
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
      await chmod(dir, DIR_MODE);
    } catch (e2) {
      throw new SipclfError('IO_WRITE', `cannot create log directory ${dir}: ${describe(e2)}`, { cause: e2 });
    }
    return [];
  }
  const warnings: SipclfError[] = [];
  const octal = mode.toString(8).padStart(4, '0');
  if ((mode & 0o022) !== 0 && (mode & 0o1000) === 0) {
    const err = new SipclfError(
      'IO_INSECURE_DIR',
      `log directory ${dir} (mode ${octal}) is writable by group or others: they could delete or replace log files (RFC 6872 §10)`,
    );
    if (policy === 'refuse') throw err;
    warnings.push(err);
  } else if ((mode & 0o077) !== 0) {
    warnings.push(
      new SipclfError('IO_INSECURE_DIR', `log directory ${dir} (mode ${octal}) is accessible by group or others (RFC 6872 §10 asks for 0700)`),
    );
  }
  return warnings;
}

/** Create `path` exclusively with mode 0600 (chmod-ed explicitly). Throws the raw system error (EEXIST…). */
export async function createPrivateFile(path: string): Promise<FileHandle> {
  const fh = await open(path, 'wx', FILE_MODE);
  try {
    await fh.chmod(FILE_MODE);
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
  return fh;
}

/** fsync a directory (best effort: EISDIR/EPERM/EINVAL on platforms that cannot are ignored). */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = errnoOf(e);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw e;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Point the symlink `dir/link` at `target` (a name in the same directory), atomically via rename. */
export async function replaceLink(dir: string, link: string, target: string): Promise<void> {
  const tmp = join(dir, `.${link}.${process.pid}.tmp`);
  await unlink(tmp).catch(() => undefined);
  await symlink(target, tmp);
  try {
    await rename(tmp, join(dir, link));
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
