import { Command, CommanderError } from "commander";
import { registerBuild } from "./commands/build.js";
import { registerCheck } from "./commands/check.js";
import { registerDev } from "./commands/dev.js";
import { registerInit } from "./commands/init.js";
import { registerKeygen } from "./commands/keygen.js";
import { registerReplay } from "./commands/replay.js";
import { registerRun } from "./commands/run.js";
import { registerSign } from "./commands/sign.js";
import { registerVerify } from "./commands/verify.js";
import { reportError } from "./errors.js";
import { SDK_VERSION } from "./version.js";

/** The `gojinn` command line: init, build, run, check. */
export function createProgram(): Command {
  const program = new Command("gojinn")
    .description("Gojinn's TypeScript toolkit: scaffold, build, run and check AssemblyScript handlers")
    .version(SDK_VERSION)
    .showHelpAfterError("(run gojinn --help for usage)")
    .exitOverride();
  registerInit(program);
  registerBuild(program);
  registerRun(program);
  registerCheck(program);
  registerReplay(program);
  registerDev(program);
  registerKeygen(program);
  registerSign(program);
  registerVerify(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI on `argv` (process.argv form) and sets the exit code. */
export async function main(argv: string[]): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed the message or the help already.
      process.exitCode = err.exitCode;
      return;
    }
    reportError(err);
    process.exitCode = 1;
  }
}
