// The handler's block in the project's Caddyfile, read by `gojinn dev` so
// that it runs the handler with the grants and limits Caddy will give it.
// Only the `gojinn <module> { ... }` blocks are read; the rest of the
// Caddyfile (sites, matchers, global options) does not concern one handler.
import path from "node:path";
import type { KvMode } from "../testing/host/host-imports.js";
import type { Grants } from "../testing/host/host-run.js";
import type { SqlMode } from "../testing/host/sql-databases.js";
import type { DevSettings } from "./dev-config.js";
import { parseDuration, parseSize } from "./units.js";

interface Token {
  text: string;
  line: number;
}

/** Splits a Caddyfile into tokens with their line numbers (quotes, backquotes and # comments as Caddy reads them). */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === '"' || c === "`") {
      const start = line;
      let text = "";
      for (i++; i < source.length && source[i] !== c; i++) {
        if (c === '"' && source[i] === "\\" && source[i + 1] === '"') i++;
        if (source[i] === "\n") line++;
        text += source[i];
      }
      i++;
      tokens.push({ text, line: start });
    } else {
      let text = "";
      while (i < source.length && !/\s/.test(source[i]!)) text += source[i++];
      tokens.push({ text, line });
    }
  }
  return tokens;
}

/** One `gojinn <module> { ... }` handler block: the module path as written and its subdirectives (name, arguments). */
export interface HandlerBlock {
  module: string;
  line: number;
  options: Array<{ name: string; args: string[]; line: number }>;
}

/** Every gojinn handler block of a Caddyfile (not the `gojinn { ... }` global option). */
export function handlerBlocks(source: string): HandlerBlock[] {
  const tokens = tokenize(source);
  const blocks: HandlerBlock[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.text !== "gojinn" || !next || next.line !== t.line || next.text === "{") continue;
    const block: HandlerBlock = { module: next.text, line: t.line, options: [] };
    blocks.push(block);
    i++;
    if (tokens[i + 1]?.text !== "{" || tokens[i + 1]!.line !== t.line) continue;
    let depth = 1;
    for (i += 2; i < tokens.length && depth > 0; i++) {
      const tok = tokens[i]!;
      if (tok.text === "}") {
        depth--;
        continue;
      }
      const args: string[] = [];
      while (tokens[i + 1] && tokens[i + 1]!.line === tok.line && tokens[i + 1]!.text !== "}") args.push(tokens[++i]!.text);
      const topLevel = depth === 1;
      if (args[args.length - 1] === "{") {
        depth++; // a nested block's lines are not options of the handler
        args.pop();
      }
      if (topLevel) block.options.push({ name: tok.text, args, line: tok.line });
    }
    i--;
  }
  return blocks;
}

/**
 * The block of the handler whose module is `moduleFile` (relative paths
 * taken from the Caddyfile's directory), or the only block when there is
 * one; null when none matches.
 */
export function blockFor(blocks: HandlerBlock[], caddyfile: string, moduleFile: string): HandlerBlock | null {
  const dir = path.dirname(path.resolve(caddyfile));
  const match = blocks.find((b) => path.resolve(dir, b.module) === path.resolve(moduleFile));
  return match ?? (blocks.length === 1 ? blocks[0]! : null);
}

/** Subdirectives that concern Caddy's scheduling or storage, not what one run may do: `gojinn dev` names them once and goes on. */
const NOT_SIMULATED = new Set([
  "name",
  "memory_limit",
  "pool_size",
  "max_concurrency",
  "max_queue",
  "queue_timeout",
  "cache_dir",
  "debug_secret",
]);

/** What a block sets for `gojinn dev`, and the subdirectives it does not apply. */
export function settingsFromBlock(block: HandlerBlock, where: string): { settings: DevSettings; ignored: string[] } {
  const settings: DevSettings = {};
  const ignored: string[] = [];
  const kv: Record<string, KvMode> = {};
  const fetch: string[] = [];
  const enqueue: string[] = [];
  const sql: Record<string, SqlMode> = {};
  const objects: NonNullable<Grants["objects"]> = {};
  let ai = false;
  for (const { name, args, line } of block.options) {
    const bad = (want: string): Error => new Error(`${where}:${line}: ${name} ${args.join(" ")}: expected ${want}`);
    const size = (): number => {
      const n = args.length === 1 ? parseSize(args[0]!) : null;
      if (n === null) throw bad("one size such as 10MB");
      return n;
    };
    const duration = (): number => {
      const n = args.length === 1 ? parseDuration(args[0]!) : null;
      if (n === null) throw bad("one duration such as 10s");
      return n;
    };
    const whole = (): number => {
      if (args.length !== 1 || !/^[0-9]+$/.test(args[0]!)) throw bad("one whole number");
      return Number(args[0]);
    };
    switch (name) {
      case "timeout":
        settings.timeoutMs = duration();
        break;
      case "fuel_limit":
        settings.fuelLimit = whole();
        break;
      case "max_output_size":
        settings.maxOutputBytes = size();
        break;
      case "max_body_size":
        settings.maxBodyBytes = size();
        break;
      case "fetch_timeout":
        settings.fetchTimeoutMs = duration();
        break;
      case "fetch_max_body":
        settings.fetchMaxBody = size();
        break;
      case "fetch_max_calls":
        settings.fetchMaxCalls = whole();
        break;
      case "env":
        if (args.length !== 2) throw bad("a name and a value");
        (settings.env ??= {})[args[0]!] = args[1]!;
        break;
      case "args":
        (settings.args ??= []).push(...args);
        break;
      case "kv":
        if (args.length < 1 || args.length > 2 || (args[1] !== undefined && args[1] !== "read")) throw bad("<store> [read]");
        kv[args[0]!] = args[1] === "read" ? "read" : "readwrite";
        break;
      case "fetch":
        fetch.push(...args);
        break;
      case "enqueue":
        enqueue.push(...args);
        break;
      case "ai":
        if (args.length !== 0) throw bad("no argument");
        ai = true;
        break;
      case "sql":
        if (args.length < 1 || args.length > 2 || (args[1] !== undefined && args[1] !== "read" && args[1] !== "readwrite"))
          throw bad("<database> [read|readwrite]");
        sql[args[0]!] = args[1] === "read" ? "read" : "readwrite";
        break;
      case "objects": {
        // objects <store> [read|readwrite] [prefix <p>]
        const [store, ...rest] = args;
        const access = rest[0] === "read" || rest[0] === "readwrite" ? rest.shift()! : "readwrite";
        if (store === undefined || (rest.length !== 0 && (rest.length !== 2 || rest[0] !== "prefix")))
          throw bad("<store> [read|readwrite] [prefix <p>]");
        objects[store] = { access: access as SqlMode, prefix: rest[1] ?? "" };
        break;
      }
      default:
        ignored.push(NOT_SIMULATED.has(name) ? name : `${name} (unknown to gojinn dev)`);
    }
  }
  if (Object.keys(kv).length || fetch.length || enqueue.length || ai || Object.keys(sql).length || Object.keys(objects).length) {
    settings.grants = {
      ...(Object.keys(kv).length ? { kv } : {}),
      ...(fetch.length ? { fetch } : {}),
      ...(enqueue.length ? { enqueue } : {}),
      ...(ai ? { ai } : {}),
      ...(Object.keys(sql).length ? { sql } : {}),
      ...(Object.keys(objects).length ? { objects } : {}),
    };
  }
  return { settings, ignored };
}
