/**
 * The one option table of the CLI. main.ts builds the commander program from it, `--help` is rendered from
 * it, and docs/reference/cli.md is generated from it (scripts/gen-cli-docs.mjs; a test keeps them in sync),
 * so parsing, help and docs cannot drift.
 */

export interface OptionSpec {
  /** commander flags, e.g. '--json' or '-o, --out <file>' */
  readonly flags: string;
  readonly description: string;
  readonly default?: string | boolean | number;
}

export interface CommandSpec {
  readonly name: string;
  /** commander argument syntax, e.g. '[file]' */
  readonly args: string;
  readonly summary: string;
  /** Longer text for the reference docs. */
  readonly details: string;
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  /** Exit statuses and their meaning. */
  readonly exit: readonly (readonly [number, string])[];
}

export const LIMIT_OPTIONS: readonly OptionSpec[] = [
  { flags: '--max-message-bytes <n>', description: 'largest message accepted', default: 65535 },
  { flags: '--max-headers <n>', description: 'most header lines accepted', default: 256 },
  { flags: '--max-line-bytes <n>', description: 'longest start/header line accepted (folds included)', default: 8192 },
];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'parse',
    args: '[file]',
    summary: 'Parse one SIP message (or, with --stream, back-to-back messages) and print it',
    details:
      'Reads FILE (or standard input when FILE is `-` or absent). Prints the start line, every header as received ' +
      'with its parsed form when sipclf knows its grammar, and the body length and type. Invalid input prints ' +
      '`error CODE at byte N: message` (codes: docs/reference/errors.md). With --stream the input is framed as a ' +
      'TCP/TLS byte stream (Content-Length mandatory, CRLF keep-alives skipped); each message is parsed in turn. ' +
      'With --strict every header with a known grammar is parsed and checked (RFC 4475 §3.1.2).',
    options: [
      { flags: '--json', description: 'print JSON (one object per message; JSON Lines with --stream)' },
      { flags: '--stream', description: 'frame the input as a stream of messages (RFC 3261 §18.3)' },
      { flags: '--strict', description: 'check every header with a known grammar, not only the eager ones' },
      ...LIMIT_OPTIONS,
    ],
    examples: ['sipclf parse test/vectors/rfc4475/wsinv.dat', 'sipclf parse --json --strict invite.sip', 'cat capture.tcp | sipclf parse --stream -'],
    exit: [
      [0, 'every message parsed'],
      [1, 'a message is invalid (the error is printed)'],
      [2, 'usage error or unreadable input'],
    ],
  },
  {
    name: 'gen',
    args: '',
    summary: 'Write realistic synthetic SIP CLF (RFC 6873) for benchmarks, demos and tests',
    details:
      'Simulates the log of a stateful record-routing proxy: calls arriving at --rate per second (basic, forked with ' +
      'CANCEL of the losing branch, failed, cancelled by the caller), REGISTER with a digest challenge, OPTIONS ' +
      'keep-alives and occasional retransmissions (flag D). Every record carries the whole message as Tag 02; ' +
      '--logme-share of the calls carry the RFC 8497 log-me marker. The output is in time order and the same for ' +
      'the same --seed on every machine. Files are created with mode 0600; a name ending in .gz is gzipped.',
    options: [
      { flags: '--records <n>', description: 'number of records to write' },
      { flags: '-o, --out <file>', description: 'output file, `-` for standard output', default: '-' },
      { flags: '--seed <n>', description: 'random seed', default: 1 },
      { flags: '--rate <n>', description: 'scenarios started per second', default: 40 },
      { flags: '--logme-share <p>', description: 'share of calls marked with log-me (0-1)', default: 0.05 },
      { flags: '--start <date>', description: 'timestamp of the first call (ISO 8601)', default: '2026-01-05T09:00:00Z' },
    ],
    examples: ['sipclf gen --records 100000 -o proxy.clf', 'sipclf gen --records 1000 --seed 7 --logme-share 0.5 | sipclf cat -'],
    exit: [
      [0, 'records written'],
      [2, 'usage error or the output cannot be written'],
    ],
  },
];
