import { cp, mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { SDK_ROOT } from "../../sdk-root.js";
import { UserError } from "../errors.js";

/** The templates `gojinn init --template` accepts. */
export const TEMPLATES = ["hello", "json-api", "router", "kv"] as const;
/** One of TEMPLATES. */
export type Template = (typeof TEMPLATES)[number];

/** Files of a template whose text gets the placeholders filled in. */
const TEXT_FILES = ["package.json", "README.md", "Caddyfile"];

/** Options of `gojinn init`. */
export interface InitOptions {
  /** Which template. */
  template: string;
  /** The npm spec the project depends on the SDK by (default: file: path of this SDK). */
  sdk?: string;
}

/** The npm package name for a project directory. */
export function packageNameFor(dir: string): string {
  const name = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "");
  return name || "gojinn-handler";
}

/** Creates a ready project in `dir` from a template. */
export async function initProject(dir: string, options: InitOptions): Promise<string[]> {
  if (!(TEMPLATES as readonly string[]).includes(options.template)) {
    throw new UserError(`unknown template ${JSON.stringify(options.template)} (choose one of: ${TEMPLATES.join(", ")})`);
  }
  const target = path.resolve(dir);
  const existing = await readdir(target).catch(() => null);
  if (existing !== null && existing.length > 0) throw new UserError(`${dir}: directory exists and is not empty`);
  const exists = await stat(target).catch(() => null);
  if (exists && !exists.isDirectory()) throw new UserError(`${dir}: exists and is not a directory`);
  await mkdir(target, { recursive: true });
  await cp(path.join(SDK_ROOT, "templates", options.template), target, { recursive: true });
  // npm drops .gitignore from published packages: templates ship it as gitignore.
  await rename(path.join(target, "gitignore"), path.join(target, ".gitignore")).catch(() => undefined);
  const values: Record<string, string> = {
    __NAME__: packageNameFor(dir),
    __SDK_SPEC__: options.sdk ?? `file:${SDK_ROOT}`,
  };
  for (const file of TEXT_FILES) {
    const p = path.join(target, file);
    const text = await readFile(p, "utf8").catch(() => null);
    if (text === null) continue;
    await writeFile(
      p,
      text.replace(/__NAME__|__SDK_SPEC__/g, (m) => values[m] ?? m),
    );
  }
  return (await readdir(target, { recursive: true })).map(String).sort();
}

/** Registers `gojinn init <dir> [--template hello|json-api|router|kv] [--sdk <spec>]`. */
export function registerInit(program: Command): void {
  program
    .command("init")
    .description("create a handler project: package.json, asconfig, assembly/index.ts, a test, a Caddyfile snippet")
    .argument("<dir>", "the new project's directory (created; must be empty)")
    .option("-t, --template <name>", `the template: ${TEMPLATES.join(", ")}`, "hello")
    .option("--sdk <spec>", "the npm spec to depend on gojinn by (default: file: path of this SDK)")
    .action(async (dir: string, opts: InitOptions) => {
      await initProject(dir, opts);
      process.stdout.write(
        `created ${dir} from template ${opts.template}\n\nnext:\n  cd ${dir}\n  npm install\n  npx gojinn build\n  npm test\n  npx gojinn run build/handler.wasm /\n`,
      );
    });
}
