// registerForExit (src/logfile/writer-signals.ts) in process: a second signal while the first one's close is
// still flushing waits for it (it used to find nothing left to close and let the signal through at once).
// The signal is delivered with process.emit, and a listener of the test's own keeps the handler from
// re-raising it (it only re-raises when nobody else listens).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { registerForExit } from '../../src/logfile/writer-signals.js';

test('a second signal during the first close waits for that close before the handler lets go', async () => {
  const sig = 'SIGUSR2';
  const own = (): void => undefined;
  process.on(sig, own);
  let closes = 0;
  let closed = false;
  const writer = {
    close: async (): Promise<void> => {
      closes++;
      await new Promise((r) => setTimeout(r, 300));
      closed = true;
    },
  };
  try {
    registerForExit(writer, { signals: [sig], closeTimeoutMs: 5000 });
    assert.equal(process.listenerCount(sig), 2);
    process.emit(sig as never);
    await new Promise((r) => setTimeout(r, 20));
    process.emit(sig as never); // Ctrl-C twice
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(closed, false);
    assert.equal(process.listenerCount(sig), 2, 'the handler is still installed while the first close runs');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(closed, true);
    assert.equal(closes, 1);
    assert.equal(process.listenerCount(sig), 1, 'uninstalled once the close is done');
  } finally {
    process.off(sig, own);
  }
});
