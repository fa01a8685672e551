import { readFileSync } from "node:fs";
import path from "node:path";
import { SDK_ROOT } from "../sdk-root.js";

/** The SDK's version, from its package.json. */
export const SDK_VERSION: string = (JSON.parse(readFileSync(path.join(SDK_ROOT, "package.json"), "utf8")) as { version: string }).version;
