// A Go project from gojinn init --lang go: built by gojinn build, its own
// go test passing (the module run under wazero), and served by gojinn dev.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { gojinn, runCommand } from "./cli-runner.js";
import { bodyOf, DevProcess } from "./dev-process.js";

const SDK_ROOT = fileURLToPath(new URL("..", import.meta.url));
let tmp = "";
let dev: DevProcess | undefined;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "gojinn-dev-go-"));
});

afterEach(async () => {
  await dev?.stop();
  dev = undefined;
});

describe("gojinn init --lang go", () => {
  test("init, gojinn build, gojinn run and go test pass with no go get or tidy; the SDK comes from the copy this package ships", async () => {
    const dir = path.join(tmp, "hello-go");
    const init = await gojinn(["init", "--lang", "go", dir], tmp);
    expect(init.code, init.stderr).toBe(0);
    const goMod = readFileSync(path.join(dir, "go.mod"), "utf8");
    expect(goMod).toMatch(/^module hello-go$/m);
    const sdkGo = /^replace github\.com\/gojinn\/gojinn\/sdk-go => (.+)$/m.exec(goMod)?.[1];
    expect(sdkGo).toBe(path.join(SDK_ROOT, "sdk-go"));
    // The same wazero as the gojinn module itself.
    const wazero = /github\.com\/tetratelabs\/wazero (v\S+)/.exec(readFileSync(path.join(SDK_ROOT, "..", "go.mod"), "utf8"))![1];
    expect(goMod).toContain(`github.com/tetratelabs/wazero ${wazero}`);

    const build = await gojinn(["build"], dir);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/^built build\/handler\.wasm \(\d+\.\d MB, \d+ bytes\)$/m);
    const run = await gojinn(["run", "build/handler.wasm", "/?name=Ana"], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\r\n\r\nHello, Ana!\n$/);

    // go.mod and go.sum are complete (-mod=readonly, the default): nothing to tidy first.
    const test = await runCommand("go", ["test", "-count=1", "-v", "./..."], dir);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/--- PASS: TestModule/);
    expect(test.stdout).toMatch(/--- PASS: TestGreeting/);
  }, 300_000);

  test("gojinn dev serves the Go handler and rebuilds it when main.go changes", async () => {
    const dir = path.join(tmp, "dev-go");
    expect((await gojinn(["init", "--lang", "go", dir], tmp)).code).toBe(0);
    dev = new DevProcess(dir);
    const url = `${await dev.url()}/?name=Ana`;
    expect(dev.stdout).toContain("building . (Go, GOOS=wasip1)");
    expect(await bodyOf(url)).toBe("Hello, Ana!\n");
    const main = path.join(dir, "main.go");
    writeFileSync(main, readFileSync(main, "utf8").replace("Hello, %s!", "Howdy, %s!"));
    await dev.until("new greeting", async () => (await bodyOf(url)) === "Howdy, Ana!\n");
    await dev.until("request line", () => /GET \/\?name=Ana 200 \d+\.\d ms fuel \d+/.test(dev!.stdout));
  }, 300_000);
});
