// Runs one guest in a worker thread, so that `invoke` can stop it on timeout
// (Worker.terminate interrupts even a tight wasm loop). stdin, stdout and
// stderr are served from memory by wrapping node:wasi's fd_read/fd_write.
import { openSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { WASI } from "node:wasi";
import { HOST_MODULE } from "../contract/host-abi.js";
import { callThroughBridge } from "./host/fetch-bridge.js";
import { hostImports, RunDeadline } from "./host/host-imports.js";
import { loadSqlJs, type SqlJsStatic } from "./host/sql-js.js";
import { FuelAccount, METER_IMPORT_MODULE, REFUEL_IMPORT } from "./meter.js";
import { trapMessage } from "./trap-frames.js";
import type { GuestExit, GuestJob, WorkerMessage } from "./worker-protocol.js";

class OutputLimitExceeded extends Error {}

function concat(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function run(job: GuestJob, sqlJs: SqlJsStatic | undefined): GuestExit {
  const devNull = openSync("/dev/null", "r+");
  const wasi = new WASI({
    version: "preview1",
    args: job.args,
    env: job.env,
    returnOnExit: true,
    stdin: devNull,
    stdout: devNull,
    stderr: devNull,
  });
  const stdout: Uint8Array[] = [];
  const stderr: Uint8Array[] = [];
  let stdoutSize = 0;
  let stdinOffset = 0;
  let memory: WebAssembly.Memory | undefined;
  let instance: WebAssembly.Instance | undefined;
  const fuel = new FuelAccount(job.fuelLimit);
  const hostLogs: GuestExit["hostLogs"] = [];
  const post = (message: WorkerMessage): void => parentPort!.postMessage(message);
  const gojinn = hostImports(
    () => memory!,
    job.host,
    {
      kvWrite: (write) => post({ kind: "kv", write }),
      fetchCall: (index, call) => post({ kind: "fetch-call", index, call }),
      enqueue: (job) => post({ kind: "enqueue", job }),
      aiChat: (call) => post({ kind: "ai", call }),
      sqlChange: (db, image) => post({ kind: "sql", db, image }),
      objectWrite: (write) => post({ kind: "object", write }),
      send: (index, request, timeoutMs) => callThroughBridge(job.host.bridge, post, index, request, timeoutMs),
      log: (level, msg) => hostLogs.push({ level: level === 3 ? "error" : "info", msg }),
      denied: () => undefined, // the host logs these lines, not the guest
    },
    sqlJs,
  );
  const base = wasi.wasiImport as Record<string, (...args: number[]) => number>;
  const iovecs = (iovs: number, count: number): Array<[number, number]> => {
    const view = new DataView(memory!.buffer);
    const out: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) {
      out.push([view.getUint32(iovs + i * 8, true), view.getUint32(iovs + i * 8 + 4, true)]);
    }
    return out;
  };
  // node:wasi answers environ_get with EINVAL when the environment is empty
  // (the Go host answers with nothing), so the environment is served here.
  const environ = Object.entries(job.env).map(([k, v]) => new TextEncoder().encode(`${k}=${v}\0`));
  const imports = {
    ...base,
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      const view = new DataView(memory!.buffer);
      view.setUint32(countPtr, environ.length, true);
      view.setUint32(
        sizePtr,
        environ.reduce((n, e) => n + e.length, 0),
        true,
      );
      return 0;
    },
    environ_get(pointers: number, buffer: number): number {
      const view = new DataView(memory!.buffer);
      let offset = buffer;
      environ.forEach((entry, i) => {
        view.setUint32(pointers + i * 4, offset, true);
        new Uint8Array(memory!.buffer, offset, entry.length).set(entry);
        offset += entry.length;
      });
      return 0;
    },
    fd_read(fd: number, iovs: number, count: number, nread: number): number {
      if (fd !== 0) return base.fd_read!(fd, iovs, count, nread);
      let n = 0;
      for (const [ptr, len] of iovecs(iovs, count)) {
        const chunk = job.stdin.subarray(stdinOffset, stdinOffset + len);
        new Uint8Array(memory!.buffer, ptr, chunk.length).set(chunk);
        stdinOffset += chunk.length;
        n += chunk.length;
        if (chunk.length < len) break;
      }
      new DataView(memory!.buffer).setUint32(nread, n, true);
      return 0;
    },
    fd_write(fd: number, iovs: number, count: number, nwritten: number): number {
      if (fd !== 1 && fd !== 2) return base.fd_write!(fd, iovs, count, nwritten);
      let n = 0;
      for (const [ptr, len] of iovecs(iovs, count)) {
        const bytes = new Uint8Array(memory!.buffer, ptr, len).slice();
        if (fd === 1) {
          stdoutSize += len;
          if (stdoutSize > job.maxOutputBytes) {
            throw new OutputLimitExceeded(`the guest wrote more than ${job.maxOutputBytes} bytes to stdout and was stopped`);
          }
          stdout.push(bytes);
        } else {
          stderr.push(bytes);
        }
        n += len;
      }
      new DataView(memory!.buffer).setUint32(nwritten, n, true);
      return 0;
    },
  };
  const result = (exitCode: number | null, failure?: GuestExit["failure"]): GuestExit => {
    const used = fuel.consumed(instance?.exports);
    // As the host: past the output cap first; then over the limit, however
    // the run ended (stopped by refuel, or at its end before another check).
    if (failure?.kind !== "output_limit" && fuel.exceeded(used)) {
      failure = {
        kind: "fuel_exhausted",
        message: `the guest used ${used} units of fuel, more than its fuel limit of ${fuel.fuelLimit}, and was stopped`,
      };
    }
    return {
      exitCode,
      stdout: concat(stdout),
      stderr: concat(stderr),
      memoryBytes: memory?.buffer.byteLength ?? 0,
      fuel: used,
      hostLogs,
      ...(failure ? { failure } : {}),
    };
  };
  try {
    instance = new WebAssembly.Instance(job.module, {
      wasi_snapshot_preview1: imports,
      [HOST_MODULE]: gojinn,
      [METER_IMPORT_MODULE]: { [REFUEL_IMPORT]: fuel.refuel },
    });
    memory = instance.exports["memory"] as WebAssembly.Memory;
    const code = wasi.start(instance);
    return result(code);
  } catch (err) {
    if (err instanceof OutputLimitExceeded) return result(null, { kind: "output_limit", message: err.message });
    if (err instanceof RunDeadline) return result(null, { kind: "timeout", message: err.message });
    return result(null, { kind: "trap", message: trapMessage(err) });
  }
}

const job = workerData as GuestJob;
// sql.js loads asynchronously, before the guest starts: only for a run granted a database.
const sqlJs = Object.keys(job.host.sqlGrants).length > 0 ? await loadSqlJs() : undefined;
parentPort!.postMessage({ kind: "exit", exit: run(job, sqlJs) } satisfies WorkerMessage);
