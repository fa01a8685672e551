import { HOST_FUNCTIONS, HOST_MODULE } from "../contract/host-abi.js";
import type { ModuleInfo } from "./inspect.js";

/** WASI, the import module every handler uses. */
export const ALLOWED_IMPORT_MODULE = "wasi_snapshot_preview1";

// An import the host provides: WASI, or a host function of docs/host-abi.md.
function provided(i: WebAssembly.ModuleImportDescriptor): boolean {
  return i.module === ALLOWED_IMPORT_MODULE || (i.module === HOST_MODULE && i.kind === "function" && i.name in HOST_FUNCTIONS);
}

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
  const foreign = info.imports.filter((i) => !provided(i));
  const wasi = info.imports.filter((i) => i.module === ALLOWED_IMPORT_MODULE).map((i) => i.name);
  const host = info.imports.filter((i) => i.module === HOST_MODULE && provided(i)).map((i) => i.name);
  const hostText = host.length ? ` and ${HOST_MODULE} (${host.join(", ")})` : "";
  const start = info.exports.find((e) => e.name === "_start");
  const memory = info.exports.find((e) => e.kind === "memory");
  return [
    {
      name: "imports",
      ok: foreign.length === 0,
      detail:
        foreign.length === 0
          ? `only ${ALLOWED_IMPORT_MODULE}${wasi.length ? ` (${wasi.join(", ")})` : " (none)"}${hostText}`
          : `not allowed: ${foreign.map((i) => `${i.module}.${i.name}`).join(", ")} (only ${ALLOWED_IMPORT_MODULE} and the ${HOST_MODULE} host functions are provided)`,
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
