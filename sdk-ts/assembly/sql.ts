import { fetch_close, outCell, outU32, sql_exec, sql_query, STATUS_OK, statusName } from "./abi";
import { readPart, readPartStatus } from "./fetch";
import { JsonReader } from "./jsonread";
import { readSqlValue, SqlValue } from "./sqlvalue";
import { decodeUtf8, Utf8Writer } from "./utf8";

// The last call's status (i32 at 0) and the database's message (its bytes'
// address at 4 and length at 8, in a heap block): static memory rather than
// globals (every global costs the host allocations at each instantiation).
// @ts-ignore: decorator
@lazy const lastCell = memory.data(12);

// Statuses whose handle may hold the database's message (docs/host-abi.md).
// @ts-ignore: decorator
@inline const STATUS_DENIED: i32 = 2;
// @ts-ignore: decorator
@inline const STATUS_INVALID: i32 = 5;
// @ts-ignore: decorator
@inline const STATUS_CONFLICT: i32 = 10;

// The slack JsonReader needs after a result (see readPart).
// @ts-ignore: decorator
@inline const SLACK: usize = 32;

/** A row of a query's result: its values, by index or by column name. */
export class SqlRow {
  constructor(
    private columns: string[],
    /** The values, in the order of the columns. */
    public readonly values: SqlValue[],
  ) {}

  /** The number of values. */
  get length(): i32 {
    return this.values.length;
  }

  /** The value at the index (`i32`) or of the column named (`string`); NULL when there is none. */
  value<K>(column: K): SqlValue {
    let i: i32 = -1;
    if (isString<K>()) i = this.columns.indexOf(changetype<string>(column));
    else if (isInteger<K>()) i = <i32>column;
    else ERROR("a column is an i32 index or a string name");
    return i >= 0 && i < this.values.length ? this.values[i] : SqlValue.null();
  }

  /** True when the value is NULL (or there is no such column). */
  isNull<K>(column: K): bool {
    return this.value<K>(column).isNull;
  }

  /** The value as an integer (see SqlValue.asInt). */
  int<K>(column: K): i64 {
    return this.value<K>(column).asInt();
  }

  /** The value as a float (see SqlValue.asFloat). */
  float<K>(column: K): f64 {
    return this.value<K>(column).asFloat();
  }

  /** The value as text; "" for NULL (see SqlValue.asText). */
  text<K>(column: K): string {
    return this.value<K>(column).asText();
  }

  /** The value as bytes (see SqlValue.asBlob). */
  blob<K>(column: K): Uint8Array {
    return this.value<K>(column).asBlob();
  }

  /** The value as a boolean (see SqlValue.asBool). */
  bool<K>(column: K): bool {
    return this.value<K>(column).asBool();
  }
}

/** What `sql.query` returns: the column names and every row. */
export class SqlRows {
  constructor(
    /** The column names, in order. */
    public readonly columns: string[],
    /** The rows, in the order the database returned them. */
    public readonly rows: SqlRow[],
  ) {}

  /** The number of rows. */
  get length(): i32 {
    return this.rows.length;
  }

  /** The row at `index`. */
  row(index: i32): SqlRow {
    return this.rows[index];
  }
}

/** What `sql.exec` returns. */
export class SqlResult {
  constructor(
    /** Rows inserted, updated or deleted by the statement. */
    public readonly rowsAffected: i64,
    /** SQLite: the rowid of the last row inserted; PostgreSQL: 0 (use `RETURNING` with `sql.query`). */
    public readonly lastInsertId: i64,
  ) {}
}

// Runs one sql_query or sql_exec; the address of its result's JSON (SLACK
// bytes after it), or 0 with the status (and message) recorded.
function call(exec: bool, db: string, text: string, params: SqlValue[]): usize {
  const w = new Utf8Writer(<usize>(db.length + text.length) + 32);
  w.text('{"db":');
  w.jsonString(db);
  w.text(',"sql":');
  w.jsonString(text);
  const n = params.length;
  if (n > 0) {
    w.text(',"params":[');
    for (let i = 0; i < n; i++) {
      if (i > 0) w.byte(0x2c);
      params[i].writeJson(w);
    }
    w.byte(0x5d);
  }
  w.byte(0x7d);
  // A call that fails before the database answers writes no handle.
  store<u64>(outCell, 0);
  const status = exec ? sql_exec(w.start, w.length, outCell) : sql_query(w.start, w.length, outCell);
  heap.free(w.start);
  store<i32>(lastCell, status);
  store<u32>(lastCell, 0, 8);
  const handle = outU32(0);
  const size = <usize>outU32(4);
  if (status != STATUS_OK) {
    if (handle != 0 && (status == STATUS_DENIED || status == STATUS_INVALID || status == STATUS_CONFLICT)) {
      const message = readPart(handle, true, size, 0);
      if (message != 0) {
        const length = <usize>changetype<ArrayBuffer>(message).byteLength;
        const copy = heap.alloc(length);
        memory.copy(copy, message, length);
        store<usize>(lastCell, copy, 4);
        store<u32>(lastCell, <u32>length, 8);
      }
    }
    if (handle != 0) fetch_close(handle);
    return 0;
  }
  const result = readPart(handle, true, size, SLACK);
  fetch_close(handle);
  if (result == 0) store<i32>(lastCell, readPartStatus());
  return result;
}

// The byte length of a result read by call (without the slack).
function resultLength(result: usize): usize {
  return <usize>changetype<ArrayBuffer>(result).byteLength - SLACK;
}

// Reads `[v, ...]` into a new array of values.
function readRow(r: JsonReader): SqlValue[] {
  const values = new Array<SqlValue>();
  r.expect(0x5b, "expected a row");
  if (r.accept(0x5d)) return values;
  do values.push(readSqlValue(r));
  while (r.accept(0x2c));
  r.expect(0x5d, "expected ',' or ']'");
  return values;
}

// Decodes `{"columns": [...], "rows": [[...], ...]}`.
function decodeRows(ptr: usize, length: usize): SqlRows {
  const r = new JsonReader(ptr, length);
  const columns = new Array<string>();
  const values = new Array<SqlValue[]>();
  r.expect(0x7b, "expected the query's result");
  if (!r.accept(0x7d)) {
    do {
      const key = r.readString();
      r.expect(0x3a, "expected ':'");
      if (key == "columns") {
        r.expect(0x5b, "expected the columns");
        if (!r.accept(0x5d)) {
          do columns.push(r.readString());
          while (r.accept(0x2c));
          r.expect(0x5d, "expected ',' or ']'");
        }
      } else if (key == "rows") {
        r.expect(0x5b, "expected the rows");
        if (!r.accept(0x5d)) {
          do values.push(readRow(r));
          while (r.accept(0x2c));
          r.expect(0x5d, "expected ',' or ']'");
        }
      } else {
        r.skipValue(0);
      }
    } while (r.accept(0x2c));
  }
  const rows = new Array<SqlRow>(values.length);
  for (let i = 0, n = values.length; i < n; i++) rows[i] = new SqlRow(columns, values[i]);
  return new SqlRows(columns, rows);
}

// Decodes `{"rows_affected": 1, "last_insert_id": 7}`.
function decodeResult(ptr: usize, length: usize): SqlResult {
  const r = new JsonReader(ptr, length);
  let affected: i64 = 0;
  let lastId: i64 = 0;
  r.expect(0x7b, "expected the statement's result");
  if (!r.accept(0x7d)) {
    do {
      const key = r.readString();
      r.expect(0x3a, "expected ':'");
      if (key == "rows_affected") affected = readSqlValue(r).asInt();
      else if (key == "last_insert_id") lastId = readSqlValue(r).asInt();
      else r.skipValue(0);
    } while (r.accept(0x2c));
  }
  return new SqlResult(affected, lastId);
}

/**
 * SQL databases the handler was granted (`sql main` or `sql main read` in
 * its Caddyfile block; docs/sql.md). Each call runs one statement, with
 * positional parameters (`?` for SQLite, `$1` for PostgreSQL), and commits
 * on its own. No call aborts the handler: a failure is null, and
 * `sql.lastError()` / `sql.lastMessage()` say why.
 *
 * ```ts
 * const rows = sql.query("main", "SELECT id, name FROM users WHERE id = ?", [SqlValue.int(42)]);
 * if (rows === null) return Response.text("db: " + sql.lastError()!, 500);
 * for (let i = 0; i < rows.length; i++) log.info(rows.row(i).text("name"));
 * ```
 */
export namespace sql {
  /** Runs a statement that returns rows (SELECT, or a write with RETURNING); null on a failure. */
  export function query(db: string, text: string, params: SqlValue[] = []): SqlRows | null {
    const result = call(false, db, text, params);
    if (result == 0) return null;
    return decodeRows(result, resultLength(result));
  }

  /** Runs a statement for its effect (INSERT, UPDATE, DELETE, CREATE); null on a failure. */
  export function exec(db: string, text: string, params: SqlValue[] = []): SqlResult | null {
    const result = call(true, db, text, params);
    if (result == 0) return null;
    return decodeResult(result, resultLength(result));
  }

  /**
   * What the last call failed with: `"denied"` (database not granted, a
   * write under a read grant, a statement the host refuses), `"invalid"`
   * (an SQL error, a second statement, wrong parameters), `"conflict"` (a
   * constraint), `"too_large"` (over the database's max_rows or
   * max_result), `"timeout"`, `"unavailable"`, `"io_error"`
   * (docs/host-abi.md); null when it succeeded or before any call.
   */
  export function lastError(): string | null {
    const status = load<i32>(lastCell);
    return status > 0 ? statusName(status) : null;
  }

  /** The database's own message for the last failure (`no such table: users`); null when the host gave none. */
  export function lastMessage(): string | null {
    const length = <usize>load<u32>(lastCell, 8);
    if (load<i32>(lastCell) <= 0 || length == 0) return null;
    return decodeUtf8(load<usize>(lastCell, 4), length);
  }
}
