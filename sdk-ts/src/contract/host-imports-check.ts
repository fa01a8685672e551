// What the host refuses at load among a module's `gojinn` imports
// (docs/host-abi.md): a function the ABI does not have, or one imported
// with another signature. Shared by `gojinn check` and `invoke`.
import { formatSignature, type FunctionImport } from "../wasm/import-types.js";
import { HOST_FUNCTIONS, HOST_MODULE } from "./host-abi.js";

/** Why each of the module's `gojinn` imports would be refused; empty when none is. */
export function refusedHostImports(imports: WebAssembly.ModuleImportDescriptor[], typed: FunctionImport[] | null): string[] {
  const refused: string[] = [];
  for (const i of imports) {
    if (i.module !== HOST_MODULE) continue;
    const abi = HOST_FUNCTIONS[i.name];
    if (i.kind !== "function" || abi === undefined) {
      refused.push(`${HOST_MODULE}.${i.name}: not a host function of this ABI (docs/host-abi.md)`);
      continue;
    }
    const t = typed?.find((f) => f.module === i.module && f.name === i.name);
    if (t && formatSignature(t.params, t.results) !== formatSignature(abi.params, abi.results)) {
      refused.push(
        `${HOST_MODULE}.${i.name}: imported as ${formatSignature(t.params, t.results)}, the host's is ${formatSignature(abi.params, abi.results)}`,
      );
    }
  }
  return refused;
}
