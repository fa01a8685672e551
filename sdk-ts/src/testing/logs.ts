/** One structured log line a guest wrote to stderr. */
export interface LogEntry {
  /** debug, info, warn or error. */
  level: "debug" | "info" | "warn" | "error";
  /** The message. */
  msg: string;
  /** The request's trace id, when the line carries it. */
  trace_id?: string;
  /** Any other fields of the line. */
  [field: string]: unknown;
}

const LEVELS = new Set(["debug", "info", "warn", "error"]);

/**
 * The lines of `stderr` the host would log as structured entries: JSON
 * objects with a known `level` and a string `msg` (docs/contract.md, Logs).
 */
export function parseLogs(stderr: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of stderr.split("\n")) {
    const text = line.trim();
    if (!text.startsWith("{")) continue;
    try {
      const value = JSON.parse(text) as Record<string, unknown>;
      if (typeof value["level"] === "string" && LEVELS.has(value["level"]) && typeof value["msg"] === "string") {
        entries.push(value as LogEntry);
      }
    } catch {
      // not a structured line: the host logs it as text
    }
  }
  return entries;
}
