// The host ABI (docs/host-abi.md): the functions of the import module
// `gojinn` and their status codes. asc emits an import only for a function
// the module calls, so a handler that uses neither kv nor fetch imports
// nothing from `gojinn` and the host gives it nothing.

/** `ok`: done. */
export const STATUS_OK: i32 = 0;
/** `buffer_too_small`: `*len_out` holds the size needed; retry with it. */
export const STATUS_BUFFER_TOO_SMALL: i32 = 4;

/** A status's name (docs/host-abi.md); a code this SDK does not know (a newer host) is `io_error`. */
export function statusName(status: i32): string {
  // A switch, not an array: an array is a global, and every global costs
  // the host allocations at each instantiation.
  switch (status) {
    case 0:
      return "ok";
    case 1:
      return "not_found";
    case 2:
      return "denied";
    case 3:
      return "too_large";
    case 4:
      return "buffer_too_small";
    case 5:
      return "invalid";
    case 6:
      return "unavailable";
    case 7:
      return "timeout";
    case 9:
      return "exists";
    case 10:
      return "conflict";
    case 11:
      return "limit";
  }
  return "io_error";
}

// Out-parameters of host calls (len_out, rev_out, value_out, out_ptr): static
// memory, not a heap block per call. 16 bytes: the largest is ai_chat's four u32.
// @ts-ignore: decorator
@lazy export const outCell = memory.data(16);

/** The `u32` a host call wrote at `outCell + offset`. */
export function outU32(offset: usize = 0): u32 {
  return load<u32>(outCell + offset);
}

// Key-value stores. A string is (ptr, len) of UTF-8; see docs/host-abi.md.

// @ts-ignore: decorator
@external("gojinn", "kv_get")
export declare function kv_get(storePtr: usize, storeLen: usize, keyPtr: usize, keyLen: usize, bufPtr: usize, bufCap: usize, lenOut: usize, revOut: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "kv_set")
export declare function kv_set(storePtr: usize, storeLen: usize, keyPtr: usize, keyLen: usize, valPtr: usize, valLen: usize, ttlSeconds: i32, revOut: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "kv_create")
export declare function kv_create(storePtr: usize, storeLen: usize, keyPtr: usize, keyLen: usize, valPtr: usize, valLen: usize, ttlSeconds: i32, revOut: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "kv_update")
export declare function kv_update(storePtr: usize, storeLen: usize, keyPtr: usize, keyLen: usize, valPtr: usize, valLen: usize, expectedRev: i64, revOut: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "kv_delete")
export declare function kv_delete(storePtr: usize, storeLen: usize, keyPtr: usize, keyLen: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "kv_increment")
export declare function kv_increment(storePtr: usize, storeLen: usize, keyPtr: usize, keyLen: usize, by: i64, valueOut: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "kv_keys")
export declare function kv_keys(storePtr: usize, storeLen: usize, prefixPtr: usize, prefixLen: usize, afterPtr: usize, afterLen: usize, bufPtr: usize, bufCap: usize, lenOut: usize): i32;

// Outbound HTTP.

// @ts-ignore: decorator
@external("gojinn", "fetch")
export declare function fetch_send(reqPtr: usize, reqLen: usize, bodyPtr: usize, bodyLen: usize, outPtr: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "fetch_head")
export declare function fetch_head(handle: u32, bufPtr: usize, bufCap: usize, lenOut: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "fetch_body")
export declare function fetch_body(handle: u32, bufPtr: usize, bufCap: usize, lenOut: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "fetch_close")
export declare function fetch_close(handle: u32): i32;

// Queues (added in ABI 1.1).

// @ts-ignore: decorator
@external("gojinn", "enqueue")
export declare function enqueue_job(queuePtr: usize, queueLen: usize, bodyPtr: usize, bodyLen: usize, idBufPtr: usize, idBufCap: usize, lenOut: usize): i32;

// Chat completions (added in ABI 1.2). The answer is read with fetch_body and freed with fetch_close.

// @ts-ignore: decorator
@external("gojinn", "ai_chat")
export declare function ai_chat(reqPtr: usize, reqLen: usize, outPtr: usize): i32;

// SQL databases (added in ABI 1.3). The result (rows, counts or the
// database's message) is read with fetch_body and freed with fetch_close.

// @ts-ignore: decorator
@external("gojinn", "sql_query")
export declare function sql_query(reqPtr: usize, reqLen: usize, outPtr: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "sql_exec")
export declare function sql_exec(reqPtr: usize, reqLen: usize, outPtr: usize): i32;

// Object storage (added in ABI 1.3). Heads are read with fetch_head, objects
// and list pages with fetch_body; both freed with fetch_close.

// @ts-ignore: decorator
@external("gojinn", "object_get")
export declare function object_get(reqPtr: usize, reqLen: usize, outPtr: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "object_head")
export declare function object_head(reqPtr: usize, reqLen: usize, outPtr: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "object_put")
export declare function object_put(reqPtr: usize, reqLen: usize, bodyPtr: usize, bodyLen: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "object_delete")
export declare function object_delete(reqPtr: usize, reqLen: usize): i32;

// @ts-ignore: decorator
@external("gojinn", "object_list")
export declare function object_list(reqPtr: usize, reqLen: usize, outPtr: usize): i32;
