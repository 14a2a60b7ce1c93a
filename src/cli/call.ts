/**
 * `sipclf call URI`: places test calls with the UA of src/ua (docs/guides/test-ua.md) — N calls at R per
 * second, concurrently — and prints a line per call and a summary. Exit 0 when every call succeeded.
 */
import { SipclfError } from '../errors.js';
import { UserAgent, type CallResult } from '../ua/index.js';
import { intOption, type Io } from './io.js';
import { logModeOption, msOption, str, usageGuard } from './ua-shared.js';

function line(r: CallResult): string {
  const res = `${r.status} ${r.reason}`.trim();
  const parts = [`call ${r.index}`, r.ok ? 'ok' : 'FAILED', res, `setup ${r.setupMs} ms`];
  if (r.status >= 200 && r.status < 300) parts.push(`held ${r.durationMs} ms`, `ended ${r.ended}${r.byeStatus > 0 ? ` (BYE ${r.byeStatus})` : ''}`);
  if (r.transfer !== undefined) parts.push(`transfer ${r.transfer.status} ${r.transfer.reason}`.trim());
  parts.push(r.marked ? `marked, test case ${r.testCase}` : `unmarked, session ${r.testCase}`, `Call-ID ${r.callId}`);
  return parts.join('  ');
}

export function run(args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  return usageGuard('call', io.stderr, async () => {
    const target = args[0];
    if (target === undefined) throw new SipclfError('CLI_USAGE', 'a target URI is required: sipclf call sip:bob@127.0.0.1:5090');
    const calls = intOption(opts['calls'] ?? 1, 'calls');
    const rate = Number(opts['rate'] ?? 10);
    if (!(rate > 0) || !Number.isFinite(rate)) throw new SipclfError('CLI_USAGE', `--rate needs a positive number, got ${String(opts['rate'])}`);
    const holdMs = msOption(opts['hold'] ?? 1000, 'hold');
    const json = opts['json'] === true;
    const proxy = str(opts, 'proxy');
    const from = str(opts, 'from');
    const logDir = str(opts, 'logDir');
    const logMode = logModeOption(opts);
    const transferTo = str(opts, 'transferTo');
    const ua = await UserAgent.start({
      listen: str(opts, 'listen') ?? 'udp:127.0.0.1:0',
      logme: opts['logme'] === true ? 'originating' : 'off',
      ...(proxy === undefined ? {} : { proxy }),
      ...(from === undefined ? {} : { aor: from }),
      ...(logDir === undefined ? {} : { logDir }),
      ...(logMode === undefined ? {} : { logMode }),
    });
    const started = Date.now();
    const results: CallResult[] = [];
    try {
      const running: Array<Promise<void>> = [];
      for (let i = 1; i <= calls; i++) {
        if (i > 1) await new Promise((r) => setTimeout(r, 1000 / rate));
        running.push(
          ua.call({ target, holdMs, index: i, ...(transferTo === undefined ? {} : { transferTo }) }).then((r) => {
            results.push(r);
            io.stdout.write(json ? `${JSON.stringify({ type: 'call', ...r })}\n` : `${line(r)}\n`);
          }),
        );
      }
      await Promise.all(running);
    } finally {
      await ua.close(5000);
    }
    const ok = results.filter((r) => r.ok).length;
    const marked = results.filter((r) => r.marked).length;
    const summary = { type: 'summary', calls: results.length, ok, failed: results.length - ok, marked, seconds: (Date.now() - started) / 1000, clfRecords: ua.core.log.stats.records };
    io.stdout.write(
      json
        ? `${JSON.stringify(summary)}\n`
        : `${summary.calls} call(s): ${ok} ok, ${summary.failed} failed, ${marked} marked; ${summary.clfRecords} CLF record(s) logged; ${summary.seconds.toFixed(1)} s\n`,
    );
    return ok === results.length ? 0 : 1;
  });
}
