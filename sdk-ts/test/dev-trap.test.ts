// A trap names the handler's function (the module keeps its name section):
// in invoke's reason and in gojinn dev's request line.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { invoke } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";
import { bodyOf, DevProcess } from "./dev-process.js";

let dev: DevProcess | undefined;

afterEach(async () => {
  await dev?.stop();
  dev = undefined;
});

describe("a trapping handler", () => {
  test("invoke's reason names the function it trapped in, as written in the source", async () => {
    const wasm = await buildFixture("trap-handler");
    expect((await invoke(wasm, { uri: "/?used=3" })).body).toBe("left: 7\n");
    const res = await invoke(wasm, { uri: "/?used=30" });
    expect(res.status).toBe(502);
    expect(res.outcome).toBe("trap");
    expect(res.reason).toBe("the guest trapped: unreachable in assembly/index/handle <- _start");
  });

  test("gojinn dev's request line says where it trapped", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gojinn-dev-trap-"));
    cpSync(fileURLToPath(new URL("./fixtures/trap-handler/", import.meta.url)), dir, { recursive: true });
    dev = new DevProcess(dir);
    expect(await bodyOf(`${await dev.url()}/?used=30`)).toBe("Bad Gateway");
    await dev.until("trap line", () =>
      /GET \/\?used=30 502 \d+\.\d ms fuel \d+ {2}trap: the guest trapped: unreachable in assembly\/index\/handle <- _start\n/.test(
        dev!.stdout,
      ),
    );
  }, 300_000);
});
