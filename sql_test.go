package gojinn_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/internal/testguest"
)

// The SQL tests run testdata/guests/sql-call.wat: a request's body is one
// call, hex-encoded ('q' or 'e', then the request object), the answer has
// the call's status in X-Sql-Status and what its handle held, in hex.

// sqlCall sends one call to path: its HTTP status, the call's status name
// and what its handle held.
func sqlCall(t *testing.T, tester *caddytest.Tester, path, fn, req string) (int, string, string) {
	t.Helper()
	body := hex.EncodeToString([]byte(fn[:1] + req))
	resp, got := do(t, tester, newRequest(t, "POST", base+path, strings.NewReader(body)))
	if resp.StatusCode != 200 {
		return resp.StatusCode, "", got
	}
	n, err := strconv.Atoi(resp.Header.Get("X-Sql-Status"))
	held, herr := hex.DecodeString(got)
	if err != nil || herr != nil {
		t.Fatalf("%s %s: a bad answer: %v %q", path, req, resp.Header, got)
	}
	return resp.StatusCode, host.Status(n).String(), string(held)
}

// sqlRequest is a request object for db with the statement and params.
func sqlRequest(db, stmt string, params ...string) string {
	return fmt.Sprintf(`{"db": %q, "sql": %q, "params": [%s]}`, db, stmt, strings.Join(params, ", "))
}

// wantSQL checks a call's status and what its handle held (a prefix
// when held ends with "…").
func wantSQL(t *testing.T, tester *caddytest.Tester, path, fn, req, status, held string) {
	t.Helper()
	code, st, got := sqlCall(t, tester, path, fn, req)
	prefix, isPrefix := strings.CutSuffix(held, "…")
	if code != 200 || st != status || (isPrefix && !strings.HasPrefix(got, prefix)) || (!isPrefix && got != held) {
		t.Fatalf("%s %s %.200s: %d %s %q, want %s %q", path, fn, req, code, st, got, status, held)
	}
}

// sqliteServer serves sql-call with the database "main", a SQLite file
// in a fresh data_dir: /rw with `sql main`, /ro with `sql main read`,
// /none without a grant, /short with a 300ms timeout.
func sqliteServer(t *testing.T) (*caddytest.Tester, string, string) {
	t.Helper()
	dir := stateDir(t)
	wasm := testguest.WAT(t, "sql-call")
	tester, logFile := kvServer(t, fmt.Sprintf("\t\tdata_dir %s\n\t\tdatabase main sqlite app.db {\n\t\t\tmax_rows 5\n\t\t\tmax_result 2KiB\n\t\t}", dir),
		fmt.Sprintf(`http://127.0.0.1:9080 {
	handle /rw {
		gojinn %[1]s {
			sql main
		}
	}
	handle /ro {
		gojinn %[1]s {
			sql main read
		}
	}
	handle /none {
		gojinn %[1]s
	}
	handle /short {
		gojinn %[1]s {
			sql main readwrite
			timeout 300ms
		}
	}
}
`, wasm))
	return tester, filepath.Join(dir, "app.db"), logFile
}

// TestSQLiteThroughCaddy: a guest creates a table in a file under the
// app's data_dir, writes typed values with params and reads them back;
// a handler without the grant is denied; errors carry the database's
// message.
func TestSQLiteThroughCaddy(t *testing.T) {
	tester, file, _ := sqliteServer(t)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT UNIQUE, score REAL, data BLOB, n INTEGER)"),
		"ok", `{"rows_affected":0,"last_insert_id":0}`)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the database is not under data_dir: %v", err)
	}
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "INSERT INTO notes (title, score, data, n) VALUES (?, ?, ?, ?)",
		`"héllo \"x\""`, `2.5`, `{"blob": "AAH/"}`, `9007199254740993`), "ok", `{"rows_affected":1,"last_insert_id":1}`)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "INSERT INTO notes (title, score, n) VALUES (?2, ?1, ?3)", `1e3`, `"b"`, `null`),
		"ok", `{"rows_affected":1,"last_insert_id":2}`)
	wantSQL(t, tester, "/ro", "query", sqlRequest("main", "SELECT * FROM notes ORDER BY id"), "ok",
		`{"columns":["id","title","score","data","n"],"rows":[[1,"héllo \"x\"",2.5,{"blob":"AAH/"},9007199254740993],[2,"b",1000.0,null,null]]}`)
	wantSQL(t, tester, "/rw", "query", sqlRequest("main", "UPDATE notes SET score = score + 1 WHERE id = ? RETURNING id, score", `1`), "ok",
		`{"columns":["id","score"],"rows":[[1,3.5]]}`)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "INSERT INTO notes (title) VALUES ('b')"), "conflict", "UNIQUE constraint failed: notes.title")
	wantSQL(t, tester, "/rw", "query", sqlRequest("main", "SELECT nope FROM notes"), "invalid", "no such column: nope")
	wantSQL(t, tester, "/rw", "query", sqlRequest("main", "SELECT 1; SELECT 2"), "invalid", "one statement per call…")
	wantSQL(t, tester, "/rw", "query", sqlRequest("main", "SELECT ?"), "invalid", "0 parameters given, the statement has 1")
	wantSQL(t, tester, "/rw", "query", `{"db": "main"}`, "invalid", "")
	wantSQL(t, tester, "/none", "query", sqlRequest("main", "SELECT 1"), "denied", "")
	wantSQL(t, tester, "/rw", "query", sqlRequest("other", "SELECT 1"), "denied", "")
}

// fileSum is the SHA-256 of the database's file and its WAL.
func fileSum(t *testing.T, file string) string {
	t.Helper()
	h := sha256.New()
	for _, f := range []string{file, file + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestSQLiteReadGrantThroughCaddy: under `sql main read` every write is
// denied by SQLite itself (a read-only connection), with its message,
// and the file is unchanged; reads work.
func TestSQLiteReadGrantThroughCaddy(t *testing.T) {
	tester, file, _ := sqliteServer(t)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "CREATE TABLE t (v TEXT)"), "ok", `{"rows_affected":0,"last_insert_id":0}`)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "INSERT INTO t VALUES ('kept')"), "ok", `{"rows_affected":1,"last_insert_id":1}`)
	before := fileSum(t, file)
	for _, stmt := range []string{"INSERT INTO t VALUES ('no')", "UPDATE t SET v = 'no'", "DELETE FROM t", "DROP TABLE t", "CREATE TABLE u (a)", "CREATE INDEX i ON t (v)"} {
		wantSQL(t, tester, "/ro", "exec", sqlRequest("main", stmt), "denied", "attempt to write a readonly database")
	}
	wantSQL(t, tester, "/ro", "query", sqlRequest("main", "INSERT INTO t VALUES ('no') RETURNING v"), "denied", "attempt to write a readonly database")
	if after := fileSum(t, file); after != before {
		t.Fatal("the database's files changed under a read grant")
	}
	wantSQL(t, tester, "/ro", "query", sqlRequest("main", "SELECT v FROM t"), "ok", `{"columns":["v"],"rows":[["kept"]]}`)
}

// TestSQLiteAuthorizerThroughCaddy: whatever the grant, statements that
// could reach other files or leave state on the pooled connection are
// denied, and write nothing.
func TestSQLiteAuthorizerThroughCaddy(t *testing.T) {
	tester, file, _ := sqliteServer(t)
	other := filepath.Join(filepath.Dir(file), "copy.db")
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "CREATE TABLE t (v TEXT)"), "ok", `{"rows_affected":0,"last_insert_id":0}`)
	for _, c := range []struct{ stmt, msg string }{
		{"ATTACH '" + other + "' AS o", "ATTACH, DETACH, VACUUM and VACUUM INTO are not allowed"},
		{"VACUUM INTO '" + other + "'", "ATTACH, DETACH, VACUUM and VACUUM INTO are not allowed"},
		{"PRAGMA journal_mode = DELETE", "PRAGMA journal_mode is not allowed here"},
		{"PRAGMA user_version = 3", "PRAGMA user_version is not allowed here"},
		{"CREATE TEMP TABLE x (a)", "temporary objects are not allowed…"},
		{"CREATE TABLE temp.x (a)", "temporary objects are not allowed…"},
		{"CREATE TEMP VIEW v AS SELECT 1", "temporary objects are not allowed…"},
		{"BEGIN", "transactions are not allowed…"},
		{"SAVEPOINT s", "transactions are not allowed…"},
		{"SELECT changes()", "changes() is not allowed"},
	} {
		for _, path := range []string{"/rw", "/ro"} {
			wantSQL(t, tester, path, "exec", sqlRequest("main", c.stmt), "denied", c.msg)
		}
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Fatalf("a denied statement wrote %s: %v", other, err)
	}
	wantSQL(t, tester, "/ro", "query", sqlRequest("main", "PRAGMA table_info(t)"), "ok", `{"columns":["cid","name","type","notnull","dflt_value","pk"],"rows":[[0,"v","TEXT",0,null,0]]}`)
}

// TestSQLiteStateStaysInItsCall: nothing one call does reaches the next
// on the same pooled connection: its last insert id, its counts.
func TestSQLiteStateStaysInItsCall(t *testing.T) {
	tester, _, _ := sqliteServer(t)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"), "ok", `{"rows_affected":0,"last_insert_id":0}`)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "INSERT INTO t (v) VALUES ('a'), ('b')"), "ok", `{"rows_affected":2,"last_insert_id":2}`)
	// The writer's next call, an UPDATE, reports neither the insert's id
	// nor, on a DDL statement after it, its count.
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "UPDATE t SET v = 'c' WHERE id = 1"), "ok", `{"rows_affected":1,"last_insert_id":0}`)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "CREATE INDEX i ON t (v)"), "ok", `{"rows_affected":0,"last_insert_id":0}`)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "INSERT INTO t (v) VALUES ('d')"), "ok", `{"rows_affected":1,"last_insert_id":3}`)
	wantSQL(t, tester, "/rw", "query", sqlRequest("main", "UPDATE t SET v = 'e' WHERE id = 3 RETURNING last_insert_rowid()"), "ok", `{"columns":["last_insert_rowid()"],"rows":[[0]]}`)
}

// TestSQLiteLimitsThroughCaddy: results over max_rows or max_result are
// too_large, never truncated; a query that outlives the run's timeout is
// stopped and the client gets 504.
func TestSQLiteLimitsThroughCaddy(t *testing.T) {
	tester, _, _ := sqliteServer(t)
	const upTo = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT x FROM c"
	wantSQL(t, tester, "/rw", "query", sqlRequest("main", upTo, "5"), "ok", `{"columns":["x"],"rows":[[1],[2],[3],[4],[5]]}`)
	wantSQL(t, tester, "/rw", "query", sqlRequest("main", upTo, "6"), "too_large", "")
	wantSQL(t, tester, "/ro", "query", sqlRequest("main", "SELECT zeroblob(2000)"), "too_large", "")
	start := time.Now()
	code, _, _ := sqlCall(t, tester, "/short", "query", sqlRequest("main", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"))
	if took := time.Since(start); code != 504 || took > 10*time.Second {
		t.Fatalf("an endless query: %d after %s, want 504 after the 300ms timeout", code, took)
	}
	wantSQL(t, tester, "/short", "query", sqlRequest("main", "SELECT 1"), "ok", `{"columns":["1"],"rows":[[1]]}`)
}

// TestSQLGrantErrors: a grant naming a database the app lacks fails the
// load naming it; so do a bad database line and a repeated grant.
func TestSQLGrantErrors(t *testing.T) {
	wasm := testguest.WAT(t, "sql-call")
	site := func(grants string) string {
		return fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n%s\n\t}\n}\n", wasm, grants)
	}
	caddytest.AssertLoadError(t, kvGlobals(filepath.Join(t.TempDir(), "l"), "\t\tdatabase main sqlite "+filepath.Join(t.TempDir(), "a.db"))+site("\t\tsql other"),
		"caddyfile", `sql: the gojinn app has no database \"other\"`)
	caddytest.AssertLoadError(t, kvGlobals(filepath.Join(t.TempDir(), "l"), "")+site("\t\tsql main\n\t\tsql main read"),
		"caddyfile", "sql main is given twice")
	caddytest.AssertLoadError(t, kvGlobals(filepath.Join(t.TempDir(), "l"), "")+site("\t\tsql main write"),
		"caddyfile", `sql main: unknown mode \"write\": want read or readwrite`)
	caddytest.AssertLoadError(t, kvGlobals(filepath.Join(t.TempDir(), "l"), "\t\tdatabase main mysql x")+site(""),
		"caddyfile", "database takes a name, sqlite or postgres, and a file or a dsn")
	caddytest.AssertLoadError(t, kvGlobals(filepath.Join(t.TempDir(), "l"), "\t\tdatabase main sqlite a.db {\n\t\t\tread_dsn x\n\t\t}")+site(""),
		"caddyfile", "read_dsn is for postgres")
	caddytest.AssertLoadError(t, kvGlobals(filepath.Join(t.TempDir(), "l"), "\t\tdatabase main sqlite a.db\n\t\tdatabase main sqlite b.db")+site(""),
		"caddyfile", "database main is given twice")
	caddytest.AssertLoadError(t, kvGlobals(filepath.Join(t.TempDir(), "l"), "\t\tdatabase main postgres postgres://u@127.0.0.1:1/d")+site("\t\tsql main read"),
		"caddyfile", "a read grant needs read_dsn")
}

// TestSQLiteAcrossReload: a reload opens the database anew (the old
// config's connections close after their calls): rows written before it
// are read after it, and writes go on.
func TestSQLiteAcrossReload(t *testing.T) {
	dir := stateDir(t)
	wasm := testguest.WAT(t, "sql-call")
	load := func(timeout string) *caddytest.Tester {
		tester, _ := kvServer(t, fmt.Sprintf("\t\tdata_dir %s\n\t\tdatabase main sqlite app.db {\n\t\t\ttimeout %s\n\t\t}", dir, timeout),
			fmt.Sprintf("http://127.0.0.1:9080 {\n\thandle /rw {\n\t\tgojinn %s {\n\t\t\tsql main\n\t\t}\n\t}\n}\n", wasm))
		return tester
	}
	tester := load("5s")
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "CREATE TABLE t (v TEXT)"), "ok", `{"rows_affected":0,"last_insert_id":0}`)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "INSERT INTO t VALUES ('before')"), "ok", `{"rows_affected":1,"last_insert_id":1}`)
	tester = load("4s")
	wantSQL(t, tester, "/rw", "exec", sqlRequest("main", "INSERT INTO t VALUES ('after')"), "ok", `{"rows_affected":1,"last_insert_id":2}`)
	wantSQL(t, tester, "/rw", "query", sqlRequest("main", "SELECT v FROM t ORDER BY rowid"), "ok", `{"columns":["v"],"rows":[["before"],["after"]]}`)
}
