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
];
