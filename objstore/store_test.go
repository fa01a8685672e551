package objstore_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/internal/s3test"
	"github.com/gojinn/gojinn/objstore"
)

// newStore is a store on a fresh endpoint's bucket "media" (or on cfg's
// Endpoint when set), with its log lines observed; the endpoint's keys
// unless cfg has others, none for AccessKey "anonymous".
func newStore(t *testing.T, cfg objstore.Config) (*objstore.Store, *s3test.Server, *observer.ObservedLogs) {
	t.Helper()
	srv := s3test.Start(t, "media")
	core, logs := observer.New(zap.InfoLevel)
	if cfg.Endpoint == "" {
		cfg.Endpoint = srv.URL
	}
	if cfg.Bucket == "" {
		cfg.Bucket = "media"
	}
	switch cfg.AccessKey {
	case "":
		cfg.AccessKey, cfg.SecretKey = s3test.AccessKey, s3test.SecretKey
	case "anonymous":
		cfg.AccessKey, cfg.SecretKey = "", ""
	}
	cfg.Name, cfg.PathStyle, cfg.Logger = "media", true, zap.New(core)
	s, err := objstore.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, srv, logs
}

// Put, get, head, list and delete against the real endpoint: bytes and
// content type come back, the ETag is quoted, an absent object is
// not_found, a delete of an absent object is fine.
func TestRoundTrip(t *testing.T) {
	s, _, logs := newStore(t, objstore.Config{})
	ctx := context.Background()
	if err := s.Put(ctx, "u/1/a.txt", []byte("hello"), "text/plain"); err != nil {
		t.Fatal(err)
	}
	info, body, err := s.Get(ctx, "u/1/a.txt")
	if err != nil || string(body) != "hello" || info.ContentType != "text/plain" || info.Size != 5 {
		t.Fatalf("get: %+v %q %v", info, body, err)
	}
	if !strings.HasPrefix(info.ETag, `"`) || !strings.HasSuffix(info.ETag, `"`) || len(info.ETag) < 3 {
		t.Errorf("etag %q, want a quoted one", info.ETag)
	}
	if d := time.Since(info.LastModified); d < -time.Minute || d > time.Minute {
		t.Errorf("last modified %v", info.LastModified)
	}
	head, err := s.Head(ctx, "u/1/a.txt")
	if err != nil || head.Size != 5 || head.ContentType != "text/plain" || head.ETag != info.ETag {
		t.Errorf("head: %+v %v, want the get's head", head, err)
	}
	page, err := s.List(ctx, "u/", "", 10)
	if err != nil || len(page.Objects) != 1 || page.Objects[0].Key != "u/1/a.txt" || page.Objects[0].ETag != info.ETag || page.More {
		t.Errorf("list: %+v %v", page, err)
	}
	if err := s.Delete(ctx, "u/1/a.txt"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "u/1/a.txt"); err != nil {
		t.Errorf("delete of an absent object: %v, want nil", err)
	}
	if _, _, err := s.Get(ctx, "u/1/a.txt"); host.StatusOf(err) != host.StatusNotFound {
		t.Errorf("get after delete: %v, want not_found", err)
	}
	if _, err := s.Head(ctx, "u/1/a.txt"); host.StatusOf(err) != host.StatusNotFound {
		t.Errorf("head after delete: %v, want not_found", err)
	}
	if logs.Len() != 0 {
		t.Errorf("log lines for a missing object: %v", logs.All())
	}
}

// Keys with characters that URLs escape, and an empty object, make the
// round trip unchanged.
func TestOddKeys(t *testing.T) {
	s, _, _ := newStore(t, objstore.Config{})
	ctx := context.Background()
	for _, key := range []string{"dir/a b+c?d#e%f&g=h", "ünï/コード/😀", "a//b/", "~!$'()*,;:@[]"} {
		if err := s.Put(ctx, key, []byte(key), "text/plain"); err != nil {
			t.Errorf("put %q: %v", key, err)
			continue
		}
		if _, body, err := s.Get(ctx, key); err != nil || string(body) != key {
			t.Errorf("get %q: %q %v", key, body, err)
		}
		if page, err := s.List(ctx, key, "", 1); err != nil || len(page.Objects) != 1 || page.Objects[0].Key != key {
			t.Errorf("list %q: %+v %v", key, page, err)
		}
	}
	if err := s.Put(ctx, "empty", nil, "text/plain"); err != nil {
		t.Fatal(err)
	}
	if info, body, err := s.Get(ctx, "empty"); err != nil || len(body) != 0 || info.Size != 0 {
		t.Errorf("get of an empty object: %+v %q %v", info, body, err)
	}
}

// Pages of 3 over 7 keys under a prefix, in key order, each after the
// last: 3, 3, 1, with more on the first two only; keys outside the prefix
// never appear.
func TestListPages(t *testing.T) {
	s, _, _ := newStore(t, objstore.Config{})
	ctx := context.Background()
	for _, k := range []string{"p/6", "p/0", "p/4", "q/x", "p/2", "p/1", "p/5", "p/3", "o"} {
		if err := s.Put(ctx, k, []byte(k), ""); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	var mores []bool
	after := ""
	for range 5 {
		page, err := s.List(ctx, "p/", after, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			got = append(got, o.Key)
		}
		mores = append(mores, page.More)
		if !page.More {
			break
		}
		after = page.Objects[len(page.Objects)-1].Key
	}
	if fmt.Sprint(got) != "[p/0 p/1 p/2 p/3 p/4 p/5 p/6]" || fmt.Sprint(mores) != "[true true false]" {
		t.Errorf("pages: keys %v, more %v", got, mores)
	}
}

// An object over max_object is too_large both ways; a put over it sends
// nothing.
func TestMaxObject(t *testing.T) {
	s, srv, _ := newStore(t, objstore.Config{MaxObject: 4})
	ctx := context.Background()
	if err := s.Put(ctx, "four", []byte("1234"), ""); err != nil {
		t.Fatalf("put of max_object bytes: %v", err)
	}
	if _, body, err := s.Get(ctx, "four"); err != nil || string(body) != "1234" {
		t.Errorf("get of max_object bytes: %q %v", body, err)
	}
	before := srv.Requests.Load()
	if err := s.Put(ctx, "five", []byte("12345"), ""); host.StatusOf(err) != host.StatusTooLarge {
		t.Errorf("put over max_object: %v, want too_large", err)
	}
	if n := srv.Requests.Load() - before; n != 0 {
		t.Errorf("a put over max_object sent %d requests", n)
	}
	big, err := objstore.New(objstore.Config{Endpoint: srv.URL, Bucket: "media", AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Put(ctx, "five", []byte("12345"), ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "five"); host.StatusOf(err) != host.StatusTooLarge {
		t.Errorf("get over max_object: %v, want too_large", err)
	}
}

// A wrong secret, a wrong access key, a missing bucket and an anonymous
// request the endpoint refuses are io_error, each logged once with its
// S3 code and the store's name, never the secret.
func TestS3Errors(t *testing.T) {
	const wrong = "not-the-secret-key-at-all-zzzz"
	for _, tc := range []struct {
		cfg  objstore.Config
		code string
	}{
		{objstore.Config{AccessKey: s3test.AccessKey, SecretKey: wrong}, "SignatureDoesNotMatch"},
		{objstore.Config{AccessKey: "SOMEONEELSE", SecretKey: wrong}, "InvalidAccessKeyId"},
		{objstore.Config{Bucket: "nosuchbucket"}, "NoSuchBucket"},
		{objstore.Config{AccessKey: "anonymous"}, "AccessDenied"},
	} {
		s, _, logs := newStore(t, tc.cfg)
		_, _, err := s.Get(context.Background(), "a")
		if host.StatusOf(err) != host.StatusIOError {
			t.Errorf("%s: get: %v, want io_error", tc.code, err)
		}
		entries := logs.All()
		if len(entries) != 1 || entries[0].ContextMap()["code"] != tc.code || entries[0].ContextMap()["store"] != "media" {
			t.Errorf("%s: log lines %v, want one with the code and the store", tc.code, entries)
		}
		for _, e := range entries {
			if strings.Contains(fmt.Sprint(e.Message, e.ContextMap()), wrong) {
				t.Errorf("%s: the log shows the secret: %v", tc.code, e.ContextMap())
			}
		}
	}
}

// An endpoint that refuses connections, or answers 503 SlowDown, is
// unavailable; one that does not answer in the store's timeout is
// timeout.
func TestEndpointDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	s, _, logs := newStore(t, objstore.Config{Endpoint: refused})
	if err := s.Put(context.Background(), "a", []byte("x"), ""); host.StatusOf(err) != host.StatusUnavailable {
		t.Errorf("refused: %v, want unavailable", err)
	}
	if logs.Len() != 1 {
		t.Errorf("refused: %d log lines, want 1", logs.Len())
	}

	slowDown := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
	})
	s, _, _ = newStore(t, objstore.Config{Endpoint: slowDown})
	if _, err := s.List(context.Background(), "", "", 10); host.StatusOf(err) != host.StatusUnavailable {
		t.Errorf("SlowDown: %v, want unavailable", err)
	}

	stalled := make(chan struct{})
	slow := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stalled:
		}
	})
	defer close(stalled)
	s, _, _ = newStore(t, objstore.Config{Endpoint: slow, Timeout: 200 * time.Millisecond})
	start := time.Now()
	if _, err := s.Head(context.Background(), "a"); host.StatusOf(err) != host.StatusTimeout {
		t.Errorf("slow: %v, want timeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the 200ms timeout took %v", d)
	}
}

// serve is an HTTP server on 127.0.0.1 with handler h, until the test ends.
func serve(t *testing.T, h http.HandlerFunc) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// New checks the block and contacts nothing: a config with a down
// endpoint loads; a bad endpoint, bucket or half of the credentials does
// not.
func TestNewChecks(t *testing.T) {
	good := objstore.Config{Endpoint: "https://s3.example.invalid", Bucket: "media", AccessKey: "a", SecretKey: "b"}
	if _, err := objstore.New(good); err != nil {
		t.Errorf("a config with an unreachable endpoint: %v, want it loaded", err)
	}
	for _, tc := range []struct {
		edit func(*objstore.Config)
		want string
	}{
		{func(c *objstore.Config) { c.Endpoint = "ftp://s3.example.invalid" }, "not an http or https URL"},
		{func(c *objstore.Config) { c.Endpoint = "https://s3.example.invalid/base" }, "no path"},
		{func(c *objstore.Config) { c.Endpoint = "s3.example.invalid" }, "not an http or https URL"},
		{func(c *objstore.Config) { c.Bucket = "No_Such" }, `bucket "No_Such"`},
		{func(c *objstore.Config) { c.SecretKey = "" }, "access_key and secret_key go together"},
		{func(c *objstore.Config) { c.MaxObject = -1 }, "may not be negative"},
	} {
		cfg := good
		tc.edit(&cfg)
		if _, err := objstore.New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", cfg, err, tc.want)
		}
	}
}
