import type { BridgeCall } from "./host/fetch-bridge.js";
import type { AiChat, EnqueuedJob, FetchCall, HostConfig } from "./host/host-imports.js";
import type { KvWrite } from "./host/kv-stores.js";
import type { ObjectWrite } from "./host/objects-stores.js";
/** What `invoke` hands the worker that runs one guest. */
export interface GuestJob {
  /** The compiled handler. */
  module: WebAssembly.Module;
  /** The request JSON, the guest's whole stdin. */
  stdin: Uint8Array;
  /** Environment variables the guest sees (nothing of the host's). */
  env: Record<string, string>;
  /** argv; argv[0] is the module's file name. */
  args: string[];
  /** Stop the guest once it has written more than this to stdout. */
  maxOutputBytes: number;
  /** The run's total fuel (a metered module); 0 means no limit. */
  fuelLimit: number;
  /** The `gojinn` host functions' stores, grants and limits. */
  host: HostConfig;
}

/** What the worker reports when the guest has stopped. */
export interface GuestExit {
  /** The exit code; 0 when `_start` returned. Null when the guest did not exit. */
  exitCode: number | null;
  /** Everything written to stdout (up to the limit). */
  stdout: Uint8Array;
  /** Everything written to stderr. */
  stderr: Uint8Array;
  /** The size of the guest's linear memory when it stopped, in bytes. */
  memoryBytes: number;
  /** Fuel the run used; null when the module is not metered. */
  fuel: number | null;
  /** Set when the guest trapped, or was stopped for its output, its fuel or its deadline (during a host call). */
  failure?: { kind: "trap" | "output_limit" | "fuel_exhausted" | "timeout"; message: string };
  /** The lines the guest wrote with host_log. */
  hostLogs: Array<{ level: "error" | "info"; msg: string }>;
}

/**
 * What the worker posts while the guest runs: its end, each store write,
 * each outbound call (complete), each job enqueued, each ai_chat call, each
 * database's image after a change, each object written, and each request
 * for the caller's thread.
 */
export type WorkerMessage =
  | { kind: "exit"; exit: GuestExit }
  | { kind: "kv"; write: KvWrite }
  | { kind: "fetch-call"; index: number; call: FetchCall }
  | { kind: "enqueue"; job: EnqueuedJob }
  | { kind: "ai"; call: AiChat }
  | { kind: "sql"; db: string; image: Uint8Array }
  | { kind: "object"; write: ObjectWrite }
  | BridgeCall;
