// Metering, as the Gojinn host does it: the module is rewritten by the
// host's own rewriter (Go package sandbox/meter, built for WASI as
// dist/gojinn-meter.wasm by the SDK's build), so a handler uses the same
// fuel here as in Caddy.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The import module of the refuel function an instrumented module imports. */
export const METER_IMPORT_MODULE = "gojinn_meter";
/** The refuel function's name: (i64 remaining) -> i64 next counter value. */
export const REFUEL_IMPORT = "refuel";
/** The exported i64 global holding what is left of the fuel handed out. */
export const FUEL_EXPORT = "gojinn_meter.fuel";

const METER_PROCESS = fileURLToPath(new URL("./meter-process.js", import.meta.url));

/**
 * Returns `wasm` instrumented for metering. The rewriter runs in a child
 * process (meter-process.ts says why not a worker), so that the process
 * calling `invoke` never loads node:wasi.
 */
export async function instrument(wasm: Uint8Array, name: string): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(tmpdir(), "gojinn-meter-"));
  try {
    const input = path.join(dir, "in.wasm");
    const output = path.join(dir, "out.wasm");
    await writeFile(input, wasm);
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, ["--no-warnings", METER_PROCESS, input, output], { maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
        if (!err) resolve();
        else reject(new Error(`${name}: ${stderr.trim() || `the metering process failed: ${err.message}`}`));
      });
    });
    return new Uint8Array(await readFile(output));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Thrown by the refuel import to stop a run that used more than its fuel limit. */
class FuelExhausted extends Error {}

/**
 * The host side of one metered run, with the rule of the host's
 * meter.Budget (sandbox/meter/budget.go): the refuel import hands out
 * slices, but never more in total than the limit, so the counter goes below
 * zero at the first check after the run has used more than its limit,
 * whatever the slice size; that check stops the run. Without a limit the
 * slices never run out (the harness then stops a guest with its timeout).
 */
export class FuelAccount {
  private static readonly SLICE = 1n << 60n;
  private handed = 0n;
  private readonly limit: bigint;

  /** `limit` is the run's total fuel; 0 means no limit. */
  constructor(readonly fuelLimit = 0) {
    this.limit = BigInt(fuelLimit);
  }

  /** The refuel import's body: the counter's next value, or FuelExhausted. */
  refuel = (remaining: bigint): bigint => {
    if (this.limit > 0n && this.handed - remaining > this.limit) {
      throw new FuelExhausted("fuel exhausted");
    }
    let slice = FuelAccount.SLICE;
    if (this.limit > 0n && this.limit - this.handed < slice) slice = this.limit - this.handed;
    this.handed += slice;
    return remaining + slice;
  };

  /** Fuel used, given the instance's exports; null when it is not metered. */
  consumed(exports: WebAssembly.Exports | undefined): number | null {
    const counter = exports?.[FUEL_EXPORT];
    if (!(counter instanceof WebAssembly.Global)) return null;
    return Number(this.handed - (counter.value as bigint));
  }

  /**
   * Whether a run that used `consumed` fuel went over the limit: a run can
   * end over it without passing another check, and is exhausted too, so
   * that the outcome depends only on the fuel used (meter.Budget.Exceeded).
   */
  exceeded(consumed: number | null): boolean {
    return this.limit > 0n && consumed !== null && BigInt(consumed) > this.limit;
  }
}
