package gojinn_test

import (
	"encoding/json"
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

// BenchmarkSDKGoSQLPointQuery is what a point query costs a Go guest on
// the SDK (a row of 1,000 by primary key, on SQLite, through a real
// Caddy): each request to sdkgo-sql's /bench runs a query with
// database/sql's QueryRow and Scan, then 100 more, 100 more on a
// cancellable context (for which database/sql starts a goroutine per
// query), then 100 with gojinn.SQL's Query, and times them inside the
// guest (the request's own cost, a fresh instance, is not in it). The
// first query is the instance's first sql_query, in a fresh Go runtime.
// It reports the medians over the requests: the first query (first-µs),
// and each query after it (database/sql-µs, cancellable-ctx-µs, sdk-µs).
// docs/sdk-go.md quotes it:
//
//	flock /tmp/gojinn-root-tests.lock go test -count=1 -run '^$' -bench SDKGoSQLPointQuery -benchtime 100x -count 3 .
func BenchmarkSDKGoSQLPointQuery(b *testing.B) {
	dir := b.TempDir()
	site := fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tsql main\n\t}\n}\n", testguest.Go(b, "sdkgo-sql"))
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
	send := func(method, path, body string) []byte {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, got)
		}
		return got
	}
	send("POST", "/exec", `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL, qty INTEGER,
		active BOOLEAN, data BLOB, added TEXT, note TEXT)`)
	send("POST", "/exec", `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)
		INSERT INTO items (id, name) SELECT x, 'item ' || x FROM c`)

	var first, viaDatabaseSQL, cancellable, viaSDK []time.Duration
	for b.Loop() {
		var per struct {
			FirstNs       int64 `json:"first_ns"`
			DatabaseSQLNs int64 `json:"database_sql_ns"`
			CancellableNs int64 `json:"cancellable_ns"`
			SDKNs         int64 `json:"sdk_ns"`
		}
		if err := json.Unmarshal(send("GET", "/bench?n=100&id=500", ""), &per); err != nil {
			b.Fatal(err)
		}
		first = append(first, time.Duration(per.FirstNs))
		viaDatabaseSQL = append(viaDatabaseSQL, time.Duration(per.DatabaseSQLNs))
		cancellable = append(cancellable, time.Duration(per.CancellableNs))
		viaSDK = append(viaSDK, time.Duration(per.SDKNs))
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
	b.ReportMetric(us(median(first)), "first-µs")
	b.ReportMetric(us(median(viaDatabaseSQL)), "database/sql-µs")
	b.ReportMetric(us(median(cancellable)), "cancellable-ctx-µs")
	b.ReportMetric(us(median(viaSDK)), "sdk-µs")
}
