/**
 * The registrar's optional file: its bindings as JSON, written atomically (a temporary file in the same
 * directory, created with mode 0600, fsynced, then renamed over the target, so a reader or a crash sees the
 * old file or the new one, never half of one) and read back at start-up. Bindings carry absolute expiry
 * times (milliseconds since the epoch), so a reload after a restart drops what expired meanwhile. The file
 * holds contact addresses of users: it is private to the proxy's user (mode 0600), like the CLF logs
 * (RFC 6872 §10).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { SipclfError } from '../errors.js';

/** One binding as stored (§10.3 step 7: "Each binding record records the Call-ID and CSeq values"). */
export interface StoredBinding {
  readonly contact: string;
  readonly q?: number;
  /** Absolute expiry, ms since the epoch. */
  readonly expiresAt: number;
  readonly callId: string;
  readonly cseq: number;
  readonly registeredAt: number;
}

/** File format version 1: every AOR the registrar knows, with its bindings (possibly none). */
export interface StoreFile {
  readonly version: 1;
  readonly aors: Readonly<Record<string, readonly StoredBinding[]>>;
}

function fail(file: string, what: string, cause?: unknown): never {
  throw new SipclfError('PROXY_REGISTRAR_STORE', `${file}: ${what}`, cause === undefined ? undefined : { cause });
}

/** Writes `data` to `file` atomically with mode 0600. Throws PROXY_REGISTRAR_STORE. */
export function saveStore(file: string, data: StoreFile): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, `${JSON.stringify(data)}\n`);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    fail(file, `cannot write the registrar file (${(err as Error).message})`, err);
  }
}

function isBinding(v: unknown): v is StoredBinding {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return (
    typeof b['contact'] === 'string' &&
    typeof b['expiresAt'] === 'number' &&
    typeof b['callId'] === 'string' &&
    typeof b['cseq'] === 'number' &&
    typeof b['registeredAt'] === 'number' &&
    (b['q'] === undefined || typeof b['q'] === 'number')
  );
}

/** Reads a registrar file; a missing file is an empty store. Throws PROXY_REGISTRAR_STORE. */
export function loadStore(file: string): StoreFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, aors: {} };
    fail(file, `cannot read the registrar file (${(err as Error).message})`, err);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    fail(file, 'the registrar file is not valid JSON', err);
  }
  if (typeof data !== 'object' || data === null || (data as Record<string, unknown>)['version'] !== 1) fail(file, 'not a version 1 registrar file');
  const aors = (data as Record<string, unknown>)['aors'];
  if (typeof aors !== 'object' || aors === null) fail(file, '"aors" is not an object');
  const out: Record<string, StoredBinding[]> = {};
  for (const [aor, list] of Object.entries(aors)) {
    if (!Array.isArray(list) || !list.every(isBinding)) fail(file, `bindings of ${aor} are malformed`);
    out[aor] = list;
  }
  return { version: 1, aors: out };
}
