package gojinn

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Query sends the database, the text and the parameters, reads the whole
// result (far larger than any first buffer) with typed values, and frees
// it.
func TestSQLQuery(t *testing.T) {
	f := newFakeABI()
	long := strings.Repeat("é", 5000)
	f.body = []byte(`{"columns":["id","name","score","ok","pic","none"],"rows":[[1,"ada",2.5,true,{"blob":"AP8="},null],[2,"` + long + `",3.0,false,{"blob":""},null]]}`)
	db := &Database{name: "main", abi: f}
	at := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	got, err := db.Query(context.Background(), "SELECT * FROM t WHERE id > ? AND at < ?", 0, at)
	if err != nil {
		t.Fatal(err)
	}
	want := &QueryResult{
		Columns: []string{"id", "name", "score", "ok", "pic", "none"},
		Rows: [][]any{
			{int64(1), "ada", 2.5, true, []byte{0, 0xff}, nil},
			{int64(2), long, 3.0, false, []byte{}, nil},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	if wantReq := `{"db":"main","sql":"SELECT * FROM t WHERE id \u003e ? AND at \u003c ?","params":[0,"2026-12-03T17:00:00Z"]}`; string(f.sqlReq) != wantReq {
		t.Errorf("request %s\nwant %s", f.sqlReq, wantReq)
	}
	if !slices.Equal(f.calls, []string{"sql_query", "fetch_body"}) || !slices.Equal(f.closed, []uint32{7}) {
		t.Errorf("calls %v, closed %v; want one sql_query, one read, handle 7 freed", f.calls, f.closed)
	}

	// No parameters: none sent; no rows: an empty result, not an error.
	f.body = []byte(`{"columns":["n"],"rows":[]}`)
	got, err = db.Query(context.Background(), "SELECT n FROM t WHERE 0")
	if err != nil || len(got.Rows) != 0 || !slices.Equal(got.Columns, []string{"n"}) {
		t.Errorf("empty result: %#v, %v", got, err)
	}
	if string(f.sqlReq) != `{"db":"main","sql":"SELECT n FROM t WHERE 0"}` {
		t.Errorf("request without parameters: %s", f.sqlReq)
	}
}

// Exec sends its statement through sql_exec and reads the counts.
func TestSQLExec(t *testing.T) {
	f := newFakeABI()
	f.body = []byte(`{"rows_affected":3,"last_insert_id":42}`)
	db := &Database{name: "main", abi: f}
	res, err := db.Exec(context.Background(), "INSERT INTO t(b) VALUES (?)", []byte("x"))
	if err != nil || res != (ExecResult{RowsAffected: 3, LastInsertID: 42}) {
		t.Fatalf("got %+v, %v", res, err)
	}
	if want := `{"db":"main","sql":"INSERT INTO t(b) VALUES (?)","params":[{"blob":"eA=="}]}`; string(f.sqlReq) != want {
		t.Errorf("request %s, want %s", f.sqlReq, want)
	}
	if !slices.Equal(f.calls, []string{"sql_exec", "fetch_body"}) || !slices.Equal(f.closed, []uint32{7}) {
		t.Errorf("calls %v, closed %v", f.calls, f.closed)
	}
}

// A failure the database reported carries its message: errors.Is sees
// the status, errors.As the *SQLError, the text shows both; the message's
// handle is freed. Without a message (a status the host gives no handle)
// the error is the sentinel.
func TestSQLErrors(t *testing.T) {
	for _, tc := range []struct {
		st   status
		msg  string
		want error
	}{
		{statusConflict, "UNIQUE constraint failed: notes.title", ErrConflict},
		{statusInvalid, "no such table: users", ErrInvalid},
		{statusDenied, "attempt to write a readonly database", ErrDenied},
	} {
		f := newFakeABI()
		f.sqlStatus, f.body = tc.st, []byte(tc.msg)
		_, err := (&Database{name: "main", abi: f}).Exec(context.Background(), "INSERT")
		var sqlErr *SQLError
		if !errors.Is(err, tc.want) || !errors.As(err, &sqlErr) || sqlErr.Message != tc.msg {
			t.Errorf("status %d: %v, want %v with message %q", tc.st, err, tc.want, tc.msg)
		}
		if want := "gojinn: sql exec main: " + tc.want.Error() + ": " + tc.msg; err.Error() != want {
			t.Errorf("text %q, want %q", err, want)
		}
		if !slices.Equal(f.closed, []uint32{7}) {
			t.Errorf("status %d: closed %v, want the message's handle", tc.st, f.closed)
		}
	}
	for _, tc := range []struct {
		st   status
		want error
	}{
		{statusDenied, ErrDenied},
		{statusTooLarge, ErrTooLarge},
		{statusTimeout, ErrTimeout},
		{statusUnavailable, ErrUnavailable},
		{statusIOError, ErrIO},
		{statusOK, ErrIO}, // ok without a handle: the host is wrong
	} {
		f := newFakeABI()
		f.sqlStatus = tc.st
		res, err := (&Database{name: "main", abi: f}).Query(context.Background(), "SELECT 1")
		var sqlErr *SQLError
		if !errors.Is(err, tc.want) || errors.As(err, &sqlErr) || res != nil || len(f.closed) != 0 {
			t.Errorf("status %d: %v (closed %v), want %v alone", tc.st, err, f.closed, tc.want)
		}
	}
}

// Bad arguments fail before any call; so does a done context.
func TestSQLRefusedBeforeTheCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, tc := range map[string]struct {
		ctx    context.Context
		text   string
		params []any
		want   error
	}{
		"done context":     {ctx, "SELECT 1", nil, context.Canceled},
		"text not UTF-8":   {context.Background(), "SELECT '\xff'", nil, ErrInvalid},
		"a bad parameter":  {context.Background(), "SELECT ?", []any{1, struct{}{}}, ErrInvalid},
		"a string of junk": {context.Background(), "SELECT ?", []any{"\xc3"}, ErrInvalid},
	} {
		f := newFakeABI()
		if _, err := (&Database{name: "main", abi: f}).Query(tc.ctx, tc.text, tc.params...); !errors.Is(err, tc.want) || len(f.calls) != 0 {
			t.Errorf("%s: %v (calls %v), want %v and no call", name, err, f.calls, tc.want)
		}
	}
}

// A result that does not parse is ErrIO, and the handle is still freed.
func TestSQLMalformedResults(t *testing.T) {
	for _, body := range []string{``, `[]`, `{"columns":["a"],"rows":[[1,2]]}`, `{"columns":["a"],"rows":[[[1]]]}`, `{"columns":"a"}`} {
		f := newFakeABI()
		f.body = []byte(body)
		if res, err := (&Database{name: "main", abi: f}).Query(context.Background(), "SELECT 1"); !errors.Is(err, ErrIO) || res != nil || len(f.closed) != 1 {
			t.Errorf("query result %s: %v, closed %v; want ErrIO", body, err, f.closed)
		}
	}
	f := newFakeABI()
	f.body = []byte(`{"rows_affected":"1"}`)
	if _, err := (&Database{name: "main", abi: f}).Exec(context.Background(), "DELETE"); !errors.Is(err, ErrIO) {
		t.Errorf("exec result: %v, want ErrIO", err)
	}
}
