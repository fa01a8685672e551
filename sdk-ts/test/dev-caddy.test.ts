// gojinn dev --caddy: the project served by this repository's bin/caddy
// (make build), reloaded after each rebuild. Skipped without bin/caddy.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { gojinn } from "./cli-runner.js";
import { bodyOf, DevProcess, freePort } from "./dev-process.js";

const CADDY = fileURLToPath(new URL("../../bin/caddy", import.meta.url));
let dev: DevProcess | undefined;

afterEach(async () => {
  await dev?.stop();
  dev = undefined;
});

describe("gojinn dev --caddy", () => {
  test.skipIf(!existsSync(CADDY))(
    "serves through Caddy; an edit reaches Caddy (a reload compiles the changed module)",
    async () => {
      const tmp = mkdtempSync(path.join(tmpdir(), "gojinn-dev-caddy-"));
      const dir = path.join(tmp, "hello");
      expect((await gojinn(["init", dir], tmp)).code).toBe(0);
      const [port, admin] = [await freePort(), await freePort()];
      writeFileSync(
        path.join(dir, "Caddyfile"),
        `{\n\tadmin 127.0.0.1:${admin}\n\tdefault_bind 127.0.0.1\n}\n\nhttp://127.0.0.1:${port} {\n\tgojinn ./build/handler.wasm\n}\n`,
      );
      // Caddy's data and config (the module cache among them) in the test's directory.
      dev = new DevProcess(dir, ["--caddy", CADDY], { XDG_DATA_HOME: path.join(tmp, "data"), XDG_CONFIG_HOME: path.join(tmp, "config") });
      const url = `http://127.0.0.1:${port}/?name=Ana`;
      await dev.until("Caddy's answer", async () => (await bodyOf(url)) === "Hello, Ana!\n");
      expect(dev.stdout).toContain(`starting ${CADDY} with Caddyfile`);

      const source = path.join(dir, "assembly", "index.ts");
      writeFileSync(source, readFileSync(source, "utf8").replace('"Hello, "', '"Howdy, "'));
      await dev.until("new greeting through Caddy", async () => (await bodyOf(url)) === "Howdy, Ana!\n");
      expect(dev.stdout).toContain("caddy reloaded the module");
    },
    300_000,
  );
});
