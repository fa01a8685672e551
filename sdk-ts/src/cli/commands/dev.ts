import { existsSync, statSync, watch } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { formatSize } from "../../wasm/inspect.js";
import { CaddyServer, findCaddy } from "../../dev/caddy.js";
import { DEV_CONFIG_FILE, loadSettings, type LoadedSettings } from "../../dev/dev-config.js";
import { LiveDatabases } from "../../dev/live-databases.js";
import { LiveObjects } from "../../dev/live-objects.js";
import { LiveStores } from "../../dev/live-stores.js";
import { detectProject, type Project } from "../../dev/project.js";
import { Rebuilder, type BuildEvent } from "../../dev/rebuild.js";
import { createDevServer } from "../../dev/server.js";
import { UserError } from "../errors.js";
import { preload } from "../../testing/invoke.js";

interface DevOptions {
  port: string;
  config: string;
  caddy?: string | boolean;
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

function out(text: string): void {
  process.stdout.write(`${clock()} ${text}${text.endsWith("\n") ? "" : "\n"}`);
}

function err(text: string): void {
  process.stderr.write(`${clock()} ${text}${text.endsWith("\n") ? "" : "\n"}`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Prints a build's result: one line on success, the compiler's message once on failure. */
function reportBuild(project: Project, event: BuildEvent, first: boolean, served: () => boolean): void {
  const rel = path.relative(project.dir, project.outFile);
  if (event.ok) {
    const size = statSync(project.outFile).size;
    out(`built ${rel} (${formatSize(size)}) in ${seconds(event.ms)}${first ? "" : ": served from the next request on"}`);
    if (event.diagnostics) process.stderr.write(`${event.diagnostics}\n`);
  } else {
    const keep = served() ? "the last good build keeps serving" : "nothing to serve until a build succeeds";
    err(`build failed in ${seconds(event.ms)} (${keep}):\n${event.message.replace(/^build failed: /, "")}\n`);
  }
}

/** Calls `onChange` (debounced) when the Caddyfile or gojinn.dev.json in the project's directory changes. */
function watchSettings(dir: string, caddyfile: string, onChange: () => void): void {
  const names = new Set([DEV_CONFIG_FILE, path.basename(caddyfile)]);
  let timer: NodeJS.Timeout | undefined;
  watch(dir, (_event, file) => {
    if (file === null || !names.has(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, 100);
  }).unref();
}

async function serveWithCaddy(project: Project, caddyfile: string, explicit: string | undefined): Promise<void> {
  if (!existsSync(caddyfile)) throw new UserError(`--caddy: no Caddyfile at ${caddyfile} (--config names another)`);
  const caddy = await findCaddy(project.dir, explicit);
  const server = new CaddyServer(caddy, caddyfile, project.dir);
  let started = false;
  const rebuilder = new Rebuilder(project, (event) => {
    reportBuild(project, event, !started, () => started);
    if (!event.ok || !started) return;
    void server.reload().then((failure) => (failure ? err(`caddy reload failed:\n${failure}`) : out("caddy reloaded the module")));
  });
  rebuilder.watch();
  await rebuilder.rebuild();
  out(
    `starting ${caddy} with ${path.relative(project.dir, caddyfile)}; watching ${path.relative(project.dir, project.watchDir) || "."}/ for changes`,
  );
  server.start((code) => {
    err(`caddy exited (code ${code})`);
    process.exit(1);
  });
  started = true;
  watchSettings(project.dir, caddyfile, () => void server.reload().then((failure) => failure && err(`caddy reload failed:\n${failure}`)));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      rebuilder.close();
      server.stop();
      process.exit(0);
    });
  }
}

async function serveWithHarness(project: Project, caddyfile: string, port: number): Promise<void> {
  let loaded: LoadedSettings = await loadSettings(project.dir, caddyfile, project.outFile);
  let good = false;
  let built = false;
  let lastError = "";
  const rebuilder = new Rebuilder(project, async (event) => {
    // Metered and compiled now, not at the next request.
    if (event.ok) await preload(project.outFile).catch(() => undefined);
    reportBuild(project, event, !built, () => good);
    built = true;
    if (event.ok) good = true;
    else lastError = event.message.split("\n")[0]!;
  });
  out(`building ${project.entry} (${project.kind === "go" ? "Go, GOOS=wasip1" : "AssemblyScript"})`);
  rebuilder.watch(); // before the first build: an edit during it makes another
  await rebuilder.rebuild();
  const stores = new LiveStores(loaded.settings.kv);
  const server = createDevServer({
    moduleFile: project.outFile,
    settings: () => loaded.settings,
    notReady: () => (good ? null : lastError),
    stores,
    databases: new LiveDatabases(loaded.settings.databases as Record<string, string | Uint8Array> | undefined),
    objects: new LiveObjects(loaded.settings.objects),
    log: (text) => out(text),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new UserError(`--port ${port}: address 127.0.0.1:${port} is in use (choose another --port)`) : e),
    );
    server.listen(port, "127.0.0.1", resolve);
  });
  const actual = (server.address() as { port: number }).port;
  const from = loaded.sources.length ? `settings from ${loaded.sources.join(" + ")}` : "no grants (no Caddyfile block, no gojinn.dev.json)";
  out(`serving http://127.0.0.1:${actual}/ (${from}); watching ${path.relative(project.dir, project.watchDir) || "."}/ for changes`);
  if (loaded.ignored.length) out(`not applied by gojinn dev: ${loaded.ignored.join(", ")}`);
  watchSettings(project.dir, caddyfile, () => {
    loadSettings(project.dir, caddyfile, project.outFile).then(
      (next) => {
        loaded = next;
        out(`settings reloaded (${next.sources.join(" + ") || "none"})`);
      },
      (e: Error) => err(`settings not reloaded (the previous ones stay): ${e.message}`),
    );
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      rebuilder.close();
      server.close();
      server.closeAllConnections();
      process.exit(0);
    });
  }
}

/** Registers `gojinn dev [entry] [--port 8787] [--config Caddyfile] [--caddy [path]]`. */
export function registerDev(program: Command): void {
  program
    .command("dev")
    .description("build the handler, serve it on 127.0.0.1 and rebuild it on every change (AssemblyScript or Go)")
    .argument("[entry]", "the entry file (AssemblyScript, default assembly/index.ts) or main package (Go project, default .)")
    .option("-p, --port <port>", "the port to serve on, on 127.0.0.1 (0: any free port)", "8787")
    .option("-c, --config <file>", "the Caddyfile whose handler block gives grants and limits", "Caddyfile")
    .option(
      "--caddy [path]",
      "serve through a real Caddy with the gojinn module (bin/caddy here or above, or caddy on PATH) and the Caddyfile",
    )
    .action(async (entry: string | undefined, opts: DevOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${opts.port}: expected a port number`);
      const project = await detectProject(process.cwd(), entry);
      const caddyfile = path.resolve(opts.config);
      if (opts.caddy !== undefined && opts.caddy !== false) {
        await serveWithCaddy(project, caddyfile, typeof opts.caddy === "string" ? opts.caddy : undefined);
      } else {
        await serveWithHarness(project, caddyfile, port);
      }
    });
}
