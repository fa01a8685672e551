import type { Command } from "commander";
import { checkModule } from "../../wasm/check.js";
import { functionImports } from "../../wasm/import-types.js";
import { compileWasm, describeModule, formatSize, readWasmFile } from "../../wasm/inspect.js";

/** Registers `gojinn check <wasm>`. */
export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("check that a module can run as a gojinn handler (imports, _start, memory)")
    .argument("<wasm>", "the module to check")
    .action(async (file: string) => {
      const bytes = await readWasmFile(file);
      const module = await compileWasm(bytes, file);
      const points = checkModule(describeModule(module, bytes.length), functionImports(bytes));
      process.stdout.write(`${file} (${formatSize(bytes.length)})\n`);
      for (const p of points) process.stdout.write(`  ${p.ok ? "ok  " : "FAIL"}  ${p.name}: ${p.detail}\n`);
      const failed = points.filter((p) => !p.ok).length;
      process.stdout.write(failed === 0 ? "ok: every check passed\n" : `FAIL: ${failed} of ${points.length} checks failed\n`);
      if (failed > 0) process.exitCode = 1;
    });
}
