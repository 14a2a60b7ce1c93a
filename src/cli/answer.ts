/**
 * `sipclf answer`: answers test calls with the UA of src/ua (docs/guides/test-ua.md) until SIGTERM/SIGINT or
 * --max-calls calls have ended; prints one line per call outcome and a summary on exit.
 */
import { SipclfError } from '../errors.js';
import { UserAgent, type IncomingCallEvent } from '../ua/index.js';
import { intOption, type Io } from './io.js';
import { untilSignal } from './signals.js';
import { logModeOption, msOption, str, usageGuard } from './ua-shared.js';

function line(e: IncomingCallEvent): string {
  const what = e.type === 'transfer' ? `transfer to ${e.target ?? '?'}: ${e.status ?? ''}` : `${e.type}${e.status === undefined ? '' : ` ${e.status}`}`;
  return `${what}  ${e.marked ? 'marked' : 'unmarked'}  from ${e.from}  Call-ID ${e.callId}`;
}

/** Runs until `stop` resolves (SIGTERM/SIGINT by default) or --max-calls. */
export function runAnswer(opts: Record<string, unknown>, io: Io, stop?: Promise<unknown>): Promise<number> {
  return usageGuard('answer', io.stderr, async () => {
    const logme = str(opts, 'logme') ?? 'off';
    if (logme !== 'on' && logme !== 'off') throw new SipclfError('CLI_USAGE', `--logme must be on or off, got ${logme}`);
    const ringMs = msOption(opts['ring'] ?? 0, 'ring');
    const rejectText = str(opts, 'reject');
    const reject = rejectText === undefined ? undefined : Number(rejectText);
    if (reject !== undefined && !(Number.isInteger(reject) && reject >= 300 && reject <= 699)) throw new SipclfError('CLI_USAGE', `--reject needs a status 300-699, got ${String(rejectText)}`);
    const maxCalls = opts['maxCalls'] === undefined ? undefined : intOption(opts['maxCalls'], 'max-calls');
    const json = opts['json'] === true;
    const proxy = str(opts, 'proxy');
    const aor = str(opts, 'aor');
    const logDir = str(opts, 'logDir');
    const logMode = logModeOption(opts);
    let ended = 0;
    let reached: () => void = () => undefined;
    const enough = new Promise<void>((r) => (reached = r));
    const ua = await UserAgent.start({
      listen: str(opts, 'listen') ?? 'udp:127.0.0.1:5090',
      logme: logme === 'on' ? 'supporting' : 'off',
      answer: { ringMs, ...(reject === undefined ? {} : { reject }) },
      ...(proxy === undefined ? {} : { proxy }),
      ...(aor === undefined ? {} : { aor }),
      ...(logDir === undefined ? {} : { logDir }),
      ...(logMode === undefined ? {} : { logMode }),
      onCall: (e) => {
        io.stdout.write(json ? `${JSON.stringify(e)}\n` : `${line(e)}\n`);
        if (e.type === 'ended' || e.type === 'rejected' || e.type === 'cancelled') {
          ended++;
          if (maxCalls !== undefined && ended >= maxCalls) reached();
        }
      },
    });
    const a = ua.core.local;
    io.stderr.write(`sipclf answer: listening on ${a.transport}:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}${logme === 'on' ? ' (log-me on)' : ''}\n`);
    try {
      await Promise.race([enough, stop ?? untilSignal()]);
    } finally {
      await ua.close();
    }
    const s = ua.stats;
    const summary = { type: 'summary', incoming: s.incoming, answered: s.answered, rejected: s.rejected, cancelled: s.cancelled, byes: s.byes, transfers: s.transfers, clfRecords: ua.core.log.stats.records };
    io.stdout.write(
      json
        ? `${JSON.stringify(summary)}\n`
        : `${s.incoming} call(s): ${s.answered} answered, ${s.rejected} rejected, ${s.cancelled} cancelled, ${s.transfers} transfer(s); ${summary.clfRecords} CLF record(s) logged\n`,
    );
    return 0;
  });
}

export function run(_args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  return runAnswer(opts, io);
}
