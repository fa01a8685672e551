// `gojinn dev --caddy`: the project served by a real Caddy with the gojinn
// module and the project's Caddyfile. After each successful rebuild Caddy
// reloads the same config (`caddy reload --force`): the handler reads the
// module again when its config is provisioned, and a changed file has
// another sha256, so it is compiled anew.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { UserError } from "../cli/errors.js";
import { SDK_ROOT } from "../sdk-root.js";

function run(file: string, args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}${stderr}` }));
  });
}

function candidates(dir: string): string[] {
  const found: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    found.push(path.join(d, "bin", "caddy"));
    if (path.dirname(d) === d) break;
  }
  // The SDK inside a gojinn checkout: that checkout's `make build`.
  return [...found, path.join(SDK_ROOT, "..", "bin", "caddy"), "caddy"];
}

/**
 * The Caddy binary to use: `explicit` when given, else the first bin/caddy
 * in `dir` or a parent directory, else the bin/caddy of the gojinn checkout
 * the SDK is in, else caddy on PATH; it must list the
 * module http.handlers.gojinn.
 */
export async function findCaddy(dir: string, explicit?: string): Promise<string> {
  const tried: string[] = [];
  for (const file of explicit ? [explicit] : candidates(dir)) {
    if (file.includes(path.sep) && !existsSync(file)) continue;
    const { ok, output } = await run(file, ["list-modules"], dir);
    if (ok && /^http\.handlers\.gojinn$/m.test(output)) return file;
    if (ok || file.includes(path.sep)) tried.push(`${file} (${ok ? "no gojinn module" : "does not run"})`);
  }
  throw new UserError(
    `--caddy: no Caddy with the gojinn module (${tried.length ? `tried ${tried.join(", ")}` : "no bin/caddy here or above, no caddy on PATH"}); build one with make build in the gojinn repository, or pass --caddy <path>`,
  );
}

/** A Caddy process serving a Caddyfile, its output passed through. */
export class CaddyServer {
  private child: ChildProcess | undefined;

  constructor(
    private readonly caddy: string,
    private readonly caddyfile: string,
    private readonly dir: string,
  ) {}

  /** Starts `caddy run` with the Caddyfile; `onExit` is called if Caddy stops by itself. */
  start(onExit: (code: number | null) => void): void {
    this.child = spawn(this.caddy, ["run", "--config", this.caddyfile, "--adapter", "caddyfile"], { cwd: this.dir, stdio: "inherit" });
    this.child.once("exit", (code) => {
      if (this.child) onExit(code);
    });
  }

  /** Has Caddy load the Caddyfile again, and with it the module; the error output when it refused. */
  async reload(): Promise<string | null> {
    const { ok, output } = await run(this.caddy, ["reload", "--config", this.caddyfile, "--adapter", "caddyfile", "--force"], this.dir);
    return ok ? null : output.trim();
  }

  /** Stops Caddy. */
  stop(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill("SIGTERM");
  }
}
