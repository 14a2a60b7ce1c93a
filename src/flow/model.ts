/**
 * The messages of a flow: every CLF record of the logs as a FlowEvent — who logged it (the entity), when,
 * which way, and the identifiers that group (grouping.ts) and match (match.ts) it — read with readRecords()
 * and the Tag 02 whole message parsed with the SIP parser (docs/guides/flow.md).
 */
import { basename, dirname, extname } from 'node:path';
import { decodeOptionalValue } from '../clf/optional.js';
import { TAG_MESSAGE, UNPARSEABLE, type ClfRecord, type ClfValue } from '../clf/record.js';
import { ClfDecodeError } from '../errors.js';
import { entityLabelOf } from '../logfile/merge.js';
import { readRecords, type ReadError, type ReaderSource } from '../logfile/reader.js';
import type { SessionId } from '../sip/grammar/session-id.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';

export interface FlowEvent {
  /** Reading order over all inputs. */
  readonly seq: number;
  /**
   * The entity that logged the record: its 10@32473 label, else the file name without extension (the
   * directory name for the writer's default sipclf-DATE-TIME-SEQ names), else its address.
   */
  readonly entity: string;
  readonly timestamp: number;
  /** Direction S: the entity sent it (else it received it). */
  readonly sent: boolean;
  readonly source: string;
  readonly destination: string;
  readonly isRequest: boolean;
  /** Request method, or the CSeq method of a response. */
  readonly method: string;
  /** Status of a response, 0 for a request. */
  readonly status: number;
  readonly reason: string;
  readonly callId: string;
  /** `seq METHOD` as logged. */
  readonly cseq: string;
  readonly fromTag: string;
  readonly toTag: string;
  /** Branch of the top Via of the logged message, '' when unknown (no Tag 02). */
  readonly branch: string;
  readonly sessionId: SessionId | undefined;
  readonly logme: boolean;
  readonly retransmission: boolean;
  readonly serverTxn: string;
  readonly clientTxn: string;
}

/** One input and the name it has in events (a path, or `-`). */
export interface FlowInput {
  readonly source: ReaderSource;
  readonly name: string;
}

export interface LoadResult {
  readonly events: FlowEvent[];
  readonly problems: ReadError[];
}

function str(v: ClfValue): string {
  if (v === null || v === UNPARSEABLE) return '';
  return Buffer.from(v, 'latin1').toString('utf8');
}

function messageOf(r: ClfRecord): SipMessage | undefined {
  const f = r.optional.find((o) => o.tag === TAG_MESSAGE && o.vendor === 0);
  if (f === undefined) return undefined;
  try {
    return parseMessage(Buffer.from(decodeOptionalValue(f), 'latin1'));
  } catch {
    return undefined; // a cut or damaged message: the CLF fields still tell the essentials
  }
}

/** A file name the CLF writer gives by default (src/logfile/writer-files.ts): `sipclf-YYYYMMDD-HHMMSS-NNNN`. */
const DEFAULT_FILE_NAME = /^sipclf-\d{8}-\d{6}-\d{4}$/;

/** The entity name for a record read from `file` (see FlowEvent.entity). */
export function entityName(label: string | undefined, file: string | undefined, r: ClfRecord): string {
  if (label !== undefined && label.length > 0) return Buffer.from(label, 'latin1').toString('utf8');
  if (file !== undefined && file !== '-' && file.length > 0) {
    const b = basename(file);
    const noGz = b.endsWith('.gz') ? b.slice(0, -3) : b;
    const e = extname(noGz);
    const name = e.length > 0 ? noGz.slice(0, -e.length) : noGz;
    // The writer's default file names (sipclf-DATE-TIME-SEQ) say nothing of the entity; one directory per
    // entity (`sipclf demo`, `--log-dir ./logs/edge`) does: name it after the directory.
    const dir = basename(dirname(file));
    if (DEFAULT_FILE_NAME.test(name) && dir !== '' && dir !== '.' && dir !== '/') return dir;
    if (name.length > 0) return name;
  }
  return str(r.direction === 'S' ? r.source : r.destination) || 'unknown';
}

export function eventOf(r: ClfRecord, entity: string, seq: number): FlowEvent {
  const msg = messageOf(r);
  const cseq = str(r.cseq);
  const sp = cseq.indexOf(' ');
  const method = msg?.method ?? (sp < 0 ? '' : cseq.slice(sp + 1));
  const sid = msg === undefined || msg.sessionIdMalformed ? undefined : msg.sessionId;
  return {
    seq,
    entity,
    timestamp: r.timestamp,
    sent: r.direction === 'S',
    source: str(r.source),
    destination: str(r.destination),
    isRequest: r.isRequest,
    method,
    status: r.isRequest ? 0 : Number.parseInt(str(r.status), 10) || 0,
    reason: msg?.reason ?? '',
    callId: str(r.callId),
    cseq,
    fromTag: str(r.fromTag),
    toTag: str(r.toTag),
    branch: msg?.topVia?.branch ?? '',
    sessionId: sid,
    logme: sid?.logme === true,
    retransmission: r.retransmission !== 'O',
    serverTxn: str(r.serverTxn),
    clientTxn: str(r.clientTxn),
  };
}

/** Reads every record of the inputs; damaged records are returned as problems and skipped. */
export async function loadEvents(inputs: readonly FlowInput[]): Promise<LoadResult> {
  const events: FlowEvent[] = [];
  const problems: ReadError[] = [];
  for (const input of inputs) {
    const reader = readRecords(input.source, { name: input.name, syncReads: true });
    for await (const ev of reader) {
      if (ev.type === 'error') {
        problems.push(ev);
        continue;
      }
      try {
        const r = ev.decode();
        events.push(eventOf(r, entityName(entityLabelOf(ev.text), ev.file ?? input.name, r), events.length));
      } catch (err) {
        if (!(err instanceof ClfDecodeError)) throw err;
        problems.push({ type: 'error', offset: ev.offset, at: ev.offset + err.offset, code: err.code, message: err.message, skipped: ev.text.length, file: ev.file });
      }
    }
  }
  return { events, problems };
}
