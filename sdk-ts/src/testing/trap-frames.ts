// Where a guest trapped, from the engine's error: the wasm functions on the
// stack, innermost first, named from the module's name section (gojinn
// build keeps it: src/build/compile.ts). A Go guest's names come from its
// own name section (package.function).

// V8 writes a wasm frame as `at <name> (wasm://wasm/<hash>:wasm-function[<index>]:<offset>)`,
// and `at wasm://wasm/<hash>:wasm-function[<index>]:<offset>` when the function has no name.
const FRAME = /^\s*at (?:(.+?) \()?wasm:\/\/wasm\/[0-9a-f]+:wasm-function\[(\d+)\]:0x[0-9a-f]+\)?$/;

/** The most frames a trap reason lists. */
export const MAX_TRAP_FRAMES = 8;

/** The wasm frames of an error's stack, innermost first: function names, or `function[<index>]`. */
export function wasmFrames(stack: string | undefined): string[] {
  const frames: string[] = [];
  for (const line of (stack ?? "").split("\n")) {
    const m = FRAME.exec(line);
    if (m) frames.push(m[1] ?? `function[${m[2]}]`);
  }
  return frames;
}

/** A trap's message with where it happened: `unreachable in assembly/index/handle <- _start`. */
export function trapMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const frames = wasmFrames(err.stack);
  if (frames.length === 0) return err.message;
  const shown = frames.slice(0, MAX_TRAP_FRAMES).join(" <- ");
  return `${err.message} in ${shown}${frames.length > MAX_TRAP_FRAMES ? " <- ..." : ""}`;
}
