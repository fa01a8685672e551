// The build's module rewrites (src/wasm/): each keeps what the module does
// and is skipped when it cannot be sure of that.
import binaryen from "binaryen";
import { describe, expect, test } from "vitest";
import { SECTION_ELEMENT, SECTION_TABLE, sections } from "../dist/wasm/binary.js";
import { directizeCalls } from "../dist/wasm/directize.js";
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

const hasSection = (bytes: Uint8Array, id: number): boolean => sections(bytes).some((s) => s.id === id);

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

// A module shaped like asc's output for `serve(handle)`: a static Function
// object (an object header with rtSize 8, then the table index) and a call
// through it. `extra` goes into `run`.
const functionRefModule = (rtSize: number, extra = "", exportTable = false) => `
(module
  (import "env" "log" (func $log (param i32)))
  (type $handler (func (param i32) (result i32)))
  (memory 1)
  (table $t 3 3 funcref)
  ${exportTable ? '(export "table" (table $t))' : ""}
  (elem (i32.const 1) $a $b)
  ;; object header at 16..36: mmInfo, gcInfo, gcInfo2, rtId, rtSize; the object at 36
  (data (i32.const 28) "\\05\\00\\00\\00\\${rtSize.toString(16).padStart(2, "0")}\\00\\00\\00\\02")
  (func $a (type $handler) (i32.add (local.get 0) (i32.const 100)))
  (func $b (type $handler) (i32.add (local.get 0) (i32.const 200)))
  (func (export "run")
    (call $log (call_indirect $t (type $handler) (i32.const 7) (i32.load (i32.const 36))))
    ${extra})
)`;

describe("directizeCalls", () => {
  test("a call through a static Function object becomes a direct call; the table goes", async () => {
    const before = wasm(functionRefModule(8));
    const after = directizeCalls(before);
    expect(hasSection(before, SECTION_TABLE)).toBe(true);
    expect(hasSection(after, SECTION_TABLE)).toBe(false);
    expect(hasSection(after, SECTION_ELEMENT)).toBe(false);
    expect(text(after)).not.toContain("call_indirect");
    expect(await run(after)).toEqual(await run(before));
    expect(await run(after)).toEqual([207]);
  });

  test("other call_indirects keep the table", async () => {
    const extra = "(call $log (call_indirect $t (type $handler) (i32.const 1) (i32.const 1)))";
    const before = wasm(functionRefModule(8, extra));
    const after = directizeCalls(before);
    expect(hasSection(after, SECTION_TABLE)).toBe(true);
    expect(await run(after)).toEqual([207, 101]);
  });

  test("not a Function object (another size before it): unchanged", () => {
    const before = wasm(functionRefModule(12));
    expect(directizeCalls(before)).toBe(before);
  });

  test("an exported table (others could change it): unchanged", () => {
    const before = wasm(functionRefModule(8, "", true));
    expect(directizeCalls(before)).toBe(before);
  });

  test("no table at all: unchanged", () => {
    const before = wasm('(module (func (export "run")))');
    expect(directizeCalls(before)).toBe(before);
  });
});

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
