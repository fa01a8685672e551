// What the Go host's SQLite authorizer refuses (docs/host-abi.md, "SQL
// databases"): ATTACH, DETACH, VACUUM INTO, writing pragmas, temporary
// objects, transaction statements, load_extension. sql.js exposes no
// authorizer, so the harness recognises these statements by their leading
// tokens, which SQLite's grammar fixes for each of them: the statement has
// already been prepared, so it is one valid statement.

interface Token {
  /** Lower-cased for words; the character itself for punctuation. */
  text: string;
  /** True for a bare word (a keyword or an unquoted name). */
  word: boolean;
}

/** The first `max` tokens of a statement, comments and white space skipped. */
function tokens(sql: string, max: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length && out.length < max) {
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
      out.push({ text: m.toLowerCase(), word: true });
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
      const inner = sql.slice(i + 1, j).toLowerCase();
      // A quoted name is still the name (`"temp".t`); a string is not a word.
      out.push({ text: inner, word: c !== "'" });
      i = j + 1;
    } else {
      out.push({ text: c, word: false });
      i++;
    }
  }
  return out;
}

const TRANSACTION = new Set(["begin", "commit", "end", "rollback", "savepoint", "release"]);

/** Pragmas that take an argument only to read (the schema's description), allowed as any read is. */
const READING_PRAGMAS = new Set([
  "table_info",
  "table_xinfo",
  "table_list",
  "index_info",
  "index_xinfo",
  "index_list",
  "foreign_key_list",
  "foreign_key_check",
  "integrity_check",
  "quick_check",
]);

/**
 * Why the host's authorizer refuses the statement, or null when it does
 * not. The statement is one prepared statement's text.
 */
export function refusal(sql: string): string | null {
  let t = tokens(sql, 12);
  // EXPLAIN [QUERY PLAN] <statement>: the authorizer sees the statement.
  if (t[0]?.text === "explain") t = t.slice(t[1]?.text === "query" ? 3 : 1);
  const first = t[0]?.text ?? "";
  if (first === "attach" || first === "detach") return first.toUpperCase();
  if (TRANSACTION.has(first)) return "a transaction statement";
  if (first === "vacuum" && t.some((x) => x.word && x.text === "into")) return "VACUUM INTO";
  if (first === "pragma") {
    // PRAGMA [schema.]name [= value | (value)]
    const at = t[2]?.text === "." ? 3 : 1;
    const name = t[at]?.text ?? "";
    const next = t[at + 1]?.text;
    if ((next === "=" || next === "(") && !READING_PRAGMAS.has(name)) return "a pragma that writes";
    return null;
  }
  if (first === "create") {
    // CREATE [TEMP|TEMPORARY] [UNIQUE|VIRTUAL] TABLE|INDEX|VIEW|TRIGGER [IF NOT EXISTS] [schema.]name
    if (t[1]?.text === "temp" || t[1]?.text === "temporary") return "a temporary object";
    let at = 1;
    if (t[at]?.text === "unique" || t[at]?.text === "virtual") at++;
    at++; // the kind of object
    if (t[at]?.text === "if") at += 3;
    if ((t[at]?.text === "temp" || t[at]?.text === "temporary") && t[at + 1]?.text === ".") return "a temporary object";
  }
  return null;
}
