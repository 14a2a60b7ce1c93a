/**
 * `sipclf flow --format svg|html`: one standalone file — inline CSS, no scripts, no external resources —
 * the way people share a flow. The HTML page embeds the same SVG under a short summary.
 */
import { clock, delta, notes, type Flow } from './flow.js';
import { marks } from './render-text.js';

const COL = 170;
const LEFT = 150;
const ROW = 30;
const TOP = 60;

export function escapeXml(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) continue; // not allowed in XML 1.0
    out += c === '&' || c === '<' || c === '>' || c === '"' || c === "'" ? `&#${code};` : c;
  }
  return out;
}

const CSS =
  'text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;fill:#222}' +
  '.entity{font-weight:bold;font-size:13px}.life{stroke:#999;stroke-width:1}' +
  '.msg{stroke:#1f4e9c;stroke-width:1.5}.msg.half{stroke-dasharray:5 3}.head{fill:#1f4e9c}' +
  '.logme text.label{fill:#0a7a2f;font-weight:bold}.err .msg{stroke:#c0182b}.err .head{fill:#c0182b}' +
  '.err text.label{fill:#c0182b}.time{fill:#555}.note{fill:#777;font-size:11px}.err .note{fill:#c0182b}';

export function renderSvg(f: Flow): string {
  const { ladder } = f;
  const n = ladder.entities.length;
  const x = (name: string): number => LEFT + ladder.entities.indexOf(name) * COL + COL / 2;
  const width = LEFT + n * COL + 320;
  const height = TOP + (ladder.arrows.length + 1) * ROW;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  o.push(`<title>${escapeXml(`SIP flow: ${f.callIds.join(', ')}`)}</title>`);
  o.push(`<style>${CSS}</style>`);
  o.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);
  for (const name of ladder.entities) {
    const cx = x(name);
    o.push(`<text class="entity" x="${cx}" y="24" text-anchor="middle">${escapeXml(name)}</text>`);
    const addr = ladder.addresses.get(name) ?? [];
    if (addr.length > 0) o.push(`<text class="note" x="${cx}" y="40" text-anchor="middle">${escapeXml(addr.join(' '))}</text>`);
    o.push(`<line class="life" x1="${cx}" y1="${TOP - 12}" x2="${cx}" y2="${height - 8}"/>`);
  }
  let prev: number | undefined;
  ladder.arrows.forEach((a, i) => {
    const y = TOP + (i + 1) * ROW;
    const x1 = x(a.from);
    const x2 = x(a.to);
    const dir = x2 > x1 ? 1 : -1;
    const half = a.send === undefined || a.receive === undefined;
    const cls = ['flow', a.logme ? 'logme' : '', a.markError !== undefined ? 'err' : ''].filter((c) => c !== '').join(' ');
    const d = prev === undefined ? 0 : a.time - prev;
    prev = a.time;
    o.push(`<g class="${cls}">`);
    o.push(`<text class="time" x="8" y="${y + 4}">${clock(a.time)} ${delta(d)}</text>`);
    o.push(`<line class="msg${half ? ' half' : ''}" x1="${x1}" y1="${y}" x2="${x2 - dir * 8}" y2="${y}"/>`);
    o.push(`<polygon class="head" points="${x2},${y} ${x2 - dir * 9},${y - 4} ${x2 - dir * 9},${y + 4}"/>`);
    o.push(`<text class="label" x="${(x1 + x2) / 2}" y="${y - 5}" text-anchor="middle">${escapeXml(`${a.label}${marks(a)}`)}</text>`);
    o.push(`<text class="note" x="${LEFT + n * COL + 10}" y="${y + 4}">${escapeXml(notes(a).join('; '))}</text>`);
    o.push('</g>');
  });
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}

export function renderHtml(f: Flow): string {
  const errors = f.ladder.arrows.filter((a) => a.markError !== undefined).length;
  const title = `SIP flow: ${f.callIds.join(', ')}`;
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<title>${escapeXml(title)}</title>\n` +
    '<style>body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.2em}' +
    'p,dd{font-size:.9em}code{font-family:ui-monospace,Menlo,Consolas,monospace}.err{color:#c0182b}</style>\n' +
    `</head>\n<body>\n<h1>${escapeXml(title)}</h1>\n` +
    `<p>${f.ladder.entities.length} entities, ${f.ladder.arrows.length} messages` +
    (f.uuids.length > 0 ? `; Session-ID UUIDs <code>${escapeXml(f.uuids.join(', '))}</code>` : '') +
    `; <span${errors > 0 ? ' class="err"' : ''}>${errors} marking error(s)</span>. ` +
    'Times are UTC. Marks: * logme, ! marking error, ? logged by one side only (dashed).</p>\n' +
    renderSvg(f) +
    '</body>\n</html>\n'
  );
}
