package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gojinn/gojinn/host"
)

// newClient is a Client allowing entries, with cfg's limits.
func newClient(t *testing.T, cfg Config, entries ...string) *Client {
	t.Helper()
	for _, e := range entries {
		r, err := ParseRule(e)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Allow = append(cfg.Allow, r)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// countingServer is a real server on 127.0.0.1 that counts its requests.
type countingServer struct {
	*httptest.Server
	hits atomic.Int32
}

func newServer(t testing.TB, h http.HandlerFunc) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// wantStatus checks the guest's status for err.
func wantStatus(t *testing.T, what string, err error, want host.Status) {
	t.Helper()
	if got := host.StatusOf(err); got != want {
		t.Errorf("%s: status %s (%v), want %s", what, got, err, want)
	}
}

// portOf is ":port" of a server's URL.
func portOf(url string) string { return url[strings.LastIndexByte(url, ':'):] }

func get(c *Client, url string) (*host.FetchResponse, error) {
	return c.Fetch(context.Background(), &host.FetchRequest{URL: url})
}

func TestFetchAllowed(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo", r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-In"))
		w.WriteHeader(http.StatusTeapot)
		w.Write(body)
	})
	c := newClient(t, Config{}, srv.URL)
	resp, err := c.Fetch(context.Background(), &host.FetchRequest{
		Method: "POST", URL: srv.URL + "/v1/x?q=1",
		Header: http.Header{"X-In": {"hello"}}, Body: []byte("the body"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusTeapot || string(resp.Body) != "the body" || resp.Header.Get("X-Echo") != "POST /v1/x?q=1 hello" {
		t.Errorf("got %d %v %q", resp.Status, resp.Header, resp.Body)
	}
	// GET by default; the URL names the address in another form.
	resp, err = get(c, "http://[::ffff:127.0.0.1]"+portOf(srv.URL)+"/")
	if err != nil || resp.Header.Get("X-Echo") != "GET /" {
		t.Errorf("mapped address: %v %v", err, resp)
	}
}

func TestFetchDenied(t *testing.T) {
	allowed := newServer(t, func(http.ResponseWriter, *http.Request) {})
	other := newServer(t, func(http.ResponseWriter, *http.Request) {})
	c := newClient(t, Config{}, allowed.URL, "https://*.example.org")
	for _, url := range []string{
		other.URL, // same address, another port
		strings.Replace(allowed.URL, "http:", "https:", 1), // another scheme
		strings.Replace(allowed.URL, "127.0.0.1", "127.0.0.2", 1),
		"http://a.example.org", // the wildcard is https only
		"https://example.org",  // the wildcard needs a label more
		"https://evilexample.org",
	} {
		_, err := get(c, url)
		wantStatus(t, url, err, host.StatusDenied)
	}
	if _, err := get(newClient(t, Config{}), allowed.URL); host.StatusOf(err) != host.StatusDenied {
		t.Errorf("an empty allow-list: %v, want denied", err)
	}
	if n := allowed.hits.Load() + other.hits.Load(); n != 0 {
		t.Errorf("%d requests reached a server", n)
	}
}

func TestFetchRedirects(t *testing.T) {
	target := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "target "+r.URL.Path) })
	elsewhere := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "elsewhere") })
	var hops atomic.Int32
	origin := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-target":
			http.Redirect(w, r, target.URL+"/landed", http.StatusFound)
		case "/to-elsewhere":
			http.Redirect(w, r, elsewhere.URL+"/", http.StatusTemporaryRedirect)
		case "/to-unlisted-name":
			http.Redirect(w, r, "http://localhost"+portOf(target.URL)+"/", http.StatusFound)
		case "/to-localhost":
			http.Redirect(w, r, "http://localhost"+portOf(elsewhere.URL)+"/", http.StatusFound)
		case "/loop":
			hops.Add(1)
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	})
	c := newClient(t, Config{}, origin.URL, target.URL, "http://localhost"+portOf(elsewhere.URL))

	resp, err := get(c, origin.URL+"/to-target")
	if err != nil || string(resp.Body) != "target /landed" {
		t.Fatalf("allowed redirect: %v %v", err, resp)
	}
	_, err = get(c, origin.URL+"/to-elsewhere")
	wantStatus(t, "redirect to another port", err, host.StatusDenied)
	if elsewhere.hits.Load() != 0 {
		t.Error("the refused redirect reached its target")
	}
	// Refused by name, though an entry names the address it resolves to.
	_, err = get(c, origin.URL+"/to-unlisted-name")
	wantStatus(t, "redirect to a name no entry allows", err, host.StatusDenied)
	if n := target.hits.Load(); n != 1 {
		t.Errorf("the target got %d requests, want 1", n)
	}
	// Allowed by name, refused by address: localhost resolves to loopback,
	// and no entry names 127.0.0.1 with that port.
	_, err = get(c, origin.URL+"/to-localhost")
	wantStatus(t, "redirect to localhost", err, host.StatusDenied)
	if elsewhere.hits.Load() != 0 {
		t.Error("the redirect to localhost reached its target")
	}

	_, err = get(c, origin.URL+"/loop")
	wantStatus(t, "redirect loop", err, host.StatusIOError)
	if n := hops.Load(); n != MaxRedirects+1 {
		t.Errorf("a redirect loop made %d requests, want %d", n, MaxRedirects+1)
	}
}

// A hostname that resolves to a loopback address (localhost, from the
// system's resolver) is refused at dial time, though an entry allows the
// name, unless an entry names the address itself with that port.
func TestFetchNameResolvingToLoopback(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "reached") })
	port := portOf(srv.URL)
	url := "http://localhost" + port + "/"

	c := newClient(t, Config{}, "http://localhost"+port)
	_, err := get(c, url)
	wantStatus(t, "localhost", err, host.StatusDenied)
	if srv.hits.Load() != 0 {
		t.Fatal("the request reached the server")
	}
	if err != nil && !strings.Contains(err.Error(), "not a public address") {
		t.Errorf("refused for another reason: %v", err)
	}

	c = newClient(t, Config{}, "http://localhost"+port, "http://127.0.0.1:1")
	_, err = get(c, url)
	wantStatus(t, "localhost, 127.0.0.1 allowed on another port", err, host.StatusDenied)

	c = newClient(t, Config{}, "http://localhost"+port, srv.URL)
	if resp, err := get(c, url); err != nil || string(resp.Body) != "reached" {
		t.Errorf("localhost with 127.0.0.1%s named: %v", port, err)
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "part")
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	const timeout = 200 * time.Millisecond
	c := newClient(t, Config{Timeout: timeout}, srv.URL)
	for _, path := range []string{"/slow-head", "/slow-body"} {
		start := time.Now()
		_, err := get(c, srv.URL+path)
		wantStatus(t, path, err, host.StatusTimeout)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: the %v timeout took %v", path, timeout, d)
		}
	}

	// The run's own stop (ctx canceled) and deadline end a call with a
	// longer timeout.
	c = newClient(t, Config{Timeout: time.Hour}, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(timeout, cancel)
	start := time.Now()
	_, err := c.Fetch(ctx, &host.FetchRequest{URL: srv.URL})
	wantStatus(t, "run stopped", err, host.StatusTimeout)
	ctx, cancel = context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, err = c.Fetch(ctx, &host.FetchRequest{URL: srv.URL})
	wantStatus(t, "run's deadline", err, host.StatusTimeout)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("two calls stopped after %v took %v", timeout, d)
	}
}

func TestFetchBodyCap(t *testing.T) {
	const limit = 1000
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		if r.URL.Query().Has("chunked") {
			w.(http.Flusher).Flush() // no Content-Length
		}
		io.WriteString(w, strings.Repeat("x", n))
	})
	c := newClient(t, Config{MaxBody: limit}, srv.URL)
	for _, tc := range []struct {
		query string
		want  host.Status
	}{
		{"n=1000", host.StatusOK},
		{"n=1001", host.StatusTooLarge},
		{"n=1000&chunked", host.StatusOK},
		{"n=1001&chunked", host.StatusTooLarge},
		{"n=100000&chunked", host.StatusTooLarge},
	} {
		resp, err := get(c, srv.URL+"/?"+tc.query)
		wantStatus(t, tc.query, err, tc.want)
		if err == nil && len(resp.Body) != limit {
			t.Errorf("%s: %d bytes", tc.query, len(resp.Body))
		}
	}
	// The largest cap still reads bodies (limit+1 must not overflow).
	c = newClient(t, Config{MaxBody: math.MaxInt64}, srv.URL)
	if resp, err := get(c, srv.URL+"/?n=10&chunked"); err != nil || len(resp.Body) != 10 {
		t.Errorf("MaxBody MaxInt64: %v %v", err, resp)
	}
}

func TestFetchHeaders(t *testing.T) {
	var got *http.Request
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Header().Set("Connection", "X-Hop-Response")
		w.Header().Set("X-Hop-Response", "1")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("Proxy-Authenticate", "Basic")
		w.Header().Set("Upgrade", "h2c")
		w.Header().Set("X-Kept", "yes")
	})
	c := newClient(t, Config{}, srv.URL)
	resp, err := c.Fetch(context.Background(), &host.FetchRequest{
		Method: "PUT", URL: srv.URL,
		Header: http.Header{
			"host":                {"evil.example"},
			"connection":          {"x-hop, X-Other-Hop"},
			"X-Hop":               {"1"},
			"x-other-hop":         {"1"},
			"Keep-Alive":          {"timeout=5"},
			"te":                  {"trailers"},
			"Trailer":             {"X-T"},
			"Transfer-Encoding":   {"chunked"},
			"Upgrade":             {"websocket"},
			"Proxy-Authorization": {"Basic eDp5"},
			"Proxy-Whatever":      {"1"},
			"Content-Length":      {"999"},
			"x-kept":              {"a", "b"},
		},
		Body: []byte("body"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Host != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("Host %q", got.Host)
	}
	for name := range got.Header {
		switch name {
		case "X-Kept", "Accept-Encoding", "User-Agent", "Content-Length":
		default:
			t.Errorf("the server got header %s: %q", name, got.Header[name])
		}
	}
	if v := got.Header["X-Kept"]; len(v) != 2 || got.ContentLength != 4 || len(got.TransferEncoding) != 0 {
		t.Errorf("X-Kept %q, Content-Length %d, Transfer-Encoding %q", v, got.ContentLength, got.TransferEncoding)
	}
	for name := range resp.Header {
		switch name {
		case "X-Kept", "Date", "Content-Length":
		default:
			t.Errorf("the response has header %s: %q", name, resp.Header[name])
		}
	}

	for _, h := range []http.Header{{"Bad Name": {"x"}}, {"X-Bad": {"a\r\nInjected: 1"}}, {"": {"x"}}} {
		_, err := c.Fetch(context.Background(), &host.FetchRequest{URL: srv.URL, Header: h})
		wantStatus(t, fmt.Sprintf("header %q", h), err, host.StatusInvalid)
	}
}

// HTTP_PROXY and the like are never used: Go's own client honours them
// for any host but loopback, so only the transport's setting can show it
// here, where every server is on loopback.
func TestFetchIgnoresProxyEnvironment(t *testing.T) {
	if c := newClient(t, Config{}); c.transport.Proxy != nil {
		t.Error("the transport has a proxy function")
	}
}

func TestFetchErrors(t *testing.T) {
	// A port nothing listens on: take one, then close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	// A server that answers garbage.
	garbage, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { garbage.Close() })
	go func() {
		for {
			conn, err := garbage.Accept()
			if err != nil {
				return
			}
			io.WriteString(conn, "NOT HTTP AT ALL\r\n\r\n")
			conn.Close()
		}
	}()
	garbageURL := "http://" + garbage.Addr().String()

	c := newClient(t, Config{}, closed, garbageURL, "http://*.invalid", "https://*.example.org")
	for _, tc := range []struct {
		req  host.FetchRequest
		want host.Status
	}{
		{host.FetchRequest{URL: closed}, host.StatusUnavailable},
		{host.FetchRequest{URL: "http://no-such-name.invalid/"}, host.StatusUnavailable},
		{host.FetchRequest{URL: garbageURL}, host.StatusIOError},
		{host.FetchRequest{URL: "ftp://a.example.org/"}, host.StatusInvalid},
		{host.FetchRequest{URL: "/relative"}, host.StatusInvalid},
		{host.FetchRequest{URL: "https://"}, host.StatusInvalid},
		{host.FetchRequest{URL: "https:a.example.org"}, host.StatusInvalid},
		{host.FetchRequest{URL: "https://a.example.org/%zz"}, host.StatusInvalid},
		{host.FetchRequest{Method: "BAD METHOD", URL: "https://a.example.org/"}, host.StatusInvalid},
		{host.FetchRequest{Method: "CONNECT", URL: "https://a.example.org/"}, host.StatusInvalid},
	} {
		_, err := c.Fetch(context.Background(), &tc.req)
		wantStatus(t, tc.req.Method+" "+tc.req.URL, err, tc.want)
	}

	if _, err := New(Config{Allow: []Rule{{}}}); err == nil {
		t.Error("New took a Rule not made by ParseRule")
	}
	if _, err := New(Config{Timeout: -1}); err == nil {
		t.Error("New took a negative timeout")
	}
}

// Errors never show a URL's query, which may hold a secret.
func TestFetchErrorsHideQuery(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:1/?key=secret2", http.StatusFound)
	})
	c := newClient(t, Config{}, srv.URL)
	_, err := get(c, srv.URL+"/?key=secret1")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v", err)
	}
}

// Calls of many runs at once share the Client (run with -race).
func TestFetchConcurrent(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Path) })
	c := newClient(t, Config{}, srv.URL)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Go(func() {
			resp, err := get(c, fmt.Sprintf("%s/%d", srv.URL, i))
			if err == nil && string(resp.Body) != fmt.Sprintf("/%d", i) {
				err = errors.New("wrong body " + string(resp.Body))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
