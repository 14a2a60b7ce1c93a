/**
 * What `sipclf demo` verifies in the logs it produced (issue 7 §4; the CI test checks the same files
 * independently). Each check reads the CLF records (FlowEvents) back from disk:
 *
 * 1. inside-logged — every marked message exchanged between two entities of the trust domains (A and B)
 *    that are log-me aware was logged by both the sender and the receiver (RFC 8497 §3.6, RFC 8123 REQ1):
 *    the merged ladder of each marked session has no arrow "logged by one side only" between them.
 * 2. nothing-marked-to-c — network C received no marked message: dave's log (every message) has none with
 *    `logme`, and border-b sent none with it to dave (§3.4.2, §7.2).
 * 3. unmarked-not-logged — erin's calls (no authorisation) appear in no log of A or B (§7.1).
 * 4. transfer-one-test-case — the transfer's dialogs (alice–bob, the REFER, bob's INVITE to carol) form
 *    one session with the test case identifier: linked through their Session-ID UUIDs the way RFC 8497
 *    Figure 2 links dialog2 and dialog3 to dialog1 (§3.3, §3.7), and every one of them marked.
 */
import { buildFlow, type FlowEvent } from '../flow/index.js';
import { ENTITIES } from './demo-topology.js';

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const AWARE = new Set(ENTITIES.filter((e) => e.network !== 'C' && e.name !== 'alice' && e.name !== 'erin').map((e) => e.name));

export interface DemoFacts {
  /** Call-IDs of erin's (unmarked) calls. */
  readonly unmarkedCallIds: readonly string[];
  /** Test case identifier of the transfer call and the Call-IDs of its dialogs seen by the caller. */
  readonly transfer: { readonly testCase: string; readonly callIds: readonly string[] };
  /** Test case identifiers of every marked call. */
  readonly markedTestCases: readonly string[];
}

export function runChecks(events: readonly FlowEvent[], facts: DemoFacts): CheckResult[] {
  const out: CheckResult[] = [];
  // 1
  let missing = 0;
  let arrows = 0;
  const examples: string[] = [];
  for (const tc of facts.markedTestCases) {
    const flow = buildFlow(events, { kind: 'session-id', value: tc });
    if (flow === undefined) {
      missing++;
      examples.push(`test case ${tc}: no records`);
      continue;
    }
    for (const a of flow.ladder.arrows) {
      if (!a.logme || !AWARE.has(a.from) || !AWARE.has(a.to)) continue;
      arrows++;
      if (a.send === undefined || a.receive === undefined) {
        missing++;
        if (examples.length < 3) examples.push(`${a.label} ${a.from} -> ${a.to} logged by ${a.send === undefined ? 'receiver' : 'sender'} only`);
      }
    }
  }
  out.push({ name: 'inside-logged', ok: missing === 0 && arrows > 0, detail: missing === 0 ? `${arrows} marked hop(s) between log-me aware entities, each logged by both ends` : examples.join('; ') });
  // 2
  const daveMarked = events.filter((e) => e.entity === 'dave' && e.logme).length;
  const daveSeen = events.filter((e) => e.entity === 'dave').length;
  const toC = events.filter((e) => e.entity === 'border-b' && e.sent && e.logme && e.destination.startsWith('127.0.3.')).length;
  out.push({ name: 'nothing-marked-to-c', ok: daveMarked === 0 && toC === 0 && daveSeen > 0, detail: `network C logged ${daveSeen} message(s), ${daveMarked} marked; border-b sent ${toC} marked message(s) to it` });
  // 3
  const unmarked = new Set(facts.unmarkedCallIds);
  const leaked = events.filter((e) => unmarked.has(e.callId) && e.entity !== 'dave').length;
  out.push({ name: 'unmarked-not-logged', ok: leaked === 0 && unmarked.size > 0, detail: `${unmarked.size} unmarked call(s), ${leaked} record(s) of them in the logs` });
  // 4
  const flow = buildFlow(events, { kind: 'session-id', value: facts.transfer.testCase });
  const dialogs = flow === undefined ? [] : flow.callIds;
  const inDialogs = events.filter((e) => dialogs.includes(e.callId));
  const methods = new Set(inDialogs.filter((e) => e.isRequest).map((e) => e.method));
  const unmarkedDialogs = dialogs.filter((c) => !inDialogs.some((e) => e.callId === c && e.logme));
  const ok4 = flow !== undefined && dialogs.length === 3 && methods.has('REFER') && methods.has('NOTIFY') && unmarkedDialogs.length === 0 && facts.transfer.callIds.every((c) => dialogs.includes(c));
  out.push({ name: 'transfer-one-test-case', ok: ok4, detail: `test case ${facts.transfer.testCase}: ${dialogs.length} marked dialog(s) linked by Session-ID (${[...methods].sort().join(', ')})` });
  return out;
}
