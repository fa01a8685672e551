package gojinn_test

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// upstream is a real HTTP server on 127.0.0.1 that the guests fetch from.
type upstream struct {
	*httptest.Server
	hits atomic.Int32
}

// newUpstream starts an upstream serving h; it counts its requests.
func newUpstream(t *testing.T, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// port is ":port" of the upstream.
func (u *upstream) port() string { return u.URL[strings.LastIndexByte(u.URL, ':'):] }

// fetchHandler is a gojinn block whose guest (fetch-get.wat) fetches url
// under the subdirectives extra, and answers "<ABI status>[ <body>]".
func fetchHandler(path, guest, url, extra string) string {
	return fmt.Sprintf("\tgojinn %s %s {\n\t\tenv FETCH_URL %s\n%s\n\t}\n", path, guest, url, extra)
}

// The fetch allow-list through a real Caddy: a guest reaches a local
// server its handler names by address; a redirect to another address, a
// name resolving to loopback and an origin no entry names are denied, and
// nothing reaches those servers.
func TestFetchThroughCaddy(t *testing.T) {
	other := newUpstream(t, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "other") })
	api := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hello":
			io.WriteString(w, "hello from upstream")
		case "/redirect-allowed":
			http.Redirect(w, r, "/hello", http.StatusFound)
		case "/redirect-away":
			http.Redirect(w, r, other.URL+"/away?token=secret", http.StatusFound)
		}
	})
	guest := guestPath(t, "fetch-get")
	allow := "\t\tfetch " + api.URL
	tester, logFile := server(t, "http://127.0.0.1:9080 {\n"+
		fetchHandler("/allowed", guest, api.URL+"/hello", allow)+
		fetchHandler("/redirect-allowed", guest, api.URL+"/redirect-allowed", allow)+
		fetchHandler("/redirect-away", guest, api.URL+"/redirect-away?token=secret", allow)+
		fetchHandler("/loopback-name", guest, "http://localhost"+api.port()+"/hello?token=secret", "\t\tfetch http://localhost"+api.port())+
		fetchHandler("/not-listed", guest, other.URL+"/listed?token=secret", allow)+
		fetchHandler("/no-grant", guest, api.URL+"/hello", "")+
		"}")

	for _, tc := range []struct{ path, want string }{
		{"/allowed", "0 hello from upstream"},
		{"/redirect-allowed", "0 hello from upstream"},
		{"/redirect-away", "2"},
		{"/loopback-name", "2"},
		{"/not-listed", "2"},
		{"/no-grant", "2"},
	} {
		resp, body := do(t, tester, newRequest(t, "GET", base+tc.path, nil))
		if resp.StatusCode != 200 || body != tc.want {
			t.Errorf("%s: %d %q, want 200 %q", tc.path, resp.StatusCode, body, tc.want)
		}
	}
	// /allowed once, /redirect-allowed twice, /redirect-away once.
	if n := api.hits.Load(); n != 4 {
		t.Errorf("the allowed server got %d requests, want 4", n)
	}
	if n := other.hits.Load(); n != 0 {
		t.Errorf("the server no entry allows got %d requests", n)
	}
	// The load warns of the localhost entry; denied calls are logged with
	// the origin, never a path or query.
	waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
		return e["msg"] == "fetch allow-list" && strings.Contains(fmt.Sprint(e["warning"]), "localhost")
	})
	denied := 0
	for _, e := range logEntries(t, logFile, "http.handlers.gojinn") {
		if e["msg"] == "host call denied" {
			denied++
			if reason := fmt.Sprint(e["reason"]); strings.Contains(reason, "secret") || strings.Contains(reason, "away") || strings.Contains(reason, "hello") {
				t.Errorf("a denied call's log line shows the URL: %s", reason)
			}
		}
	}
	if denied != 4 {
		t.Errorf("%d denied calls logged, want 4", denied)
	}
}

// A slow fetch ends when the run's timeout passes (504), long before its
// own fetch_timeout, and the upstream sees the request abandoned; a shorter
// fetch_timeout fails the call alone (status 7, timeout) and the guest
// answers.
func TestFetchTimeoutThroughCaddy(t *testing.T) {
	release := make(chan struct{})
	abandoned := make(chan struct{}, 2)
	slow := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			abandoned <- struct{}{}
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // before slow.Close, which waits for its handlers
	guest := guestPath(t, "fetch-get")
	allow := "\t\tfetch " + slow.URL
	tester, _ := server(t, "http://127.0.0.1:9080 {\n"+
		fetchHandler("/run-timeout", guest, slow.URL+"/", allow+"\n\t\ttimeout 1s\n\t\tfetch_timeout 5m")+
		fetchHandler("/fetch-timeout", guest, slow.URL+"/", allow+"\n\t\tfetch_timeout 500ms")+
		"}")

	start := time.Now()
	resp, body := do(t, tester, newRequest(t, "GET", base+"/run-timeout", nil))
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("run timeout: %d %q, want 504", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the 1s run timeout answered after %v", d)
	}
	select {
	case <-abandoned:
	case <-time.After(10 * time.Second):
		t.Error("the upstream's request was not abandoned when the run stopped")
	}

	start = time.Now()
	resp, body = do(t, tester, newRequest(t, "GET", base+"/fetch-timeout", nil))
	if resp.StatusCode != 200 || body != "7" {
		t.Errorf("fetch_timeout: %d %q, want 200 \"7\"", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the 500ms fetch_timeout answered after %v", d)
	}
}

// Under Caddy's `tracing`, a fetch is a span gojinn.fetch, child of the
// run's gojinn.invoke, and the upstream gets its traceparent.
func TestFetchTraceparentThroughCaddy(t *testing.T) {
	receiver := exportTraces(t)

	got := make(chan string, 1)
	api := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Traceparent")
		io.WriteString(w, "traced")
	})
	tester, _ := server(t, "http://127.0.0.1:9080 {\n\ttracing {\n\t\tspan caddy-server\n\t}\n"+
		fetchHandler("/traced", guestPath(t, "fetch-get"), api.URL+"/", "\t\tfetch "+api.URL)+
		"}")

	const clientTrace = "5bf92f3577b34da6a3ce929d0e0e4737"
	req := newRequest(t, "GET", base+"/traced", nil)
	req.Header.Set("Traceparent", "00-"+clientTrace+"-00f067aa0ba902b7-01")
	resp, body := do(t, tester, req)
	if resp.StatusCode != 200 || body != "0 traced" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	traceID, spanID, ok := parseTraceparent(<-got)
	if !ok || traceID != clientTrace {
		t.Fatalf("the upstream got traceparent of trace %q, want the request's %s", traceID, clientTrace)
	}
	fetch := receiver.waitForSpan(t, func(s *tracepb.Span) bool {
		return s.GetName() == "gojinn.fetch" && hex.EncodeToString(s.GetSpanId()) == spanID
	})
	invoke := receiver.waitForSpan(t, func(s *tracepb.Span) bool {
		return s.GetName() == "gojinn.invoke" && hex.EncodeToString(s.GetTraceId()) == clientTrace
	})
	if got, want := hex.EncodeToString(fetch.GetParentSpanId()), hex.EncodeToString(invoke.GetSpanId()); got != want {
		t.Errorf("gojinn.fetch's parent is %s, want gojinn.invoke %s", got, want)
	}
	if fetch.GetKind() != tracepb.Span_SPAN_KIND_CLIENT || attributes(fetch)["http.response.status_code"] != int64(200) {
		t.Errorf("gojinn.fetch: kind %v, attributes %v", fetch.GetKind(), attributes(fetch))
	}
}
