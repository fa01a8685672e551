package gojinn_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/quic-go/quic-go/http3"

	"github.com/gojinn/gojinn/internal/testguest"
)

// guestAnswers: what the envout guest writes to stdout on each path, and
// what the client must get. A header that HTTP/2 or HTTP/3 would send as it
// is (CR, LF, NUL, a pseudo-header name) or a status that is not final must
// never reach the wire: 502, and one error entry naming the broken rule.
var guestAnswers = []struct {
	path, out string
	status    int
	reason    string // in the log entry's reason; "" for a success
}{
	{"/ok", `{"status":200,"headers":{"x-ok":["a\tb"],"X-Utf8":["caf\u00e9"]},"body":"fine"}`, 200, ""},
	{"/crlf", `{"status":200,"headers":{"X-A":["a\r\nX-Injected: 1"]},"body":"no"}`, 502, `header "X-A": value 1 is not an HTTP field value (RFC 9110): control character 0x0d`},
	{"/lf", `{"status":200,"headers":{"X-Lf":["a\nb"]}}`, 502, `header "X-Lf": value 1 is not an HTTP field value (RFC 9110): control character 0x0a`},
	{"/nul", `{"status":200,"headers":{"X-Nul":["ok","a\u0000b"]}}`, 502, `header "X-Nul": value 2 is not an HTTP field value (RFC 9110): control character 0x00`},
	{"/pseudo", `{"status":200,"headers":{":status":["500"]}}`, 502, `header ":status": the name is not an HTTP field name`},
	{"/name-space", `{"status":200,"headers":{"X Space":["1"]}}`, 502, `header "X Space": the name is not an HTTP field name`},
	{"/twice", `{"status":200,"headers":{"X-Dup":["1"],"x-dup":["2"]}}`, 502, `header "X-Dup" is given twice`},
	{"/101", `{"status":101,"headers":{"Upgrade":["websocket"],"Connection":["Upgrade"]}}`, 502, `"status" 101 is not a final status`},
	{"/103", `{"status":103,"headers":{"Link":["</a.css>; rel=preload"]}}`, 502, `"status" 103 is not a final status`},
}

// TestGuestHeadersOverEveryProtocol sends every guestAnswers case through
// a real Caddy over HTTP/1.1, HTTP/2 and HTTP/3.
func TestGuestHeadersOverEveryProtocol(t *testing.T) {
	wasm := testguest.WAT(t, "envout")
	var site strings.Builder
	site.WriteString("http://127.0.0.1:9080, https://localhost:9443 {\n\ttls internal\n")
	for _, a := range guestAnswers {
		fmt.Fprintf(&site, "\thandle %s {\n\t\tgojinn %s {\n\t\t\tenv OUT `%s`\n\t\t}\n\t}\n", a.path, wasm, a.out)
	}
	site.WriteString("}\n")
	logFile := startWithTrust(t, site.String())

	// Caddy's internal CA, on loopback: its certificate is for localhost,
	// which the client names (SNI, Host) while it dials 127.0.0.1.
	insecure := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"} //nolint:gosec
	protocols := []struct {
		name  string
		url   string
		major int
		rt    http.RoundTripper
	}{
		{"HTTP/1.1", base, 1, &http.Transport{}},
		{"HTTP/2", "https://127.0.0.1:9443", 2, &http.Transport{TLSClientConfig: insecure, ForceAttemptHTTP2: true}},
		{"HTTP/3", "https://127.0.0.1:9443", 3, &http3.Transport{TLSClientConfig: insecure}},
	}
	waitForCertificate(t, insecure)
	for _, p := range protocols {
		client := &http.Client{Transport: handoverRetry{next: p.rt}}
		for _, a := range guestAnswers {
			t.Run(p.name+a.path, func(t *testing.T) {
				id := fmt.Sprintf("headers-%d%s", p.major, strings.ReplaceAll(a.path, "/", "-"))
				req := newRequest(t, "GET", p.url+a.path, nil)
				req.Header.Set("X-Request-Id", id)
				if p.major > 1 {
					req.Host = "localhost"
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.ProtoMajor != p.major {
					t.Fatalf("served over %s", resp.Proto)
				}
				if resp.StatusCode != a.status {
					t.Fatalf("got %d %q, want %d", resp.StatusCode, body, a.status)
				}
				if a.status == 200 {
					if got := resp.Header.Values("X-Ok"); len(got) != 1 || got[0] != "a\tb" || resp.Header.Get("X-Utf8") != "café" || string(body) != "fine" {
						t.Fatalf("headers %q, body %q", resp.Header, body)
					}
					return
				}
				for _, h := range []string{"X-A", "X-Injected", "X-Lf", "X-Nul", "X-Space", "X-Dup", "Link", "Upgrade"} {
					if v := resp.Header.Values(h); len(v) > 0 {
						t.Errorf("the guest's %s %q reached the client", h, v)
					}
				}
				if string(body) != "Bad Gateway" {
					t.Errorf("body %q", body)
				}
				mine := func(e map[string]any) bool { return e["trace_id"] == id && e["msg"] == "guest failed" }
				e := waitForLog(t, logFile, "http.handlers.gojinn", mine)
				if reason, _ := e["reason"].(string); !strings.Contains(reason, a.reason) || e["outcome"] != "contract_error" {
					t.Errorf("log entry %v, want outcome contract_error and a reason with %q", e, a.reason)
				}
				n := 0
				for _, e := range logEntries(t, logFile, "http.handlers.gojinn") {
					if e["trace_id"] == id && e["level"] == "error" {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%d error entries for the request, want 1", n)
				}
			})
		}
	}
}

// startWithTrust starts Caddy as server does, with its internal CA kept
// out of the system's trust store; it returns the log file.
func startWithTrust(t *testing.T, site string) string {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{TestRequestTimeout: 30 * time.Second, LoadRequestTimeout: 2 * time.Minute})
	tester.InitServer(strings.Replace(globals(logFile), "{\n", "{\n\tskip_install_trust\n", 1)+"\n"+site, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	return logFile
}

// waitForCertificate waits until Caddy serves its internal certificate for
// localhost, which it issues in the background after the config loads.
func waitForCertificate(t *testing.T, config *tls.Config) {
	t.Helper()
	var err error
	for range 100 {
		var conn *tls.Conn
		if conn, err = tls.Dial("tcp", "127.0.0.1:9443", config); err == nil {
			conn.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no TLS certificate for localhost after 10 s: %v", err)
}
