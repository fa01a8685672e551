// The SDK's objects against the real host: test/fixtures/objects-handler
// served by this repository's bin/caddy (make build) with an object_store
// on an S3-compatible endpoint (gofakes3, testdata/fakes3), the same calls
// run through the harness, and the answers compared (times aside: the
// store's clock is not the harness's). Skipped without bin/caddy.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LiveObjects } from "../dist/dev/live-objects.js";
import { invoke, type Grants } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";
import { HAVE_CADDY, route, startCaddy, TestProcess } from "./caddy-process.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

const children: TestProcess[] = [];
let base = "";
let wasm = "";

// The grants of each route, as the Caddyfile gives them.
const ROUTES: Record<string, { line: string; grant: NonNullable<Grants["objects"]> }> = {
  rw: { line: "objects media", grant: ["media"] },
  ro: { line: "objects media read", grant: { media: "read" } },
  pre: { line: "objects media readwrite prefix u/1/", grant: { media: { prefix: "u/1/" } } },
};

describe.skipIf(!HAVE_CADDY)("objects through Caddy", () => {
  beforeAll(async () => {
    wasm = await buildFixture("objects-handler");
    const dir = mkdtempSync(path.join(tmpdir(), "gojinn-objects-caddy-"));
    copyFileSync(wasm, path.join(dir, "handler.wasm"));
    const fakes3 = path.join(dir, "fakes3");
    execFileSync("go", ["build", "-o", fakes3, "./sdk-ts/test/testdata/fakes3"], { cwd: REPO });
    const s3 = new TestProcess(fakes3, ["media"], dir);
    children.push(s3);
    await s3.until("endpoint URL", async () => /^http:\/\/127\.0\.0\.1:\d+\n/.test(s3.output));
    const store = `\t\tobject_store media s3 {
\t\t\tendpoint ${s3.output.split("\n")[0]}
\t\t\tregion us-east-1
\t\t\tbucket media
\t\t\taccess_key test
\t\t\tsecret_key test-secret
\t\t\tpath_style
\t\t\tmax_object 1KiB
\t\t}
`;
    const routes = Object.entries(ROUTES)
      .map(([name, r]) => route(`/${name}`, r.line))
      .join("");
    const started = await startCaddy(dir, store, routes, "/rw/list");
    base = started.base;
    children.push(started.caddy);
  }, 300_000);

  afterAll(() => children.forEach((c) => c.stop()));

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
