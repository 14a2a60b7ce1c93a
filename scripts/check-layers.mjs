#!/usr/bin/env node
// Layer check: imports must point down the stack (STYLE.md habit 1). Each folder of src/ is a layer and
// may import only the layers listed for it; src/errors.ts and src/index.ts are outside the layering
// (errors.ts imports nothing; index.ts re-exports the public API). Exit 1 with one line per violation.
//
// Usage: node scripts/check-layers.mjs [SRC_DIR]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

/** layer → layers it may import (itself always allowed). */
export const ALLOWED = {
  sip: [],
  clf: ['sip'],
  logme: ['sip'],
  transport: ['sip'],
  transaction: ['sip', 'transport'],
  metrics: [],
  msglog: ['sip', 'clf', 'logme', 'logfile'],
  proxy: ['sip', 'transport', 'transaction', 'logme', 'clf', 'logfile', 'msglog', 'metrics'],
  ua: ['sip', 'transport', 'transaction', 'logme', 'clf', 'logfile', 'msglog'],
  capture: ['sip', 'clf', 'logme', 'logfile', 'metrics'],
  store: ['sip', 'clf', 'logme', 'logfile'],
  logfile: ['sip', 'clf'],
  gen: ['sip', 'clf', 'logme'],
  analysis: ['sip', 'clf', 'logme'],
  flow: ['sip', 'clf', 'logme', 'logfile'],
  server: ['metrics', 'msglog', 'sip', 'clf', 'logme', 'transport', 'transaction', 'proxy', 'ua', 'capture', 'store', 'logfile'],
  cli: ['metrics', 'msglog', 'sip', 'clf', 'logme', 'transport', 'transaction', 'proxy', 'ua', 'capture', 'store', 'server', 'logfile', 'gen', 'analysis', 'flow'],
};

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

export function checkLayers(srcDir) {
  const problems = [];
  for (const file of walk(srcDir)) {
    const rel = relative(srcDir, file);
    const parts = rel.split(sep);
    if (parts.length < 2) continue; // errors.ts, index.ts
    const layer = parts[0];
    const allowed = ALLOWED[layer];
    if (allowed === undefined) {
      problems.push(`${rel}: folder src/${layer} is not a known layer (add it to scripts/check-layers.mjs)`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue;
      const target = relative(srcDir, resolve(dirname(file), spec)).split(sep);
      if (target[0] === '..') {
        problems.push(`${rel}: imports ${spec}, outside src/`);
        continue;
      }
      if (target.length < 2) {
        if (target[0] === 'index.js') problems.push(`${rel}: imports the public index; import the module itself`);
        continue; // errors.js
      }
      const to = target[0];
      if (to !== layer && !allowed.includes(to)) problems.push(`${rel}: layer '${layer}' must not import '${to}' (${spec})`);
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const src = resolve(process.argv[2] ?? 'src');
  const problems = checkLayers(src);
  for (const p of problems) console.error(`layers: ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log(`layers: ok (${src})`);
}
