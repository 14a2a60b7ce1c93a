/** Option handling shared by `sipclf call` and `sipclf answer` (src/ua). */
import { SipclfError } from '../errors.js';
import type { LogMode } from '../msglog/message-log.js';

export function str(opts: Record<string, unknown>, k: string): string | undefined {
  return typeof opts[k] === 'string' ? opts[k] : undefined;
}

/** A non-negative integer option (0 allowed), or CLI_USAGE. */
export function msOption(value: unknown, name: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new SipclfError('CLI_USAGE', `--${name} needs a whole number of milliseconds ≥ 0, got ${String(value)}`);
  return n;
}

export function logModeOption(opts: Record<string, unknown>): LogMode | undefined {
  const v = str(opts, 'log');
  if (v === undefined) return undefined;
  if (v !== 'all' && v !== 'marked' && v !== 'none') throw new SipclfError('CLI_USAGE', `--log must be all, marked or none, got ${v}`);
  return v;
}

/** Runs `f`; a SipclfError becomes `sipclf CMD: CODE: message` on standard error and exit status 2. */
export async function usageGuard(cmd: string, stderr: { write(s: string): unknown }, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof SipclfError) {
      stderr.write(`sipclf ${cmd}: ${e.code}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
