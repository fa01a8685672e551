//go:build !wasip1

// The driver's tests run natively only: its init registers a driver whose
// connections reach the host's sql_* imports, which a test binary for
// wasip1 would then import, and the wazero CLI that runs those cannot
// provide. The value encoding they rely on is the gojinn package's, tested
// on both; the driver against the real host, end to end through Caddy
// (sdkgo_test.go in the root package).

package sqldriver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/sdk-go/gojinn"
)

// fakeDB stands in for gojinn.Database: it records each call and answers
// with its canned result or error.
type fakeDB struct {
	calls  []string // "query <text>" or "exec <text>"
	params [][]any
	result gojinn.QueryResult
	exec   gojinn.ExecResult
	err    error
}

func (f *fakeDB) Query(_ context.Context, text string, params ...any) (*gojinn.QueryResult, error) {
	f.calls = append(f.calls, "query "+text)
	f.params = append(f.params, params)
	if f.err != nil {
		return nil, f.err
	}
	res := f.result
	return &res, nil
}

func (f *fakeDB) Exec(_ context.Context, text string, params ...any) (gojinn.ExecResult, error) {
	f.calls = append(f.calls, "exec "+text)
	f.params = append(f.params, params)
	return f.exec, f.err
}

func open(t *testing.T, f *fakeDB) *sql.DB {
	t.Helper()
	db := sql.OpenDB(connector{db: f})
	t.Cleanup(func() { db.Close() })
	return db
}

// Parameters reach the database as the values database/sql hands a
// driver, in order: Go integer types as int64, float32 as float64,
// pointers dereferenced, a driver.Valuer's value, bytes, times, nil.
func TestParameters(t *testing.T) {
	f := &fakeDB{}
	db := open(t, f)
	n := 7
	type count int
	at := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	if _, err := db.Exec("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		int8(-1), uint32(2), float32(0.5), true, []byte{0, 1}, "é", at, &n, sql.NullString{},
		42, count(3), int64(-5), 1.5); err != nil {
		t.Fatal(err)
	}
	want := []any{int64(-1), int64(2), 0.5, true, []byte{0, 1}, "é", at, int64(7), nil, int64(42), int64(3), int64(-5), 1.5}
	if len(f.params) != 1 || !reflect.DeepEqual(f.params[0], want) {
		t.Errorf("params %#v, want %#v", f.params, want)
	}
	// What the default conversion refuses is still refused.
	if _, err := db.Exec("INSERT INTO t VALUES (?)", uint64(1)<<63); err == nil || len(f.params) != 1 {
		t.Errorf("uint64 with its high bit set: %v, %d calls; want database/sql's error, no call", err, len(f.params))
	}
}

// Rows scan into the usual Go types: integers, text, floats, a 0/1 integer
// into a bool, bytes, NULL into a Null type, and RFC 3339 text into a
// time.Time or, unchanged, into a string.
func TestRows(t *testing.T) {
	f := &fakeDB{result: gojinn.QueryResult{
		Columns: []string{"id", "title", "score", "done", "pic", "note", "at"},
		Rows: [][]any{
			{int64(1), "ada", 2.5, int64(1), []byte{0, 0xff}, nil, "2026-12-03T17:00:00.5+02:00"},
			{int64(2), "bob", 3.0, int64(0), []byte{}, "n", "2026-12-03T18:00:00Z"},
		},
	}}
	db := open(t, f)
	rs, err := db.QueryContext(context.Background(), "SELECT * FROM t WHERE id > ?", 0)
	if err != nil {
		t.Fatal(err)
	}
	if cols, _ := rs.Columns(); !slices.Equal(cols, f.result.Columns) {
		t.Errorf("columns %q", cols)
	}
	type row struct {
		id    int
		title string
		score float64
		done  bool
		pic   []byte
		note  sql.NullString
		at    time.Time
	}
	var got []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.title, &r.score, &r.done, &r.pic, &r.note, &r.at); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	want := []row{
		{1, "ada", 2.5, true, []byte{0, 0xff}, sql.NullString{}, time.Date(2026, 12, 3, 17, 0, 0, 5e8, time.FixedZone("", 7200))},
		{2, "bob", 3, false, []byte{}, sql.NullString{String: "n", Valid: true}, time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.id != w.id || g.title != w.title || g.score != w.score || g.done != w.done || !slices.Equal(g.pic, w.pic) || g.note != w.note || !g.at.Equal(w.at) {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}

	// The same timestamp scanned into a string is the same text.
	var s string
	if err := db.QueryRow("SELECT at FROM t").Scan(new(int), new(string), new(float64), new(bool), new([]byte), new(sql.NullString), &s); err != nil || s != "2026-12-03T17:00:00.5+02:00" {
		t.Errorf("timestamp into a string: %q, %v", s, err)
	}
}

// Only text exactly in RFC 3339 form, as the driver writes a time, reads
// as a time; any other text stays text.
func TestTimestamp(t *testing.T) {
	for s, want := range map[string]bool{
		"2026-12-03T17:00:00Z":                true,
		"2026-12-03T17:00:00.123456789-07:00": true,
		"2026-12-03 17:00:00Z":                false, // SQLite's datetime() form
		"2026-12-03T17:00:00.500Z":            false, // RFC3339Nano drops trailing zeros: not round-tripped
		"2026-12-03T17:00:00-00:00":           false,
		"2026-12-03T17:00:00":                 false,
		"2026-13-03T17:00:00Z":                false,
		"hello, world, and more":              false,
		"":                                    false,
	} {
		if _, ok := timestamp(s); ok != want {
			t.Errorf("%q: %v, want %v", s, ok, want)
		}
	}
}

// Exec's result has the counts; a statement is one call with its text.
func TestExecResult(t *testing.T) {
	f := &fakeDB{exec: gojinn.ExecResult{RowsAffected: 2, LastInsertID: 9}}
	res, err := open(t, f).Exec("UPDATE t SET a = 1")
	if err != nil {
		t.Fatal(err)
	}
	id, err1 := res.LastInsertId()
	n, err2 := res.RowsAffected()
	if id != 9 || n != 2 || err1 != nil || err2 != nil {
		t.Errorf("last insert id %d (%v), rows affected %d (%v)", id, err1, n, err2)
	}
	if !slices.Equal(f.calls, []string{"exec UPDATE t SET a = 1"}) {
		t.Errorf("calls %q", f.calls)
	}
}

// The database's errors come back as they are: errors.Is sees the
// status, errors.As the message.
func TestErrors(t *testing.T) {
	f := &fakeDB{err: &gojinn.SQLError{Err: gojinn.ErrConflict, Message: "UNIQUE constraint failed: t.a"}}
	db := open(t, f)
	_, err := db.Exec("INSERT INTO t(a) VALUES (1)")
	var sqlErr *gojinn.SQLError
	if !errors.Is(err, gojinn.ErrConflict) || !errors.As(err, &sqlErr) || sqlErr.Message != "UNIQUE constraint failed: t.a" {
		t.Errorf("exec: %v", err)
	}
	if err := db.QueryRow("SELECT a FROM t").Scan(new(int)); !errors.Is(err, gojinn.ErrConflict) {
		t.Errorf("query: %v", err)
	}
}

// Prepare makes no call; the statement runs its text with any number of
// arguments (the database counts them).
func TestPrepare(t *testing.T) {
	f := &fakeDB{}
	db := open(t, f)
	st, err := db.Prepare("INSERT INTO t VALUES (?)")
	if err != nil || len(f.calls) != 0 {
		t.Fatalf("prepare: %v, calls %q", err, f.calls)
	}
	defer st.Close()
	for _, args := range [][]any{{1}, {1, 2}, nil} {
		if _, err := st.Exec(args...); err != nil {
			t.Errorf("exec %v: %v", args, err)
		}
	}
	if len(f.calls) != 3 || f.calls[2] != "exec INSERT INTO t VALUES (?)" || len(f.params[1]) != 2 {
		t.Errorf("calls %q params %v", f.calls, f.params)
	}
}

// Transactions and named parameters are refused with a clear error, and
// nothing reaches the database.
func TestRefused(t *testing.T) {
	f := &fakeDB{}
	db := open(t, f)
	if _, err := db.Begin(); !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "commits on its own") {
		t.Errorf("Begin: %v", err)
	}
	if _, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("BeginTx: %v", err)
	}
	if _, err := db.Exec("SELECT :a", sql.Named("a", 1)); err == nil || !strings.Contains(err.Error(), `named parameter "a"`) {
		t.Errorf("named parameter: %v", err)
	}
	if len(f.calls) != 0 {
		t.Errorf("calls %q, want none", f.calls)
	}
}

// Importing the package registers "gojinn"; the data source name is the
// database's name. Outside Gojinn every call is ErrUnavailable.
func TestRegistered(t *testing.T) {
	if !slices.Contains(sql.Drivers(), "gojinn") {
		t.Fatalf("drivers %q", sql.Drivers())
	}
	db, err := sql.Open("gojinn", "notes")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SELECT 1"); !errors.Is(err, gojinn.ErrUnavailable) || !strings.Contains(err.Error(), "sql exec notes") {
		t.Errorf("exec: %v", err)
	}
	c, err := Driver{}.Open("main")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.(driver.QueryerContext).QueryContext(context.Background(), "SELECT 1", nil); !errors.Is(err, gojinn.ErrUnavailable) || !strings.Contains(err.Error(), "sql query main") {
		t.Errorf("Driver.Open's connection: %v", err)
	}
}
