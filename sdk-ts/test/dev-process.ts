// A `gojinn dev` child process for tests: its output collected, its port
// read from the "serving" line, and a stop that waits for it to exit.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { GOJINN } from "./cli-runner.js";

/** A running `gojinn dev`. */
export class DevProcess {
  stdout = "";
  stderr = "";
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  /** `args` after `gojinn dev --port 0`; `env` added to this process's environment. */
  constructor(cwd: string, args: string[] = [], env: Record<string, string> = {}) {
    this.child = spawn(GOJINN, ["dev", "--port", "0", ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env } });
    this.child.stdout!.on("data", (b: Buffer) => (this.stdout += b.toString()));
    this.child.stderr!.on("data", (b: Buffer) => (this.stderr += b.toString()));
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
  }

  /** Waits until `check` is true (polled every 100 ms), at most `boundMs`; fails with the output so far. */
  async until(what: string, check: () => boolean | Promise<boolean>, boundMs = 120_000): Promise<void> {
    const deadline = Date.now() + boundMs;
    while (!(await check())) {
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(`gojinn dev: no ${what} after ${boundMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The server's base URL, once it serves. */
  async url(): Promise<string> {
    await this.until("serving line", () => /serving http:\/\/127\.0\.0\.1:\d+\//.test(this.stdout));
    return /serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(this.stdout)![1]!;
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

/** The body of GET url, or null when the request failed. */
export async function bodyOf(url: string, init?: RequestInit): Promise<string | null> {
  try {
    return await (await fetch(url, init)).text();
  } catch {
    return null;
  }
}

/** A port free on 127.0.0.1 now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
