/**
 * CLI entry point: builds the commander program from the option table (commands.ts) and dispatches to the
 * command handlers. Exit statuses: 0 success, 1 the input is invalid, 2 usage or I/O error, 70 internal.
 */
import { Command, CommanderError, Option } from 'commander';
import { COMMANDS, type CommandSpec } from './commands.js';
import type { Io } from './io.js';
import { processIo } from './io.js';

/** A command module: src/cli/<name>.ts exports `run`. Loaded on use, so `sipclf parse` loads no CLF code. */
export interface CommandModule {
  run(args: string[], opts: Record<string, unknown>, io: Io): Promise<number>;
}

async function load(name: string): Promise<CommandModule> {
  return (await import(`./${name}.js`)) as CommandModule;
}

function addCommand(program: Command, spec: CommandSpec, io: Io, setCode: (code: number) => void): void {
  const cmd = program.command(`${spec.name} ${spec.args}`.trim()).description(spec.summary);
  for (const o of spec.options) {
    const opt = new Option(o.flags, o.description);
    if (o.default !== undefined) opt.default(o.default);
    if (o.repeatable === true) opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    cmd.addOption(opt);
  }
  cmd.addHelpText('after', `\n${spec.details}\n\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}\n`);
  cmd.action(async (...all: unknown[]) => {
    const command = all[all.length - 1] as Command;
    const mod = await load(spec.name);
    setCode(await mod.run(command.args, command.opts(), io));
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
