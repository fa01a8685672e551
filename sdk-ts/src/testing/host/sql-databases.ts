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

/**
 * A database's message, and the status the Go host gives it
 * (sqldb/sqlite_errors.go). sql.js reports SQLite's message, not its code:
 * the code is told from the message.
 */
function failure(message: string): SqlOutcome {
  const held = (status: StatusName): SqlOutcome => ({ status, held: encoder.encode(message) });
  if (/constraint failed/.test(message)) return held("conflict");
  if (/^attempt to write a readonly database|^not authorized/.test(message)) return held("denied");
  if (/^(string or blob too big|too many SQL variables)/.test(message)) return { status: "too_large" };
  if (/^database (table )?is locked/.test(message)) return { status: "unavailable" };
  if (/^interrupted/.test(message)) return { status: "timeout" };
  if (/^(disk I\/O error|out of memory|database disk image is malformed|database or disk is full)/.test(message))
    return { status: "io_error" };
  return held("invalid");
}

/** A param as sql.js binds it: sql.js has no 64-bit integer binding, so an integer past i32 binds as its decimal text. */
function bindable(p: SqlParam): SqlJsValue {
  if (typeof p === "bigint") return p >= I32_MIN && p <= I32_MAX ? Number(p) : p.toString();
  if (typeof p === "boolean") return p ? 1 : 0;
  return p;
}

/** A float as the Go host writes it (sqldb/result.go): a whole one keeps ".0"; NaN and infinities as strings. */
function jsonFloat(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (!Number.isFinite(v)) return v > 0 ? '"Infinity"' : '"-Infinity"';
  if (Object.is(v, -0)) return "-0.0";
  const text = String(v);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** One result value as the ABI's JSON. */
function jsonValue(v: SqlJsValue): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return jsonFloat(v);
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

  // The values of a one-row statement of the harness's own, integers exact.
  private row(db: SqlJsDatabase, sql: string): SqlJsValue[] {
    const stmt = db.prepare(sql);
    try {
      stmt.step();
      return stmt.get(null, { useBigInt: true });
    } finally {
      stmt.free();
    }
  }

  // The counters that tell whether a statement changed the database.
  private version(db: SqlJsDatabase): string {
    const [changes] = this.row(db, "SELECT total_changes()");
    const [schema] = this.row(db, "PRAGMA schema_version");
    return `${changes}/${schema}`;
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
      const wrongCount = this.bind(stmt, params);
      if (wrongCount !== null) return { status: "invalid", held: encoder.encode(wrongCount) };
      const outcome = query ? this.rows(stmt) : this.counts(db, stmt, before);
      if (outcome.status === "ok" && this.version(db) !== before) {
        stmt.free();
        stmt = undefined;
        this.changed(name, db);
      }
      return outcome;
    } catch (err) {
      return failure(messageOf(err));
    } finally {
      stmt?.free();
    }
  }

  // The one statement of the text, or why there is not exactly one. As on
  // the host, the authorizer judges the first statement when it is
  // prepared, before the rest of the text is looked at.
  private prepare(db: SqlJsDatabase, sql: string): SqlJsStatement | SqlOutcome {
    const statements = db.iterateStatements(sql);
    const first = statements.next();
    if (first.done) return { status: "invalid", held: encoder.encode("no statement") };
    const refused = refusal(first.value.getSQL());
    // Another next() would free the first statement: the tail is prepared apart.
    const tail = statements.getRemainingSQL();
    if (refused !== null) {
      first.value.free();
      return { status: "denied", held: encoder.encode(refused) };
    }
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
    return { status: "invalid", held: encoder.encode("one statement per call: the text holds a second one") };
  }

  // Binds the params; the host's message when their number is not the
  // statement's. sql.js has no sqlite3_bind_parameter_count, but SQLite
  // refuses a number bound past the last parameter (sql.js throws for
  // numbers, not for null): n zeros bind and n + 1 do not exactly when the
  // statement has n parameters.
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
    const given = params.length;
    if (fits(given) && !fits(given + 1)) {
      stmt.bind(params.map(bindable));
      // sql.js binds a whole number as an integer: a float param is REAL whatever its value.
      params.forEach((p, i) => typeof p === "number" && this.sqlJs._sqlite3_bind_double(stmt.stmt, i + 1, p));
      return null;
    }
    // The count: the largest n that fits (SQLite allows at most 32,766).
    let lo = 0;
    let hi = 32_767;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    return `${given} parameters given, the statement has ${lo}`;
  }

  // Every row, within max_rows and max_result (its size in bytes).
  private rows(stmt: SqlJsStatement): SqlOutcome {
    const head = `{"columns":${JSON.stringify(stmt.getColumnNames())},"rows":[`;
    const rows: string[] = [];
    let size = Buffer.byteLength(head) + 2;
    while (stmt.step()) {
      if (rows.length === this.limits.maxRows) return { status: "too_large" };
      const row = `[${stmt.get(null, { useBigInt: true }).map(jsonValue).join(",")}]`;
      size += Buffer.byteLength(row) + (rows.length > 0 ? 1 : 0);
      if (size > this.limits.maxResult) return { status: "too_large" };
      rows.push(row);
    }
    return { status: "ok", held: encoder.encode(`${head}${rows.join(",")}]}`) };
  }

  // Runs the statement to its end: the rows it changed (0 when it changed
  // none: SQLite's counter keeps the previous statement's) and the rowid it
  // inserted (0 when none: the host resets the counter before each call,
  // which sql.js cannot, so an unchanged counter reads as 0).
  private counts(db: SqlJsDatabase, stmt: SqlJsStatement, before: string): SqlOutcome {
    const [lastBefore] = this.row(db, "SELECT last_insert_rowid()");
    while (stmt.step());
    const [changes, lastId, total] = this.row(db, "SELECT changes(), last_insert_rowid(), total_changes()");
    const affected = String(total) !== before.split("/")[0] ? changes : 0;
    const inserted = lastId !== lastBefore ? lastId : 0;
    return { status: "ok", held: encoder.encode(`{"rows_affected":${affected},"last_insert_id":${inserted}}`) };
  }

  // Reports a database's new image (export reopens it: its settings again).
  private changed(name: string, db: SqlJsDatabase): void {
    this.onChange(name, db.export());
    this.settle(name, db);
  }
}
