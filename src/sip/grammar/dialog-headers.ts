/**
 * Header fields that name a dialog by Call-ID and tags: Target-Dialog, Replaces, Join.
 *
 * Implements RFC 4538 §7 Target-Dialog = callid *(SEMI td-param) (remote-tag / local-tag / generic-param),
 * RFC 3891 §6.1 Replaces = callid *(SEMI replaces-param) (to-tag / from-tag / early-flag / generic-param),
 * RFC 3911 §7.1 Join = callid *(SEMI join-param) (to-tag / from-tag / generic-param), with RFC 3261 §25.1
 * callid = word [ "@" word ]. Tag values are tokens. A tag parameter given twice is rejected (RFC 3891 §6.1,
 * RFC 3911 §7.1: "exactly one"); a missing tag is left undefined for the caller to judge.
 */
import { WORD, fail, lower, skipLws } from './chars.js';
import { type Params, parseParams } from './params.js';

const BAD = 'SIP_BAD_HEADER_VALUE';

/** Reads callid = word [ "@" word ] at the start of `value`; returns it and the index after it. */
export function parseCallIdPrefix(value: string, what: string): { callId: string; end: number } {
  const start = skipLws(value, 0);
  let i = start;
  while (i < value.length && WORD[value.charCodeAt(i)] === 1) i++;
  if (i === start) fail(BAD, `${what}: missing Call-ID`, start);
  if (i < value.length && value.charCodeAt(i) === 0x40) {
    const w = ++i;
    while (i < value.length && WORD[value.charCodeAt(i)] === 1) i++;
    if (i === w) fail(BAD, `${what}: empty word after "@" in Call-ID`, i);
  }
  return { callId: value.slice(start, i), end: i };
}

/** True when `s` is a valid Call-ID (RFC 3261 §25.1 callid). */
export function isCallId(s: string): boolean {
  try {
    return parseCallIdPrefix(s, 'Call-ID').end === s.length && s.length > 0 && s.charCodeAt(0) !== 0x20;
  } catch {
    return false;
  }
}

function parse(value: string, what: string): { callId: string; params: Params; tags: Map<string, string> } {
  const { callId, end } = parseCallIdPrefix(value, what);
  const { params } = parseParams(value, end);
  const tags = new Map<string, string>();
  for (const p of params) {
    const name = lower(p.name);
    if (!name.endsWith('-tag')) continue;
    if (tags.has(name)) fail(BAD, `${what}: ${name} appears more than once`, end);
    if (p.value === null || p.raw !== p.value) fail(BAD, `${what}: ${name} must be a token`, end);
    tags.set(name, p.value);
  }
  return { callId, params, tags };
}

export interface TargetDialog {
  readonly callId: string;
  /** local-tag: the local tag from the perspective of the recipient of the request (RFC 4538 §4). */
  readonly localTag?: string;
  /** remote-tag: the remote tag from the perspective of the recipient of the request. */
  readonly remoteTag?: string;
  readonly params: Params;
}

/** RFC 4538 §7 Target-Dialog. */
export function parseTargetDialog(value: string): TargetDialog {
  const { callId, params, tags } = parse(value, 'Target-Dialog');
  const out: { -readonly [K in keyof TargetDialog]: TargetDialog[K] } = { callId, params };
  const local = tags.get('local-tag');
  const remote = tags.get('remote-tag');
  if (local !== undefined) out.localTag = local;
  if (remote !== undefined) out.remoteTag = remote;
  return out;
}

export interface Replaces {
  readonly callId: string;
  readonly toTag?: string;
  readonly fromTag?: string;
  /** early-flag = "early-only" (RFC 3891 §6.1), valueless. */
  readonly earlyOnly: boolean;
  readonly params: Params;
}

/** RFC 3891 §6.1 Replaces. `early-only` with a value is rejected (the flag takes none). */
export function parseReplaces(value: string): Replaces {
  const { callId, params, tags } = parse(value, 'Replaces');
  const early = params.getParam('early-only');
  if (early !== undefined && early.value !== null) fail(BAD, 'Replaces: early-only takes no value', 0);
  const out: { -readonly [K in keyof Replaces]: Replaces[K] } = { callId, earlyOnly: early !== undefined, params };
  const to = tags.get('to-tag');
  const from = tags.get('from-tag');
  if (to !== undefined) out.toTag = to;
  if (from !== undefined) out.fromTag = from;
  return out;
}

export interface Join {
  readonly callId: string;
  readonly toTag?: string;
  readonly fromTag?: string;
  readonly params: Params;
}

/** RFC 3911 §7.1 Join. */
export function parseJoin(value: string): Join {
  const { callId, params, tags } = parse(value, 'Join');
  const out: { -readonly [K in keyof Join]: Join[K] } = { callId, params };
  const to = tags.get('to-tag');
  const from = tags.get('from-tag');
  if (to !== undefined) out.toTag = to;
  if (from !== undefined) out.fromTag = from;
  return out;
}
