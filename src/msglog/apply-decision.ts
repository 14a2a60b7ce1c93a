/**
 * The log-me engine's decision on a message about to be sent, applied to its bytes (RFC 8497 §4, §5): the
 * Session-ID it asks for, the `logme` marker added or stripped, or a stray `logme` removed. Only what changes
 * is rewritten (MessageEditor); the message is parsed again from the edited bytes.
 */
import type { Decision } from '../logme/index.js';
import { MessageEditor } from '../sip/editor.js';
import type { SipMessage } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';

/** `msg` with the marker decision `d` applied; `msg` itself when it asks for no change. */
export function applyMarkerDecision(msg: SipMessage, d: Pick<Decision, 'sessionId' | 'marker'>): SipMessage {
  const ed = new MessageEditor(msg);
  if (d.sessionId !== undefined) ed.setSessionId(d.sessionId);
  else if (d.marker === 'add' || d.marker === 'strip') ed.setLogme(d.marker === 'add');
  else if (d.marker === 'none' && !msg.logme && MessageEditor.hasLogmeText(msg)) {
    // `logme` only in a malformed or a second Session-ID: no marker to the engine (RFC 8497 §6, RFC 7989
    // grammar), which therefore cannot strip it at a boundary either. It is not forwarded: a lenient parser
    // downstream, across a boundary without agreement, could take it for one (§3.4.2, §7.2).
    ed.setLogme(false);
  } else return msg;
  return parseMessage(ed.toBuffer());
}

/**
 * Fail safe, when the engine could not decide (a Session-ID it cannot read): it does not know whether the
 * next hop is across a trust-domain boundary, and a marker must not cross one without agreement (RFC 8497
 * §3.4.2, §7.2). Losing the marker costs a trace; leaking it costs the peer's privacy. A message that cannot be
 * edited either is returned as it is.
 */
export function withoutLogme(msg: SipMessage): SipMessage {
  try {
    return MessageEditor.hasLogmeText(msg) ? parseMessage(new MessageEditor(msg).setLogme(false).toBuffer()) : msg;
  } catch {
    return msg;
  }
}
