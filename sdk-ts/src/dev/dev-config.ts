// What `gojinn dev` runs the handler with: the project's Caddyfile block
// (the grants and limits Caddy will apply), then gojinn.dev.json on top
// (what only development needs: stores' starting contents, canned fetch
// answers, or a grant to try before writing it in the Caddyfile).
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { InvokeOptions } from "../testing/invoke.js";
import { databaseImages, HostRun } from "../testing/host/host-run.js";
import type { FetchReply } from "../testing/host/fetch-bridge.js";
import { UserError } from "../cli/errors.js";
import { blockFor, handlerBlocks, settingsFromBlock } from "./caddyfile-block.js";

/** The settings of gojinn.dev.json: invoke's options (docs/sdk-ts.md, Test) except `fetch`, plus two of the dev server's own. */
export interface DevSettings extends Omit<InvokeOptions, "fetch"> {
  /** Request body cap, as `max_body_size`: a larger body gets 413 before any run. Default 10 MB. */
  maxBodyBytes?: number;
  /**
   * Canned answers for outbound calls, by URL prefix (`https://api.example.com/v1/`):
   * a call the allow-list lets through gets the longest matching prefix's
   * answer; a call that matches none goes to the network.
   */
  fetchReplies?: Record<string, FetchReply>;
}

/** The name of the development settings file, in the project's directory. */
export const DEV_CONFIG_FILE = "gojinn.dev.json";

const KEYS: ReadonlyArray<keyof DevSettings> = [
  "env",
  "args",
  "timeoutMs",
  "maxOutputBytes",
  "fuelLimit",
  "kv",
  "grants",
  "fetchTimeoutMs",
  "fetchMaxBody",
  "fetchMaxCalls",
  "kvMaxValue",
  "fullQueues",
  "maxJobSize",
  "maxBodyBytes",
  "fetchReplies",
  "aiAnswers",
  "databases",
  "sqlMaxRows",
  "sqlMaxResult",
  "objects",
  "maxObject",
  "objectErrors",
];

/** Where the settings came from, for the start-up line. */
export interface LoadedSettings {
  settings: DevSettings;
  /** `Caddyfile:12` and/or `gojinn.dev.json`. */
  sources: string[];
  /** Caddyfile subdirectives the dev server does not apply. */
  ignored: string[];
}

/** Reads gojinn.dev.json; {} when absent. An unknown key or invalid JSON is an error. */
export async function readDevConfig(file: string): Promise<DevSettings | null> {
  const text = await readFile(file, "utf8").catch(() => null);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UserError(`${file}: expected a JSON object`);
  for (const key of Object.keys(value)) {
    if (!(KEYS as readonly string[]).includes(key))
      throw new UserError(`${file}: unknown setting ${JSON.stringify(key)} (known: ${KEYS.join(", ")})`);
  }
  return value as DevSettings;
}

/**
 * The settings for the handler built to `moduleFile`: its block in
 * `caddyfile` (if the file exists and has one), overridden key by key by
 * gojinn.dev.json in `dir`. Checked as invoke checks them, so a bad grant
 * fails now rather than at the first request.
 */
export async function loadSettings(dir: string, caddyfile: string, moduleFile: string): Promise<LoadedSettings> {
  const sources: string[] = [];
  let settings: DevSettings = {};
  let ignored: string[] = [];
  const source = await readFile(caddyfile, "utf8").catch(() => null);
  if (source !== null) {
    const block = blockFor(handlerBlocks(source), caddyfile, moduleFile);
    const where = path.relative(dir, caddyfile) || caddyfile;
    if (block) {
      try {
        ({ settings, ignored } = settingsFromBlock(block, where));
      } catch (err) {
        throw new UserError((err as Error).message);
      }
      sources.push(`${where}:${block.line}`);
    }
  }
  const devFile = path.join(dir, DEV_CONFIG_FILE);
  const dev = await readDevConfig(devFile);
  if (dev) {
    settings = { ...settings, ...dev };
    sources.push(DEV_CONFIG_FILE);
  }
  try {
    new HostRun(settings, 0).close();
    await databaseImages(settings.databases, settings.grants); // a script that fails, now
  } catch (err) {
    throw new UserError(`${sources.join(" + ") || "settings"}: ${(err as Error).message.replace(/^invoke: /, "")}`);
  }
  return { settings, sources, ignored };
}
