// gojinn dev, run as a user runs it: a project from gojinn init, served on
// a free port, edited while it serves.
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { gojinn } from "./cli-runner.js";
import { bodyOf, DevProcess } from "./dev-process.js";

let tmp = "";
let dev: DevProcess | undefined;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "gojinn-dev-"));
});

afterEach(async () => {
  await dev?.stop();
  dev = undefined;
});

// As most editors save: a new file renamed over the old one.
function saveAsEditorsDo(file: string, text: string): void {
  writeFileSync(`${file}.swp`, text);
  renameSync(`${file}.swp`, file);
}

describe("gojinn dev", () => {
  test("serves the handler, rebuilds on each save, keeps the last good module through a syntax error", async () => {
    const dir = path.join(tmp, "hello");
    expect((await gojinn(["init", dir], tmp)).code).toBe(0);
    const source = path.join(dir, "assembly", "index.ts");
    const original = readFileSync(source, "utf8");
    expect(original).toContain('"Hello, "');

    dev = new DevProcess(dir);
    const url = `${await dev.url()}/?name=Ana`;
    expect(await bodyOf(url)).toBe("Hello, Ana!\n");
    // One line per request (method, target, status, duration, fuel), the guest's log under it.
    await dev.until("request line", () =>
      /^\d\d:\d\d:\d\d GET \/\?name=Ana 200 \d+\.\d ms fuel \d+\n {4}\{"level":"info","msg":"greeting Ana"/m.test(dev!.stdout),
    );

    writeFileSync(source, original.replace('"Hello, "', '"Howdy, "'));
    await dev.until("new greeting", async () => (await bodyOf(url)) === "Howdy, Ana!\n");

    saveAsEditorsDo(source, original.replace('"Hello, "', '"Howdy, "').replace("return Response.text(", "return Response.text(("));
    await dev.until("build error", () => dev!.stderr.includes("build failed"));
    expect(dev.stderr).toContain("in assembly/index.ts(");
    expect(dev.stderr).toContain("the last good build keeps serving");
    expect(await bodyOf(url)).toBe("Howdy, Ana!\n");
    saveAsEditorsDo(source, readFileSync(source, "utf8")); // the same bytes again: no second build, no second message

    saveAsEditorsDo(source, original.replace('"Hello, "', '"Hi, "'));
    await dev.until("fixed greeting", async () => (await bodyOf(url)) === "Hi, Ana!\n");
    expect(dev.stderr.match(/build failed/g)).toHaveLength(1);
  }, 300_000);

  test("grants from the Caddyfile block: a kv store that outlives each request; gojinn.dev.json fills it", async () => {
    const dir = path.join(tmp, "kv");
    expect((await gojinn(["init", dir, "--template", "kv"], tmp)).code).toBe(0);
    writeFileSync(path.join(dir, "gojinn.dev.json"), JSON.stringify({ kv: { notes: { shopping: "milk" } } }));
    dev = new DevProcess(dir);
    const url = await dev.url();
    expect(dev.stdout).toContain("settings from Caddyfile:13 + gojinn.dev.json");
    expect(await bodyOf(`${url}/notes/shopping`)).toBe("milk");
    expect((await fetch(`${url}/notes/todo`, { method: "PUT", body: "call Ana" })).status).toBe(204);
    expect(await bodyOf(`${url}/notes/todo`)).toBe("call Ana");
    expect(JSON.parse((await bodyOf(`${url}/`))!)).toEqual({ notes: ["shopping", "todo"] });

    // A changed gojinn.dev.json applies from the next request on; the store keeps its contents.
    writeFileSync(path.join(dir, "gojinn.dev.json"), JSON.stringify({ grants: { kv: { notes: "read" } } }));
    await dev.until("settings reload", () => dev!.stdout.includes("settings reloaded (Caddyfile:13 + gojinn.dev.json)"));
    const denied = await fetch(`${url}/notes/more`, { method: "PUT", body: "x" });
    expect([denied.status, await denied.text()]).toEqual([503, '{"error":"denied"}\n']);
    expect(await bodyOf(`${url}/notes/todo`)).toBe("call Ana");
  }, 300_000);

  test("gojinn.dev.json's fetchReplies answer allowed calls; a call the allow-list refuses is denied", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gojinn-dev-fetch-"));
    cpSync(fileURLToPath(new URL("./fixtures/host-handler/", import.meta.url)), dir, { recursive: true });
    writeFileSync(
      path.join(dir, "gojinn.dev.json"),
      JSON.stringify({
        grants: { fetch: ["https://api.example.com"] },
        fetchReplies: {
          "https://api.example.com/": { status: 200, body: "any" },
          "https://api.example.com/v1/": { status: 201, body: "canned" },
        },
      }),
    );
    dev = new DevProcess(dir);
    const url = await dev.url();
    const call = async (target: string): Promise<unknown> => JSON.parse((await bodyOf(`${url}/fetch?url=${encodeURIComponent(target)}`))!);
    expect(await call("https://api.example.com/v1/items")).toMatchObject({ status: 201, error: null, body: "canned" });
    expect(await call("https://api.example.com/other")).toMatchObject({ status: 200, error: null, body: "any" });
    expect(await call("https://elsewhere.example.com/")).toMatchObject({ status: 0, error: "denied" });
  }, 300_000);
});
