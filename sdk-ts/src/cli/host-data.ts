// The data `gojinn run` and `gojinn replay` start a run from: SQLite
// files for the databases (--db), directories for the object stores
// (--objects). Both are read into memory: the run's writes never reach them.
import { existsSync, statSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { ObjectSeed } from "../testing/host/host-run.js";
import { UserError } from "./errors.js";

/** Splits `<name>=<path>` specs of `flag` into name → path, each name once. */
export function namedPaths(flag: string, specs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1) throw new UserError(`${flag} ${JSON.stringify(spec)}: expected <name>=<path>`);
    const name = spec.slice(0, eq);
    if (name in out) throw new UserError(`${flag} ${name}: given twice`);
    out[name] = spec.slice(eq + 1);
  }
  return out;
}

// The SQLite file header (https://www.sqlite.org/fileformat.html).
const SQLITE_MAGIC = "SQLite format 3\0";

/**
 * The SQLite file images of `--db <name>=<file>`, with a note for a file
 * whose WAL holds commits the file itself does not have yet.
 */
export async function readDatabases(files: Record<string, string>, notes: string[]): Promise<Record<string, Uint8Array>> {
  const images: Record<string, Uint8Array> = {};
  for (const [name, file] of Object.entries(files)) {
    let image: Uint8Array;
    try {
      image = new Uint8Array(await readFile(file));
    } catch {
      throw new UserError(`--db ${name}=${file}: no such file`);
    }
    if (image.length > 0 && Buffer.from(image.subarray(0, 16)).toString("latin1") !== SQLITE_MAGIC)
      throw new UserError(`--db ${name}=${file}: not a SQLite database file`);
    const wal = `${file}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0)
      notes.push(
        `${wal} exists: commits not yet checkpointed into ${file} are not loaded (copy it with: sqlite3 ${file} ".backup copy.db")`,
      );
    images[name] = image;
  }
  return images;
}

// Content types by extension; any other file is application/octet-stream.
const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".gif": "image/gif",
  ".htm": "text/html; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".jpeg": "image/jpeg",
  ".jpg": "image/jpeg",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".md": "text/markdown; charset=utf-8",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".webp": "image/webp",
  ".xml": "application/xml",
};

/** The content type of a file by its extension. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

/**
 * The objects of `--objects <store>=<dir>`: every file under dir, its key
 * the path relative to dir with `/` between segments, its content type by
 * extension, its last change the file's.
 */
export async function readObjectDirs(dirs: Record<string, string>): Promise<Record<string, Record<string, ObjectSeed>>> {
  const stores: Record<string, Record<string, ObjectSeed>> = {};
  for (const [store, dir] of Object.entries(dirs)) {
    const s = await stat(dir).catch(() => null);
    if (!s?.isDirectory()) throw new UserError(`--objects ${store}=${dir}: no such directory`);
    const objects: Record<string, ObjectSeed> = {};
    for (const file of await filesUnder(dir)) {
      const key = path.relative(dir, file).split(path.sep).join("/");
      const [body, fs] = await Promise.all([readFile(file), stat(file)]);
      objects[key] = { body: new Uint8Array(body), contentType: contentTypeOf(file), lastModified: fs.mtimeMs };
    }
    stores[store] = objects;
  }
  return stores;
}

// Every regular file under dir (readdir's recursive option is newer than Node 20.0).
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(p)));
    else if (entry.isFile()) files.push(p);
  }
  return files;
}
