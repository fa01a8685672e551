// The SDK's objects against the real host: test/fixtures/objects-handler
// served by this repository's bin/caddy (make build) with an object_store
// on an S3-compatible endpoint (gofakes3, testdata/fakes3), the same calls
// run through the harness, and the answers compared (times aside: the
// store's clock is not the harness's). Skipped without bin/caddy.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LiveObjects } from "../dist/dev/live-objects.js";
import { invoke, type Grants } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";
import { freePort } from "./dev-process.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CADDY = path.join(REPO, "bin", "caddy");

const children: ChildProcess[] = [];
let output = "";
let base = "";
let wasm = "";

/** Starts a process, its output kept for the failure message. */
function start(file: string, args: string[], cwd: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(file, args, { cwd, env: { ...process.env, ...env } });
  child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
  children.push(child);
  return child;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The grants of each route, as the Caddyfile gives them.
const ROUTES: Record<string, { line: string; grant: NonNullable<Grants["objects"]> }> = {
  rw: { line: "objects media", grant: ["media"] },
  ro: { line: "objects media read", grant: { media: "read" } },
  pre: { line: "objects media readwrite prefix u/1/", grant: { media: { prefix: "u/1/" } } },
};

describe.skipIf(!existsSync(CADDY))("objects through Caddy", () => {
  beforeAll(async () => {
    wasm = await buildFixture("objects-handler");
    const dir = mkdtempSync(path.join(tmpdir(), "gojinn-objects-caddy-"));
    copyFileSync(wasm, path.join(dir, "handler.wasm"));
    const fakes3 = path.join(dir, "fakes3");
    execFileSync("go", ["build", "-o", fakes3, "./sdk-ts/test/testdata/fakes3"], { cwd: REPO });
    const s3 = start(fakes3, ["media"], dir);
    await until("endpoint URL", async () => /^http:\/\/127\.0\.0\.1:\d+\n/.test(output));
    const endpoint = output.split("\n")[0]!;
    void s3;
    const [port, admin] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    const routes = Object.entries(ROUTES)
      .map(([name, r]) => `\thandle_path /${name}/* {\n\t\tgojinn ./handler.wasm {\n\t\t\t${r.line}\n\t\t}\n\t}\n`)
      .join("");
    writeFileSync(
      path.join(dir, "Caddyfile"),
      `{
	admin 127.0.0.1:${admin}
	default_bind 127.0.0.1
	gojinn {
		data_dir ${path.join(dir, "gojinn")}
		object_store media s3 {
			endpoint ${endpoint}
			region us-east-1
			bucket media
			access_key test
			secret_key test-secret
			path_style
			max_object 1KiB
		}
	}
}

${base} {
${routes}}
`,
    );
    start(CADDY, ["run", "--config", "Caddyfile", "--adapter", "caddyfile"], dir, {
      XDG_DATA_HOME: path.join(dir, "data"),
      XDG_CONFIG_HOME: path.join(dir, "config"),
    });
    await until("answer from Caddy", async () => (await fetch(`${base}/rw/list`).catch(() => null))?.status === 200);
  }, 300_000);

  afterAll(() => {
    for (const child of children) {
      child.stdin?.end(); // fakes3 ends with its stdin
      child.kill("SIGTERM");
    }
  });

  test("every answer of the real host is the harness's (times aside)", async () => {
    const steps: Array<[keyof typeof ROUTES, string, string, string?]> = [
      ["rw", "POST", "/put?key=u/1/a.png&type=image/png", "\u0089PNG"],
      ["rw", "POST", "/put?key=u/1/b.txt&text=1", "héllo"],
      ["rw", "POST", "/put?key=u/2/c.bin", "x".repeat(100)],
      ["rw", "POST", "/put?key=p/é", "e"],
      ["rw", "GET", "/get?key=u/1/a.png"],
      ["rw", "GET", "/head?key=u/1/b.txt"],
      ["rw", "GET", "/get?key=nope"],
      ["rw", "GET", "/head?key=nope"],
      ["rw", "GET", "/list"],
      ["rw", "GET", "/list?prefix=u/&limit=2"],
      ["rw", "GET", "/list?prefix=u/&limit=2&after=u/1/b.txt"],
      ["rw", "GET", "/list?all=1&limit=1"],
      ["rw", "GET", "/list?limit=0"],
      ["rw", "POST", "/put?key=a/../b", "x"],
      ["rw", "POST", "/put?key=big", "x".repeat(1025)],
      ["rw", "POST", "/delete?key=u/2/c.bin"],
      ["rw", "POST", "/delete?key=u/2/c.bin"],
      ["ro", "GET", "/get?key=u/1/b.txt"],
      ["ro", "POST", "/put?key=u/1/z", "z"],
      ["ro", "POST", "/delete?key=u/1/a.png"],
      ["pre", "GET", "/list?prefix=u/1/"],
      ["pre", "GET", "/list"],
      ["pre", "GET", "/get?key=p/é"],
      ["pre", "POST", "/put?key=u/1/c&type=text/csv", "a,b"],
      ["rw", "GET", "/list?all=1"],
    ];
    const live = new LiveObjects();
    // The time of a write is the store's: S3's and the harness's clocks differ.
    const timeless = (body: string) => body.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, "<time>");
    for (const [route, method, uri, body] of steps) {
      const real = await fetch(`${base}/${route}${uri}`, { method, ...(body !== undefined ? { body } : {}) });
      const before = live.snapshot();
      const harness = await invoke(
        wasm,
        { method, uri, ...(body !== undefined ? { body } : {}) },
        { objects: before, grants: { objects: ROUTES[route]!.grant }, maxObject: 1024 },
      );
      live.merge(before, harness.objects);
      expect(timeless(await real.text()), `${route} ${method} ${uri}`).toBe(timeless(harness.body));
    }
  });
});
