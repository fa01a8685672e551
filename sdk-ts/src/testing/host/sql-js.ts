// sql.js (SQLite compiled to WebAssembly) as the harness uses it: loaded
// through require, typed here by what the harness calls (the package ships
// no types). Node 20 has no node:sqlite.
import { createRequire } from "node:module";

/** A value sql.js binds or returns: BigInt for integers read with useBigInt. */
export type SqlJsValue = null | number | bigint | string | Uint8Array;

/** A prepared statement of sql.js. */
export interface SqlJsStatement {
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
  iterateStatements(sql: string): SqlJsStatementIterator;
  getRowsModified(): number;
  /** The database's file image. It closes and reopens the database: connection pragmas are reset. */
  export(): Uint8Array;
  close(): void;
}

/** The sql.js module: opens databases, empty or from a file image. */
export interface SqlJsStatic {
  Database: new (image?: Uint8Array) => SqlJsDatabase;
}

let loading: Promise<SqlJsStatic> | undefined;

/** Loads sql.js once per thread. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  const init = createRequire(import.meta.url)("sql.js") as () => Promise<SqlJsStatic>;
  return (loading ??= init());
}

/** True for a sql.js Database (what a test may give as a database's contents). */
export function isSqlJsDatabase(value: unknown): value is SqlJsDatabase {
  return typeof value === "object" && value !== null && typeof (value as SqlJsDatabase).export === "function";
}
