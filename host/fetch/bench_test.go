package fetch

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/gojinn/gojinn/host"
)

// BenchmarkFetch is one call to a loopback server over a kept-alive
// connection, against net/http's own client doing the same: the cost of
// the allow-list, header cleaning and error mapping.
func BenchmarkFetch(b *testing.B) {
	srv := newServer(b, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	b.Run("fetch", func(b *testing.B) {
		r, _ := ParseRule(srv.URL)
		c, _ := New(Config{Allow: []Rule{r}})
		defer c.Close()
		req := &host.FetchRequest{URL: srv.URL + "/x", Header: http.Header{"Accept": {"text/plain"}}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Fetch(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net-http", func(b *testing.B) {
		c := &http.Client{Transport: &http.Transport{}}
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
			req.Header.Set("Accept", "text/plain")
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.ReadAll(resp.Body)
			resp.Body.Close()
		}
	})
}
