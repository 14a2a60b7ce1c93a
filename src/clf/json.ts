/**
 * CLF ↔ JSON Lines (docs/reference/clf-json.md): one JSON object per record for jq, Elastic, Loki and
 * Python users. Lossless for every field, optional ones included: `recordFromJson(recordToJson(r))` equals
 * `r`, so CLF → JSONL → CLF reproduces the records byte for byte.
 *
 * Mapping rules: an absent mandatory field (`-`) is `null`; an unparseable one (`?`) is `null` and is listed
 * in `unparseable`; bytes that are not valid UTF-8 go to `binary` as base64 (JSON strings are Unicode, CLF
 * fields are octets). Optional fields keep their Value as written (with `%0D%0A` escapes or base64) and BEB;
 * for the standard body and message tags a decoded `text` is added for reading — it is derived and ignored
 * on the way back.
 */
import { SipclfError } from '../errors.js';
import { decodeOptionalValue } from './optional.js';
import {
  MANDATORY_FIELDS,
  TAG_BODY,
  TAG_MESSAGE,
  UNPARSEABLE,
  type ClfRecord,
  type ClfValue,
  type Direction,
  type MandatoryField,
  type OptionalField,
  type Retransmission,
  type TransportFlag,
} from './record.js';

export interface JsonOptional {
  tag: number;
  vendor: number;
  base64: boolean;
  /** The Value as written, when it is valid UTF-8. */
  value?: string;
  /** The Value as written, base64 of its octets, when it is not valid UTF-8. */
  valueBase64?: string;
  /** Derived: the decoded body or message (Tags 01/02, vendor 0) when it is valid UTF-8. Ignored on input. */
  text?: string;
}

export interface JsonRecord {
  /** ISO 8601 time (derived from `timestamp`, ignored on input). */
  time?: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  type: 'request' | 'response';
  retransmission: Retransmission;
  direction: Direction;
  transport: TransportFlag;
  encrypted: boolean;
  cseq: string | null;
  status: string | null;
  requestUri: string | null;
  destination: string | null;
  source: string | null;
  toUri: string | null;
  toTag: string | null;
  fromUri: string | null;
  fromTag: string | null;
  callId: string | null;
  serverTxn: string | null;
  clientTxn: string | null;
  /** Mandatory fields logged as `?` (RFC 6873 §4.3). */
  unparseable?: MandatoryField[];
  /** Mandatory fields whose octets are not valid UTF-8, as base64 (the field itself is null). */
  binary?: Partial<Record<MandatoryField, string>>;
  optional: JsonOptional[];
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Binary string → text if its octets are valid UTF-8, else undefined. */
function utf8(bin: string): string | undefined {
  if (!/[\x80-\xff]/.test(bin)) return bin;
  try {
    return UTF8.decode(Buffer.from(bin, 'latin1'));
  } catch {
    return undefined;
  }
}

function toBin(text: string): string {
  return Buffer.from(text, 'utf8').latin1Slice();
}

export function recordToJson(r: ClfRecord): JsonRecord {
  const o: JsonRecord = {
    time: new Date(r.timestamp).toISOString(),
    timestamp: r.timestamp,
    type: r.isRequest ? 'request' : 'response',
    retransmission: r.retransmission,
    direction: r.direction,
    transport: r.transport,
    encrypted: r.encrypted,
    cseq: null,
    status: null,
    requestUri: null,
    destination: null,
    source: null,
    toUri: null,
    toTag: null,
    fromUri: null,
    fromTag: null,
    callId: null,
    serverTxn: null,
    clientTxn: null,
    optional: [],
  };
  for (const name of MANDATORY_FIELDS) {
    const v = r[name];
    if (v === UNPARSEABLE) (o.unparseable ??= []).push(name);
    else if (v !== null) {
      const text = utf8(v);
      if (text !== undefined) o[name] = text;
      else (o.binary ??= {})[name] = Buffer.from(v, 'latin1').toString('base64');
    }
  }
  for (const f of r.optional) {
    const j: JsonOptional = { tag: f.tag, vendor: f.vendor, base64: f.base64 };
    const text = utf8(f.value);
    if (text !== undefined) j.value = text;
    else j.valueBase64 = Buffer.from(f.value, 'latin1').toString('base64');
    if (f.vendor === 0 && (f.tag === TAG_BODY || f.tag === TAG_MESSAGE)) {
      try {
        const decoded = utf8(decodeOptionalValue(f));
        if (decoded !== undefined) j.text = decoded;
      } catch {
        // an undecodable value stays as written; `text` is only a reading aid
      }
    }
    o.optional.push(j);
  }
  return o;
}

function bad(path: string, why: string): never {
  throw new SipclfError('CLF_BAD_JSON', `${path}: ${why}`);
}

function oneOf<T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) bad(key, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

function intIn(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(path, `must be an integer from ${min} to ${max}`);
  return v;
}

/** Validates one JSON object (from `JSON.parse`) and returns the record. Throws CLF_BAD_JSON with the path. */
export function recordFromJson(input: unknown): ClfRecord {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) bad('$', 'a record must be a JSON object');
  const o = input as Record<string, unknown>;
  const unparseable = new Set<string>();
  if (o['unparseable'] !== undefined) {
    if (!Array.isArray(o['unparseable'])) bad('unparseable', 'must be an array of field names');
    for (const n of o['unparseable'] as unknown[]) {
      if (typeof n !== 'string' || !(MANDATORY_FIELDS as readonly string[]).includes(n)) bad('unparseable', `unknown field ${JSON.stringify(n)}`);
      unparseable.add(n);
    }
  }
  const binary = o['binary'];
  if (binary !== undefined && (binary === null || typeof binary !== 'object' || Array.isArray(binary))) bad('binary', 'must be an object');
  const fields = {} as Record<MandatoryField, ClfValue>;
  for (const name of MANDATORY_FIELDS) {
    const v = o[name];
    const b = (binary as Record<string, unknown> | undefined)?.[name];
    if (unparseable.has(name)) fields[name] = UNPARSEABLE;
    else if (typeof b === 'string') fields[name] = Buffer.from(b, 'base64').latin1Slice();
    else if (v === null || v === undefined) fields[name] = null;
    else if (typeof v === 'string') fields[name] = toBin(v);
    else bad(name, 'must be a string or null');
  }
  const opt = o['optional'];
  if (!Array.isArray(opt)) bad('optional', 'must be an array');
  const optional: OptionalField[] = (opt as unknown[]).map((x, i) => {
    const path = `optional[${i}]`;
    if (x === null || typeof x !== 'object') bad(path, 'must be an object');
    const f = x as Record<string, unknown>;
    if (typeof f['base64'] !== 'boolean') bad(`${path}.base64`, 'must be a boolean');
    let value: string;
    if (typeof f['value'] === 'string') value = toBin(f['value']);
    else if (typeof f['valueBase64'] === 'string') value = Buffer.from(f['valueBase64'], 'base64').latin1Slice();
    else bad(path, 'needs value or valueBase64');
    return { tag: intIn(f['tag'], `${path}.tag`, 0, 99), vendor: intIn(f['vendor'], `${path}.vendor`, 0, 99_999_999), base64: f['base64'], value };
  });
  if (typeof o['encrypted'] !== 'boolean') bad('encrypted', 'must be a boolean');
  return {
    timestamp: intIn(o['timestamp'], 'timestamp', 0, 9_999_999_999_999),
    isRequest: oneOf(o, 'type', ['request', 'response'] as const) === 'request',
    retransmission: oneOf(o, 'retransmission', ['O', 'D', 'S'] as const),
    direction: oneOf(o, 'direction', ['S', 'R'] as const),
    transport: oneOf(o, 'transport', ['U', 'T', 'S', 'W'] as const),
    encrypted: o['encrypted'],
    ...fields,
    optional,
  };
}

/** One JSON Lines line (with its LF). */
export function recordToJsonLine(r: ClfRecord): string {
  return `${JSON.stringify(recordToJson(r))}\n`;
}

/** Parses one JSON Lines line. Throws CLF_BAD_JSON (invalid JSON or schema violation). */
export function recordFromJsonLine(line: string): ClfRecord {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (err) {
    throw new SipclfError('CLF_BAD_JSON', `not JSON: ${(err as Error).message}`);
  }
  return recordFromJson(o);
}
