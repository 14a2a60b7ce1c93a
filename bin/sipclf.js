#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/src/cli (built by `npm ci` through the prepare script).
import { main } from '../dist/src/cli/main.js';

// `sipclf … | head` closes the pipe early: stop quietly, as Unix tools do.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (err) => { if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw err; });
}

// Once a command has finished (a daemon has drained and flushed its logs after SIGTERM), a late duplicate of
// the signal — `timeout` and supervisors also signal the whole process group — must not turn the clean exit
// into death by signal: from then on SIGTERM and SIGINT end the process with the command's own exit status.
const settled = () => { for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(process.exitCode ?? 0)); };

main(process.argv.slice(2)).then(
  (code) => { settled(); process.exitCode = code; },
  (err) => { process.stderr.write(`sipclf: internal error: ${err?.stack ?? err}\n`); process.exitCode = 70; },
);
