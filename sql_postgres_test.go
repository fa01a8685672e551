package gojinn_test

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/pgtest"
	"github.com/gojinn/gojinn/internal/testguest"
)

// TestPostgresThroughCaddy: guests on a private PostgreSQL server through
// a real Caddy, the dsn and read_dsn given as {env.X} placeholders: a
// unique violation is conflict; the read grant (read_dsn's role) refuses
// a write; pg_sleep past the handler's timeout is 504; a session setting
// does not reach the next request on the one pooled connection; the
// owner's password appears in no log line, crash record or
// /gojinn/handlers.
func TestPostgresThroughCaddy(t *testing.T) {
	srv := pgtest.Start(t)
	t.Setenv("GOJINN_TEST_PG_DSN", srv.OwnerDSN)
	t.Setenv("GOJINN_TEST_PG_READ_DSN", srv.ReaderDSN)
	dir := stateDir(t)
	crashes := filepath.Join(dir, "crashes")
	wasm := testguest.WAT(t, "sql-call")
	tester, logFile := kvServer(t, fmt.Sprintf("\t\tdata_dir %s\n\t\tdatabase pg postgres {env.GOJINN_TEST_PG_DSN} {\n\t\t\tread_dsn {env.GOJINN_TEST_PG_READ_DSN}\n\t\t\tpool 1\n\t\t}", dir),
		fmt.Sprintf(`http://127.0.0.1:9080 {
	handle /rw {
		gojinn %[1]s {
			sql pg
			timeout 1s
			record_crashes %[2]s
		}
	}
	handle /ro {
		gojinn %[1]s {
			sql pg read
		}
	}
}
`, wasm, crashes))
	wantSQL(t, tester, "/rw", "exec", sqlRequest("pg", "CREATE TABLE notes (id serial PRIMARY KEY, title text UNIQUE)"), "ok", `{"rows_affected":0,"last_insert_id":0}`)
	wantSQL(t, tester, "/rw", "query", sqlRequest("pg", "INSERT INTO notes (title) VALUES ($1) RETURNING id, title", `"a"`), "ok", `{"columns":["id","title"],"rows":[[1,"a"]]}`)
	wantSQL(t, tester, "/rw", "exec", sqlRequest("pg", "INSERT INTO notes (title) VALUES ($1)", `"a"`), "conflict", `duplicate key value violates unique constraint "notes_title_key"`)
	wantSQL(t, tester, "/ro", "exec", sqlRequest("pg", "INSERT INTO notes (title) VALUES ($1)", `"b"`), "denied", "cannot execute INSERT in a read-only transaction")
	wantSQL(t, tester, "/ro", "exec", sqlRequest("pg", "SET default_transaction_read_only = off"), "ok", `{"rows_affected":0,"last_insert_id":0}`)
	wantSQL(t, tester, "/ro", "exec", sqlRequest("pg", "DELETE FROM notes"), "denied", "…")
	wantSQL(t, tester, "/ro", "query", sqlRequest("pg", "SELECT title FROM notes"), "ok", `{"columns":["title"],"rows":[["a"]]}`)
	// A session setting stays in its request (one pooled connection).
	wantSQL(t, tester, "/rw", "exec", sqlRequest("pg", "SET search_path TO nowhere"), "ok", `{"rows_affected":0,"last_insert_id":0}`)
	wantSQL(t, tester, "/rw", "query", sqlRequest("pg", "SELECT count(*) FROM notes"), "ok", `{"columns":["count"],"rows":[[1]]}`)
	start := time.Now()
	if code, _, _ := sqlCall(t, tester, "/rw", "query", sqlRequest("pg", "SELECT pg_sleep(30)")); code != 504 || time.Since(start) > 15*time.Second {
		t.Fatalf("pg_sleep(30) under a 1s timeout: %d after %s, want 504", code, time.Since(start))
	}
	wantSQL(t, tester, "/rw", "query", sqlRequest("pg", "SELECT 1 AS one"), "ok", `{"columns":["one"],"rows":[[1]]}`)

	resp, err := http.Get("http://localhost:2999/gojinn/handlers")
	if err != nil {
		t.Fatal(err)
	}
	handlers, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	records, _ := filepath.Glob(filepath.Join(crashes, "*"))
	if len(records) == 0 {
		t.Fatal("the 504 left no crash record")
	}
	places := map[string]string{"Caddy's log": readFile(t, logFile), "GET /gojinn/handlers": string(handlers)}
	for _, r := range records {
		places[r] = readFile(t, r)
	}
	for where, text := range places {
		if strings.Contains(text, srv.Password) {
			t.Errorf("the dsn's password is in %s", where)
		}
	}
}
