#!/usr/bin/env node
// Writes the RFC 8497 call-flow vectors figure-02.json … figure-11.json next to this file. The JSON files are
// what the conformance test reads and what a reviewer checks against the RFC; this script only keeps the
// shared RFC 3665 §3.2 skeleton (Figures 3–11) in one place. Edit here, rerun, commit both.
//
// Usage: node test/vectors/rfc8497/make-vectors.mjs
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('.', import.meta.url));

// ---- UUIDs (RFC 7989 §10.1 / RFC 8497 Figure 1 values) ------------------------------------------------------
const UA = 'ab30317f1a784dc48ff824d0d3715d86'; // Alice in Figures 3–11; Bob (transferee) in Figure 2
const UB = '47755a9de7794ba387653f2099600ef2'; // Bob in Figures 3–11; Alice (transferor) in Figure 2
const UC = 'd1f0a8c2b5e94c7a9b3e6f1c2d4a5b60'; // Carol (Figure 2), invented: the RFC prints no Carol UUID
const N = '00000000000000000000000000000000';
const sid = (local, remote) => ({ local, remote });

// ---- Entities of the two-proxy topology (RFC 3665 §3.2 host names and addresses) -------------------------------
const HOSTS = {
  Alice: { network: 'A', host: 'client.atlanta.example.com', address: '192.0.2.101:5060', uri: 'sip:alice@atlanta.example.com' },
  'Proxy 1': { network: 'A', host: 'ss1.atlanta.example.com', address: '192.0.2.111:5060' },
  'Proxy 2': { network: 'B', host: 'ss2.biloxi.example.com', address: '192.0.2.222:5060' },
  Bob: { network: 'B', host: 'client.biloxi.example.com', address: '192.0.2.201:5060', uri: 'sip:bob@biloxi.example.com' },
};

function entity(name, kind, logme, description, extra = {}) {
  return { name, kind, ...HOSTS[name], logme, ...extra, description };
}

// ---- RFC 3665 §3.2 "Session Establishment Through Two Proxies", F4–F23 (without the 407 challenge) --------------
const CALL = '3848276298220188511@atlanta.example.com';
const DIALOG = { callId: CALL, callerTag: '9fxced76sl', calleeTag: '314159' };

// [id, from, to, what, how, ref, cseq, sessionId, rfc3665]
const TWO_PROXIES = [
  ['F1', 'Alice', 'Proxy 1', 'INVITE', 'originate', null, '2 INVITE', sid(UA, N), 'F4'],
  ['F2', 'Proxy 1', 'Proxy 2', 'INVITE', 'forward', 'F1', '2 INVITE', sid(UA, N), 'F5'],
  ['F3', 'Proxy 1', 'Alice', 100, 'answer', 'F1', '2 INVITE', sid(N, UA), 'F6'],
  ['F4', 'Proxy 2', 'Bob', 'INVITE', 'forward', 'F2', '2 INVITE', sid(UA, N), 'F7'],
  ['F5', 'Proxy 2', 'Proxy 1', 100, 'answer', 'F2', '2 INVITE', sid(N, UA), 'F8'],
  ['F6', 'Bob', 'Proxy 2', 180, 'answer', 'F4', '2 INVITE', sid(UB, UA), 'F9'],
  ['F7', 'Proxy 2', 'Proxy 1', 180, 'forward', 'F6', '2 INVITE', sid(UB, UA), 'F10'],
  ['F8', 'Proxy 1', 'Alice', 180, 'forward', 'F7', '2 INVITE', sid(UB, UA), 'F11'],
  ['F9', 'Bob', 'Proxy 2', 200, 'answer', 'F4', '2 INVITE', sid(UB, UA), 'F12'],
  ['F10', 'Proxy 2', 'Proxy 1', 200, 'forward', 'F9', '2 INVITE', sid(UB, UA), 'F13'],
  ['F11', 'Proxy 1', 'Alice', 200, 'forward', 'F10', '2 INVITE', sid(UB, UA), 'F14'],
  ['F12', 'Alice', 'Proxy 1', 'ACK', 'originate', null, '2 ACK', sid(UA, UB), 'F15'],
  ['F13', 'Proxy 1', 'Proxy 2', 'ACK', 'forward', 'F12', '2 ACK', sid(UA, UB), 'F16'],
  ['F14', 'Proxy 2', 'Bob', 'ACK', 'forward', 'F13', '2 ACK', sid(UA, UB), 'F17'],
  ['F15', 'Bob', 'Proxy 2', 'BYE', 'originate', null, '1 BYE', sid(UB, UA), 'F18'],
  ['F16', 'Proxy 2', 'Proxy 1', 'BYE', 'forward', 'F15', '1 BYE', sid(UB, UA), 'F19'],
  ['F17', 'Proxy 1', 'Alice', 'BYE', 'forward', 'F16', '1 BYE', sid(UB, UA), 'F20'],
  ['F18', 'Alice', 'Proxy 1', 200, 'answer', 'F17', '1 BYE', sid(UA, UB), 'F21'],
  ['F19', 'Proxy 1', 'Proxy 2', 200, 'forward', 'F18', '1 BYE', sid(UA, UB), 'F22'],
  ['F20', 'Proxy 2', 'Bob', 200, 'forward', 'F19', '1 BYE', sid(UA, UB), 'F23'],
];

// Figures 8 and 10: INVITE / 200 / ACK only, numbered F1–F9 by the RFC itself.
const NINE = [
  ['F1', 'Alice', 'Proxy 1', 'INVITE', 'originate', null, '2 INVITE', sid(UA, N), 'F4'],
  ['F2', 'Proxy 1', 'Proxy 2', 'INVITE', 'forward', 'F1', '2 INVITE', sid(UA, N), 'F5'],
  ['F3', 'Proxy 2', 'Bob', 'INVITE', 'forward', 'F2', '2 INVITE', sid(UA, N), 'F7'],
  ['F4', 'Bob', 'Proxy 2', 200, 'answer', 'F3', '2 INVITE', sid(UB, UA), 'F12'],
  ['F5', 'Proxy 2', 'Proxy 1', 200, 'forward', 'F4', '2 INVITE', sid(UB, UA), 'F13'],
  ['F6', 'Proxy 1', 'Alice', 200, 'forward', 'F5', '2 INVITE', sid(UB, UA), 'F14'],
  ['F7', 'Alice', 'Proxy 1', 'ACK', 'originate', null, '2 ACK', sid(UA, UB), 'F15'],
  ['F8', 'Proxy 1', 'Proxy 2', 'ACK', 'forward', 'F7', '2 ACK', sid(UA, UB), 'F16'],
  ['F9', 'Proxy 2', 'Bob', 'ACK', 'forward', 'F8', '2 ACK', sid(UA, UB), 'F17'],
];

// §5.3 continuation (not in any figure): Bob hangs up after the error, as in RFC 3665 F18–F23.
const BYE_FROM_BOB = [
  ['E1', 'Bob', 'Proxy 2', 'BYE', 'originate', null, '1 BYE', sid(UB, UA), 'F18'],
  ['E2', 'Proxy 2', 'Proxy 1', 'BYE', 'forward', 'E1', '1 BYE', sid(UB, UA), 'F19'],
  ['E3', 'Proxy 1', 'Alice', 'BYE', 'forward', 'E2', '1 BYE', sid(UB, UA), 'F20'],
  ['E4', 'Alice', 'Proxy 1', 200, 'answer', 'E3', '1 BYE', sid(UA, UB), 'F21'],
  ['E5', 'Proxy 1', 'Proxy 2', 200, 'forward', 'E4', '1 BYE', sid(UA, UB), 'F22'],
  ['E6', 'Proxy 2', 'Bob', 200, 'forward', 'E5', '1 BYE', sid(UA, UB), 'F23'],
];
// §5.3 continuation for Figure 10: Alice (still marking) hangs up.
const BYE_FROM_ALICE = [
  ['E1', 'Alice', 'Proxy 1', 'BYE', 'originate', null, '3 BYE', sid(UA, UB), null],
  ['E2', 'Proxy 1', 'Proxy 2', 'BYE', 'forward', 'E1', '3 BYE', sid(UA, UB), null],
  ['E3', 'Proxy 2', 'Bob', 'BYE', 'forward', 'E2', '3 BYE', sid(UA, UB), null],
  ['E4', 'Bob', 'Proxy 2', 200, 'answer', 'E3', '3 BYE', sid(UB, UA), null],
  ['E5', 'Proxy 2', 'Proxy 1', 200, 'forward', 'E4', '3 BYE', sid(UB, UA), null],
  ['E6', 'Proxy 1', 'Alice', 200, 'forward', 'E5', '3 BYE', sid(UB, UA), null],
];

const REASON = { 100: 'Trying', 180: 'Ringing', 200: 'OK' };

/** Tags of a message of the two-proxy dialog: Alice is the caller, Bob the callee. */
function twoProxyTags(from, what, cseq, how, ref) {
  const byeFromBob = cseq.endsWith('BYE') && !cseq.startsWith('3');
  const callerSide = byeFromBob ? { fromTag: DIALOG.calleeTag, toTag: DIALOG.callerTag } : { fromTag: DIALOG.callerTag, toTag: DIALOG.calleeTag };
  if (typeof what === 'number' && what === 100) return { ...callerSide, toTag: null };
  if (what === 'INVITE') return { ...callerSide, toTag: null };
  void from; void how; void ref;
  return callerSide;
}

/**
 * Builds the message list of a figure from a skeleton and per-message expectations:
 * exp[id] = [wire, [loggers], rfc, note?, extra?] where extra may hold { errors, scripted }.
 */
function messages(skeleton, exp, dialog = 'dialog1') {
  return skeleton.map(([id, from, to, what, how, ref, cseq, sessionId, r3665]) => {
    const e = exp[id];
    if (e === undefined) throw new Error(`no expectation for ${id}`);
    const [wire, log, rfc, note, extra = {}] = e;
    const m = {
      id,
      from,
      to,
      ...(typeof what === 'number' ? { status: what, reason: REASON[what] } : { method: what }),
      how,
      ...(how === 'forward' ? { forwards: ref } : how === 'answer' ? { answers: ref } : {}),
      dialog,
      callId: CALL,
      cseq,
      ...twoProxyTags(from, what, cseq, how, ref),
      sessionId: extra.noSessionId ? null : sessionId,
      ...(r3665 ? { rfc3665: r3665 } : {}),
      ...(extra.scripted ? { scripted: true } : {}),
      expect: { wire, log, errors: extra.errors === undefined ? [] : extra.errors },
      rfc,
      ...(note ? { note } : {}),
    };
    return m;
  });
}

const S451 = '§4.5.1: "SIP intermediaries on the signaling path between these UAs that do not perform the tasks described in Sections 4.3 or 4.4 MUST simply log any request or response that contains a "log me" marker in a stateless manner, if it is allowed per local policy."';
const S42T = '§4.2: "The terminating UA itself logs marked requests and corresponding marked responses if allowed as per policy."';
const S42ECHO = '§4.2: "The terminating UA MUST echo a "log me" marker in responses to a SIP request that included a "log me" marker."';
const S42TREQ = '§4.2: "If the terminating UA has detected that a dialog is being "log me" marked, it MUST insert a "log me" marker in any in-dialog SIP requests that it sends."';
const S42OREQ = '§4.2: "The originating UA configured for "log me" marking MUST insert a "log me" marker into the dialog-creating SIP request and subsequent in-dialog SIP requests."';
const S42OECHO = '§4.2: "The originating UA echoes, in responses, the "log me" marker received in in-dialog requests from the terminating side."';
const S31 = '§3.1: "The "logme" parameter ... MUST be passed unchanged with the Session-ID header field."';
const S53M = '§5.3: "It MUST NOT mark subsequent requests and responses, and it MUST stop logging messages in the same dialog."';
const S53D = '§5.3: "It MUST NOT mark subsequent requests and responses, and it MUST NOT log subsequent messages in the same dialog."';
const S53P = '§5.3: "A SIP proxy as defined in [RFC3261] cannot detect or handle marking errors and will simply forward any "log me" marker it receives."';
const STATEFUL_LOGS = 'Choice C1 (docs/reference/logme-conformance.md): a stateful entity logs every message of a dialog it keeps log-me state for, marked on that hop or not.';

function write(fig, data) {
  const name = `figure-${String(fig).padStart(2, '0')}.json`;
  writeFileSync(DIR + name, JSON.stringify(data, null, 2) + '\n');
}

function figure(fig, section, title, caption, entities, msgs, notes = []) {
  write(fig, {
    figure: fig,
    section,
    title,
    caption,
    basis: fig === 2 ? 'RFC 8497 §3.7 Figure 2 message details (F1–F6) and ladder; unnumbered messages named after their place' : 'RFC 3665 §3.2 "Session Establishment Through Two Proxies" F4–F23 (the 407 challenge F1–F3 left out), numbered as in the RFC 8497 figure',
    testCase: fig === 2 ? UA : UA,
    entities,
    ...(fig === 2 ? {} : { dialogs: { dialog1: { callId: CALL, caller: 'Alice', callerTag: DIALOG.callerTag, callee: 'Bob', calleeTag: DIALOG.calleeTag } } }),
    notes,
    messages: msgs,
  });
}

// =====================================================================================================
// Figure 3 — §4.5.2.1 "Log Me" Marking Not Supported by Originating UA
// =====================================================================================================
{
  const A = 'Alice', P1 = 'Proxy 1', P2 = 'Proxy 2', B = 'Bob';
  const ents = [
    entity(A, 'ua', 'none', 'Alice\'s UA does not support log-me marking (RFC 7989 Session-ID only).', { rfc: '§4.5.2.1: "Alice\'s UA does not support "log me" marking"' }),
    entity(P1, 'proxy', 'stateful', 'Originating intermediary marking on behalf of Alice (§4.3), authorised for dialogs created by Alice; agreement with network B.', { onBehalfOf: { entity: A, side: 'originating' }, rfc: '§4.5.2.1: "Proxy 1, which is the SIP intermediary closest to Alice, is configured to act on behalf of Alice\'s UA to "log me" mark specific dialogs of interest that are created by Alice"' }),
    entity(P2, 'proxy', 'stateful', 'Log-me aware transit proxy of network B (agreement with network A): keeps dialog state, logs, marks the 100 it generates.', { rfc: S451 }),
    entity(B, 'ua', 'supporting', 'Bob\'s UA supports log-me marking (terminating UA, §4.2); policy allows logging.', { rfc: '§4.5.2.1 F4: "Bob\'s UA detects the "log me" marker and logs the INVITE request F4 if allowed as per policy."' }),
  ];
  const exp = {
    F1: [false, [P1], 'F1: "Alice\'s UA does not insert a "log me" marker in the dialog-creating INVITE request F1. Nevertheless, Proxy 1 is configured to initiate logging on behalf of Alice. Proxy 1 logs INVITE request F1 and maintains state that this dialog is being logged."'],
    F2: [true, [P1, P2], 'F2: "Proxy 1 inserts a "log me" marker in INVITE request F2 before forwarding it to Proxy 2. Proxy 1 logs this request."', 'Proxy 2 logs by §4.5.1.'],
    F3: [true, [P1], 'F3: "Proxy 1 inserts a "log me" marker in 100 response F3 before forwarding it to Alice\'s UA since this is a response sent on a dialog that is being "log me" marked. Proxy 1 logs this response."', 'Alice does not support log me: she neither logs nor objects (§5.2.2 non-error case).'],
    F4: [true, [P2, B], 'F4: "Bob\'s UA detects the "log me" marker and logs the INVITE request F4 if allowed as per policy."'],
    F5: [true, [P2, P1], S42ECHO.replace('terminating UA', 'terminating UA [applied by Proxy 2 to the 100 it generates]'), 'The figure marks F5; Proxy 2 echoes the marker of the request it answers.'],
    F6: [true, [B, P2], 'F6: "Bob\'s UA echoes the "log me" marker in INVITE request F4 into 180 response F6. It logs this response if allowed as per policy."'],
    F7: [true, [P2, P1], 'F7 and F8: "Proxy 1 logs the received "180" response F7 and passes the "log me" marker to Alice\'s UA in F8."'],
    F8: [true, [P1], 'F7 and F8: "Proxy 1 logs the received "180" response F7 and passes the "log me" marker to Alice\'s UA in F8."'],
    F9: [true, [B, P2], S42ECHO],
    F10: [true, [P2, P1], S31],
    F11: [true, [P1], S31, 'Figure 3 shows F11 "(logme)": Proxy 1 passes the marker to Alice as in F8.'],
    F12: [false, [P1], 'F12: "Proxy 1 receives ACK with no "log me" marker. It doesn\'t consider this an error since it is configured to "log me" mark on behalf of Alice\'s UA."', STATEFUL_LOGS],
    F13: [true, [P1, P2], 'F13: "Proxy 1 inserts a "log me" marker in ACK request F13 before forwarding it to Proxy 2. Proxy 1 logs this request."'],
    F14: [true, [P2, B], S31],
    F15: [true, [B, P2], 'F15: "Bob\'s UA inserts a "log me" marker in the in-dialog BYE request and this "log me" marker is carried back to Alice\'s UA in F16 and F17. Bob\'s UA logs this request if allowed as per policy."'],
    F16: [true, [P2, P1], 'F15: "... this "log me" marker is carried back to Alice\'s UA in F16 and F17."'],
    F17: [true, [P1], 'F15: "... this "log me" marker is carried back to Alice\'s UA in F16 and F17."'],
    F18: [false, [P1], 'F18: "Alice\'s UA does not echo the "log me" marker from BYE request F17 into 200 response F18."', `${STATEFUL_LOGS} Not an error: Alice never sent the marker (§5.1.1 per-neighbour rule, §5.2.1).`],
    F19: [true, [P1, P2], 'F19: "Proxy 1 inserts a "log me" marker in 200 response F19 before forwarding it to Proxy 2. Proxy 1 logs this response."'],
    F20: [true, [P2, B], S31],
  };
  figure(3, '4.5.2.1', '"Log Me" Marking Not Supported by Originating UA', 'Figure 3: The Originating UA Does Not Support "Log Me" Marking', ents, messages(TWO_PROXIES, exp), [
    'Who logs at Proxy 2 is not in the Figure 3 prose; Proxy 2 is a log-me aware intermediary of network B, so §4.5.1 applies (it logs every marked message).',
  ]);
}

// =====================================================================================================
// Figure 4 — §4.5.2.2 "Log Me" Marking Not Supported by Terminating UA
// =====================================================================================================
{
  const A = 'Alice', P1 = 'Proxy 1', P2 = 'Proxy 2', B = 'Bob';
  const ents = [
    entity(A, 'ua', 'originating', 'Alice\'s UA is configured (authorised) to mark the dialog it creates (§4.2 originating UA).', { rfc: 'F1: "Alice\'s UA inserts a "log me" marker in the dialog-creating INVITE request F1."' }),
    entity(P1, 'proxy', 'stateful', 'Log-me aware proxy of network A with agreement toward network B; logs the marked dialog and marks the 100 it generates.', { rfc: S451 }),
    entity(P2, 'proxy', 'stateful', 'Terminating intermediary marking on behalf of Bob (§4.3).', { onBehalfOf: { entity: B, side: 'terminating' }, rfc: '§4.5.2.2: "Bob\'s UA does not support "log me" marking, so Proxy 2 in the terminating network maintains state to ensure "log me" marking of SIP requests and responses from Bob\'s UA."' }),
    entity(B, 'ua', 'none', 'Bob\'s UA does not support log-me marking.', { rfc: 'F6: "Bob\'s UA does not support "log me" marking; therefore, the 180 response to the INVITE request doesn\'t have a "log me" marker."' }),
  ];
  const exp = {
    F1: [true, [A, P1], 'F1: "Alice\'s UA inserts a "log me" marker in the dialog-creating INVITE request F1."'],
    F2: [true, [P1, P2], 'F2: "INVITE F2 is "log me" marked; therefore, Proxy 2 maintains state that this dialog is to be logged. Proxy 2 logs the request and responses of this dialog if allowed per policy."'],
    F3: [true, [P1, A], 'Figure 4 shows 100 F3 "(log me)"; ' + S42ECHO],
    F4: [true, [P2], S31, 'Bob receives the marker and ignores it (he does not support log me).'],
    F5: [true, [P2, P1], 'F5: "Proxy 2 inserts a "log me" marker in the 100 response it sends to Proxy 1."'],
    F6: [false, [P2], 'F6: "Bob\'s UA does not support "log me" marking; therefore, the 180 response to the INVITE request doesn\'t have a "log me" marker."', 'Not an error at Proxy 2: it marks on behalf of Bob (§5.2.1). ' + STATEFUL_LOGS],
    F7: [true, [P2, P1], 'F7: "Proxy 2 inserts a "log me" marker in the 180 response on behalf of Bob\'s UA before forwarding it."'],
    F8: [true, [P1, A], S31],
    F9: [false, [P2], 'F6: "... doesn\'t have a "log me" marker." (same for the 200 F9)', STATEFUL_LOGS],
    F10: [true, [P2, P1], 'F7: "... The same applies to response F10 and the BYE request in F16."'],
    F11: [true, [P1, A], S31],
    F12: [true, [A, P1], S42OREQ],
    F13: [true, [P1, P2], S31],
    F14: [true, [P2], S31],
    F15: [false, [P2], 'Figure 4 shows BYE F15 "(no log me)": Bob does not support log me.', STATEFUL_LOGS],
    F16: [true, [P2, P1], 'F7: "... The same applies to response F10 and the BYE request in F16."'],
    F17: [true, [P1, A], S31],
    F18: [true, [A, P1], S42OECHO],
    F19: [true, [P1, P2], S31],
    F20: [true, [P2], S31],
  };
  figure(4, '4.5.2.2', '"Log Me" Marking Not Supported by Terminating UA', 'Figure 4: The Terminating UA Does Not Support "Log Me" Marking.', ents, messages(TWO_PROXIES, exp));
}

// =====================================================================================================
// Figure 5 — §4.5.2.3 "Log Me" Marking Removed by Originating Network
// =====================================================================================================
{
  const A = 'Alice', P1 = 'Proxy 1', P2 = 'Proxy 2', B = 'Bob';
  const ents = [
    entity(A, 'ua', 'originating', 'Alice\'s UA marks the dialog it creates (§4.2).', { rfc: 'F1: "Alice\'s UA inserts a "log me" marker in the dialog-creating INVITE request"' }),
    entity(P1, 'proxy', 'stateful', 'Boundary of network A without a log-me agreement toward Proxy 2 (§3.4.2, §7.2): strips toward Proxy 2, keeps state, re-marks toward Alice, logs both sides (the MAY of §4.5.2.3 taken).', { noMarkerToward: [P2], rfc: '§4.5.2.3: "Proxy 1 removes "log me" marking from requests and responses that it forwards to Proxy 2 and maintains state of which dialogs are being "log me" marked in order to "log me" mark requests and responses that it forwards from Proxy 2 to Alice\'s UA."' }),
    entity(P2, 'proxy', 'stateless', 'Log-me aware stateless logger of network B (§4.5.1): it would log marked messages; none arrive.', { rfc: '§4.5.2.3: "network A removes "log me" marking from SIP requests and responses forwarded to network B to prevent triggering unintended logging in network B."' }),
    entity(B, 'ua', 'supporting', 'Bob\'s UA supports log me; it never sees a marker.', { rfc: '§4.5.2.3: "to prevent triggering unintended logging in network B"' }),
  ];
  const MAY = '§4.5.2.3: "For troubleshooting purposes, Proxy 1 MAY also log the requests and responses sent to or received from Proxy 2 even though it removed "log me" marker prior to forwarding the messages to Proxy 2."';
  const NB = 'No marker in network B, so nobody there logs (§4.5.2.3: "to prevent triggering unintended logging in network B").';
  const exp = {
    F1: [true, [A, P1], 'F1: "Alice\'s UA inserts a "log me" marker in the dialog-creating INVITE request, and Proxy 1 therefore maintains state that this dialog is to be logged."'],
    F2: [false, [P1], 'F2: "Proxy 1 removes "log me" marking from INVITE request before forwarding it to Proxy 2. Proxy 1 logs INVITE request F2."'],
    F3: [true, [P1, A], 'F3: "Proxy 1 inserts a "log me" marker in the 100 response sent to Alice\'s UA. Proxy 1 logs this response."'],
    F4: [false, [], NB],
    F5: [false, [P1], MAY, 'MAY taken (choice C1).'],
    F6: [false, [], NB],
    F7: [false, [P1], MAY, 'MAY taken (choice C1).'],
    F8: [true, [P1, A], 'F8: "Proxy 1 inserts a "log me" marker in the 180 response before forwarding it to Alice\'s UA. Proxy 1 logs this response. The same applies to responses F11 and F17."'],
    F9: [false, [], NB],
    F10: [false, [P1], MAY, 'MAY taken (choice C1).'],
    F11: [true, [P1, A], 'F8: "... The same applies to responses F11 and F17."'],
    F12: [true, [A, P1], S42OREQ],
    F13: [false, [P1], 'F13: "Proxy 1 removes "log me" marking from the ACK request. Proxy 1 logs this request before forwarding it to Proxy 2."'],
    F14: [false, [], NB],
    F15: [false, [], NB],
    F16: [false, [P1], MAY, 'MAY taken (choice C1).'],
    F17: [true, [P1, A], 'F8: "... The same applies to responses F11 and F17."', '[!] F17 is the BYE request, not a response (RFC wording error); the figure shows BYE F17 "(logme)": Proxy 1 marks it.'],
    F18: [true, [A, P1], S42OECHO],
    F19: [false, [P1], 'F19: "Proxy 1 removes "log me" marking from the 200 response of the BYE request. Proxy 1 logs this response before forwarding it to Proxy 2."'],
    F20: [false, [], NB],
  };
  figure(5, '4.5.2.3', '"Log Me" Marking Removed by Originating Network', 'Figure 5: The Originating Network Removes "Log Me" Marking from Outgoing SIP Messages at its Network Edge.', ents, messages(TWO_PROXIES, exp), [
    '[!] F8 prose: "The same applies to responses F11 and F17" — F17 is a BYE request; followed the figure (F17 marked by Proxy 1).',
  ]);
}

// =====================================================================================================
// Figure 6 — §4.5.2.4 "Log Me" Marking Removed by Supporting Terminating Network
// =====================================================================================================
{
  const A = 'Alice', P1 = 'Proxy 1', P2 = 'Proxy 2', B = 'Bob';
  const ents = [
    entity(A, 'ua', 'originating', 'Alice\'s UA marks the dialog it creates (§4.2).', { rfc: 'F1: "Alice\'s UA inserts a "log me" marker in the dialog-creating INVITE request F1."' }),
    entity(P1, 'proxy', 'stateful', 'Log-me aware proxy of network A with agreement toward network B.', { rfc: 'F1: "Proxy 1 detects the "log me" marker, logs the request, and maintains state that this dialog is to be logged."' }),
    entity(P2, 'proxy', 'stateful', 'Boundary of network B: no marker into network B (toward Bob), keeps state, marks everything it sends toward Proxy 1, logs both sides (the MAY of §4.5.2.4 taken).', { noMarkerToward: [B], rfc: '§4.5.2.4: "Proxy 2 removes "log me" marking from all SIP requests and responses entering network B. However, Proxy 2 supports maintaining the marking state of the dialog and "log me" marks requests and responses that it sends towards Proxy 1."' }),
    entity(B, 'ua', 'supporting', 'Bob\'s UA (inside network B) never sees a marker.', { rfc: '§4.5.2: "The terminating network ensures that it does not allow "log me" marking from external networks to pass through its boundary to its internal entities."' }),
  ];
  const MAY = '§4.5.2.4: "For troubleshooting purposes, Proxy 2 MAY also log the requests and responses received from or sent to Bob even though it removed the "log me" marker prior to forwarding the messages to Bob."';
  const exp = {
    F1: [true, [A, P1], 'F1: "Alice\'s UA inserts a "log me" marker in the dialog-creating INVITE request F1. Proxy 1 detects the "log me" marker, logs the request, and maintains state that this dialog is to be logged."'],
    F2: [true, [P1, P2], '§4.5.2.4: "Proxy 2 supports maintaining the marking state of the dialog"'],
    F3: [true, [P1, A], 'Figure 6 shows 100 F3 "(log me)"; ' + S42ECHO],
    F4: [false, [P2], 'F2: "Proxy 2 removes the "log me" marker in the INVITE request F2 before forwarding it as F4."', `${MAY} MAY taken (choice C1).`],
    F5: [true, [P2, P1], '§4.5.2.4: "... "log me" marks requests and responses that it sends towards Proxy 1."'],
    F6: [false, [P2], MAY, 'MAY taken (choice C1). Not an error: Bob never sent the marker to Proxy 2 (§5.1.1 per neighbour).'],
    F7: [true, [P2, P1], 'F6: "Proxy 2 inserts a "log me" marker in the 180 response to the INVITE request and logs the request before forwarding it as F7."', '[!] "logs the request" — it is the 180 response (RFC wording error).'],
    F8: [true, [P1, A], S31],
    F9: [false, [P2], MAY, 'MAY taken (choice C1).'],
    F10: [true, [P2, P1], 'F6: "... The same applies to response F9 and the BYE request in F15."', 'The insertion happens when Proxy 2 forwards F9 as F10.'],
    F11: [true, [P1, A], S31],
    F12: [true, [A, P1], S42OREQ],
    F13: [true, [P1, P2], S31],
    F14: [false, [P2], 'F2: "... The same applies to responses F13 and F19."', '[!] F13 is the ACK request, and the removal is visible on F14 (the hop to Bob), not on F13; followed the figure (F13 marked, F14 unmarked).'],
    F15: [false, [P2], MAY, 'MAY taken (choice C1).'],
    F16: [true, [P2, P1], 'F6: "... The same applies to response F9 and the BYE request in F15."', '[!] The prose names F15; the marker is inserted when Proxy 2 forwards F15 as F16 (the figure shows F15 unmarked, F16 marked).'],
    F17: [true, [P1, A], S31],
    F18: [true, [A, P1], S42OECHO],
    F19: [true, [P1, P2], S31],
    F20: [false, [P2], 'F2: "... The same applies to responses F13 and F19."', 'Removal on the hop to Bob (F20); see F14.'],
  };
  figure(6, '4.5.2.4', '"Log Me" Marking Removed by Supporting Terminating Network', 'Figure 6: The terminating network removes "log me" marking from incoming SIP messages at its network edge.', ents, messages(TWO_PROXIES, exp), [
    '[!] F2 prose "The same applies to responses F13 and F19": F13 is an ACK, and the removal shows on F14/F20 — followed the figure.',
    '[!] F6 prose "logs the request" about the 180 response — read as "logs the response".',
    '[!] F6 prose "the BYE request in F15": Bob\'s F15 is unmarked; Proxy 2 marks the BYE when forwarding it as F16 — followed the figure.',
  ]);
}

// =====================================================================================================
// Figure 7 — §4.5.2.5 "Log Me" Marking Passed by Non-supporting Terminating Network
// =====================================================================================================
{
  const A = 'Alice', P1 = 'Proxy 1', P2 = 'Proxy 2', B = 'Bob';
  const ents = [
    entity(A, 'ua', 'originating', 'Alice\'s UA marks the dialog it creates (§4.2).', { rfc: 'F1: "Alice\'s UA inserts a "log me" marker in the dialog-creating INVITE request F1."' }),
    entity(P1, 'proxy', 'stateful', 'Boundary of network A, passes the marker to network B, keeps state and re-marks unmarked messages coming back from Proxy 2; logs both sides (the MAY of §4.5.2.5 taken).', { rfc: '§4.5.2.5: "Proxy 1 supports maintaining the marking state of the dialog. When Proxy 1 observes that requests and responses received from Proxy 2 are not marked, it adds the marking."' }),
    entity(P2, 'proxy', 'plain', 'Plain RFC 3261 proxy, not log-me aware: passes every marker it receives unchanged, never marks, never logs; its own 100 Trying carries no Session-ID (RFC 3261 §8.2.6.1 copies only From, To, Call-ID, CSeq, Via, Timestamp).', { rfc: '§4.5.2.5: "Proxy 2 is not "log me" aware and therefore passes marking in all SIP requests and responses entering network B according to the rules in Sections 16.6 and 16.7 of [RFC3261]. Proxy 2 does not log requests and responses in the dialog."' }),
    entity(B, 'ua', 'none', 'Bob\'s UA does not support log me and does not echo.', { rfc: 'F6: "Bob\'s UA does not support "log me" marking and does not echo the "log me" marker in response F6."' }),
  ];
  const MAY = '§4.5.2.5: "For troubleshooting purposes, Proxy 1 MAY also log the requests and responses received from or sent to Proxy 2 even though Proxy 2 didn\'t add "log me" to messages sent to Proxy 1."';
  const NOLOG = '§4.5.2.5: "Proxy 2 does not log requests and responses in the dialog."';
  const exp = {
    F1: [true, [A, P1], 'F1: "Alice\'s UA inserts a "log me" marker in the dialog-creating INVITE request F1. Proxy 1 detects the "log me" marker, logs the request, and maintains state that this dialog is to be logged."'],
    F2: [true, [P1], 'F2: "Proxy 2 passes the "log me" marker in the INVITE request F2 before forwarding it as F4."', NOLOG],
    F3: [true, [P1, A], 'Figure 7 shows 100 F3 "(log me)"; ' + S42ECHO],
    F4: [true, [], 'F2: "Proxy 2 passes the "log me" marker in the INVITE request F2 before forwarding it as F4."', 'Bob does not support log me and does not log.'],
    F5: [false, [P1], 'Figure 7 shows 100 F5 "(no log me)": Proxy 2 is not log-me aware.', `${MAY} MAY taken (choice C1). The plain proxy's 100 has no Session-ID at all.`, { noSessionId: true }],
    F6: [false, [], 'F6: "Bob\'s UA does not support "log me" marking and does not echo the "log me" marker in response F6."'],
    F7: [false, [P1], 'F6: "... does not echo the "log me" marker in response F6."', `${MAY} MAY taken (choice C1). Not an error: Proxy 2 never sent the marker to Proxy 1 (§5.1.1 per neighbour).`],
    F8: [true, [P1, A], 'F7: "Proxy 1 inserts a "log me" marker in the 180 response of the INVITE request before forwarding it as F8."'],
    F9: [false, [], 'F6: "... The same applies to response F9 and the BYE request F15."'],
    F10: [false, [P1], 'F6: "... The same applies to response F9 and the BYE request F15."', 'MAY taken (choice C1).'],
    F11: [true, [P1, A], 'F7: "... The same applies to response F10 and the BYE request F16."'],
    F12: [true, [A, P1], S42OREQ],
    F13: [true, [P1], 'F2: "... The same applies to request F13 and response F19."', NOLOG],
    F14: [true, [], 'F2: "... The same applies to request F13 and response F19."', 'Proxy 2 passes the marker unchanged (IESG review: a non-supporting proxy passes markers it does not understand).'],
    F15: [false, [], 'F6: "... The same applies to response F9 and the BYE request F15."'],
    F16: [false, [P1], 'Figure 7 shows BYE F16 "(no log me)".', 'MAY taken (choice C1).'],
    F17: [true, [P1, A], 'F7: "... The same applies to response F10 and the BYE request F16."'],
    F18: [true, [A, P1], S42OECHO],
    F19: [true, [P1], 'F2: "... The same applies to request F13 and response F19."', NOLOG],
    F20: [true, [], 'F2: "... The same applies to request F13 and response F19."', S53P],
  };
  figure(7, '4.5.2.5', '"Log Me" Marking Passed by Non-supporting Terminating Network', 'Figure 7: The Terminating Network Removes "Log Me" Marking from Incoming SIP Messages at its Network Edge.', ents, messages(TWO_PROXIES, exp), [
    '[!] The Figure 7 caption is copied from Figure 6 ("Removes"); the section title, prose and ladder say network B passes the marker. Followed the section title and the ladder.',
    '[!] §4.5.2.5 prose begins "In Figure 6, Proxy 2 is not "log me" aware" — it describes Figure 7.',
    'IESG review (Adam Roach): "Per RFC 3261 processing rules, proxies simply pass through header fields, unchanged, that they do not understand -- so Proxy 2, if it does not support "log me" marking, will *NOT* remove the header field". The published Figure 7 (F4, F14, F20 marked) follows this; so does this vector.',
  ]);
}

// =====================================================================================================
// Figure 8 — §5.1.1 Error Case: Missing "Log Me" Marker (error at Proxy 1)
// =====================================================================================================
{
  const A = 'Alice', P1 = 'Proxy 1', P2 = 'Proxy 2', B = 'Bob';
  const ents = [
    entity(A, 'ua', 'scripted', 'Scripted (faulty) UA: marks INVITE F1 but not ACK F7. No log-me engine: every message is put on the wire exactly as the vector says; Alice is not part of the log expectations.', { rfc: 'Figure 8: INVITE F1 "(log me)", ACK F7 "(no log me)"' }),
    entity(P1, 'proxy', 'stateful', 'Log-me aware stateful proxy (agreement toward network B): detects the missing marker.', { rfc: 'F1: "Proxy 1 detects the "log me" marker and maintains state that this dialog is to be logged."' }),
    entity(P2, 'proxy', 'stateless', 'Stateless logger (§4.5.1): cannot detect missing markers, logs only marked messages.', { rfc: '§5.1.1: "UAs and intermediaries that are stateless with respect to "log me" marking are not able detect such errors."' }),
    entity(B, 'ua', 'supporting', 'Bob\'s UA supports log me (echoes in 200 F4), so it is stateful and detects the missing marker in ACK F9.', { rfc: '§5.1.1: "User agents and intermediaries that are stateful with respect to "log me" marking are able to detect that a marker is missing from a dialog that has previously been "log me" marked."' }),
  ];
  const exp = {
    F1: [true, [P1], 'F1: "Proxy 1 detects the "log me" marker and maintains state that this dialog is to be logged."', null, { scripted: true }],
    F2: [true, [P1, P2], S31],
    F3: [true, [P2, B], S42T],
    F4: [true, [B, P2], S42ECHO],
    F5: [true, [P2, P1], S31],
    F6: [true, [P1], S31],
    F7: [false, [], 'F7: "Proxy 1 detects that the expected "log me" marker is missing, considers it to be an error, and stops "log me" marking in subsequent requests and responses in this dialog."', 'Choice C3: the message that reveals a missing-marker error is not logged (§5.3 "MUST stop logging messages in the same dialog").', { scripted: true, errors: [{ at: P1, type: 'missing-marker' }] }],
    F8: [false, [], S53M, 'Proxy 2 is stateless: unmarked, so not logged and no error detected.'],
    F9: [false, [], '§5.1.1: "It is an error if a particular neighbor has previously sent "log me" in the dialog and then stops, independently of what has been happening with other neighbors."', '[!] The Figure 8 prose names only Proxy 1; Bob\'s UA is a supporting (stateful) UA whose neighbour Proxy 2 sent the marker in F3 and stops in F9, so by §5.1.1 (and as in Figure 9 F14) Bob detects the error too.', { errors: [{ at: B, type: 'missing-marker' }] }],
    E1: [false, [], S53M, 'Continuation (not in the figure): Bob, in error, does not mark his BYE.'],
    E2: [false, [], S53M],
    E3: [false, [], S53M, 'Proxy 1, in error, neither marks nor logs.'],
    E4: [false, [], S53M, null, { scripted: true }],
    E5: [false, [], S53M],
    E6: [false, [], S53M],
  };
  figure(8, '5.1.1', 'Error Case: Missing "Log Me" Marker (detected at Proxy 1)', 'Figure 8: Error Case: Missing "Log Me" Marker', ents, messages([...NINE, ...BYE_FROM_BOB], exp), [
    'E1–E6 are not in the RFC: a BYE from Bob after the error (RFC 3665 F18–F23) to test the §5.3 consequences (no marking, no logging afterwards; earlier logs kept).',
    '[!] Only Proxy 1 is named as detecting the error; Bob\'s detection at F9 follows from §5.1.1 (see F9 note).',
  ]);
}

// =====================================================================================================
// Figure 9 — §5.1.1 Error Case: Missing "Log Me" Marker (errors at Proxy 1, Proxy 2 and Bob)
// =====================================================================================================
{
  const A = 'Alice', P1 = 'Proxy 1', P2 = 'Proxy 2', B = 'Bob';
  const ents = [
    entity(A, 'ua', 'scripted', 'Scripted (faulty) UA: marks INVITE F1 but not ACK F12. No log-me engine; not part of the log expectations.', { rfc: 'Figure 9: INVITE F1 "(log me)", ACK F12 "(no log me)"' }),
    entity(P1, 'proxy', 'stateful', 'Log-me aware stateful proxy of network A.', { rfc: 'F12: "Proxy 1 detects that the expected "log me" marker is missing"' }),
    entity(P2, 'proxy', 'stateful', 'Log-me aware stateful proxy of network B.', { rfc: 'F2: "Proxy 2 detects the "log me" marker and maintains state that this dialog is to be logged."' }),
    entity(B, 'ua', 'supporting', 'Bob\'s UA supports log me.', { rfc: 'F4: "Bob\'s UA detects the "log me" marker and maintains state that this dialog is to be logged."' }),
  ];
  const exp = {
    F1: [true, [P1], S42OREQ, null, { scripted: true }],
    F2: [true, [P1, P2], 'F2: "Proxy 2 detects the "log me" marker and maintains state that this dialog is to be logged."'],
    F3: [true, [P1], 'Figure 9 shows 100 F3 "(log me)"; ' + S42ECHO],
    F4: [true, [P2, B], 'F4: "Bob\'s UA detects the "log me" marker and maintains state that this dialog is to be logged."'],
    F5: [true, [P2, P1], 'Figure 9 shows 100 F5 "(log me)"; ' + S42ECHO],
    F6: [true, [B, P2], S42ECHO],
    F7: [true, [P2, P1], S31],
    F8: [true, [P1], S31],
    F9: [true, [B, P2], S42ECHO],
    F10: [true, [P2, P1], S31],
    F11: [true, [P1], S31],
    F12: [false, [], 'F12: "Proxy 1 detects that the expected "log me" marker is missing, considers it to be an error, and stops "log me" marking in subsequent requests and responses in this dialog. Hence, it does not insert a "log me" marker in F13."', 'Choice C3: the message revealing the error is not logged.', { scripted: true, errors: [{ at: P1, type: 'missing-marker' }] }],
    F13: [false, [], 'F13: "Proxy 2 detects that the expected "log me" marker is missing, considers it to be an error, and stops "log me" marking in subsequent requests and responses in this dialog."', null, { errors: [{ at: P2, type: 'missing-marker' }] }],
    F14: [false, [], 'F14: "Proxy 2 does not insert a "log me" marker because it has stopped "log me" marking due to an error observed in F13. Bob\'s UA detects that the expected "log me" marker is missing, considers it to be an error, and stops "log me" marking in subsequent requests and responses in this dialog."', null, { errors: [{ at: B, type: 'missing-marker' }] }],
    E1: [false, [], S53M, 'Continuation (not in the figure): Bob, in error, does not mark his BYE.'],
    E2: [false, [], S53M],
    E3: [false, [], S53M],
    E4: [false, [], S53M, null, { scripted: true }],
    E5: [false, [], S53M],
    E6: [false, [], S53M],
  };
  const F1_14 = TWO_PROXIES.slice(0, 14);
  figure(9, '5.1.1', 'Error Case: Missing "Log Me" Marker (detected at Proxy 1, Proxy 2 and Bob)', 'Figure 9: Error Case: Missing "Log Me" Marker', ents, messages([...F1_14, ...BYE_FROM_BOB], exp), [
    'E1–E6 are not in the RFC: a BYE from Bob after the errors (RFC 3665 F18–F23) to test the §5.3 consequences.',
    'The §5.1 introduction says "Figure 9 shows an error detected at both Proxy 2 and Bob\'s UA"; the F12 prose adds Proxy 1. All three are expected.',
  ]);
}

// =====================================================================================================
// Figure 10 — §5.1.2 Error Case: "Log Me" Marker Begins Mid-dialog
// =====================================================================================================
{
  const A = 'Alice', P1 = 'Proxy 1', P2 = 'Proxy 2', B = 'Bob';
  const ents = [
    entity(A, 'ua', 'scripted', 'Scripted (faulty) UA: INVITE F1 unmarked, starts marking at ACK F7 and goes on marking (E1). No log-me engine; not part of the log expectations.', { rfc: '§5.1.2: "Alice\'s UA supports "log me" marking but the call is not initially marked for logging, i.e., INVITE F1 is not "log me" marked. But Alice\'s UA starts to "log me" mark at the ACK request F7."' }),
    entity(P1, 'proxy', 'stateful', 'Log-me aware boundary of network A.', { rfc: '§5.1.2: "Proxy 1 supports "log me" marking at the originating network boundary and therefore detects the error, does not log signaling, and removes the "log me" marker before forwarding the ACK request F8."' }),
    entity(P2, 'proxy', 'stateful', 'Log-me aware proxy of network B.', { rfc: '§5.1.2: "SIP endpoints, intermediaries acting on behalf of endpoints, and B2BUAs that can perform "log me" marking are stateful."' }),
    entity(B, 'ua', 'supporting', 'Bob\'s UA supports log me; the dialog is never marked toward him.', { rfc: '§4.1: "Marking that appears mid-dialog is an error as described in Section 5.1.2."' }),
  ];
  const NONE = '§5.1.2: "INVITE F1 is not "log me" marked."';
  const exp = {
    F1: [false, [], NONE, null, { scripted: true }],
    F2: [false, [], NONE],
    F3: [false, [], NONE],
    F4: [false, [], NONE],
    F5: [false, [], NONE],
    F6: [false, [], NONE],
    F7: [true, [], '§5.1.2: "Proxy 1 supports "log me" marking at the originating network boundary and therefore detects the error, does not log signaling, and removes the "log me" marker before forwarding the ACK request F8."', '§5.3: "It MUST NOT forward the "log me" marker, and it MUST NOT log the message."', { scripted: true, errors: [{ at: P1, type: 'mid-dialog-marker' }] }],
    F8: [false, [], '§5.1.2: "... removes the "log me" marker before forwarding the ACK request F8."'],
    F9: [false, [], S53P.replace('§5.3: ', '§5.3 (Proxy 2 cannot add what it did not receive): '), '[!] Figure 10 prints ACK F9 "(log me)" although Proxy 1 removed the marker from F8 and nobody may start marking mid-dialog (§4.1). Chose unmarked: Proxy 2 forwards the unmarked F8 as is.'],
    E1: [true, [], S53D, 'Continuation (not in the figure): Alice keeps marking; Proxy 1 must remove the marker and log nothing. Which error (if any) the engine reports again for E1 is not checked.', { scripted: true, errors: null }],
    E2: [false, [], S53D],
    E3: [false, [], S53D],
    E4: [false, [], S53D],
    E5: [false, [], S53D],
    E6: [false, [], S53D],
  };
  figure(10, '5.1.2', 'Error Case: "Log Me" Marker Begins Mid-dialog', 'Figure 10: Error Case: "Log Me" Marker Begins Mid-dialog', ents, messages([...NINE, ...BYE_FROM_ALICE], exp), [
    '[!] Figure 10 shows ACK F9 "(log me)" after Proxy 1 removed the marker from F8; chose F9 unmarked (see F9 note).',
    'E1–E6 are not in the RFC: a marked BYE from Alice after the error, to test §5.3 ("MUST NOT mark subsequent requests and responses, and it MUST NOT log subsequent messages in the same dialog").',
  ]);
}

// =====================================================================================================
// Figure 11 — §5.2.1 Non-error Case: Missing "Log Me" Marker
// =====================================================================================================
{
  const A = 'Alice', P1 = 'Proxy 1', P2 = 'Proxy 2', B = 'Bob';
  const ents = [
    entity(A, 'ua', 'originating', 'Alice\'s UA marks the dialog it creates (§4.2).', { rfc: 'Figure 11: INVITE F1 "(log me)"' }),
    entity(P1, 'proxy', 'stateful', 'Log-me aware proxy of network A with agreement toward network B.', { rfc: S451 }),
    entity(P2, 'proxy', 'stateful', 'Terminating intermediary marking on behalf of Bob (§4.3).', { onBehalfOf: { entity: B, side: 'terminating' }, rfc: '§5.2.1: "Proxy 2 is configured by network B to perform "log me" marking on behalf of Bob\'s UA, which does not support "log me" marking. Proxy 2 does not therefore expect responses from Bob to include a "log me" marker."' }),
    entity(B, 'ua', 'none', 'Bob\'s UA does not support log me.', { rfc: '§5.2.1: "Bob\'s UA, which does not support "log me" marking"' }),
  ];
  const exp = {
    F1: [true, [A, P1], S42OREQ],
    F2: [true, [P1, P2], 'F2: "Proxy 2 detects the "log me" marker and maintains state that this dialog is to be logged. Proxy 2 inserts "log me" markers on behalf of Bob\'s user agent, such as in F7."'],
    F3: [true, [P1, A], 'Figure 11 shows 100 F3 "(log me)"; ' + S42ECHO],
    F4: [true, [P2], S31],
    F5: [true, [P2, P1], 'Figure 11 shows 100 F5 "(log me)"; ' + S42ECHO],
    F6: [false, [P2], 'F6: "Proxy 2 detects that the "log me" marker is missing from the response but considers "log me" marking to be ongoing as a marker was not expected."', STATEFUL_LOGS],
    F7: [true, [P2, P1], 'F7: "Proxy 2 continues to "log me" mark requests and responses on behalf of Bob\'s UA."'],
    F8: [true, [P1, A], S31],
  };
  figure(11, '5.2.1', 'Non-error Case: Missing "Log Me" Marker', 'Figure 11: Non-error Case: Missing "Log Me" Marker', ents, messages(TWO_PROXIES.slice(0, 8), exp));
}

// =====================================================================================================
// Figure 2 — §3.7 Marking Related Dialogs in Call Transfer
// =====================================================================================================
{
  // Figure 2 roles: Bob = transferee (originating, marks), Alice = transferor, Carol = transfer target.
  const A = 'Alice', B = 'Bob', C = 'Carol';
  const ents = [
    { name: A, kind: 'ua', network: 'atlanta', host: 'atlanta.example.com', address: '192.0.2.10:5061', uri: 'sips:transferor@atlanta.example.com', logme: 'supporting', relatedDialogs: true, description: 'Transferor. Terminal "placed in debug mode": echoes and logs the marked dialog1 and marks the related REFER dialog2 it creates (§4.2 "MAY also apply these rules to any subsequent related SIP dialogs").', rfc: '§3.7: "Her terminal is placed in debug mode in preparation for "log me" marked signaling from the network administrator, Bob."' },
    { name: B, kind: 'ua', network: 'biloxi', host: 'biloxi.example.com', address: '[2001:db8::1]:5061', uri: 'sips:transferee@biloxi.example.com', logme: 'originating', relatedDialogs: true, description: 'Transferee and troubleshooter: configured to mark and log the calls he originates (dialog1) and the related dialog3 to Carol.', rfc: '§3.7: "Bob\'s terminal is configured to "log me" mark and log signaling for calls originated during the troubleshooting session"' },
    { name: C, kind: 'ua', network: 'chicago', host: 'chicago.example.com', address: '192.0.2.30:5061', uri: 'sips:transfertarget@chicago.example.com', logme: 'supporting', description: 'Transfer target: log-me aware terminating UA.', rfc: '§3.7: "Logging by Carol\'s terminal begins when it receives the INVITE F5 with the "log me" marker and ends when dialog3 ends."' },
  ];
  const D1 = { callId: '090459243588173445', bobTag: '7553452', aliceTag: '31kdl4i3k' };
  const D2 = { callId: 'a84b4c76e66710', aliceTag: '1928301774', bobTag: 'a6c85cf' };
  const D3 = { callId: '90422f3sd23m4g56832034', bobTag: 'j3kso3iqhq', carolTag: '5v7e2k0c' };
  const UBOB = UA, UALICE = UB; // Figure 2 F1: Bob's UUID is ab30…, F2: Alice's is 47755a…
  const ALICE_LOG = '§3.7: "Logging by Alice\'s terminal begins when it receives and echoes the "log me" marker in INVITE F1 and ends when the last request or response in the dialog is sent or received (200 OK F7 of dialog1). Also during dialog1, Alice\'s terminal logs related REFER dialog2, which it initiates and terminates as part of the call transfer."';
  const BOB_LOG = '§3.7: "Logging by Bob\'s terminal begins when it sends INVITE F1, which includes the "log me" marker, and ends when dialog3, initiated by Bob, ends."';
  const CAROL_LOG = '§3.7: "Logging by Carol\'s terminal begins when it receives the INVITE F5 with the "log me" marker and ends when dialog3 ends."';
  const m = (id, from, to, what, how, ref, dialog, d, fromTag, toTag, cseq, s, wire, log, rfc, note, headers) => ({
    id, from, to,
    ...(typeof what === 'number' ? { status: what, reason: REASON[what] } : { method: what }),
    how,
    ...(how === 'answer' ? { answers: ref } : {}),
    dialog, callId: d.callId, cseq, fromTag, toTag, sessionId: s,
    ...(headers ? { headers } : {}),
    expect: { wire, log, errors: [] },
    rfc,
    ...(note ? { note } : {}),
  });
  const msgs = [
    m('F1', B, A, 'INVITE', 'originate', null, 'dialog1', D1, D1.bobTag, null, '29887 INVITE', sid(UBOB, N), true, [B, A], 'F1: "Bob\'s UA inserts the "logme" parameter in the Session-ID header field of the INVITE request that creates dialog1."'),
    m('F2', A, B, 200, 'answer', 'F1', 'dialog1', D1, D1.bobTag, D1.aliceTag, '29887 INVITE', sid(UALICE, UBOB), true, [A, B], ALICE_LOG, 'F2 message details: Session-ID 47755a9de7794ba387653f2099600ef2;remote=ab30317f1a784dc48ff824d0d3715d86;logme'),
    m('ACK1', B, A, 'ACK', 'originate', null, 'dialog1', D1, D1.bobTag, D1.aliceTag, '29887 ACK', sid(UBOB, UALICE), true, [B, A], S42OREQ),
    m('INVITE-hold', A, B, 'INVITE', 'originate', null, 'dialog1', D1, D1.aliceTag, D1.bobTag, '101 INVITE', sid(UALICE, UBOB), true, [A, B], S42TREQ, 'Alice\'s re-INVITE (hold) is an in-dialog request of the terminating side. CSeq invented (not printed).'),
    m('200-hold', B, A, 200, 'answer', 'INVITE-hold', 'dialog1', D1, D1.aliceTag, D1.bobTag, '101 INVITE', sid(UBOB, UALICE), true, [B, A], S42OECHO),
    m('ACK-hold', A, B, 'ACK', 'originate', null, 'dialog1', D1, D1.aliceTag, D1.bobTag, '101 ACK', sid(UALICE, UBOB), true, [A, B], S42TREQ),
    m('F3', A, B, 'REFER', 'originate', null, 'dialog2', D2, D2.aliceTag, null, '314159 REFER', sid(UALICE, UBOB), true, [A, B], 'F3: "Alice\'s UA inserts the "logme" parameter in the Session-ID header field of the REFER request that creates dialog2, which is related to dialog1."', 'Bob logs the REFER: he logs "from sending INVITE F1 until dialog3 ends" (§3.7).', [
      ['Require', 'tdialog'],
      ['Refer-To', '<sips:transfertarget@chicago.example.com>'],
      ['Target-Dialog', '090459243588173445;local-tag=7553452;remote-tag=31kdl4i3k'],
    ]),
    m('200-REFER', B, A, 200, 'answer', 'F3', 'dialog2', D2, D2.aliceTag, D2.bobTag, '314159 REFER', sid(UBOB, UALICE), true, [B, A], S42ECHO, 'The figure prints "200 OK" (the draft\'s 202 Accepted was removed after the IESG review, RFC 7647 §5).'),
    m('F4', B, A, 'NOTIFY', 'originate', null, 'dialog2', D2, D2.bobTag, D2.aliceTag, '73 NOTIFY', sid(UBOB, UALICE), true, [B, A], 'F4 message details: Session-ID ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2;logme', null, [
      ['Event', 'refer'],
      ['Subscription-State', 'active;expires=60'],
    ]),
    m('200-F4', A, B, 200, 'answer', 'F4', 'dialog2', D2, D2.bobTag, D2.aliceTag, '73 NOTIFY', sid(UALICE, UBOB), true, [A, B], '§3.7: "Alice\'s terminal inserts a "log me" marker in the REFER request and 200 OK responses to NOTIFY requests in dialog2."'),
    m('F5', B, C, 'INVITE', 'originate', null, 'dialog3', D3, D3.bobTag, null, '521 INVITE', sid(UBOB, N), true, [B, C], 'F5: "Bob\'s UA inserts the "logme" parameter in the Session-ID header field of the INVITE request that creates dialog3, which is related to dialog1."', '[!] The RFC prints "CSeq: 521 REFER" in F5, an INVITE; used "521 INVITE".'),
    m('200-F5', C, B, 200, 'answer', 'F5', 'dialog3', D3, D3.bobTag, D3.carolTag, '521 INVITE', sid(UC, UBOB), true, [C, B], CAROL_LOG),
    m('ACK3', B, C, 'ACK', 'originate', null, 'dialog3', D3, D3.bobTag, D3.carolTag, '521 ACK', sid(UBOB, UC), true, [B, C], S42OREQ),
    m('F6', B, A, 'NOTIFY', 'originate', null, 'dialog2', D2, D2.bobTag, D2.aliceTag, '74 NOTIFY', sid(UBOB, UALICE), true, [B, A], 'F6 message details: Session-ID ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2;logme', null, [
      ['Event', 'refer'],
      ['Subscription-State', 'terminated;reason=noresource'],
    ]),
    m('200-F6', A, B, 200, 'answer', 'F6', 'dialog2', D2, D2.bobTag, D2.aliceTag, '74 NOTIFY', sid(UALICE, UBOB), true, [A, B], '§3.7: "Alice\'s terminal inserts a "log me" marker in the REFER request and 200 OK responses to NOTIFY requests in dialog2."'),
    m('BYE1', A, B, 'BYE', 'originate', null, 'dialog1', D1, D1.aliceTag, D1.bobTag, '102 BYE', sid(UALICE, UBOB), true, [A, B], S42TREQ),
    m('F7', B, A, 200, 'answer', 'BYE1', 'dialog1', D1, D1.aliceTag, D1.bobTag, '102 BYE', sid(UBOB, UALICE), true, [B, A], ALICE_LOG),
    m('BYE3', C, B, 'BYE', 'originate', null, 'dialog3', D3, D3.carolTag, D3.bobTag, '1 BYE', sid(UC, UBOB), true, [C, B], CAROL_LOG),
    m('200-BYE3', B, C, 200, 'answer', 'BYE3', 'dialog3', D3, D3.carolTag, D3.bobTag, '1 BYE', sid(UBOB, UC), true, [B, C], BOB_LOG),
  ];
  write(2, {
    figure: 2,
    section: '3.7',
    title: 'Marking Related Dialogs',
    caption: 'Figure 2: "Log Me" Marking Related Dialogs in Call Transfer',
    basis: 'RFC 8497 §3.7 Figure 2 ladder and message details F1–F6; unnumbered messages are named after their place (ACK1, INVITE-hold, …)',
    testCase: UBOB,
    entities: ents,
    dialogs: {
      dialog1: { callId: D1.callId, caller: B, callerTag: D1.bobTag, callee: A, calleeTag: D1.aliceTag },
      dialog2: { callId: D2.callId, caller: A, callerTag: D2.aliceTag, callee: B, calleeTag: D2.bobTag, relatedTo: 'dialog1', via: 'REFER with Target-Dialog (RFC 4538)' },
      dialog3: { callId: D3.callId, caller: B, callerTag: D3.bobTag, callee: C, calleeTag: D3.carolTag, relatedTo: 'dialog1', via: 'INVITE triggered by the REFER, same local UUID (RFC 7989 §6)' },
    },
    notes: [
      '[!] F5 prints "CSeq: 521 REFER" for an INVITE; used "521 INVITE".',
      '[!] §4.1 says only the originating endpoint can initiate marking, yet Alice (the terminating UA of dialog1) marks the REFER that creates dialog2. Followed §3.7/§4.2: a terminating UA "MAY also apply these rules to any subsequent related SIP dialogs"; the IESG review (Adam Roach) flagged the same tension.',
      '[!] §3.7 says "Both dialog1 and dialog2 have the same test case identifier" and then that dialog2 "can be linked to dialog1 and dialog3 because the remote-uuid component of dialog2 is the test case identifier". By §3.3 literally, dialog2\'s test case would be Alice\'s UUID 47755a…; chose the first sentence: every logged message of the session carries test case ab30317f1a784dc48ff824d0d3715d86.',
      'CSeq numbers, To tag of Carol and Carol\'s UUID are not printed in the RFC and were invented.',
    ],
    messages: msgs,
  });
}
