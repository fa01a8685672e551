package gojinn_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
	"github.com/gojinn/gojinn/sqldb"
)

// BenchmarkSQLitePointQuery is the target of docs/sql.md: a guest's
// point query on a SQLite database (one row of 1,000 by primary key),
// end to end through a real Caddy over loopback HTTP, against a request
// of the same size to the same route whose call is refused before any
// database work (an empty "sql": invalid), to a guest that calls nothing
// (ok.wat) and to Caddy's own `respond`, interleaved so that all see the
// same load. It reports the median of each (sql-µs, invalid-µs, ok-µs,
// respond-µs), what the query adds (sql-minus-invalid-µs) and
// sql ÷ respond:
//
//	flock /tmp/gojinn-root-tests.lock go test -count=1 -run '^$' -bench SQLitePointQuery -benchtime 3000x .
func BenchmarkSQLitePointQuery(b *testing.B) {
	dir := b.TempDir()
	site := fmt.Sprintf(`http://127.0.0.1:9080 {
	handle /sql {
		gojinn %[1]s {
			cache_dir off
			sql main
		}
	}
	handle /ok {
		gojinn %[2]s {
			cache_dir off
		}
	}
	handle /respond {
		respond "ok"
	}
}
`, testguest.WAT(b, "sql-call"), testguest.WAT(b, "ok"))
	globals := kvGlobals(filepath.Join(dir, "caddy.log"), "\t\tdata_dir "+dir+"\n\t\tdatabase main sqlite bench.db")
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(globals+site), nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := caddy.Load(cfg, true); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = caddy.Stop() })
	hc := &http.Client{Transport: handoverRetry{next: http.DefaultTransport}}
	post := func(path, body, status string) {
		resp, err := hc.Post(base+path, "text/plain", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || path == "/sql" && resp.Header.Get("X-Sql-Status") != status {
			b.Fatalf("POST %s: %d %s %q", path, resp.StatusCode, resp.Header.Get("X-Sql-Status"), got)
		}
	}
	call := func(fn, req string) string { return hex.EncodeToString([]byte(fn + req)) }
	post("/sql", call("e", `{"db":"main","sql":"CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)"}`), "00")
	post("/sql", call("e", `{"db":"main","sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) INSERT INTO kv SELECT x, 'value ' || x FROM c"}`), "00")
	query := call("q", `{"db":"main","sql":"SELECT v FROM kv WHERE k = ?","params":[500]}`)
	invalid := call("q", `{"db":"main","sql":"","params":[500],"x":"SELECT v FROM kv WHERE k = ?"}`)
	resp, err := hc.Post(base+"/sql", "text/plain", strings.NewReader(query))
	if err != nil {
		b.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := hex.EncodeToString([]byte(`{"columns":["v"],"rows":[["value 500"]]}`)); string(got) != want {
		b.Fatalf("the point query answered %q, want %q", got, want)
	}

	targets := []struct {
		path, body string
		status     string
	}{{"/sql", query, "00"}, {"/sql", invalid, "05"}, {"/ok", "", ""}, {"/respond", "", ""}}
	took := make([][]time.Duration, len(targets))
	i := 0
	for b.Loop() {
		for j := range targets {
			t := targets[(i+j)%len(targets)] // rotate which goes first
			start := time.Now()
			post(t.path, t.body, t.status)
			took[(i+j)%len(targets)] = append(took[(i+j)%len(targets)], time.Since(start))
		}
		i++
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
	sql, invalidCall, ok, respond := median(took[0]), median(took[1]), median(took[2]), median(took[3])
	b.ReportMetric(us(sql), "sql-µs")
	b.ReportMetric(us(invalidCall), "invalid-µs")
	b.ReportMetric(us(ok), "ok-µs")
	b.ReportMetric(us(respond), "respond-µs")
	b.ReportMetric(us(sql-invalidCall), "sql-minus-invalid-µs")
	b.ReportMetric(float64(sql)/float64(respond), "sql/respond")
}

// BenchmarkSQLFromGuest is one run of sql-call through the sandbox, no
// HTTP: a point query ("query"), against the same call denied before it
// reaches the database ("denied", no grant): the difference is the
// query's cost from the guest (host module, sqldb, SQLite, the result
// into the guest):
//
//	go test -run '^$' -bench SQLFromGuest -benchtime 20000x .
func BenchmarkSQLFromGuest(b *testing.B) {
	db, err := sqldb.Open(sqldb.Config{Name: "main", Kind: sqldb.SQLite, Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rw, _ := db.Access(false)
	for _, stmt := range []string{
		"CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)",
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) INSERT INTO kv SELECT x, 'value ' || x FROM c",
	} {
		if _, err := rw.Exec(context.Background(), stmt, nil); err != nil {
			b.Fatal(err)
		}
	}
	path := testguest.WAT(b, "sql-call")
	mod, err := sandbox.Compile(context.Background(), path, testguest.Read(b, path), sandbox.Options{}, host.Module())
	if err != nil {
		b.Fatal(err)
	}
	defer mod.Close(context.Background())
	runner := sandbox.NewRunner(mod, sandbox.RunnerConfig{})
	defer runner.Close()
	body := []byte(hex.EncodeToString([]byte(`q{"db":"main","sql":"SELECT v FROM kv WHERE k = ?","params":[500]}`)))
	for _, c := range []struct {
		name   string
		grants map[string]host.SQL
		want   string
	}{{"query", map[string]host.SQL{"main": rw}, "00"}, {"denied", nil, "02"}} {
		run := &host.Run{Grants: &host.Grants{SQL: c.grants}}
		ctx := host.WithRun(context.Background(), run)
		req := &sandbox.Request{Method: "POST", URI: "/", Body: body}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res := runner.Run(ctx, req, nil)
				if res.Err != nil || res.Response.Headers["X-Sql-Status"][0] != c.want {
					b.Fatalf("%v %v", res.Err, res.Response)
				}
			}
		})
		run.Close()
	}
}
