// sql.js (SQLite compiled to WebAssembly) as the harness uses it: loaded
// through require, typed here by what the harness calls (the package ships
// no types). Node 20 has no node:sqlite.
import { createRequire } from "node:module";

/** A value sql.js binds or returns: BigInt for integers read with useBigInt. */
export type SqlJsValue = null | number | bigint | string | Uint8Array;

/** A prepared statement of sql.js. */
export interface SqlJsStatement {
  /** The sqlite3_stmt pointer, for the C functions. */
  stmt: number;
  bind(values: SqlJsValue[]): boolean;
  step(): boolean;
  get(params: null, config: { useBigInt: boolean }): SqlJsValue[];
  getColumnNames(): string[];
  getSQL(): string;
  free(): boolean;
}

/** The statements of a text, one at a time: what follows the last one given is getRemainingSQL(). */
export interface SqlJsStatementIterator extends Iterator<SqlJsStatement> {
  getRemainingSQL(): string;
}

/** A database of sql.js, in memory. */
export interface SqlJsDatabase {
  exec(sql: string): Array<{ columns: string[]; values: SqlJsValue[][] }>;
  run(sql: string): SqlJsDatabase;
  /** The first statement of the text, prepared. */
  prepare(sql: string): SqlJsStatement;
  iterateStatements(sql: string): SqlJsStatementIterator;
  getRowsModified(): number;
  /** The database's file image. It closes and reopens the database: connection pragmas are reset. */
  export(): Uint8Array;
  close(): void;
}

/** The sql.js module: opens databases, empty or from a file image. */
export interface SqlJsStatic {
  Database: new (image?: Uint8Array) => SqlJsDatabase;
  /** SQLite's C function: sql.js binds a whole number as an integer, this binds it as REAL. */
  _sqlite3_bind_double(stmt: number, position: number, value: number): number;
}

let loading: Promise<SqlJsStatic> | undefined;

/**
 * Loads sql.js once per thread: its debug build, whose objects keep their
 * property names (the minified build renames a statement's `stmt`, which
 * binding a float as REAL needs); it runs statements at half the speed.
 */
export function loadSqlJs(): Promise<SqlJsStatic> {
  const init = createRequire(import.meta.url)("sql.js/dist/sql-wasm-debug.js") as () => Promise<SqlJsStatic>;
  return (loading ??= init());
}

/** True for a sql.js Database (what a test may give as a database's contents). */
export function isSqlJsDatabase(value: unknown): value is SqlJsDatabase {
  return typeof value === "object" && value !== null && typeof (value as SqlJsDatabase).export === "function";
}
