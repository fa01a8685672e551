// `import { invoke } from "gojinn/testing"`: run a handler as the host would,
// from a test, without Caddy.
export { invoke, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT_MS } from "./invoke.js";
export type { InvokeOptions, InvokeResult } from "./invoke.js";
export { buildRequest, newTraceId } from "./request.js";
export type { InvokeRequest } from "./request.js";
export { parseLogs } from "./logs.js";
export type { LogEntry } from "./logs.js";
export { decodeResponse } from "../contract/response.js";
export type { GojinnRequest, GojinnResponse, Headers, Outcome } from "../contract/types.js";
export { OUTCOMES } from "../contract/types.js";
export { HOST_DEFAULTS } from "./host/host-run.js";
export type { Grants, HostOptions, ObjectEntry, ObjectSeed } from "./host/host-run.js";
export type { SqlJsDatabase } from "./host/sql-js.js";
export type { SqlMode } from "./host/sql-databases.js";
export type { AiAnswer, AiChat, EnqueuedJob, FetchCall, KvMode } from "./host/host-imports.js";
export type { FetchFailure, FetchHandler, FetchReply, FetchRequest } from "./host/fetch-bridge.js";
export { HOST_MODULE, STATUS_NAMES } from "../contract/host-abi.js";
export type { StatusName } from "../contract/host-abi.js";
