// What the Go host's SQLite authorizer refuses (docs/host-abi.md, "SQL
// databases"; sqldb/sqlite_auth.go): ATTACH, DETACH, VACUUM (INTO),
// pragmas other than those that read, temporary objects, transaction
// statements, changes() and total_changes(). sql.js exposes no authorizer,
// so the harness recognises these statements by their tokens: by the
// leading ones, which SQLite's grammar fixes for each kind of statement
// (it has already been prepared: it is one valid statement), and by a
// function's name before "(" or a write's "temp.".

interface Token {
  /** Lower-cased for words; the character itself for punctuation. */
  text: string;
  /** As written (quotes removed). */
  original: string;
  /** True for a bare word (a keyword or an unquoted name). */
  word: boolean;
}

/** The tokens of a statement, comments and white space skipped. */
function tokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z0-9_$]+/.exec(sql.slice(i))![0];
      out.push({ text: m.toLowerCase(), original: m, word: true });
      i += m.length;
    } else if (c === '"' || c === "`" || c === "'" || c === "[") {
      const close = c === "[" ? "]" : c;
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === close) {
          if (close !== "]" && sql[j + 1] === close) j++;
          else break;
        }
      }
      const inner = sql.slice(i + 1, j);
      // A quoted name is still the name (`"temp".t`); a string is not a word.
      out.push({ text: inner.toLowerCase(), original: inner, word: c !== "'" });
      i = j + 1;
    } else {
      out.push({ text: c, original: c, word: false });
      i++;
    }
  }
  return out;
}

const TRANSACTION = new Set(["begin", "commit", "end", "rollback", "savepoint", "release"]);
const WRITES = new Set(["insert", "replace", "update", "delete", "create", "drop", "alter"]);

// The Go host's messages (sqldb/sqlite_auth.go, sqlite_errors.go).
const ATTACH = "ATTACH, DETACH, VACUUM and VACUUM INTO are not allowed";
const TEMP = "temporary objects are not allowed: they would outlive the call";
const TRANSACTIONS = "transactions are not allowed: each call commits on its own";

// Pragmas a guest may run: those that read the schema (any argument) and
// those that read a setting (no argument), as the Go host allows them.
const SCHEMA_PRAGMAS = new Set([
  "table_info",
  "table_xinfo",
  "table_list",
  "index_list",
  "index_info",
  "index_xinfo",
  "foreign_key_list",
  "foreign_key_check",
]);
const SETTING_PRAGMAS = new Set([
  "user_version",
  "application_id",
  "schema_version",
  "data_version",
  "page_count",
  "page_size",
  "freelist_count",
  "encoding",
  "foreign_keys",
  "journal_mode",
  "collation_list",
  "function_list",
  "module_list",
  "pragma_list",
  "compile_options",
  "integrity_check",
  "quick_check",
]);
// Functions the Go host refuses: their counters would tell one call of a pooled connection about another.
const REFUSED_FUNCTIONS = new Set(["changes", "total_changes"]);

/**
 * The Go host's message when its authorizer refuses the statement, or
 * null when it does not. The statement is one prepared statement's text.
 */
export function refusal(sql: string): string | null {
  let t = tokens(sql);
  // EXPLAIN [QUERY PLAN] <statement>: the authorizer sees the statement.
  if (t[0]?.text === "explain") t = t.slice(t[1]?.text === "query" ? 3 : 1);
  const first = t[0]?.word ? t[0].text : "";
  if (first === "attach" || first === "detach" || first === "vacuum") return ATTACH;
  if (TRANSACTION.has(first)) return TRANSACTIONS;
  if (first === "pragma") {
    // PRAGMA [schema.]name [= value | (value)]
    const at = t[2]?.text === "." ? 3 : 1;
    const name = t[at]?.original ?? "";
    const next = t[at + 1]?.text;
    const argument = next === "=" || next === "(";
    const allowed = SCHEMA_PRAGMAS.has(name.toLowerCase()) || (!argument && SETTING_PRAGMAS.has(name.toLowerCase()));
    return allowed ? null : `PRAGMA ${name} is not allowed here`;
  }
  if (first === "create" && (t[1]?.text === "temp" || t[1]?.text === "temporary")) return TEMP;
  for (let i = 0; i + 1 < t.length; i++) {
    const word = t[i]!.word ? t[i]!.text : "";
    // A write naming the temp schema (`CREATE TABLE temp.x`, `INSERT INTO temp.x`).
    if (WRITES.has(first) && (word === "temp" || word === "temporary") && t[i + 1]!.text === ".") return TEMP;
    if (REFUSED_FUNCTIONS.has(word) && t[i + 1]!.text === "(") return `${word}() is not allowed`;
  }
  return null;
}
