import type { InvokeResult } from "../testing/invoke.js";
import { parseLogs } from "../testing/logs.js";

/** The fields of one request's log line. */
export interface RequestLine {
  method: string;
  target: string;
  status: number;
  ms: number;
  /** Null when unknown (a run stopped by its timeout, or no run). */
  fuel: number | null;
  /** outcome: reason, for a failed run or a refused request. */
  failure?: string;
}

/**
 * One request's line, `GET /?name=Ana 200 3.1 ms fuel 41235` (a failure
 * adds `trap: ...`), then the guest's stderr and host_log lines, each
 * indented under it.
 */
export function formatRequest(line: RequestLine, result?: InvokeResult): string {
  const fuel = line.fuel === null ? "" : ` fuel ${line.fuel}`;
  let out = `${line.method} ${line.target} ${line.status} ${line.ms.toFixed(1)} ms${fuel}${line.failure ? `  ${line.failure}` : ""}\n`;
  if (!result) return out;
  for (const text of result.stderr.split("\n")) if (text.trim() !== "") out += `    ${text}\n`;
  // invoke lists the stderr entries first, then the host_log lines.
  for (const entry of result.logs.slice(parseLogs(result.stderr).length)) out += `    host_log ${entry.level}: ${entry.msg}\n`;
  return out;
}
