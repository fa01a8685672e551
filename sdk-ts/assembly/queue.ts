import { enqueue_job, outCell, outU32, STATUS_OK, statusName } from "./abi";
import { decodeUtf8, encodeUtf8 } from "./utf8";

// The host's longest job id: enqueue's id buffer holds it (docs/host-abi.md).
// @ts-ignore: decorator
@inline const MAX_JOB_ID: usize = 64;

// The last enqueue's status (i32 at 0), its id's length (u32 at 4) and the
// id (64 bytes at 8): static memory rather than globals (every global costs
// the host allocations at each instantiation).
// @ts-ignore: decorator
@lazy const lastCell = memory.data(8 + 64);

/** Queues: `queue.enqueue("orders", body)` adds a job that the queue's function runs later. */
export namespace queue {
  /**
   * Adds a job with `body` (a string, sent as UTF-8, or a Uint8Array) to the
   * queue `name`, which the handler must be granted (`enqueue orders` in its
   * block). True when the job is stored: `queue.lastJobId()` is its id.
   * False on a failure, and `queue.lastError()` says why.
   */
  export function enqueue<T>(name: string, body: T): bool {
    if (isString<T>()) return enqueueBytes(name, encodeUtf8(changetype<string>(body)));
    if (idof<T>() == idof<Uint8Array>()) return enqueueBytes(name, changetype<Uint8Array>(body));
    ERROR("queue.enqueue takes a string or a Uint8Array body");
    return false;
  }

  function enqueueBytes(name: string, body: Uint8Array): bool {
    const n = encodeUtf8(name);
    const status = enqueue_job(n.dataStart, n.length, body.dataStart, body.length, lastCell + 8, MAX_JOB_ID, outCell);
    store<i32>(lastCell, status);
    store<u32>(lastCell, status == STATUS_OK ? outU32() : 0, 4);
    return status == STATUS_OK;
  }

  /** The id of the job the last `enqueue` stored; "" when it failed or before any. */
  export function lastJobId(): string {
    return decodeUtf8(lastCell + 8, <usize>load<u32>(lastCell, 4));
  }

  /**
   * What the last `enqueue` failed with: `"denied"` (queue not granted),
   * `"too_large"` (over the queue's max_job_size), `"unavailable"` (the
   * queue is full or cannot be reached), `"not_found"`, `"invalid"`,
   * `"timeout"`, `"io_error"` (docs/host-abi.md); null when it succeeded or
   * before any call.
   */
  export function lastError(): string | null {
    const status = load<i32>(lastCell);
    return status > 0 ? statusName(status) : null;
  }
}
