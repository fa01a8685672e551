// The build's module rewrites (src/wasm/): each keeps what the module does
// and is skipped when it cannot be sure of that.
import binaryen from "binaryen";
import { describe, expect, test } from "vitest";
import { preEvaluateStart } from "../dist/wasm/pre-evaluate.js";

const wasm = (text: string): Uint8Array => {
  const m = binaryen.parseText(text);
  try {
    m.setFeatures(binaryen.Features.All);
    expect(m.validate()).toBeTruthy();
    return m.emitBinary();
  } finally {
    m.dispose();
  }
};

const text = (bytes: Uint8Array): string => {
  const m = binaryen.readBinary(bytes);
  try {
    m.setFeatures(binaryen.Features.All);
    return m.emitText();
  } finally {
    m.dispose();
  }
};

/** Runs the module's exported `run` and returns what it passed to the import `log`. */
async function run(bytes: Uint8Array, exportName = "run"): Promise<number[]> {
  const logged: number[] = [];
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { log: (v: number) => logged.push(v) } });
  (instance.exports[exportName] as () => void)();
  return logged;
}

describe("preEvaluateStart", () => {
  // Like asc's output: _start guards and calls the top-level code, which
  // initializes memory and a global, then calls an import.
  const START = `
(module
  (import "env" "log" (func $log (param i32)))
  (memory 1)
  (global $started (mut i32) (i32.const 0))
  (global $g (mut i32) (i32.const 0))
  (func $top
    (local $i i32)
    (loop $fill
      (i32.store (i32.add (i32.const 100) (i32.shl (local.get $i) (i32.const 2))) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 10))))
    (global.set $g (i32.const 7))
    (call $log (i32.add (i32.load (i32.const 136)) (global.get $g)))
    (call $log (global.get $g)))
  (func (export "_start")
    (if (global.get $started) (then (return)))
    (global.set $started (i32.const 1))
    (call $top))
)`;

  test("what _start does before its first import call is done at build time", async () => {
    const before = wasm(START);
    const after = await preEvaluateStart(before);
    expect(after).not.toBe(before);
    expect(await run(after, "_start")).toEqual([16, 7]);
    expect(await run(before, "_start")).toEqual([16, 7]);
    // The loop that filled memory is gone: its result is in the data.
    expect(text(after)).not.toContain("loop");
  });

  test("a module it cannot handle is returned unchanged", async () => {
    const notWasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]);
    expect(await preEvaluateStart(notWasm)).toBe(notWasm);
  });
});
