/**
 * A dialog as one UA sees it (RFC 3261 §12): Call-ID, local and remote tags, local and remote URIs, the
 * remote target (the peer's Contact), the route set (from Record-Route: reversed by the UAC, §12.1.2; in
 * order by the UAS, §12.1.1), the local and remote CSeq numbers — and the two RFC 7989 UUIDs of the
 * Session-ID the UA puts on every message of the dialog (§6: its own as `local`, the peer's as `remote`).
 *
 * `destination()` is §12.2.1.1 for loose routing: Request-URI = remote target, Route = the route set, sent
 * to the first Route (or the remote target when the set is empty). Strict routers (a first Route without
 * `lr`) are treated as loose: sipclf's proxy and the peers it is tested with all loose-route.
 */
import { NIL_UUID } from '../sip/grammar/index.js';
import type { SipMessage } from '../sip/message.js';
import type { Target, TransportName } from '../transaction/index.js';
import { targetOfUri } from './target.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

/** The header value without its `tag` parameter (the URI and display name are kept as received). */
export function withoutTag(value: string): string {
  return value.replace(/;\s*tag\s*=\s*[^;,>\s]+/i, '').trim();
}

function contactUri(msg: SipMessage): string | undefined {
  try {
    return msg.contacts()[0]?.uri.raw;
  } catch {
    return undefined;
  }
}

function recordRoutes(msg: SipMessage): string[] {
  try {
    return msg.recordRoutes().map((r) => r.raw);
  } catch {
    return [];
  }
}

export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string;
  /** Our From (UAC) or To (UAS) value, without tag. */
  readonly localUri: string;
  readonly remoteUri: string;
  remoteTarget: string;
  readonly routeSet: readonly string[];
  localSeq: number;
  remoteSeq: number | undefined;
  readonly localUuid: string;
  remoteUuid: string;
  state: DialogState;
  /** The transport in-dialog requests use (that of the dialog-creating request). */
  readonly transport: TransportName;

  private constructor(init: Omit<Dialog, 'destination' | 'key' | 'nextSeq' | 'sessionId'>) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.localUuid = init.localUuid;
    this.remoteUuid = init.remoteUuid;
    this.state = init.state;
    this.transport = init.transport;
  }

  /** §12.1.2: the UAC's dialog from the request it sent and a 1xx-with-tag or 2xx response. */
  static uac(request: SipMessage, response: SipMessage, localUuid: string, transport: TransportName): Dialog {
    const sid = response.sessionId;
    return new Dialog({
      callId: request.callId ?? '',
      localTag: request.fromTag ?? '',
      remoteTag: response.toTag ?? '',
      localUri: withoutTag(request.get('From') ?? ''),
      remoteUri: withoutTag(response.get('To') ?? ''),
      remoteTarget: contactUri(response) ?? request.requestUri,
      routeSet: recordRoutes(response).reverse(),
      localSeq: request.cseq?.seq ?? 1,
      remoteSeq: undefined,
      localUuid,
      remoteUuid: sid !== undefined && !sid.localIsNil ? sid.local : NIL_UUID,
      state: response.status >= 200 ? 'confirmed' : 'early',
      transport,
    });
  }

  /** §12.1.1: the UAS's dialog from the received request and the To tag it answers with. */
  static uas(request: SipMessage, localTag: string, localUuid: string, transport: TransportName): Dialog {
    const sid = request.sessionId;
    return new Dialog({
      callId: request.callId ?? '',
      localTag,
      remoteTag: request.fromTag ?? '',
      localUri: withoutTag(request.get('To') ?? ''),
      remoteUri: withoutTag(request.get('From') ?? ''),
      remoteTarget: contactUri(request) ?? '',
      routeSet: recordRoutes(request),
      localSeq: Math.floor(Math.random() * 10_000) + 1,
      remoteSeq: request.cseq?.seq,
      localUuid,
      remoteUuid: sid !== undefined && !sid.localIsNil ? sid.local : NIL_UUID,
      state: 'early',
      transport,
    });
  }

  /** Key of the dialog in a UA's table: Call-ID and local tag (unique per UA). */
  get key(): string {
    return `${this.callId}\n${this.localTag}`;
  }

  /** §12.2.1.1: CSeq of the next in-dialog request (ACK and CANCEL reuse the INVITE's, §13.2.2.4, §9.1). */
  nextSeq(): number {
    this.localSeq += 1;
    return this.localSeq;
  }

  /** RFC 7989 §6: our UUID as local, the peer's as remote. */
  get sessionId(): { local: string; remote: string } {
    return { local: this.localUuid, remote: this.remoteUuid };
  }

  /** §12.2.1.1 (loose routing): Request-URI, Route values and the next hop. */
  destination(): { requestUri: string; routes: readonly string[]; target: Target } {
    const first = this.routeSet[0];
    const hop = first === undefined ? this.remoteTarget : first.replace(/^[^<]*<([^>]*)>.*$/, '$1');
    return { requestUri: this.remoteTarget, routes: this.routeSet, target: targetOfUri(hop, this.transport, 'route') };
  }
}
