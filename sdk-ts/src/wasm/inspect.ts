import { readFile } from "node:fs/promises";

/** What `gojinn check` and `gojinn build` look at in a module. */
export interface ModuleInfo {
  /** Size of the file in bytes. */
  size: number;
  /** Every import as `module.name` with its kind. */
  imports: WebAssembly.ModuleImportDescriptor[];
  /** Every export with its kind. */
  exports: WebAssembly.ModuleExportDescriptor[];
}

/** An error with a one-line message meant for the user (no stack trace shown). */
export class UserError extends Error {
  override name = "UserError";
}

/** Reads a wasm file; a missing file is a UserError. */
export async function readWasmFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`${file}: no such file`);
    if (code === "EISDIR") throw new UserError(`${file}: is a directory, not a .wasm file`);
    throw new UserError(`${file}: ${(err as Error).message}`);
  }
}

/** Compiles the bytes (validating them); invalid wasm is a UserError. */
export async function compileWasm(bytes: Uint8Array, name: string): Promise<WebAssembly.Module> {
  if (bytes.length === 0) throw new UserError(`${name}: empty file, not a WebAssembly module`);
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new UserError(`${name}: not a valid WebAssembly module (${(err as Error).message})`);
  }
}

/** Lists a compiled module's imports and exports. */
export function describeModule(module: WebAssembly.Module, size: number): ModuleInfo {
  return {
    size,
    imports: WebAssembly.Module.imports(module),
    exports: WebAssembly.Module.exports(module),
  };
}

/** Formats a byte count as `12.3 KB` (1 KB = 1024 bytes). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
