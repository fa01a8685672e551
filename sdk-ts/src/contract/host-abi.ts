// The host ABI (docs/host-abi.md) in TypeScript: its import module, its
// functions' signatures and its status codes, as host/status.go has them.

/** The import module of the host functions. */
export const HOST_MODULE = "gojinn";

/** The status names, by code (docs/host-abi.md, "Status codes"). */
export const STATUS_NAMES = [
  "ok",
  "not_found",
  "denied",
  "too_large",
  "buffer_too_small",
  "invalid",
  "unavailable",
  "timeout",
  "io_error",
  "exists",
  "conflict",
  "limit",
] as const;

/** A status's name. */
export type StatusName = (typeof STATUS_NAMES)[number];

/** The code of each status. */
export const Status = Object.fromEntries(STATUS_NAMES.map((name, code) => [name, code])) as Record<StatusName, number>;

/** A status's name; an unknown code reads as `io_error`, as the SDKs read it. */
export function statusName(code: number): StatusName {
  return STATUS_NAMES[code] ?? "io_error";
}

/** Every host function of ABI version 1.3: parameter types, then result types. */
export const HOST_FUNCTIONS: Record<string, { params: string[]; results: string[] }> = {
  host_log: { params: ["i32", "i32", "i32"], results: [] },
  kv_get: { params: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"], results: ["i32"] },
  kv_set: { params: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"], results: ["i32"] },
  kv_create: { params: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"], results: ["i32"] },
  kv_update: { params: ["i32", "i32", "i32", "i32", "i32", "i32", "i64", "i32"], results: ["i32"] },
  kv_delete: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
  kv_increment: { params: ["i32", "i32", "i32", "i32", "i64", "i32"], results: ["i32"] },
  kv_keys: { params: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"], results: ["i32"] },
  fetch: { params: ["i32", "i32", "i32", "i32", "i32"], results: ["i32"] },
  fetch_head: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
  fetch_body: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
  fetch_close: { params: ["i32"], results: ["i32"] },
  // Added in 1.1.
  enqueue: { params: ["i32", "i32", "i32", "i32", "i32", "i32", "i32"], results: ["i32"] },
  // Added in 1.2.
  ai_chat: { params: ["i32", "i32", "i32"], results: ["i32"] },
  // Added in 1.3.
  sql_query: { params: ["i32", "i32", "i32"], results: ["i32"] },
  sql_exec: { params: ["i32", "i32", "i32"], results: ["i32"] },
  object_get: { params: ["i32", "i32", "i32"], results: ["i32"] },
  object_head: { params: ["i32", "i32", "i32"], results: ["i32"] },
  object_put: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
  object_delete: { params: ["i32", "i32"], results: ["i32"] },
  object_list: { params: ["i32", "i32", "i32"], results: ["i32"] },
};
