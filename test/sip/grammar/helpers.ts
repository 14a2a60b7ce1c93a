/** Shared assertions for the grammar tests. */
import assert from 'node:assert/strict';
import { describe as nodeDescribe, it as nodeIt } from 'node:test';
import { SipParseError, type ErrorCode } from '../../../src/errors.js';

/** `node:test` describe, with its promise explicitly ignored (the runner tracks it). */
export function describe(name: string, fn: () => void): void {
  void nodeDescribe(name, fn);
}

/** `node:test` it, with its promise explicitly ignored (the runner tracks it). */
export function it(name: string, fn: () => void | Promise<void>): void {
  void nodeIt(name, fn);
}

/** Asserts that `fn` throws a SipParseError with `code`. */
export function throwsCode(fn: () => unknown, code: ErrorCode, label = ''): void {
  assert.throws(
    fn,
    (e: unknown) => {
      if (!(e instanceof SipParseError)) {
        assert.fail(`${label}: expected SipParseError ${code}, got ${String(e)}`);
      }
      assert.equal(e.code, code, `${label}: ${e.message}`);
      assert.ok(Number.isInteger(e.offset) && e.offset >= 0, `${label}: offset ${e.offset}`);
      return true;
    },
    label,
  );
}

/**
 * Runs `fn`; if it throws anything other than a SipParseError, or one whose offset lies outside
 * [0, inputLength], rethrows / fails (for property tests).
 */
export function onlyParseErrors(fn: () => unknown, inputLength = Infinity): boolean {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= inputLength, `offset ${e.offset} of ${inputLength}: ${e.message}`);
  }
  return true;
}
