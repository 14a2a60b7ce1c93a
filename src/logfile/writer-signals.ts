/**
 * Flush-on-exit for ClfWriter (writer.ts): `installSignalHandlers()` registers a writer here, and one shared
 * listener per event (SIGTERM, SIGINT, beforeExit) closes every registered writer — flush, fsync, close —
 * then gets out of the way:
 *
 * - SIGTERM/SIGINT. Installing any listener disables Node's default "die on signal", so after closing we
 *   remove our listeners and, if the application has no listener of its own for that signal, re-raise it
 *   with `process.kill(process.pid, sig)`: the process then dies of the signal exactly as it would have
 *   without us (exit status 128 + n, as shells and supervisors expect). If the application does listen,
 *   the exit is its decision and we only close the writers. Either way a writer that hangs longer than
 *   `closeTimeoutMs` (a stuck disk) does not hold the process hostage: we give up waiting and re-raise.
 * - beforeExit. The event loop ran dry (all queued records are already written, since pending writes keep
 *   the loop alive); we fsync and close, which re-arms the loop once, and `process.exitCode` is untouched.
 *
 * Not covered, by nature: `process.exit()` called synchronously by the application (call `await
 * writer.close()` first), SIGKILL and power loss (see the crash guarantees in writer.ts).
 */

export interface Closable {
  close(): Promise<void>;
}

export interface SignalOptions {
  /** Signals to handle. Default SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Give up waiting for close() after this long and let the signal through anyway. Default 5000 ms. */
  readonly closeTimeoutMs?: number;
}

const writers = new Map<Closable, number>();
const handlers = new Map<NodeJS.Signals, () => void>();
let onBeforeExit: (() => void) | undefined;
let timeoutMs = 5000;

/** Every close started so far: a second signal (Ctrl-C twice) waits for the first one's, not for nothing. */
let closing: Promise<void> | undefined;

function closeAll(): Promise<void> {
  const all = [...writers.keys()];
  writers.clear();
  const now = Promise.allSettled(all.map((w) => w.close())).then(() => undefined);
  const prev = closing;
  closing = prev === undefined ? now : Promise.all([prev, now]).then(() => undefined);
  return closing;
}

function uninstallAll(): void {
  for (const [sig, h] of handlers) process.removeListener(sig, h);
  handlers.clear();
  if (onBeforeExit !== undefined) process.removeListener('beforeExit', onBeforeExit);
  onBeforeExit = undefined;
}

function onSignal(sig: NodeJS.Signals): void {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  void Promise.race([closeAll(), timeout]).then(() => {
    clearTimeout(timer);
    uninstallAll();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  });
}

/**
 * Register `w` to be closed on the given signals and on beforeExit. Returns a function that unregisters it
 * (the shared listeners go away with the last writer). close() of the writer also unregisters it.
 */
export function registerForExit(w: Closable, opts: SignalOptions = {}): () => void {
  timeoutMs = opts.closeTimeoutMs ?? timeoutMs;
  writers.set(w, (writers.get(w) ?? 0) + 1);
  for (const sig of opts.signals ?? (['SIGTERM', 'SIGINT'] as const)) {
    if (handlers.has(sig)) continue;
    const h = (): void => onSignal(sig);
    handlers.set(sig, h);
    process.on(sig, h);
  }
  if (onBeforeExit === undefined) {
    onBeforeExit = (): void => {
      if (writers.size > 0) void closeAll();
    };
    process.on('beforeExit', onBeforeExit);
  }
  return () => unregisterForExit(w);
}

/** Forget `w`; remove the shared listeners when no writer is left. */
export function unregisterForExit(w: Closable): void {
  writers.delete(w);
  if (writers.size === 0) uninstallAll();
}
