// Runs the host's metering rewriter (dist/gojinn-meter.wasm, cmd/gojinn-meter
// built for WASI) on one module, in a child process started by `instrument`
// (node meter-process.js <in.wasm> <out.wasm>, without warnings: node:wasi's
// is not news to a user). Exit 0 with the output written, or 1 with the
// reason on stderr. Not a worker thread: on a standard Go module (6 MB) the
// rewriter crashed Node 20 with a segmentation fault in a worker, never in
// a process's main thread.
import { closeSync, openSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WASI } from "node:wasi";

const METER_WASM = fileURLToPath(new URL("../gojinn-meter.wasm", import.meta.url));

async function run(input: string, output: string): Promise<string | null> {
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(readFileSync(METER_WASM));
  } catch (err) {
    return `cannot load the metering rewriter ${METER_WASM} (run \`make sdk\`): ${(err as Error).message}`;
  }
  const fds = [openSync(input, "r"), openSync(output, "w"), openSync(`${output}.stderr`, "w")] as const;
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
    if (wasi.start(instance) !== 0) return `cannot be metered: ${readFileSync(`${output}.stderr`, "utf8").trim()}`;
    return null;
  } finally {
    fds.forEach((fd) => closeSync(fd));
  }
}

const failure = await run(process.argv[2]!, process.argv[3]!);
if (failure !== null) {
  process.stderr.write(failure);
  process.exitCode = 1;
}
