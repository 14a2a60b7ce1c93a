/**
 * The proxy core (RFC 3261 §16, §10.3), without sockets: request validation and routing, forwarding,
 * response contexts, the registrar. docs/reference/proxy-core.md describes the pipeline; `applyActions`
 * is the one place where the core's decisions meet the wiring's ports.
 */
import type { ProxyAction } from './response.js';
import type { ProxyPorts } from './types.js';

export * from './types.js';
export { MAGIC_COOKIE, loopHash, loopPartOf, makeBranch, randomUnique, statelessUnique } from './branch.js';
export { hostKey, interfaceFor, isLocalDomain, isSelfUri, isSelfVia } from './self.js';
export { buildResponse, errorResponse, newTag, phraseOf, proxyError, type ReplyOptions } from './reply.js';
export { Registrar, aorOf, type Binding, type RegisterResult, type RegistrarOptions } from './registrar.js';
export { loadStore, saveStore, type StoreFile, type StoredBinding } from './registrar-store.js';
export { Router, parseNextHop, parseStaticRoute, routeUriOf, type RouteDecision, type RouteMatch, type RouterOptions, type StaticRoute, type Target } from './routes.js';
export {
  forward,
  isForRegistrar,
  nextHopOf,
  preprocessRoutes,
  targets,
  validate,
  wantsRecordRoute,
  type ForwardOptions,
  type ForwardResult,
  type PreparedRequest,
  type ProxyValidateOptions,
} from './request.js';
export { RESUBMISSION_PREFERENCE, aggregateChallenges, selectBest, type BestChoice } from './best.js';
export { ResponseContext, TIMER_C_DEFAULT, type BranchInfo, type ContextOptions, type ProxyAction } from './response.js';
export { buildCancel, forwardResponseStateless, selectStatelessTarget, viaDestination, type StatelessResponse } from './stateless.js';

/**
 * Carries out a response context's decisions: responses go upstream, CANCELs out through new client
 * transactions; `terminate` is returned to the caller (it owns the client transactions, §16.8).
 */
export function applyActions(actions: readonly ProxyAction[], ports: ProxyPorts): string[] {
  const terminate: string[] = [];
  for (const a of actions) {
    if (a.type === 'response') ports.sendResponse(a.response);
    else if (a.type === 'cancel') ports.sendRequest(a.request);
    else terminate.push(a.branch);
  }
  return terminate;
}
