/**
 * `sipclf flow --format text`: an ASCII ladder for the terminal. One column per entity, one line per message:
 * UTC time, delta since the previous message, the arrow with its label, then notes. Label marks: `*` the
 * message carries logme, `!` marking error, `?` logged by one side only.
 */
import { clock, delta, notes, type Flow } from './flow.js';
import type { Arrow } from './match.js';

const PREFIX = 23; // `HH:MM:SS.mmm` + 2 + delta(7) + 2

export function marks(a: Arrow): string {
  return `${a.logme ? '*' : ''}${a.markError !== undefined ? '!' : ''}${a.send === undefined || a.receive === undefined ? '?' : ''}`;
}

function columnWidth(f: Flow): number {
  let w = 16;
  const idx = (n: string): number => f.ladder.entities.indexOf(n);
  for (const a of f.ladder.arrows) {
    const span = Math.max(1, Math.abs(idx(a.from) - idx(a.to)));
    w = Math.max(w, Math.ceil((a.label.length + marks(a).length + 6) / span));
  }
  for (const n of f.ladder.entities) w = Math.max(w, Math.min(n.length + 2, 30));
  return Math.min(w, 40);
}

function put(line: string[], at: number, s: string): void {
  for (let i = 0; i < s.length; i++) line[at + i] = s[i] as string;
}

export function renderText(f: Flow): string {
  const { ladder } = f;
  const n = ladder.entities.length;
  const w = columnWidth(f);
  const centre = (i: number): number => i * w + Math.floor(w / 2);
  const blank = (): string[] => {
    const l = new Array<string>(n * w).fill(' ');
    for (let i = 0; i < n; i++) l[centre(i)] = '|';
    return l;
  };
  const out: string[] = [];
  const first = ladder.arrows[0];
  out.push(`Call-ID: ${f.callIds.join(', ')}`);
  if (f.uuids.length > 0) out.push(`Session-ID UUIDs: ${f.uuids.join(', ')}`);
  const errors = ladder.arrows.filter((a) => a.markError !== undefined).length;
  out.push(`${n} entities, ${ladder.arrows.length} messages${first === undefined ? '' : `, ${new Date(first.time).toISOString().slice(0, 10)} UTC`}, ${errors} marking error(s)`);
  out.push('marks: * logme  ! marking error  ? logged by one side only');
  out.push('');
  const head = new Array<string>(n * w).fill(' ');
  ladder.entities.forEach((name, i) => {
    const s = name.length > w - 1 ? name.slice(0, w - 1) : name;
    put(head, Math.max(0, centre(i) - Math.floor(s.length / 2)), s);
  });
  out.push(`${'time'.padEnd(14)}${'delta'.padStart(7)}  ${head.join('')}`.trimEnd());
  out.push(`${' '.repeat(PREFIX)}${blank().join('')}`.trimEnd());
  let prev: number | undefined;
  for (const a of ladder.arrows) {
    const line = blank();
    const x1 = centre(ladder.entities.indexOf(a.from));
    const x2 = centre(ladder.entities.indexOf(a.to));
    const [lo, hi] = x1 < x2 ? [x1, x2] : [x2, x1];
    for (let x = lo + 1; x < hi; x++) line[x] = '-';
    if (x1 < x2) line[hi - 1] = '>';
    else line[lo + 1] = '<';
    const text = ` ${a.label}${marks(a)} `;
    const room = hi - lo - 3;
    const t = text.length > room ? `${text.slice(0, Math.max(0, room - 1))} ` : text;
    put(line, lo + 2 + Math.floor((room - t.length) / 2), t);
    const d = prev === undefined ? 0 : a.time - prev;
    prev = a.time;
    out.push(`${clock(a.time)}  ${delta(d).padStart(7)}  ${line.join('').trimEnd()}   ${notes(a).join('; ')}`.trimEnd());
  }
  out.push(`${' '.repeat(PREFIX)}${blank().join('')}`.trimEnd());
  if (errors > 0) {
    out.push('');
    out.push('Marking errors:');
    for (const a of ladder.arrows) if (a.markError !== undefined) out.push(`  ${clock(a.time)} ${a.label} ${a.from} -> ${a.to}: ${a.markError}`);
  }
  return `${out.join('\n')}\n`;
}
