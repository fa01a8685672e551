// Runs the host's metering rewriter (dist/gojinn-meter.wasm, cmd/gojinn-meter
// built for WASI) on one module, in a worker thread (started without
// warnings, as node:wasi's is not news to a user). node:wasi takes file descriptors for stdio, so the
// module goes in and out through temporary files.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WASI } from "node:wasi";
import { parentPort, workerData } from "node:worker_threads";

/** What `instrument` hands the worker. */
export interface MeterJob {
  wasm: Uint8Array;
}

/** The instrumented module, or why it could not be metered. */
export type MeterResult = { wasm: Uint8Array } | { error: string };

const METER_WASM = fileURLToPath(new URL("../gojinn-meter.wasm", import.meta.url));

async function run(job: MeterJob): Promise<MeterResult> {
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(readFileSync(METER_WASM));
  } catch (err) {
    return { error: `cannot load the metering rewriter ${METER_WASM} (run \`make sdk\`): ${(err as Error).message}` };
  }
  const dir = mkdtempSync(path.join(tmpdir(), "gojinn-meter-"));
  const files = { in: path.join(dir, "in.wasm"), out: path.join(dir, "out.wasm"), err: path.join(dir, "stderr") };
  writeFileSync(files.in, job.wasm);
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
      return { error: `cannot be metered: ${readFileSync(files.err, "utf8").trim()}` };
    }
    return { wasm: new Uint8Array(readFileSync(files.out)) };
  } finally {
    fds.forEach((fd) => closeSync(fd));
    rmSync(dir, { recursive: true, force: true });
  }
}

parentPort!.postMessage(await run(workerData as MeterJob));
