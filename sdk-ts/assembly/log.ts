import { quoteJson } from "./quote";
import { STDERR, writeString } from "./stdio";

// @ts-ignore: decorator
@lazy let currentTraceId = "";

/** Sets the trace id that every log line carries (done by `serve`). */
export function setLogTraceId(traceId: string): void {
  currentTraceId = traceId;
}

/** The trace id log lines carry: the current request's. */
export function logTraceId(): string {
  return currentTraceId;
}

/**
 * Formats one structured log line, as docs/contract.md defines it: a JSON
 * object with `level`, `msg` and `trace_id`, ending in a newline.
 */
export function formatLogLine(level: string, message: string): string {
  return (
    '{"level":' +
    quoteJson(level) +
    ',"msg":' +
    quoteJson(message) +
    ',"trace_id":' +
    quoteJson(currentTraceId) +
    "}\n"
  );
}

function write(level: string, message: string): void {
  writeString(STDERR, formatLogLine(level, message));
}

/**
 * Structured logging to stderr. Each call writes one JSON line with the level,
 * the message and the request's trace id; the host turns it into a Caddy log
 * entry at that level. Nothing written here reaches the client.
 */
export namespace log {
  /** Logs at debug level. */
  export function debug(message: string): void {
    write("debug", message);
  }
  /** Logs at info level. */
  export function info(message: string): void {
    write("info", message);
  }
  /** Logs at warn level. */
  export function warn(message: string): void {
    write("warn", message);
  }
  /** Logs at error level. */
  export function error(message: string): void {
    write("error", message);
  }
}
