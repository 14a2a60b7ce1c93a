/**
 * Background maintenance of rotated log files for ClfWriter (writer.ts): gzip and retention.
 *
 * Both run off the write path, one job at a time on the writer's background chain, so a slow gzip never
 * delays records and `close()` waits for them.
 *
 * - gzip (`node:zlib` streams): `f.clf` → `.f.clf.gz.<pid>.tmp` (created O_EXCL, mode 0600) → fsync (unless
 *   fsync policy is 'none') → rename to `f.clf.gz` → unlink `f.clf`. A crash at any step leaves either the
 *   original or a complete `.gz` (plus possibly a hidden temp file, removed by the next `open()` of that
 *   pattern); never a truncated `.gz` under the final name. The `.gz` keeps the original's mtime, which is
 *   the time of its newest record, so that retention by age stays correct.
 * - Retention (RFC 8497 §8.5: "The retention time period for logged messages SHOULD be the minimum needed"):
 *   among the directory's files of this pattern except the active one, ordered by mtime (oldest first, then
 *   by name), delete those whose mtime is older than `maxAgeMs` and then the oldest until at most `maxFiles`
 *   remain. Runs at `open()` and after every rotation (after that rotation's gzip).
 */
import { createReadStream } from 'node:fs';
import { readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { createPrivateFile } from './writer-fs.js';
import { collisionOf, seqOf, type NamePattern } from './rotate.js';

/** The hidden temp name for gzipping `name`. */
export function gzipTempName(name: string): string {
  return `.${name}.gz.${process.pid}.tmp`;
}

const TEMP = /^\..+\.gz\.\d+\.tmp$/;

/** Compress `dir/name` to `dir/name.gz` (see the header); returns the new path. */
export async function gzipFile(dir: string, name: string, fsync: boolean): Promise<string> {
  const src = join(dir, name);
  const tmp = join(dir, gzipTempName(name));
  const dst = `${src}.gz`;
  const st = await stat(src);
  await unlink(tmp).catch(() => undefined);
  const fh = await createPrivateFile(tmp);
  try {
    await pipeline(createReadStream(src), createGzip(), async (gz: AsyncIterable<Buffer>) => {
      for await (const chunk of gz) await fh.write(chunk);
    });
    if (fsync) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  await utimes(tmp, st.atime, st.mtime);
  await rename(tmp, dst);
  await unlink(src);
  return dst;
}

/** Remove gzip temp files a crashed run of this pattern left behind. Returns how many. */
export async function removeStaleTemps(dir: string, p: NamePattern): Promise<number> {
  let n = 0;
  for (const name of await readdir(dir)) {
    if (!TEMP.test(name)) continue;
    const original = name.slice(1, name.lastIndexOf('.gz.'));
    if (!p.regex.test(original)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    n++;
  }
  return n;
}

export interface RetentionPolicy {
  readonly maxFiles: number | undefined;
  readonly maxAgeMs: number | undefined;
}

/** Apply retention (see the header) and return the deleted names, oldest first. */
export async function applyRetention(
  dir: string,
  p: NamePattern,
  isActive: (name: string) => boolean,
  policy: RetentionPolicy,
  now: number,
): Promise<string[]> {
  if (policy.maxFiles === undefined && policy.maxAgeMs === undefined) return [];
  const files: { name: string; mtime: number; seq: number; base: string; k: number }[] = [];
  for (const name of await readdir(dir)) {
    if (isActive(name) || !p.regex.test(name)) continue;
    try {
      const st = await stat(join(dir, name));
      if (st.isFile()) files.push({ name, mtime: st.mtimeMs, seq: seqOf(p, name), ...collisionOf(p, name) });
    } catch {
      /* vanished meanwhile */
    }
  }
  // Oldest first: by the pattern's %n sequence when both names carry one (the order the writer created them;
  // file times are coarse — a kernel tick — and were seen to misorder files rotated within milliseconds, so a
  // newer file was pruned before an older one), else by mtime, then by name. Every name the regex matched
  // carries a %n when the pattern has one (then seq >= 0), and none otherwise (seq -1 for all: no order).
  // Equal times: by the name without its collision suffix, then by the collision count (x, x-1, x-2, x-10).
  files.sort((a, b) => a.seq - b.seq || a.mtime - b.mtime || (a.base < b.base ? -1 : a.base > b.base ? 1 : 0) || a.k - b.k);
  const doomed = new Set<string>();
  if (policy.maxAgeMs !== undefined) {
    for (const f of files) if (now - f.mtime > policy.maxAgeMs) doomed.add(f.name);
  }
  if (policy.maxFiles !== undefined) {
    const excess = files.length - policy.maxFiles;
    for (let i = 0; i < excess; i++) doomed.add(files[i]?.name ?? '');
  }
  const deleted: string[] = [];
  for (const f of files) {
    if (!doomed.has(f.name) || isActive(f.name)) continue;
    await unlink(join(dir, f.name));
    deleted.push(f.name);
  }
  return deleted;
}
