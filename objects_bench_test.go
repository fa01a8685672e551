package gojinn_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn"
	"github.com/gojinn/gojinn/internal/s3test"
	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/objstore"
)

// BenchmarkObjectGet is a guest's object_get of a 100-byte object, end to
// end through Gojinn.ServeHTTP (request in, objects-do's call, minio-go,
// loopback HTTP to gofakes3 behind its SigV4 check, head and body back
// into the guest, response out), against the hello handler (ok.wat) and
// the same guest making a call refused before any I/O ("invalid"): the
// difference is the get's cost, most of it the S3 request itself
// ("store-only": objstore's Get from Go, no Caddy, no guest). "paired" interleaves get and hello and
// reports the median added time (bench_test.go's pairedOverhead).
// docs/objects.md quotes it:
//
//	flock /tmp/gojinn-root-tests.lock go test -count=1 -run '^$' -bench BenchmarkObjectGet -benchtime 3000x .
func BenchmarkObjectGet(b *testing.B) {
	srv := s3test.Start(b, "media")
	seed, err := objstore.New(objstore.Config{Endpoint: srv.URL, Bucket: "media", AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := seed.Put(context.Background(), "k", []byte(strings.Repeat("v", 100)), "text/plain"); err != nil {
		b.Fatal(err)
	}
	cfg := fmt.Sprintf(`{"admin": {"listen": "localhost:2999"}, "logging": {"logs": {"default": {"level": "ERROR"}}},
		"apps": {"gojinn": {"object_stores": {"media": {"endpoint": %q, "bucket": "media", "access_key": %q, "secret_key": %q, "path_style": true}}}}}`,
		srv.URL, s3test.AccessKey, s3test.SecretKey)
	if err := caddy.Load([]byte(cfg), true); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = caddy.Load([]byte(`{"admin": {"listen": "localhost:2999"}}`), true) })
	g := &gojinn.Gojinn{Path: testguest.WAT(b, "objects-do"), Name: "bench-objects", CacheDir: "off", Objects: []gojinn.ObjectsGrant{{Store: "media"}}}
	if err := g.Provision(caddy.ActiveContext()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = g.Cleanup() })
	hello := provisionForBench(b, false)

	get := objectRequest(opGet, `{"store":"media","key":"k"}`, nil)
	refused := objectRequest(opGet, `{"store":"media","key":""}`, nil)
	w := &bodyWriter{header: http.Header{}}
	call := func(body, want string) func() {
		return func() {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			clear(w.header)
			w.status = 0
			w.body.Reset()
			if err := g.ServeHTTP(w, r, nil); err != nil || w.status != http.StatusOK || !strings.HasPrefix(w.body.String(), want) {
				b.Fatalf("status %d, err %v, body %.40q", w.status, err, w.body.String())
			}
		}
	}
	r := benchRequest()
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"hello", func() { serveOnce(b, hello, r) }},
		{"invalid", call(refused, "05000000")},
		{"get-100B", call(get, "00000000")},
		{"store-only", func() { // the same get from Go, without Caddy or a guest
			if _, body, err := seed.Get(context.Background(), "k"); err != nil || len(body) != 100 {
				b.Fatal(err)
			}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.run()
			}
		})
	}
	b.Run("paired", func(b *testing.B) {
		pairedOverhead(b, func() { serveOnce(b, hello, r) }, call(get, "00000000"))
	})
}

// bodyWriter keeps the response's status and body.
type bodyWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bodyWriter) Header() http.Header         { return w.header }
func (w *bodyWriter) Write(p []byte) (int, error) { return w.body.Write(p) }
func (w *bodyWriter) WriteHeader(status int)      { w.status = status }
