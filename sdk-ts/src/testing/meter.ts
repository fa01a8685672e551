// Metering, as the Gojinn host does it: the module is rewritten by the
// host's own rewriter (Go package sandbox/meter, built for WASI as
// dist/gojinn-meter.wasm by the SDK's build), so a handler uses the same
// fuel here as in Caddy.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WASI } from "node:wasi";

/** The import module of the refuel function an instrumented module imports. */
export const METER_IMPORT_MODULE = "gojinn_meter";
/** The refuel function's name: (i64 remaining) -> i64 next counter value. */
export const REFUEL_IMPORT = "refuel";
/** The exported i64 global holding what is left of the fuel handed out. */
export const FUEL_EXPORT = "gojinn_meter.fuel";

const METER_WASM = fileURLToPath(new URL("../gojinn-meter.wasm", import.meta.url));

let meter: Promise<WebAssembly.Module> | undefined;

/**
 * Returns `wasm` instrumented for metering. node:wasi takes file
 * descriptors for stdio, so the module goes in and out through temporary
 * files.
 */
export async function instrument(wasm: Uint8Array, name: string): Promise<Uint8Array> {
  meter ??= WebAssembly.compile(readFileSync(METER_WASM));
  const module = await meter.catch((err: Error) => {
    meter = undefined;
    throw new Error(`gojinn: cannot load the metering rewriter ${METER_WASM} (run \`make sdk\`): ${err.message}`);
  });
  const dir = mkdtempSync(path.join(tmpdir(), "gojinn-meter-"));
  const files = { in: path.join(dir, "in.wasm"), out: path.join(dir, "out.wasm"), err: path.join(dir, "stderr") };
  writeFileSync(files.in, wasm);
  const fds = [openSync(files.in, "r"), openSync(files.out, "w"), openSync(files.err, "w")] as const;
  try {
    const wasi = new WASI({
      version: "preview1",
      args: ["gojinn-meter"],
      env: {},
      returnOnExit: true,
      stdin: fds[0],
      stdout: fds[1],
      stderr: fds[2],
    });
    const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
    if (wasi.start(instance) !== 0) {
      throw new Error(`${name}: cannot be metered: ${readFileSync(files.err, "utf8").trim()}`);
    }
    return new Uint8Array(readFileSync(files.out));
  } finally {
    fds.forEach((fd) => closeSync(fd));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The host side of one metered run: the refuel import hands out slices
 * that never run out (the harness stops a guest with its timeout, not its
 * fuel), and `consumed` is the fuel handed out less what is left.
 */
export class FuelAccount {
  private static readonly SLICE = 1n << 60n;
  private handed = 0n;

  /** The refuel import's body. */
  refuel = (remaining: bigint): bigint => {
    this.handed += FuelAccount.SLICE;
    return remaining + FuelAccount.SLICE;
  };

  /** Fuel used, given the instance's exports; null when it is not metered. */
  consumed(exports: WebAssembly.Exports | undefined): number | null {
    const counter = exports?.[FUEL_EXPORT];
    if (!(counter instanceof WebAssembly.Global)) return null;
    return Number(this.handed - (counter.value as bigint));
  }
}
