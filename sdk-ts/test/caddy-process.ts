// This repository's bin/caddy (make build) for tests that run a handler
// through the real host: a Caddyfile with the gojinn app's options, started
// in a directory of its own, stopped when the tests end.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./dev-process.js";

/** The Caddy binary; tests that need it are skipped without it. */
export const CADDY = fileURLToPath(new URL("../../bin/caddy", import.meta.url));
/** Whether bin/caddy is there. */
export const HAVE_CADDY = existsSync(CADDY);

/** A process of the test, its output kept for failure messages. */
export class TestProcess {
  output = "";
  private readonly child: ChildProcess;

  constructor(file: string, args: string[], cwd: string, env: Record<string, string> = {}) {
    this.child = spawn(file, args, { cwd, env: { ...process.env, ...env } });
    this.child.stdout!.on("data", (b: Buffer) => (this.output += b.toString()));
    this.child.stderr!.on("data", (b: Buffer) => (this.output += b.toString()));
  }

  /** Waits until `check` is true (polled every 100 ms), at most 60 s. */
  async until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!(await check())) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`no ${what} within 60 s:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Ends the process: its stdin closed, then SIGTERM. */
  stop(): void {
    this.child.stdin?.end();
    this.child.kill("SIGTERM");
  }
}

/**
 * Starts bin/caddy in `dir` with `app` inside the gojinn global option
 * (its data_dir in `dir`) and `routes` in a site on a free port; resolves
 * once `ready` (a path) answers 200. Returns the site's URL and the process.
 */
export async function startCaddy(dir: string, app: string, routes: string, ready: string): Promise<{ base: string; caddy: TestProcess }> {
  const [port, admin] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  writeFileSync(
    path.join(dir, "Caddyfile"),
    `{\n\tadmin 127.0.0.1:${admin}\n\tdefault_bind 127.0.0.1\n\tgojinn {\n\t\tdata_dir ${path.join(dir, "gojinn")}\n${app}\t}\n}\n\n${base} {\n${routes}}\n`,
  );
  // Caddy's data and config (the module cache among them) in the test's directory.
  const caddy = new TestProcess(CADDY, ["run", "--config", "Caddyfile", "--adapter", "caddyfile"], dir, {
    XDG_DATA_HOME: path.join(dir, "data"),
    XDG_CONFIG_HOME: path.join(dir, "config"),
  });
  await caddy.until("answer from Caddy", async () => (await fetch(`${base}${ready}`).catch(() => null))?.status === 200);
  return { base, caddy };
}

/** A handle_path route of ./handler.wasm with the handler block's lines. */
export function route(prefix: string, ...lines: string[]): string {
  return `\thandle_path ${prefix}/* {\n\t\tgojinn ./handler.wasm {\n${lines.map((l) => `\t\t\t${l}\n`).join("")}\t\t}\n\t}\n`;
}
