/**
 * Stopping a daemon command (`proxy`, `capture`, `answer`) on SIGTERM or SIGINT. The listeners are installed
 * once and never removed: Node restores the default action (death by signal) when the last listener goes,
 * and supervisors repeat signals (`timeout` signals the whole process group, systemd resends) — a repeat
 * during the drain or just after it must neither cut the flushing of the logs short nor turn the clean exit
 * into death by signal. Repeats are passed to `onRepeat`.
 */
export function untilSignal(onRepeat?: (sig: string) => void): Promise<string> {
  return new Promise<string>((resolve) => {
    let first: string | undefined;
    const on = (sig: string): void => {
      if (first !== undefined) {
        onRepeat?.(sig);
        return;
      }
      first = sig;
      resolve(sig);
    };
    process.on('SIGTERM', () => on('SIGTERM'));
    process.on('SIGINT', () => on('SIGINT'));
  });
}
