/**
 * CLI entry point: builds the commander program from the option table (commands.ts) and dispatches to the
 * command handlers. Exit statuses: 0 success, 1 the input is invalid, 2 usage or I/O error, 70 internal.
 */
import { Command, CommanderError, Option } from 'commander';
import { COMMANDS, type CommandSpec } from './commands.js';
import { runGen } from './gen.js';
import { runParse } from './parse.js';
import type { Io } from './io.js';
import { processIo } from './io.js';

type Handler = (args: string[], opts: Record<string, unknown>, io: Io) => Promise<number>;

const HANDLERS: Record<string, Handler> = {
  parse: (args, opts, io) => runParse(args[0], opts, io),
  gen: (_args, opts, io) => runGen(opts, io),
};

function addCommand(program: Command, spec: CommandSpec, io: Io, setCode: (code: number) => void): void {
  const cmd = program.command(`${spec.name} ${spec.args}`.trim()).description(spec.summary);
  for (const o of spec.options) {
    const opt = new Option(o.flags, o.description);
    if (o.default !== undefined) opt.default(o.default);
    cmd.addOption(opt);
  }
  cmd.addHelpText('after', `\n${spec.details}\n\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}\n`);
  cmd.action(async (...all: unknown[]) => {
    const command = all[all.length - 1] as Command;
    const handler = HANDLERS[spec.name];
    if (handler === undefined) throw new Error(`no handler for ${spec.name}`);
    setCode(await handler(command.args, command.opts(), io));
  });
}

export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('sipclf')
    .description('SIP Common Log Format (RFC 6872/6873/7355) and "log me" marking (RFC 8497) tools')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const spec of COMMANDS) addCommand(program, spec, io, setCode);
  return program;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with exitCode 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  }
  return code;
}
