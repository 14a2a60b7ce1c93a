/**
 * `sipclf parse`: prints a parsed SIP message, or `error CODE at byte N: message`.
 */
import { SipParseError, SipclfError } from '../errors.js';
import { StreamFramer } from '../sip/framer.js';
import { H } from '../sip/header-names.js';
import type { ParseLimits } from '../sip/limits.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { describeHeader } from './describe.js';
import { intOption, readInput, type Io } from './io.js';

interface ParseOpts {
  json: boolean;
  stream: boolean;
  strict: boolean;
  limits: ParseLimits;
}

function toOpts(o: Record<string, unknown>): ParseOpts {
  return {
    json: o['json'] === true,
    stream: o['stream'] === true,
    strict: o['strict'] === true,
    limits: {
      maxMessageBytes: intOption(o['maxMessageBytes'], 'max-message-bytes'),
      maxHeaders: intOption(o['maxHeaders'], 'max-headers'),
      maxLineBytes: intOption(o['maxLineBytes'], 'max-line-bytes'),
    },
  };
}

/** JSON-ready description of a parsed message. */
export function describeMessage(msg: SipMessage): Record<string, unknown> {
  const headers = msg.headers().map((h, i) => {
    const parsed = describeHeader(msg, i);
    return parsed === undefined ? { name: h.name, value: h.value } : { name: h.name, value: h.value, parsed };
  });
  const ctype = msg.get('content-type');
  return {
    type: msg.isRequest ? 'request' : 'response',
    ...(msg.isRequest ? { method: msg.method, requestUri: msg.requestUri } : { status: msg.status, reason: msg.reason }),
    version: msg.version,
    headers,
    body: { length: msg.body.length, ...(ctype !== undefined ? { contentType: ctype } : {}) },
    summary: {
      callId: msg.callId ?? null,
      cseq: msg.cseq ?? null,
      fromTag: msg.fromTag ?? null,
      toTag: msg.toTag ?? null,
      branch: msg.topVia?.branch ?? null,
      maxForwards: msg.maxForwards ?? null,
      logme: msg.logme,
    },
  };
}

function printText(msg: SipMessage, io: Io): void {
  const w = (s: string): void => void io.stdout.write(`${s}\n`);
  const start = msg.raw.subarray(0, msg.raw.indexOf(10)).toString('utf8').replace(/\r$/, '');
  w(`${msg.isRequest ? 'request' : 'response'}: ${start}`);
  for (let i = 0; i < msg.headerCount; i++) {
    const h = msg.headerAt(i);
    w(`  ${h.name}: ${h.value}`);
    const parsed = describeHeader(msg, i);
    if (parsed !== undefined) w(`      = ${JSON.stringify(parsed)}`);
  }
  const ctype = msg.indexesOfId(H.CONTENT_TYPE).length > 0 ? ` (${msg.get('content-type')})` : '';
  w(`  body: ${msg.body.length} bytes${ctype}`);
  if (msg.logme) w('  log-me: marked (RFC 8497 Session-ID;logme)');
}

function report(err: unknown, io: Io, base = 0): number {
  if (err instanceof SipParseError) {
    io.stdout.write(`error ${err.code} at byte ${base + err.offset}: ${err.message}\n`);
    return 1;
  }
  throw err;
}

function parseOne(bytes: Buffer, opts: ParseOpts, io: Io, base: number): number {
  let msg: SipMessage;
  try {
    msg = parseMessage(bytes, opts.limits);
    if (opts.strict) msg.checkAll();
  } catch (err) {
    return report(err, io, base);
  }
  if (opts.json) io.stdout.write(`${JSON.stringify(describeMessage(msg))}\n`);
  else printText(msg, io);
  return 0;
}

export async function runParse(file: string | undefined, raw: Record<string, unknown>, io: Io): Promise<number> {
  let opts: ParseOpts;
  let input: Buffer;
  try {
    opts = toOpts(raw);
    input = await readInput(file, io);
  } catch (err) {
    if (err instanceof SipclfError) {
      io.stderr.write(`sipclf parse: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (!opts.stream) return parseOne(input, opts, io, 0);
  const framer = new StreamFramer(opts.limits);
  let status = 0;
  for (const ev of [...framer.push(input), ...framer.end()]) {
    if (ev.type === 'message') status = Math.max(status, parseOne(ev.bytes, opts, io, ev.offset));
    else if (ev.type === 'error') status = Math.max(status, report(ev.error, io));
    if (!opts.json && ev.type === 'message') io.stdout.write('\n');
  }
  return status;
}

export function run(args: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  return runParse(args[0], opts, io);
}
