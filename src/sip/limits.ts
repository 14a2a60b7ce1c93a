/**
 * Parser limits. Each is checked *before* the parser allocates anything that depends on it (the sipgo DoS
 * advisory was fixed by exactly that), and each violation has its own error code (src/errors.ts).
 */
export interface ParseLimits {
  /** Largest message accepted, start line to end of body. RFC 3261 §18.1.1: 65,535 fits UDP. */
  readonly maxMessageBytes: number;
  /** Most header lines (a folded header counts once). */
  readonly maxHeaders: number;
  /** Longest start line or header line, folded continuations included, CRLF excluded. */
  readonly maxLineBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = Object.freeze({
  maxMessageBytes: 65_535,
  maxHeaders: 256,
  maxLineBytes: 8_192,
});

export function resolveLimits(partial?: Partial<ParseLimits>): ParseLimits {
  if (partial === undefined) return DEFAULT_LIMITS;
  return { ...DEFAULT_LIMITS, ...partial };
}
