// What gojinn dev reads from a Caddyfile's handler block and gojinn.dev.json.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { blockFor, handlerBlocks, settingsFromBlock } from "../dist/dev/caddyfile-block.js";
import { loadSettings } from "../dist/dev/dev-config.js";
import { parseDuration, parseSize } from "../dist/dev/units.js";

const CADDYFILE = `{
	default_bind 127.0.0.1
	gojinn {
		queue orders
	}
}

:8080 {
	handle /other/* {
		gojinn ./other.wasm
	}
	handle_path /api/* {
		# the handler under test
		gojinn ./build/handler.wasm {
			timeout 1m30s
			fuel_limit 5000000
			max_output_size 1MiB
			max_body_size 10MB
			env GREETING "hello there"
			args -v --x
			kv sessions
			kv settings read
			fetch https://api.example.com http://127.0.0.1:9000
			fetch https://*.example.org
			fetch_timeout 500ms
			fetch_max_body 2KB
			fetch_max_calls 3
			enqueue orders
			ai
			sql main
			sql reports read
			objects media readwrite prefix u/
			objects archive read
			pool_size 4
			mount ./data /data {
				read_only
			}
		}
	}
}
`;

describe("the Caddyfile block", () => {
  test("the block of the module gojinn dev builds, every subdirective it applies, the others named", () => {
    const blocks = handlerBlocks(CADDYFILE);
    expect(blocks.map((b) => b.module)).toEqual(["./other.wasm", "./build/handler.wasm"]);
    const block = blockFor(blocks, "/p/Caddyfile", "/p/build/handler.wasm")!;
    expect(block.line).toBe(14);
    const { settings, ignored } = settingsFromBlock(block, "Caddyfile");
    expect(settings).toEqual({
      timeoutMs: 90_000,
      fuelLimit: 5_000_000,
      maxOutputBytes: 1 << 20,
      maxBodyBytes: 10_000_000,
      env: { GREETING: "hello there" },
      args: ["-v", "--x"],
      fetchTimeoutMs: 500,
      fetchMaxBody: 2000,
      fetchMaxCalls: 3,
      grants: {
        kv: { sessions: "readwrite", settings: "read" },
        fetch: ["https://api.example.com", "http://127.0.0.1:9000", "https://*.example.org"],
        enqueue: ["orders"],
        ai: true,
        sql: { main: "readwrite", reports: "read" },
        objects: { media: { access: "readwrite", prefix: "u/" }, archive: { access: "read", prefix: "" } },
      },
    });
    expect(ignored).toEqual(["pool_size", "mount (unknown to gojinn dev)"]);
  });

  test("no block for the module and several others: none", () => {
    expect(blockFor(handlerBlocks(CADDYFILE), "/p/Caddyfile", "/p/build/x.wasm")).toBeNull();
    const one = handlerBlocks(":80 {\n\tgojinn app.wasm\n}\n");
    expect(blockFor(one, "/p/Caddyfile", "/p/build/x.wasm")?.module).toBe("app.wasm");
  });

  test.each([
    ["timeout", "timeout soon", /Caddyfile:3: timeout soon: expected one duration/],
    ["kv mode", "kv s write", /Caddyfile:3: kv s write: expected <store> \[read\]/],
    ["fuel", "fuel_limit 1e9", /expected one whole number/],
    ["size", "max_body_size lots", /expected one size/],
    ["ai", "ai gpt", /Caddyfile:3: ai gpt: expected no argument/],
    ["sql mode", "sql main write", /Caddyfile:3: sql main write: expected <database> \[read\|readwrite\]/],
    ["objects prefix", "objects media prefix", /Caddyfile:3: objects media prefix: expected <store> \[read\|readwrite\] \[prefix <p>\]/],
  ])("a bad %s is an error naming the line", (_, line, message) => {
    const [block] = handlerBlocks(`:80 {\n\tgojinn h.wasm {\n\t\t${line}\n\t}\n}\n`);
    expect(() => settingsFromBlock(block!, "Caddyfile")).toThrow(message);
  });

  test.each([
    ["10MB", 10_000_000],
    ["1MiB", 1_048_576],
    ["128mb", 128_000_000],
    ["4096", 4096],
    ["1.5KB", 1500],
    ["ten", null],
  ])("size %s", (text, bytes) => expect(parseSize(text)).toBe(bytes));

  test.each([
    ["10s", 10_000],
    ["1m30s", 90_000],
    ["250ms", 250],
    ["1h", 3_600_000],
    ["1d", 86_400_000],
    ["10", null],
    ["1x", null],
  ])("duration %s", (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe("gojinn.dev.json", () => {
  const project = (caddyfile: string | null, dev: string | null): string => {
    const dir = mkdtempSync(path.join(tmpdir(), "gojinn-dev-config-"));
    if (caddyfile !== null) writeFileSync(path.join(dir, "Caddyfile"), caddyfile);
    if (dev !== null) writeFileSync(path.join(dir, "gojinn.dev.json"), dev);
    return dir;
  };
  const load = (dir: string) => loadSettings(dir, path.join(dir, "Caddyfile"), path.join(dir, "build", "handler.wasm"));

  test("overrides the block key by key", async () => {
    const dir = project(
      ":80 {\n\tgojinn ./build/handler.wasm {\n\t\tkv a\n\t\ttimeout 2s\n\t}\n}\n",
      '{"grants": {"kv": ["b"]}, "kv": {"b": {"k": "v"}}}',
    );
    const loaded = await load(dir);
    expect(loaded.sources).toEqual(["Caddyfile:2", "gojinn.dev.json"]);
    expect(loaded.settings).toEqual({ timeoutMs: 2000, grants: { kv: ["b"] }, kv: { b: { k: "v" } } });
  });

  test.each([
    ["an unknown key", '{"grant": {}}', /gojinn\.dev\.json: unknown setting "grant"/],
    ["invalid JSON", "{", /gojinn\.dev\.json: invalid JSON/],
    ["a bad store name", '{"grants": {"kv": ["no spaces"]}}', /gojinn\.dev\.json: grants\.kv: bad store name "no spaces"/],
    ["a bad fetch entry", '{"grants": {"fetch": ["ftp://x"]}}', /fetch entry "ftp:\/\/x": the scheme must be http or https/],
    [
      "a database script that fails",
      '{"databases": {"main": "CREATE TABL t"}}',
      /gojinn\.dev\.json: databases\.main: near "TABL": syntax error/,
    ],
    ["a bad objects grant", '{"grants": {"objects": {"media": "write"}}}', /gojinn\.dev\.json: grants\.objects\.media: mode must be/],
  ])("%s is an error at start-up", async (_, dev, message) => {
    await expect(load(project(null, dev))).rejects.toThrow(message);
  });
});
