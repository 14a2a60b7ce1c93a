/**
 * One request and its final response (RFC 3261 §8.1.3): a promise over a client transaction. Timer B/F and
 * transport errors resolve it as the TU sees them (§8.1.3.1: a timeout is a 408, §8.1.3.1 / §17.1.4: a
 * transport error is a 503), so callers read one status whatever happened.
 */
import type { SipMessage } from '../sip/message.js';
import type { Target } from '../transaction/index.js';
import type { UaCore } from './core.js';

export interface Final {
  readonly status: number;
  readonly reason: string;
  readonly response: SipMessage | undefined;
  /** The request as sent (marker applied). */
  readonly request: SipMessage;
}

/** Sends a non-INVITE request and resolves with its final response (1xx are ignored). */
export function exchange(core: UaCore, bytes: Buffer, target: Target): Promise<Final> {
  return new Promise((resolve) => {
    const box: { sent?: { msg: SipMessage } } = {};
    // A transport error may be reported synchronously, before sendRequest returns: kept until it has.
    let early: Omit<Final, 'request'> | undefined;
    let done = false;
    const finish = (status: number, reason: string, response: SipMessage | undefined): void => {
      if (done) return;
      if (box.sent === undefined) {
        early ??= { status, reason, response };
        return;
      }
      done = true;
      resolve({ status, reason, response, request: box.sent.msg });
    };
    box.sent = core.sendRequest(bytes, target, {
      onResponse: (res) => {
        if (res.status >= 200) finish(res.status, res.reason, res);
      },
      onTimeout: () => finish(408, 'Request Timeout (no response)', undefined),
      onTransportError: (_t, err) => finish(503, `transport error: ${err.message}`, undefined),
    });
    if (early !== undefined) finish(early.status, early.reason, early.response);
  });
}
