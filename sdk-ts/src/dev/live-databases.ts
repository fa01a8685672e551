// The SQL databases of a `gojinn dev` session: they live as long as the
// server, so a row written by one request is read by the next, as with
// Caddy's database files. Each run starts from the latest file image; a
// run that changed a database replaces it whole (concurrent runs writing
// the same database: the last one to end wins).
import type { SqlJsDatabase } from "../testing/host/sql-js.js";

/** A database as invoke takes it: an SQL script (gojinn.dev.json) or a file image. */
type Database = string | Uint8Array;

/** The databases shared by a dev session's runs. */
export class LiveDatabases {
  private readonly databases: Record<string, Database>;

  /** `initial`: each database's script, as gojinn.dev.json's `databases`. */
  constructor(initial: Record<string, Database> = {}) {
    this.databases = { ...initial };
  }

  /** What to start a run with. */
  snapshot(): Record<string, Database> {
    return { ...this.databases };
  }

  /** Keeps each database a run left (invoke's `databases`) that differs from what it started with; closes them. */
  merge(before: Record<string, Database>, after: Record<string, SqlJsDatabase>): void {
    for (const [name, db] of Object.entries(after)) {
      const image = db.export();
      db.close();
      const old = before[name];
      if (old instanceof Uint8Array && Buffer.from(old).equals(image)) continue;
      this.databases[name] = image;
    }
  }
}
