package gojinn_test

import (
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

	"github.com/gojinn/gojinn/internal/testguest"
)

// BenchmarkSQLitePointQuery is the target of docs/sql.md: a guest's
// point query on a SQLite database (one row of 1,000 by primary key),
// end to end through a real Caddy over loopback HTTP, against the same
// request to a guest that calls nothing (ok.wat) and to Caddy's own
// `respond`, interleaved so that all three see the same load. It reports
// the median of each (sql-µs, ok-µs, respond-µs), what the query adds to
// a guest (sql-minus-ok-µs) and sql ÷ respond:
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
	post := func(path, body, want string) {
		resp, err := hc.Post(base+path, "text/plain", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || (want != "" && string(got) != want) || resp.Header.Get("X-Sql-Status") != "00" && path == "/sql" {
			b.Fatalf("POST %s: %d %s %q", path, resp.StatusCode, resp.Header.Get("X-Sql-Status"), got)
		}
	}
	call := func(fn, req string) string { return hex.EncodeToString([]byte(fn + req)) }
	post("/sql", call("e", `{"db":"main","sql":"CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)"}`), "")
	post("/sql", call("e", `{"db":"main","sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) INSERT INTO kv SELECT x, 'value ' || x FROM c"}`), "")
	query := call("q", `{"db":"main","sql":"SELECT v FROM kv WHERE k = ?","params":[500]}`)
	post("/sql", query, hex.EncodeToString([]byte(`{"columns":["v"],"rows":[["value 500"]]}`)))

	targets := []struct {
		path, body string
	}{{"/sql", query}, {"/ok", ""}, {"/respond", ""}}
	took := make([][]time.Duration, len(targets))
	i := 0
	for b.Loop() {
		for j := range targets {
			t := targets[(i+j)%len(targets)] // rotate which goes first
			start := time.Now()
			post(t.path, t.body, "")
			took[(i+j)%len(targets)] = append(took[(i+j)%len(targets)], time.Since(start))
		}
		i++
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
	sql, ok, respond := median(took[0]), median(took[1]), median(took[2])
	b.ReportMetric(us(sql), "sql-µs")
	b.ReportMetric(us(ok), "ok-µs")
	b.ReportMetric(us(respond), "respond-µs")
	b.ReportMetric(us(sql-ok), "sql-minus-ok-µs")
	b.ReportMetric(float64(sql)/float64(respond), "sql/respond")
}
