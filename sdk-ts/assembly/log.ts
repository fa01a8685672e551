import { STDERR, writeAll } from "./stdio";
import { Utf8Writer } from "./utf8";

// The current request's trace id (a string's address; 0 before there is
// one). Static memory rather than a global: every global of a module costs
// the host allocations at each instantiation. Read by the abort handler,
// which can run before any global is initialized.
// @ts-ignore: decorator
@lazy const traceIdCell = memory.data(sizeof<usize>());

/** Sets the trace id that every log line carries (done by `serve`). */
export function setLogTraceId(traceId: string): void {
  store<usize>(traceIdCell, changetype<usize>(traceId));
}

/** The trace id log lines carry: the current request's. */
export function logTraceId(): string {
  const p = load<usize>(traceIdCell);
  return p != 0 ? changetype<string>(p) : "";
}

/**
 * Writes one structured log line to stderr, as docs/contract.md defines it:
 * a JSON object with `level`, `msg` and `trace_id`, ending in a newline.
 * Built straight in UTF-8 (utf8.ts): no intermediate strings.
 */
export function writeLogLine(level: string, message: string): void {
  const traceId = logTraceId();
  const w = new Utf8Writer(<usize>(level.length + message.length + traceId.length) + 40);
  w.text('{"level":');
  w.jsonString(level);
  w.text(',"msg":');
  w.jsonString(message);
  w.text(',"trace_id":');
  w.jsonString(traceId);
  w.text("}\n");
  writeAll(STDERR, w.start, w.length);
  heap.free(w.start);
}

/**
 * Structured logging to stderr. Each call writes one JSON line with the level,
 * the message and the request's trace id; the host turns it into a Caddy log
 * entry at that level. Nothing written here reaches the client.
 */
export namespace log {
  /** Logs at debug level. */
  export function debug(message: string): void {
    writeLogLine("debug", message);
  }
  /** Logs at info level. */
  export function info(message: string): void {
    writeLogLine("info", message);
  }
  /** Logs at warn level. */
  export function warn(message: string): void {
    writeLogLine("warn", message);
  }
  /** Logs at error level. */
  export function error(message: string): void {
    writeLogLine("error", message);
  }
}
