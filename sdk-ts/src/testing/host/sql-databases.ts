// The harness's SQL databases: what package sqldb does for the host with a
// SQLite file, in memory with sql.js, one connection per database for the
// run. Grants and requests are checked by host-imports.ts first; this runs
// one statement under the grant's rules and encodes its result as the ABI
// says (docs/host-abi.md, "SQL databases").
import type { StatusName } from "../../contract/host-abi.js";
import { refusal } from "./sql-authorizer.js";
import type { SqlJsDatabase, SqlJsStatement, SqlJsStatic, SqlJsValue } from "./sql-js.js";
import type { SqlParam } from "./sql-request.js";

/** A database's grant: read only, or read and write. */
export type SqlMode = "read" | "readwrite";

/** The caps of a database's results, as the `database` block's max_rows and max_result. */
export interface SqlLimits {
  maxRows: number;
  maxResult: number;
}

/** What a statement came to: its status, and what the guest reads under a handle (the result, or the database's message). */
export interface SqlOutcome {
  status: StatusName;
  held?: Uint8Array;
}

const encoder = new TextEncoder();
const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;

/** A database's message, and the status the host gives it (sql.js reports the message, not SQLite's code). */
function failure(message: string): SqlOutcome {
  if (/constraint failed/.test(message)) return { status: "conflict", held: encoder.encode(message) };
  if (/^attempt to write a readonly database|^not authorized/.test(message)) return { status: "denied", held: encoder.encode(message) };
  // sql.js is built without extensions: the host's authorizer refuses load_extension.
  if (/^no such function: load_extension$/.test(message)) return { status: "denied", held: encoder.encode("not authorized") };
  if (/^database (table )?is locked/.test(message)) return { status: "unavailable" };
  if (/^interrupted/.test(message)) return { status: "timeout" };
  if (/^(disk I\/O error|out of memory|database disk image is malformed|database or disk is full)/.test(message))
    return { status: "io_error" };
  return { status: "invalid", held: encoder.encode(message) };
}

/** A param as sql.js binds it: sql.js has no 64-bit integer binding, so an integer past i32 binds as its decimal text. */
function bindable(p: SqlParam): SqlJsValue {
  if (typeof p === "bigint") return p >= I32_MIN && p <= I32_MAX ? Number(p) : p.toString();
  if (typeof p === "boolean") return p ? 1 : 0;
  return p;
}

/** One result value as the ABI's JSON. */
function jsonValue(v: SqlJsValue): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : "null";
  if (typeof v === "string") return JSON.stringify(v);
  return `{"blob":${JSON.stringify(Buffer.from(v).toString("base64"))}}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The in-memory databases of one run. */
export class SqlDatabases {
  private readonly open = new Map<string, SqlJsDatabase>();

  /**
   * `images`: each database's file image before the run (absent: empty);
   * `onChange` gets a database's new image after each call that changed it.
   */
  constructor(
    private readonly sqlJs: SqlJsStatic,
    private readonly images: Record<string, Uint8Array>,
    private readonly grants: Record<string, SqlMode>,
    private readonly limits: SqlLimits,
    private readonly onChange: (name: string, image: Uint8Array) => void,
  ) {}

  private database(name: string): SqlJsDatabase {
    let db = this.open.get(name);
    if (!db) {
      db = new this.sqlJs.Database(this.images[name]);
      this.open.set(name, db);
      this.settle(name, db);
    }
    return db;
  }

  // The connection's settings: foreign keys enforced, and a read grant's
  // connection kept from writing by SQLite itself (the host opens it
  // read-only; the guest cannot run the pragma that would undo it).
  private settle(name: string, db: SqlJsDatabase): void {
    db.run("PRAGMA foreign_keys = ON");
    db.run(`PRAGMA query_only = ${this.grants[name] === "read" ? "ON" : "OFF"}`);
  }

  // The counters that tell whether a statement changed the database.
  private version(db: SqlJsDatabase): string {
    const [changes] = db.exec("SELECT total_changes()");
    const [schema] = db.exec("PRAGMA schema_version");
    return `${changes?.values[0]?.[0]}/${schema?.values[0]?.[0]}`;
  }

  /** Runs one statement of a granted database: its rows (`query`) or its counts. */
  run(name: string, sql: string, params: SqlParam[], query: boolean): SqlOutcome {
    const db = this.database(name);
    const before = this.version(db);
    let stmt: SqlJsStatement | undefined;
    try {
      const prepared = this.prepare(db, sql);
      if (!("bind" in prepared)) return prepared;
      stmt = prepared;
      const refused = refusal(stmt.getSQL());
      if (refused !== null) return { status: "denied", held: encoder.encode("not authorized") };
      const wrongCount = this.bind(stmt, params);
      if (wrongCount !== null) return { status: "invalid", held: encoder.encode(wrongCount) };
      const outcome = query ? this.rows(stmt) : this.counts(db, stmt, before);
      stmt.free();
      stmt = undefined;
      if (outcome.status === "ok" && this.version(db) !== before) this.changed(name, db);
      return outcome;
    } catch (err) {
      return failure(messageOf(err));
    } finally {
      stmt?.free();
    }
  }

  // The one statement of the text, or why there is not exactly one.
  private prepare(db: SqlJsDatabase, sql: string): SqlJsStatement | SqlOutcome {
    const statements = db.iterateStatements(sql);
    const first = statements.next();
    if (first.done) return { status: "invalid", held: encoder.encode("no statement") };
    // Another next() would free the first statement: the tail is prepared apart.
    const tail = statements.getRemainingSQL();
    let second = false;
    if (tail.trim() !== "") {
      try {
        // next() frees the statement before it; the last one is freed at the end.
        const rest = db.iterateStatements(tail);
        for (let n = rest.next(); !n.done; n = rest.next()) second = true;
      } catch {
        second = true; // a tail that does not prepare is still a second statement
      }
    }
    if (!second) return first.value;
    first.value.free();
    return { status: "invalid", held: encoder.encode("more than one statement") };
  }

  // Binds the params; a message when their number is not the statement's.
  // sql.js has no sqlite3_bind_parameter_count, but SQLite refuses a number
  // bound past the last parameter (sql.js throws for numbers, not for null):
  // n zeros bind and n + 1 do not exactly when the statement takes n.
  private bind(stmt: SqlJsStatement, params: SqlParam[]): string | null {
    const fits = (n: number): boolean => {
      try {
        stmt.bind(new Array<number>(n).fill(0));
        return true;
      } catch (err) {
        if (/^column index out of range/.test(messageOf(err))) return false;
        throw err;
      }
    };
    if (fits(params.length + 1)) return `the statement takes more than ${params.length} parameters`;
    if (!fits(params.length)) return `the statement takes fewer than ${params.length} parameters`;
    stmt.bind(params.map(bindable));
    return null;
  }

  // Every row, within max_rows and max_result.
  private rows(stmt: SqlJsStatement): SqlOutcome {
    const columns = stmt.getColumnNames();
    const rows: string[] = [];
    let size = 0;
    while (stmt.step()) {
      if (rows.length === this.limits.maxRows) return { status: "too_large" };
      const row = `[${stmt.get(null, { useBigInt: true }).map(jsonValue).join(",")}]`;
      size += row.length + 1;
      if (size > this.limits.maxResult) return { status: "too_large" };
      rows.push(row);
    }
    const held = encoder.encode(`{"columns":${JSON.stringify(columns)},"rows":[${rows.join(",")}]}`);
    if (held.length > this.limits.maxResult) return { status: "too_large" };
    return { status: "ok", held };
  }

  // Runs the statement to its end: the rows it changed and the last rowid
  // inserted, both 0 when it changed none (SQLite's own counters keep the
  // previous statement's values then).
  private counts(db: SqlJsDatabase, stmt: SqlJsStatement, before: string): SqlOutcome {
    while (stmt.step());
    const [row] = db.exec("SELECT changes(), last_insert_rowid(), total_changes()");
    const [changes, lastId, total] = row?.values[0] ?? [0, 0, 0];
    const changed = String(total) !== before.split("/")[0];
    const held = changed ? `{"rows_affected":${changes},"last_insert_id":${lastId}}` : `{"rows_affected":0,"last_insert_id":0}`;
    return { status: "ok", held: encoder.encode(held) };
  }

  // Reports a database's new image (export reopens it: its settings again).
  private changed(name: string, db: SqlJsDatabase): void {
    this.onChange(name, db.export());
    this.settle(name, db);
  }
}
