import type { ModuleInfo } from "./inspect.js";

/** The only import module a handler may use today (host functions will come under "gojinn"). */
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

/** Checks a module against what the host requires of a handler. */
export function checkModule(info: ModuleInfo): CheckPoint[] {
  const foreign = info.imports.filter((i) => i.module !== ALLOWED_IMPORT_MODULE);
  const wasi = info.imports.filter((i) => i.module === ALLOWED_IMPORT_MODULE).map((i) => i.name);
  const start = info.exports.find((e) => e.name === "_start");
  const memory = info.exports.find((e) => e.kind === "memory");
  return [
    {
      name: "imports",
      ok: foreign.length === 0,
      detail:
        foreign.length === 0
          ? `only ${ALLOWED_IMPORT_MODULE}${wasi.length ? ` (${wasi.join(", ")})` : " (none)"}`
          : `not allowed: ${foreign.map((i) => `${i.module}.${i.name}`).join(", ")} (only ${ALLOWED_IMPORT_MODULE} is provided)`,
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
