import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The CLI under test: bin/gojinn of this checkout. */
export const GOJINN = fileURLToPath(new URL("../bin/gojinn", import.meta.url));

/** What a CLI run printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command (default: the gojinn CLI) in `cwd` and collects its output. */
export function runCommand(file: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1" } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `gojinn <args>` in `cwd`. */
export function gojinn(args: string[], cwd: string): Promise<CliResult> {
  return runCommand(GOJINN, args, cwd);
}

/** A stderr that is one or more plain lines, without a stack trace. */
export function hasNoStackTrace(stderr: string): boolean {
  return !/^\s+at .+:\d+:\d+\)?$/m.test(stderr);
}
