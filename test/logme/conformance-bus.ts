/**
 * An in-memory message bus that plays one RFC 8497 call flow (a vector of test/vectors/rfc8497/) through
 * one log-me engine per entity of the figure, and records what happened on every hop.
 *
 *   sender                                   bus                                    receiver
 *   ------                                   ---                                    --------
 *   originate / answer: build the message    ─┐
 *     from the vector (unmarked), engine      │  wire bytes of Fn: marker on the
 *     process('out', local) → apply           ├─ wire? Session-ID? ───────────────► engine process('in')
 *   forward: the copy it received of Fk,      │                                      → apply to its copy
 *     Via push/pop, Max-Forwards, engine      │                                      (kept for forwarding
 *     process('out') → apply                 ─┘                                      and answering)
 *
 * "Apply" is what a SIP element does with a Decision: MessageEditor.setSessionId() when the decision carries
 * a Session-ID value, setLogme(true) for `add`, setLogme(false) for `strip`. A scripted entity (a faulty UA
 * of the error figures) has no engine: its messages go on the wire exactly as the vector says.
 *
 * The bus never asserts; conformance.test.ts compares its records with the vectors. An engine that throws is
 * recorded on the hop (`failure`) and treated as `keep`/no log, so the rest of the flow still runs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Decision, ProcessInput } from '../../src/logme/types.js';
import { MessageEditor } from '../../src/sip/editor.js';
import type { SipMessage } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';

// ---- vector format (see test/vectors/rfc8497/README.md) ----------------------------------------------------------

export type UaLogme = 'originating' | 'supporting' | 'none' | 'scripted';
export type ProxyLogme = 'plain' | 'stateless' | 'stateful';

export interface VectorEntity {
  readonly name: string;
  readonly kind: 'ua' | 'proxy';
  /** The figure's NETWORK A / NETWORK B (Figures 3–11); a domain name in Figure 2. */
  readonly network: string;
  readonly host: string;
  readonly address: string;
  readonly uri?: string;
  readonly logme: UaLogme | ProxyLogme;
  /** §4.3: the non-supporting UA this intermediary marks on behalf of, and on which side. */
  readonly onBehalfOf?: { readonly entity: string; readonly side: 'originating' | 'terminating' };
  /** §3.4.2, §7.2, Figures 5 and 6: neighbours that must never receive (nor send) a marker. */
  readonly noMarkerToward?: readonly string[];
  /** §3.7: the UA marks dialogs related to a marked dialog. */
  readonly relatedDialogs?: boolean;
  readonly description: string;
  readonly rfc?: string;
}

export interface ExpectedError {
  readonly at: string;
  readonly type: string;
}

export interface VectorMessage {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly method?: string;
  readonly status?: number;
  readonly reason?: string;
  /** originate: built by the sender; answer: a response the sender builds to `answers`; forward: relays `forwards`. */
  readonly how: 'originate' | 'answer' | 'forward';
  readonly answers?: string;
  readonly forwards?: string;
  readonly dialog: string;
  readonly callId: string;
  readonly cseq: string;
  readonly fromTag: string;
  readonly toTag: string | null;
  /** The Session-ID expected on the wire (RFC 7989: intermediaries pass the UUIDs unchanged); null: none. */
  readonly sessionId: { readonly local: string; readonly remote: string } | null;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly rfc3665?: string;
  /** Put on the wire exactly as `expect.wire` says, without the sender's engine (fault injection). */
  readonly scripted?: boolean;
  readonly expect: {
    /** The message carries the `logme` marker on this hop. */
    readonly wire: boolean;
    /** Exactly the entities (sender and/or receiver) that decide `log: true` for it. */
    readonly log: readonly string[];
    /** Errors detected on this hop; null: not checked. */
    readonly errors: readonly ExpectedError[] | null;
  };
  readonly rfc: string;
  readonly note?: string;
}

export interface VectorDialog {
  readonly callId: string;
  readonly caller: string;
  readonly callerTag: string;
  readonly callee: string;
  readonly calleeTag: string;
  readonly relatedTo?: string;
  readonly via?: string;
}

export interface Vector {
  readonly figure: number;
  readonly section: string;
  readonly title: string;
  readonly caption: string;
  readonly basis: string;
  readonly testCase: string;
  readonly entities: readonly VectorEntity[];
  readonly dialogs: Readonly<Record<string, VectorDialog>>;
  readonly notes: readonly string[];
  readonly messages: readonly VectorMessage[];
}

export const VECTOR_DIR = fileURLToPath(new URL('../../../test/vectors/rfc8497/', import.meta.url));

/** Every figure-NN.json, in figure order. */
export function loadVectors(dir = VECTOR_DIR): Vector[] {
  return readdirSync(dir)
    .filter((f) => /^figure-\d\d\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(dir + f, 'utf8')) as Vector);
}

// ---- what the bus records ---------------------------------------------------------------------------------------------

/** What an engine must offer the bus: LogmeEngine.process(). */
export interface EngineLike {
  process(input: ProcessInput): Decision;
}

export interface DecisionRecord {
  readonly entity: string;
  readonly direction: 'in' | 'out';
  readonly local: boolean;
  readonly decision: Decision;
}

export interface HopRecord {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** The message as it went on the wire; undefined when the hop could not be built. */
  readonly wireMessage?: SipMessage;
  readonly wire: boolean;
  readonly sessionId: { readonly local: string; readonly remote?: string } | null;
  /** Entities that decided `log: true` (the sender on `out`, the receiver on `in`), sorted. */
  readonly loggedBy: string[];
  readonly errors: ExpectedError[];
  readonly decisions: DecisionRecord[];
  /** Harness or engine failures on this hop (an exception, a message that could not be built). */
  readonly failures: string[];
}

export interface FlowRun {
  readonly vector: Vector;
  readonly hops: ReadonlyMap<string, HopRecord>;
  /** Per entity, the ids of the messages it logged, in order (what a CLF writer would hold). */
  readonly logs: ReadonlyMap<string, string[]>;
}

export type EngineFactory = (entity: VectorEntity, vector: Vector, env: { clock: () => number }) => EngineLike | undefined;

// ---- building messages ------------------------------------------------------------------------------------------------

const CRLF = '\r\n';
/** 2018-11-01T09:00:00Z, the month RFC 8497 was published; each message advances the clock by 20 ms. */
export const START_TIME = Date.UTC(2018, 10, 1, 9, 0, 0);

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

function uriOf(v: Vector, name: string): string {
  const e = v.entities.find((x) => x.name === name);
  return e?.uri ?? `sip:${slug(name)}@${e?.host ?? 'invalid'}`;
}

function sessionIdValue(s: { local: string; remote: string }, logme: boolean): string {
  return `${s.local};remote=${s.remote}${logme ? ';logme' : ''}`;
}

/** A request built by its sender (a UA's INVITE, ACK, BYE, REFER, NOTIFY …), marked only when scripted so. */
function buildRequest(v: Vector, m: VectorMessage, marked: boolean): Buffer {
  const d = v.dialogs[m.dialog];
  if (d === undefined) throw new Error(`dialog ${m.dialog} is not declared`);
  const callerSends = m.fromTag === d.callerTag;
  const fromUri = uriOf(v, callerSends ? d.caller : d.callee);
  const toUri = uriOf(v, callerSends ? d.callee : d.caller);
  const sender = v.entities.find((e) => e.name === m.from);
  const lines = [
    `${m.method ?? 'OPTIONS'} ${toUri} SIP/2.0`,
    `Via: SIP/2.0/TCP ${sender?.host ?? 'invalid'};branch=z9hG4bK${slug(m.from)}${slug(m.id)}`,
    'Max-Forwards: 70',
    `From: <${fromUri}>;tag=${m.fromTag}`,
    `To: <${toUri}>${m.toTag === null ? '' : `;tag=${m.toTag}`}`,
    `Call-ID: ${m.callId}`,
    `CSeq: ${m.cseq}`,
  ];
  if (m.sessionId !== null) lines.push(`Session-ID: ${sessionIdValue(m.sessionId, marked)}`);
  for (const [name, value] of m.headers ?? []) lines.push(`${name}: ${value}`);
  lines.push(`Contact: <${uriOf(v, m.from)}>`, 'Content-Length: 0');
  return Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'utf8');
}

/** A response built by a UAS or a proxy (100 Trying) from the request as it received it (RFC 3261 §8.2.6). */
function buildResponse(m: VectorMessage, req: SipMessage, marked: boolean): Buffer {
  const to = req.get('To') ?? '';
  const lines = [`SIP/2.0 ${m.status ?? 500} ${m.reason ?? ''}`];
  for (const via of req.getAll('Via')) lines.push(`Via: ${via}`);
  lines.push(
    `From: ${req.get('From') ?? ''}`,
    `To: ${to}${m.toTag !== null && req.toTag === undefined ? `;tag=${m.toTag}` : ''}`,
    `Call-ID: ${req.callId ?? ''}`,
    `CSeq: ${req.get('CSeq') ?? ''}`,
  );
  if (m.sessionId !== null) lines.push(`Session-ID: ${sessionIdValue(m.sessionId, marked)}`);
  for (const [name, value] of m.headers ?? []) lines.push(`${name}: ${value}`);
  lines.push('Content-Length: 0');
  return Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'utf8');
}

/** What a SIP element does with a Decision (see the module comment). */
export function applyDecision(msg: SipMessage, d: Decision): SipMessage {
  const ed = new MessageEditor(msg);
  let changed = false;
  if (d.sessionId !== undefined) {
    ed.setSessionId(d.sessionId);
    changed = true;
  }
  if (d.marker === 'add' || d.marker === 'strip') {
    if (d.sessionId === undefined) ed.setLogme(d.marker === 'add');
    changed = true;
  }
  if (!changed) return msg;
  let out = parseMessage(ed.toBuffer());
  // A Session-ID value from the engine that does not agree with the marker action is corrected, so the wire
  // shows the action (the mismatch is the engine's bug and shows in the Session-ID assertion).
  if ((d.marker === 'add' && !out.logme) || (d.marker === 'strip' && out.logme)) {
    out = parseMessage(new MessageEditor(out).setLogme(d.marker === 'add').toBuffer());
  }
  return out;
}

// ---- the bus ----------------------------------------------------------------------------------------------------------

interface MutableHop {
  id: string;
  from: string;
  to: string;
  wireMessage?: SipMessage;
  wire: boolean;
  sessionId: { local: string; remote?: string } | null;
  loggedBy: string[];
  errors: ExpectedError[];
  decisions: DecisionRecord[];
  failures: string[];
}

export interface FlowOptions {
  /**
   * How process() is told the neighbour: by its configured peer name (default), or by its `ip:port` address
   * as a transport would (matched against the peers' addresses).
   */
  readonly neighbours?: 'name' | 'address';
}

/** Plays the vector's messages in order. */
export function runFlow(vector: Vector, factory: EngineFactory, options: FlowOptions = {}): FlowRun {
  const nb = (name: string): string =>
    options.neighbours === 'address' ? (vector.entities.find((e) => e.name === name)?.address ?? name) : name;
  let now = START_TIME;
  const clock = (): number => now;
  const engines = new Map<string, EngineLike | undefined>();
  for (const e of vector.entities) engines.set(e.name, e.logme === 'scripted' ? undefined : factory(e, vector, { clock }));
  /** received[entity][Fn]: the message as the entity holds it after its `in` decision. */
  const received = new Map<string, Map<string, SipMessage>>();
  const logs = new Map<string, string[]>(vector.entities.map((e) => [e.name, []]));
  const hops = new Map<string, HopRecord>();

  const decide = (hop: MutableHop, entity: string, input: ProcessInput): Decision | undefined => {
    const engine = engines.get(entity);
    if (engine === undefined) return undefined;
    try {
      const decision = engine.process(input);
      hop.decisions.push({ entity, direction: input.direction, local: input.local ?? false, decision });
      if (decision.log) {
        if (!hop.loggedBy.includes(entity)) hop.loggedBy.push(entity);
        logs.get(entity)?.push(hop.id);
      }
      if (decision.error !== undefined) hop.errors.push({ at: entity, type: decision.error });
      return decision;
    } catch (err) {
      hop.failures.push(`${entity} process('${input.direction}') threw: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };

  for (const m of vector.messages) {
    now += 20;
    const hop: MutableHop = { id: m.id, from: m.from, to: m.to, wire: false, sessionId: null, loggedBy: [], errors: [], decisions: [], failures: [] };
    hops.set(m.id, hop);
    const scripted = m.scripted === true || engines.get(m.from) === undefined;
    const marked = scripted && m.expect.wire;
    let out: SipMessage | undefined;
    try {
      if (m.how === 'originate') {
        out = parseMessage(buildRequest(vector, m, marked));
      } else {
        const ref = m.how === 'answer' ? m.answers : m.forwards;
        const held = ref === undefined ? undefined : received.get(m.from)?.get(ref);
        if (held === undefined) throw new Error(`${m.from} never received ${String(ref)} (needed to ${m.how} it)`);
        if (m.how === 'answer') {
          out = parseMessage(buildResponse(m, held, marked));
        } else {
          // RFC 3261 §16.6 steps 3 and 8 / §16.7 step 3; Record-Route and Route are left out (not needed here).
          const ed = new MessageEditor(held);
          if (held.isRequest) {
            const sender = vector.entities.find((e) => e.name === m.from);
            ed.pushVia(`SIP/2.0/TCP ${sender?.host ?? 'invalid'};branch=z9hG4bK${slug(m.from)}${slug(m.id)}`).decrementMaxForwards();
          } else {
            ed.popVia();
          }
          out = parseMessage(ed.toBuffer());
        }
      }
    } catch (err) {
      hop.failures.push(`bus: could not build ${m.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (out === undefined) continue;

    if (!scripted || m.how === 'forward') {
      const d = decide(hop, m.from, { message: out, direction: 'out', neighbour: nb(m.to), local: m.how !== 'forward' });
      if (d !== undefined) {
        try {
          out = applyDecision(out, d);
        } catch (err) {
          hop.failures.push(`bus: could not apply ${m.from}'s decision ${JSON.stringify({ marker: d.marker, sessionId: d.sessionId })}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    hop.wireMessage = out;
    hop.wire = out.logme;
    const sid = out.sessionId;
    hop.sessionId = sid === undefined ? null : sid.remote === undefined ? { local: sid.local } : { local: sid.local, remote: sid.remote };

    // The receiver processes the bytes as they went on the wire.
    let rx = parseMessage(out.raw);
    const d = decide(hop, m.to, { message: rx, direction: 'in', neighbour: nb(m.from), local: false });
    if (d !== undefined) {
      try {
        rx = applyDecision(rx, d);
      } catch (err) {
        hop.failures.push(`bus: could not apply ${m.to}'s decision: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    let held = received.get(m.to);
    if (held === undefined) received.set(m.to, (held = new Map<string, SipMessage>()));
    held.set(m.id, rx);
    hop.loggedBy.sort();
  }
  return { vector, hops, logs };
}
