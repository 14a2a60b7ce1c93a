#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/src/cli (built by `npm ci` through the prepare script).
import { main } from '../dist/src/cli/main.js';

// `sipclf … | head` closes the pipe early: stop quietly, as Unix tools do.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (err) => { if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw err; });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`sipclf: internal error: ${err?.stack ?? err}\n`); process.exitCode = 70; },
);
