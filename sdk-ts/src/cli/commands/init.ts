import { cp, mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { SDK_ROOT } from "../../sdk-root.js";
import { UserError } from "../errors.js";

/** The templates `gojinn init --template` accepts. */
export const TEMPLATES = ["hello", "json-api", "router", "kv"] as const;
/** One of TEMPLATES. */
export type Template = (typeof TEMPLATES)[number];

/** The languages `gojinn init --lang` accepts: AssemblyScript (the templates above) or Go (one template, on sdk-go). */
export const LANGS = ["ts", "go"] as const;

/** Files of a template whose text gets the placeholders filled in. */
const TEXT_FILES = ["package.json", "README.md", "Caddyfile", "go.mod", "main.go"];

/** The Go SDK's module path, which a Go project's go.mod replaces with a directory. */
const SDK_GO_MODULE = "github.com/gojinn/gojinn/sdk-go";

/** Options of `gojinn init`. */
export interface InitOptions {
  /** Which template. */
  template: string;
  /** ts (default) or go. */
  lang?: string;
  /** The npm spec the project depends on the SDK by (default: file: path of this SDK). */
  sdk?: string;
  /** The sdk-go directory a Go project's go.mod replaces the SDK with (default: the copy this package ships). */
  sdkGo?: string;
}

/**
 * The sdk-go directory for a Go project: `explicit`, else the copy this
 * package ships (sdk-ts/sdk-go, made by npm run build), else the sdk-go of
 * the gojinn checkout the SDK is in. It must hold the SDK's go.mod.
 */
export async function sdkGoDir(explicit: string | undefined): Promise<string> {
  const candidates = explicit ? [path.resolve(explicit)] : [path.join(SDK_ROOT, "sdk-go"), path.join(SDK_ROOT, "..", "sdk-go")];
  for (const dir of candidates) {
    const mod = await readFile(path.join(dir, "go.mod"), "utf8").catch(() => "");
    if (new RegExp(`^module ${SDK_GO_MODULE}$`, "m").test(mod)) return dir;
  }
  throw new UserError(
    explicit
      ? `--sdk-go ${explicit}: not the Go SDK (no go.mod for module ${SDK_GO_MODULE})`
      : `this gojinn package ships no Go SDK (sdk-go/); pass --sdk-go <path to a checkout's sdk-go>`,
  );
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
  const lang = options.lang ?? "ts";
  if (!(LANGS as readonly string[]).includes(lang)) throw new UserError(`unknown language ${JSON.stringify(lang)} (choose ts or go)`);
  if (lang === "go" && options.template !== "hello")
    throw new UserError(`--lang go has one template, hello (not ${JSON.stringify(options.template)})`);
  if (!(TEMPLATES as readonly string[]).includes(options.template)) {
    throw new UserError(`unknown template ${JSON.stringify(options.template)} (choose one of: ${TEMPLATES.join(", ")})`);
  }
  const sdkGo = lang === "go" ? await sdkGoDir(options.sdkGo) : "";
  const target = path.resolve(dir);
  const existing = await readdir(target).catch(() => null);
  if (existing !== null && existing.length > 0) throw new UserError(`${dir}: directory exists and is not empty`);
  const exists = await stat(target).catch(() => null);
  if (exists && !exists.isDirectory()) throw new UserError(`${dir}: exists and is not a directory`);
  await mkdir(target, { recursive: true });
  await cp(path.join(SDK_ROOT, "templates", lang === "go" ? "go" : options.template), target, { recursive: true });
  // npm drops .gitignore from published packages: templates ship it as gitignore.
  await rename(path.join(target, "gitignore"), path.join(target, ".gitignore")).catch(() => undefined);
  const values: Record<string, string> = {
    __NAME__: packageNameFor(dir),
    __SDK_SPEC__: options.sdk ?? `file:${SDK_ROOT}`,
    __SDK_GO__: sdkGo,
  };
  for (const file of TEXT_FILES) {
    const p = path.join(target, file);
    const text = await readFile(p, "utf8").catch(() => null);
    if (text === null) continue;
    await writeFile(
      p,
      text.replace(/__NAME__|__SDK_SPEC__|__SDK_GO__/g, (m) => values[m] ?? m),
    );
  }
  return (await readdir(target, { recursive: true })).map(String).sort();
}

/** What to type next in a new project. */
function nextSteps(dir: string, lang: string): string {
  if (lang === "go") {
    return `next:\n  cd ${dir}\n  ${process.argv[1] ?? "gojinn"} dev    # serves http://127.0.0.1:8787/, rebuilds on save\n  make test\n`;
  }
  return `next:\n  cd ${dir}\n  npm install\n  npx gojinn dev        # serves http://127.0.0.1:8787/, rebuilds on save\n  npm test\n`;
}

/** Registers `gojinn init <dir> [--lang ts|go] [--template hello|json-api|router|kv] [--sdk <spec>] [--sdk-go <dir>]`. */
export function registerInit(program: Command): void {
  program
    .command("init")
    .description(
      "create a handler project: AssemblyScript (package.json, assembly/index.ts, a test) or Go (--lang go), with a Caddyfile snippet",
    )
    .argument("<dir>", "the new project's directory (created; must be empty)")
    .option("-t, --template <name>", `the template: ${TEMPLATES.join(", ")}`, "hello")
    .option("--lang <lang>", "ts (AssemblyScript) or go (a Go module on sdk-go)", "ts")
    .option("--sdk <spec>", "the npm spec to depend on gojinn by (default: file: path of this SDK)")
    .option("--sdk-go <dir>", "with --lang go: the sdk-go directory go.mod replaces the SDK with (default: the copy this package ships)")
    .action(async (dir: string, opts: InitOptions) => {
      await initProject(dir, opts);
      const lang = opts.lang ?? "ts";
      process.stdout.write(`created ${dir} from template ${lang === "go" ? "go" : opts.template}\n\n${nextSteps(dir, lang)}`);
    });
}
