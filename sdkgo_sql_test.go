package gojinn_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
)

// TestSDKGoSQL runs testdata/guests/sdkgo-sql (database/sql on the driver
// "gojinn") through a real Caddy on an SQLite database: a table created,
// rows inserted with typed parameters and read back as the same Go
// values, a unique violation as ErrConflict with SQLite's message, an SQL
// error as ErrInvalid, no transactions, the read grant refusing a write
// (the database refuses it) but reading, and a database not granted.
func TestSDKGoSQL(t *testing.T) {
	wasm := testguest.Go(t, "sdkgo-sql")
	route := func(path, extra string) string {
		return fmt.Sprintf("\thandle_path %s/* {\n\t\tgojinn %s {\n\t\t\tpool_size 2\n%s\t\t}\n\t}\n", path, wasm, extra)
	}
	tester, _ := kvServer(t, dataDirBlock(stateDir(t))+"\n\t\tdatabase main sqlite main.db", "http://127.0.0.1:9080 {\n"+
		route("/rw", "\t\t\tsql main\n")+
		route("/ro", "\t\t\tsql main read\n")+
		route("/denied", "\t\t\tenv SQL_DB other\n\t\t\tsql main\n")+
		"}")
	send := func(method, path, body string) (*http.Response, string) {
		t.Helper()
		return do(t, tester, newRequest(t, method, base+path, strings.NewReader(body)))
	}
	check := func(method, path, body string, wantStatus int, want string) *http.Response {
		t.Helper()
		resp, got := send(method, path, body)
		if resp.StatusCode != wantStatus || !strings.Contains(got, want) {
			t.Errorf("%s %s %q: got %d %q, want %d containing %q", method, path, body, resp.StatusCode, got, wantStatus, want)
		}
		return resp
	}

	check("POST", "/rw/exec", `CREATE TABLE items (
		id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL, qty INTEGER,
		active BOOLEAN, data BLOB, added TEXT, note TEXT)`, 200, `"rows_affected":0`)

	// Typed parameters in, the same values out: a float that is a whole
	// number stays a float, bytes (with a NUL and 0xff) stay bytes, a
	// time comes back as a time.Time.
	added := []time.Time{
		time.Date(2026, 12, 3, 17, 0, 0, 123456789, time.FixedZone("", 2*3600)),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	type item struct {
		ID     int64
		Name   string
		Price  float64
		Qty    int
		Active bool
		Data   []byte
		Added  time.Time
		Note   struct {
			String string
			Valid  bool
		}
	}
	want := []item{
		{ID: 1, Name: "ada", Price: 2.5, Qty: 3, Active: true, Data: []byte("\x00\xffé"), Added: added[0]},
		{ID: 2, Name: "bob", Price: 3.0, Qty: -7, Active: false, Data: []byte{}, Added: added[1]},
	}
	for i, it := range want {
		body, _ := json.Marshal(it)
		check("POST", "/rw/items", string(body), 200, fmt.Sprintf(`{"id":%d}`, i+1))
	}
	check("POST", "/rw/exec", "UPDATE items SET note = 'hello' WHERE name = 'bob'", 200, `"rows_affected":1}`)
	want[1].Note.String, want[1].Note.Valid = "hello", true

	for _, path := range []string{"/rw/items", "/ro/items"} {
		resp, got := send("GET", path, "")
		var listed struct {
			Items []item
			Types [][]string
		}
		if err := json.Unmarshal([]byte(got), &listed); resp.StatusCode != 200 || err != nil {
			t.Fatalf("GET %s: %d %s (%v)", path, resp.StatusCode, got, err)
		}
		if len(listed.Items) != len(want) {
			t.Fatalf("GET %s: %d items, want %d: %s", path, len(listed.Items), len(want), got)
		}
		for i := range want {
			g, w := listed.Items[i], want[i]
			if !g.Added.Equal(w.Added) {
				t.Errorf("GET %s item %d: added %v, want %v", path, i, g.Added, w.Added)
			}
			g.Added, w.Added = time.Time{}, time.Time{}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("GET %s item %d: %+v, want %+v", path, i, g, w)
			}
		}
		wantTypes := [][]string{
			{"int64", "string", "float64", "int64", "int64", "[]uint8", "time.Time", "<nil>"},
			{"int64", "string", "float64", "int64", "int64", "[]uint8", "time.Time", "string"},
		}
		if !reflect.DeepEqual(listed.Types, wantTypes) {
			t.Errorf("GET %s: Go types %q, want %q", path, listed.Types, wantTypes)
		}
	}

	// A unique violation: ErrConflict, with SQLite's message in the error
	// and in *gojinn.SQLError.
	resp := check("POST", "/rw/items", `{"name":"ada","added":"2026-12-03T17:00:00Z"}`, 409,
		"gojinn: sql exec main: conflict: UNIQUE constraint failed: items.name")
	if msg := resp.Header.Get("X-SQL-Message"); msg != "UNIQUE constraint failed: items.name" {
		t.Errorf("the database's message: %q", msg)
	}
	// An SQL error: ErrInvalid with the message.
	resp = check("POST", "/rw/exec", "INSERT INTO nope VALUES (1)", 400, "gojinn: sql exec main: invalid: no such table: nope")
	if resp.Header.Get("X-SQL-Message") == "" {
		t.Error("no message for an unknown table")
	}
	// No transactions: a clear error before any call.
	check("POST", "/rw/tx", "", 501, "no transactions: each statement commits on its own")

	// The read grant reads (above) and cannot write: the database refuses.
	resp = check("POST", "/ro/exec", "DELETE FROM items", 403, "gojinn: sql exec main: denied")
	if resp.Header.Get("X-SQL-Message") == "" {
		t.Error("no message from the database for a write under a read grant")
	}
	check("POST", "/ro/items", `{"name":"eve","added":"2026-12-03T17:00:00Z"}`, 403, "denied")
	// A database the handler was not granted: denied, without a message.
	resp = check("GET", "/denied/items", "", 403, "gojinn: sql query other: denied")
	if msg := resp.Header.Get("X-SQL-Message"); msg != "" {
		t.Errorf("a message %q for a database not granted", msg)
	}
	// Nothing the refused writes tried is in the table.
	_, got := send("GET", "/rw/items", "")
	if !bytes.Contains([]byte(got), []byte(`"bob"`)) || strings.Contains(got, "eve") {
		t.Errorf("after the refused writes: %s", got)
	}
}
