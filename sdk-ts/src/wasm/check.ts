import { HOST_FUNCTIONS, HOST_MODULE } from "../contract/host-abi.js";
import { refusedHostImports } from "../contract/host-imports-check.js";
import type { FunctionImport } from "./import-types.js";
import type { ModuleInfo } from "./inspect.js";

/** WASI, the import module every handler uses. */
export const ALLOWED_IMPORT_MODULE = "wasi_snapshot_preview1";

/** One point of `gojinn check`. */
export interface CheckPoint {
  /** What is checked, e.g. "imports". */
  name: string;
  /** Whether it passed. */
  ok: boolean;
  /** The verdict in words. */
  detail: string;
}

/**
 * Checks a module against what the host requires of a handler. `typed`: the
 * signatures of its function imports (import-types.ts), to check those of
 * its `gojinn` imports.
 */
export function checkModule(info: ModuleInfo, typed: FunctionImport[] | null = null): CheckPoint[] {
  const foreign = info.imports.filter((i) => i.module !== ALLOWED_IMPORT_MODULE && i.module !== HOST_MODULE);
  const refused = refusedHostImports(info.imports, typed);
  const wasi = info.imports.filter((i) => i.module === ALLOWED_IMPORT_MODULE).map((i) => i.name);
  const host = info.imports.filter((i) => i.module === HOST_MODULE && i.name in HOST_FUNCTIONS).map((i) => i.name);
  const hostText = host.length ? ` and ${HOST_MODULE} (${host.join(", ")})` : "";
  const problems = [
    ...(foreign.length
      ? [
          `not allowed: ${foreign.map((i) => `${i.module}.${i.name}`).join(", ")} (only ${ALLOWED_IMPORT_MODULE} and the ${HOST_MODULE} host functions are provided)`,
        ]
      : []),
    ...refused,
  ];
  const start = info.exports.find((e) => e.name === "_start");
  const memory = info.exports.find((e) => e.kind === "memory");
  return [
    {
      name: "imports",
      ok: problems.length === 0,
      detail:
        problems.length === 0
          ? `only ${ALLOWED_IMPORT_MODULE}${wasi.length ? ` (${wasi.join(", ")})` : " (none)"}${hostText}`
          : problems.join("; "),
    },
    {
      name: "_start",
      ok: start?.kind === "function",
      detail:
        start === undefined
          ? "not exported (build a command module: asc --exportStart _start)"
          : start.kind === "function"
            ? "exported"
            : `exported as a ${start.kind}, not a function`,
    },
    {
      name: "memory",
      ok: memory !== undefined,
      detail: memory === undefined ? "no exported memory (WASI needs the module's memory exported)" : `exported as "${memory.name}"`,
    },
  ];
}
