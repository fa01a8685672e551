package sqldb_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/sqldb"
)

// openSQLite opens a fresh SQLite database in a temporary directory and
// returns it with its read-write and read-only accesses.
func openSQLite(t testing.TB, cfg sqldb.Config) (db *sqldb.DB, rw, ro host.SQL) {
	t.Helper()
	cfg.Name, cfg.Kind = "main", sqldb.SQLite
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "sub", "main.db")
	}
	db, err := sqldb.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	rw, err = db.Access(false)
	if err != nil {
		t.Fatal(err)
	}
	ro, err = db.Access(true)
	if err != nil {
		t.Fatal(err)
	}
	return db, rw, ro
}

func mustExec(t testing.TB, db host.SQL, stmt string, params ...any) string {
	t.Helper()
	b, err := db.Exec(context.Background(), stmt, params)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return string(b)
}

func mustQuery(t testing.TB, db host.SQL, stmt string, params ...any) string {
	t.Helper()
	b, err := db.Query(context.Background(), stmt, params)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return string(b)
}

// wantSQLError checks err is a failure the database reported, with the
// status kind and a message containing msg.
func wantSQLError(t *testing.T, err error, kind error, msg string) {
	t.Helper()
	var e *host.SQLError
	if !errors.As(err, &e) || !errors.Is(err, kind) || !strings.Contains(e.Message, msg) {
		t.Fatalf("error %v, want a %v from the database saying %q", err, kind, msg)
	}
}

func TestSQLiteRoundTrip(t *testing.T) {
	_, rw, ro := openSQLite(t, sqldb.Config{})
	mustExec(t, rw, "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, f REAL, s TEXT, b BLOB, n TEXT)")
	got := mustExec(t, rw, "INSERT INTO t (i, f, s, b, n) VALUES (?, ?, ?, ?, ?)",
		int64(-9223372036854775808), 2.5, "ünï \"q\" \n\x01", []byte{0, 1, 0xff}, nil)
	if got != `{"rows_affected":1,"last_insert_id":1}` {
		t.Fatalf("insert: %s", got)
	}
	mustExec(t, rw, "INSERT INTO t (i, f, s) VALUES (?, ?, ?)", true, 3.0, "x")
	want := `{"columns":["id","i","f","s","b","n"],"rows":[` +
		`[1,-9223372036854775808,2.5,"ünï \"q\" \n\u0001",{"blob":"AAH/"},null],` +
		`[2,1,3.0,"x",null,null]]}`
	// The read-only access reads what the writer wrote (WAL).
	if got := mustQuery(t, ro, "SELECT * FROM t ORDER BY id"); got != want {
		t.Fatalf("rows:\n%s\nwant\n%s", got, want)
	}
	if got := mustQuery(t, rw, "SELECT * FROM t ORDER BY id"); got != want {
		t.Fatalf("rows (read-write):\n%s\nwant\n%s", got, want)
	}
	// Infinity is stored as REAL; text that is not UTF-8 reads with U+FFFD.
	if got := mustQuery(t, ro, "SELECT 1e999, -1e999, CAST(x'61ff' AS TEXT), 1e-7, 1e21"); got != `{"columns":["1e999","-1e999","CAST(x'61ff' AS TEXT)","1e-7","1e21"],"rows":[["Infinity","-Infinity","a`+"\ufffd"+`",1e-7,1e+21]]}` {
		t.Fatalf("special values: %s", got)
	}
	if got := mustQuery(t, ro, "SELECT id FROM t WHERE id > ?", int64(5)); got != `{"columns":["id"],"rows":[]}` {
		t.Fatalf("no rows: %s", got)
	}
}

// TestSQLiteCounts: rows_affected and last_insert_id are the call's own,
// never an earlier call's on the same pooled connection.
func TestSQLiteCounts(t *testing.T) {
	_, rw, _ := openSQLite(t, sqldb.Config{})
	mustExec(t, rw, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
	mustExec(t, rw, "INSERT INTO t (v) VALUES ('a'), ('b'), ('c')")
	if got := mustExec(t, rw, "UPDATE t SET v = 'z' WHERE id < 3"); got != `{"rows_affected":2,"last_insert_id":0}` {
		t.Fatalf("update: %s", got)
	}
	if got := mustExec(t, rw, "CREATE TABLE u (a)"); got != `{"rows_affected":0,"last_insert_id":0}` {
		t.Fatalf("create after update: %s", got)
	}
	if got := mustQuery(t, rw, "SELECT last_insert_rowid()"); got != `{"columns":["last_insert_rowid()"],"rows":[[0]]}` {
		t.Fatalf("last_insert_rowid: %s", got)
	}
}

func TestSQLiteReadGrantIsEnforcedByTheDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ro.db")
	_, rw, ro := openSQLite(t, sqldb.Config{Path: path})
	mustExec(t, rw, "CREATE TABLE t (v TEXT)")
	mustExec(t, rw, "INSERT INTO t VALUES ('kept')")
	for _, stmt := range []string{"INSERT INTO t VALUES ('no')", "DELETE FROM t", "DROP TABLE t", "CREATE TABLE u (a)"} {
		_, err := ro.Exec(context.Background(), stmt, nil)
		wantSQLError(t, err, host.ErrDenied, "readonly")
		_, err = ro.Query(context.Background(), stmt+" RETURNING *", nil)
		if err == nil {
			t.Fatalf("%s RETURNING * ran under a read grant", stmt)
		}
	}
	if got := mustQuery(t, ro, "SELECT v FROM t"); got != `{"columns":["v"],"rows":[["kept"]]}` {
		t.Fatalf("after refused writes: %s", got)
	}
}

// TestSQLiteFreshFileReaders: a read-only connection works on a file
// just created, before anything was written (WAL needs its -shm).
func TestSQLiteFreshFileReaders(t *testing.T) {
	_, _, ro := openSQLite(t, sqldb.Config{})
	if got := mustQuery(t, ro, "SELECT count(*) FROM sqlite_schema"); got != `{"columns":["count(*)"],"rows":[[0]]}` {
		t.Fatalf("fresh file: %s", got)
	}
	if got := mustQuery(t, ro, "PRAGMA journal_mode"); got != `{"columns":["journal_mode"],"rows":[["wal"]]}` {
		t.Fatalf("journal mode: %s", got)
	}
}

// TestSQLiteAuthorizer: whatever the grant, what could reach other files
// or stay on the pooled connection for the next call is denied.
func TestSQLiteAuthorizer(t *testing.T) {
	dir := t.TempDir()
	_, rw, ro := openSQLite(t, sqldb.Config{Path: filepath.Join(dir, "main.db")})
	mustExec(t, rw, "CREATE TABLE t (v TEXT)")
	other := filepath.Join(dir, "other.db")
	for _, c := range []struct{ stmt, msg string }{
		{"ATTACH '" + other + "' AS o", "ATTACH"},
		{"ATTACH ':memory:' AS m", "ATTACH"},
		{"DETACH main", "DETACH"},
		{"VACUUM INTO '" + other + "'", "VACUUM INTO"},
		{"VACUUM", "VACUUM"},
		{"PRAGMA user_version = 7", "PRAGMA user_version"},
		{"PRAGMA journal_mode = DELETE", "PRAGMA journal_mode"},
		{"PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys"},
		{"PRAGMA query_only = 1", "PRAGMA query_only"},
		{"PRAGMA writable_schema = 1", "PRAGMA writable_schema"},
		{"PRAGMA database_list", "PRAGMA database_list"},
		{"CREATE TEMP TABLE x (a)", "temporary"},
		{"CREATE TABLE temp.x (a)", "temporary"},
		{"CREATE TEMP VIEW v AS SELECT 1", "temporary"},
		{"CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", "temporary"},
		{"BEGIN", "transactions"},
		{"BEGIN IMMEDIATE", "transactions"},
		{"COMMIT", "transactions"},
		{"SAVEPOINT s", "transactions"},
		{"RELEASE s", "transactions"},
		{"SELECT changes()", "changes()"},
		{"SELECT total_changes()", "total_changes()"},
	} {
		for name, db := range map[string]host.SQL{"readwrite": rw, "read": ro} {
			_, err := db.Exec(context.Background(), c.stmt, nil)
			var e *host.SQLError
			if !errors.As(err, &e) || !errors.Is(err, host.ErrDenied) || !strings.Contains(e.Message, c.msg) {
				t.Errorf("%s under a %s grant: %v, want denied saying %q", c.stmt, name, err, c.msg)
			}
		}
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a denied statement wrote %s: %v", other, err)
	}
	// load_extension is not even built in.
	_, err := rw.Query(context.Background(), "SELECT load_extension('x')", nil)
	wantSQLError(t, err, host.ErrInvalid, "no such function")
	// Reading the schema and settings is allowed.
	for _, stmt := range []string{"PRAGMA table_info(t)", "PRAGMA user_version", "SELECT * FROM pragma_table_info('t')", "PRAGMA index_list('t')"} {
		mustQuery(t, ro, stmt)
	}
	if got := mustQuery(t, ro, "PRAGMA user_version"); got != `{"columns":["user_version"],"rows":[[0]]}` {
		t.Fatalf("user_version after the denied write: %s", got)
	}
}

func TestSQLiteOneStatement(t *testing.T) {
	_, rw, _ := openSQLite(t, sqldb.Config{})
	mustExec(t, rw, "CREATE TABLE t (v INTEGER)")
	_, err := rw.Exec(context.Background(), "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)", nil)
	wantSQLError(t, err, host.ErrInvalid, "one statement")
	_, err = rw.Exec(context.Background(), "INSERT INTO t VALUES (1); garbage", nil)
	wantSQLError(t, err, host.ErrInvalid, "one statement")
	mustExec(t, rw, "INSERT INTO t VALUES (3); -- a comment\n ")
	if got := mustQuery(t, rw, "SELECT v FROM t"); got != `{"columns":["v"],"rows":[[3]]}` {
		t.Fatalf("rows: %s", got)
	}
	_, err = rw.Exec(context.Background(), "-- nothing", nil)
	wantSQLError(t, err, host.ErrInvalid, "no statement")
}

func TestSQLiteErrors(t *testing.T) {
	_, rw, _ := openSQLite(t, sqldb.Config{})
	mustExec(t, rw, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE NOT NULL, p INTEGER REFERENCES t(id))")
	mustExec(t, rw, "INSERT INTO t (v) VALUES ('a')")
	ctx := context.Background()
	_, err := rw.Exec(ctx, "INSERT INTO t (v) VALUES ('a')", nil)
	wantSQLError(t, err, host.ErrConflict, "UNIQUE constraint failed: t.v")
	_, err = rw.Exec(ctx, "INSERT INTO t (v) VALUES (NULL)", nil)
	wantSQLError(t, err, host.ErrConflict, "NOT NULL")
	_, err = rw.Exec(ctx, "INSERT INTO t (v, p) VALUES ('b', 99)", nil)
	wantSQLError(t, err, host.ErrConflict, "FOREIGN KEY")
	_, err = rw.Query(ctx, "SELECT * FROM nope", nil)
	wantSQLError(t, err, host.ErrInvalid, "no such table: nope")
	_, err = rw.Query(ctx, "SELEC 1", nil)
	wantSQLError(t, err, host.ErrInvalid, "syntax error")
	_, err = rw.Query(ctx, "SELECT ?, ?", []any{int64(1)})
	wantSQLError(t, err, host.ErrInvalid, "1 parameters given, the statement has 2")
	_, err = rw.Query(ctx, "SELECT 1", []any{int64(1)})
	wantSQLError(t, err, host.ErrInvalid, "1 parameters given, the statement has 0")
}

func TestSQLiteCaps(t *testing.T) {
	_, rw, ro := openSQLite(t, sqldb.Config{MaxRows: 3, MaxResult: 100})
	const three = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT x FROM c"
	mustQuery(t, ro, three, int64(3))
	for _, db := range []host.SQL{rw, ro} {
		if _, err := db.Query(context.Background(), three, []any{int64(4)}); !errors.Is(err, host.ErrTooLarge) {
			t.Fatalf("4 rows over max_rows 3: %v", err)
		}
		if _, err := db.Query(context.Background(), "SELECT ?", []any{strings.Repeat("x", 90)}); !errors.Is(err, host.ErrTooLarge) {
			t.Fatalf("a result over max_result: %v", err)
		}
	}
	// No value larger than max_result or a request can be made: memory
	// stays bounded.
	for _, stmt := range []string{"SELECT length(zeroblob(1100000))", "SELECT length(randomblob(1000000000))", "SELECT length(printf('%.*c', 2000000, 'x'))"} {
		if _, err := rw.Query(context.Background(), stmt, nil); !errors.Is(err, host.ErrTooLarge) {
			t.Fatalf("%s: %v, want too_large", stmt, err)
		}
	}
	mustQuery(t, ro, "SELECT length(zeroblob(1000000))")
	// The exact size fits: {"columns":["?"],"rows":[["xx…"]]} is 31 + n bytes.
	if got := mustQuery(t, ro, "SELECT ?", strings.Repeat("x", 69)); len(got) != 100 {
		t.Fatalf("a result of exactly max_result: %d bytes: %s", len(got), got)
	}
}

func TestSQLiteTimeout(t *testing.T) {
	_, rw, ro := openSQLite(t, sqldb.Config{Timeout: 200 * time.Millisecond})
	const forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
	for _, db := range []host.SQL{rw, ro} {
		start := time.Now()
		_, err := db.Query(context.Background(), forever, nil)
		if !errors.Is(err, host.ErrTimeout) || time.Since(start) > 5*time.Second {
			t.Fatalf("endless query: %v after %s, want a timeout after 200ms", err, time.Since(start))
		}
	}
	// The run's stop (its context) ends a call as well.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := ro.Query(ctx, forever, nil); !errors.Is(err, host.ErrTimeout) {
		t.Fatalf("stopped run: %v", err)
	}
	// The connections are usable afterwards.
	mustQuery(t, ro, "SELECT 1")
	mustExec(t, rw, "CREATE TABLE t (a)")
}

// enteredCtx tells when a call has begun: sqldb derives the call's
// timeout from it (Done) once the call is counted in.
type enteredCtx struct {
	context.Context
	once    sync.Once
	entered chan struct{}
}

func (c *enteredCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.entered) })
	return c.Context.Done()
}

// TestSQLiteCloseWaitsForCalls: Close (a config reload) lets a call in
// flight finish on its connection; a later call is unavailable.
func TestSQLiteCloseWaitsForCalls(t *testing.T) {
	db, _, ro := openSQLite(t, sqldb.Config{Timeout: 10 * time.Second})
	parent, cancel := context.WithCancel(context.Background())
	ctx := &enteredCtx{Context: parent, entered: make(chan struct{})}
	done := make(chan error)
	go func() {
		_, err := ro.Query(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", nil)
		done <- err
	}()
	<-ctx.entered
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Query(context.Background(), "SELECT 1", nil); !errors.Is(err, host.ErrUnavailable) {
		t.Fatalf("a call after Close: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, host.ErrTimeout) {
		t.Fatalf("the call in flight: %v", err)
	}
}

func TestSQLiteBlobAndEmpty(t *testing.T) {
	_, rw, _ := openSQLite(t, sqldb.Config{})
	got := mustQuery(t, rw, "SELECT ? AS e, ? AS z, typeof(?) AS t", []byte{}, "", []byte{})
	if !bytes.Equal([]byte(got), []byte(`{"columns":["e","z","t"],"rows":[[{"blob":""},"","blob"]]}`)) {
		t.Fatalf("empty values: %s", got)
	}
}

// TestSQLiteStatementReuse: a statement kept prepared follows the
// schema and keeps nothing of its last call.
func TestSQLiteStatementReuse(t *testing.T) {
	_, rw, ro := openSQLite(t, sqldb.Config{Pool: 1})
	mustExec(t, rw, "CREATE TABLE t (a INTEGER)")
	mustExec(t, rw, "INSERT INTO t VALUES (1)")
	if got := mustQuery(t, ro, "SELECT * FROM t"); got != `{"columns":["a"],"rows":[[1]]}` {
		t.Fatalf("before: %s", got)
	}
	mustExec(t, rw, "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'")
	if got := mustQuery(t, ro, "SELECT * FROM t"); got != `{"columns":["a","b"],"rows":[[1,"x"]]}` {
		t.Fatalf("after ALTER TABLE: %s", got)
	}
	mustExec(t, rw, "DROP TABLE t")
	_, err := ro.Query(context.Background(), "SELECT * FROM t", nil)
	wantSQLError(t, err, host.ErrInvalid, "no such table: t")
	if got := mustQuery(t, ro, "SELECT ?1, ?2", "a", int64(2)); got != `{"columns":["?1","?2"],"rows":[["a",2]]}` {
		t.Fatalf("first: %s", got)
	}
	if got := mustQuery(t, ro, "SELECT ?1, ?2", nil, 3.5); got != `{"columns":["?1","?2"],"rows":[[null,3.5]]}` {
		t.Fatalf("again: %s", got)
	}
}

// TestSQLiteConcurrentCalls: calls from many runs at once share the
// pool (one writer, two readers here) without losing a write or failing.
func TestSQLiteConcurrentCalls(t *testing.T) {
	_, rw, ro := openSQLite(t, sqldb.Config{Pool: 2})
	mustExec(t, rw, "CREATE TABLE t (id INTEGER PRIMARY KEY, g INTEGER)")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := rw.Exec(context.Background(), "INSERT INTO t (g) VALUES (?)", []any{int64(g)}); err != nil {
					errs <- err
					return
				}
				if _, err := ro.Query(context.Background(), "SELECT count(*) FROM t WHERE g = ?", []any{int64(g)}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := mustQuery(t, ro, "SELECT count(*) FROM t"); got != `{"columns":["count(*)"],"rows":[[400]]}` {
		t.Fatalf("rows: %s", got)
	}
}

// TestSQLiteLockedIsUnavailable: a file whose write lock another process
// holds past the busy timeout makes a write unavailable; reads go on
// (WAL).
func TestSQLiteLockedIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	_, rw, ro := openSQLite(t, sqldb.Config{Path: path, Timeout: 4 * time.Second})
	mustExec(t, rw, "CREATE TABLE t (a INTEGER)")
	other, err := sqlite3.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = rw.Exec(context.Background(), "INSERT INTO t VALUES (2)", nil)
	if !errors.Is(err, host.ErrUnavailable) || time.Since(start) > 30*time.Second {
		t.Fatalf("a write while another process holds the lock: %v after %s, want unavailable after the 1s busy timeout", err, time.Since(start))
	}
	if got := mustQuery(t, ro, "SELECT count(*) FROM t"); got != `{"columns":["count(*)"],"rows":[[0]]}` {
		t.Fatalf("a read while locked: %s", got)
	}
	if err := other.Exec("COMMIT"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, rw, "INSERT INTO t VALUES (2)")
}
