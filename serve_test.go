package gojinn_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gojinn/gojinn/internal/testguest"
)

// echoed is what testdata/guests/echo-go answers.
type echoed struct {
	Request struct {
		Method       string              `json:"method"`
		URI          string              `json:"uri"`
		Headers      map[string][]string `json:"headers"`
		Body         string              `json:"body"`
		BodyEncoding string              `json:"body_encoding"`
		TraceID      string              `json:"trace_id"`
		Host         string              `json:"host"`
		RemoteAddr   string              `json:"remote_addr"`
		Proto        string              `json:"proto"`
	} `json:"request"`
	BodyLen   int      `json:"body_len"`
	Env       []string `json:"env"`
	Args      []string `json:"args"`
	FileErr   string   `json:"file_err"`
	Year      int      `json:"year"`
	Random    string   `json:"random"`
	Monotonic bool     `json:"monotonic"`
}

func TestEchoGo(t *testing.T) {
	echo := testguest.Go(t, "echo-go")
	tester, _ := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	handle_path /strip/* {
		gojinn %[1]s {
			pool_size 2
		}
	}
	gojinn %[1]s {
		env GREETING "hello world"
		env FROM_HOST {env.GOJINN_TEST_VALUE}
		args --mode fast
		pool_size 4
	}
}`, echo))
	t.Setenv("GOJINN_TEST_VALUE", "unused-after-load")

	get := func(t *testing.T, req *http.Request) echoed {
		t.Helper()
		resp, body := do(t, tester, req)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: status %d: %s", req.Method, req.URL, resp.StatusCode, body)
		}
		var e echoed
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return e
	}

	t.Run("methods", func(t *testing.T) {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"} {
			if e := get(t, newRequest(t, m, base+"/m", nil)); e.Request.Method != m {
				t.Errorf("method %s arrived as %q", m, e.Request.Method)
			}
		}
	})
	t.Run("exact uri", func(t *testing.T) {
		for _, uri := range []string{"/a%20b?q=caf%C3%A9&x=1&x=2", "/a%2Fb/c?y", "/caf%c3%a9", "/?empty=&=v"} {
			if e := get(t, newRequest(t, "GET", base+uri, nil)); e.Request.URI != uri {
				t.Errorf("uri %q arrived as %q", uri, e.Request.URI)
			}
		}
	})
	t.Run("handle_path strips the prefix", func(t *testing.T) {
		if e := get(t, newRequest(t, "GET", base+"/strip/users/7?x=%2F", nil)); e.Request.URI != "/users/7?x=%2F" {
			t.Errorf("uri arrived as %q", e.Request.URI)
		}
	})
	t.Run("repeated headers", func(t *testing.T) {
		req := newRequest(t, "GET", base+"/h", nil)
		req.Header.Add("X-Tag", "one")
		req.Header.Add("X-Tag", "two")
		req.Header.Add("X-Tag", "three, four")
		e := get(t, req)
		if got := strings.Join(e.Request.Headers["X-Tag"], "|"); got != "one|two|three, four" {
			t.Errorf("X-Tag arrived as %q", got)
		}
		if e.Request.Host != "127.0.0.1:9080" || e.Request.Proto != "HTTP/1.1" || !strings.HasPrefix(e.Request.RemoteAddr, "127.0.0.1:") {
			t.Errorf("host/proto/remote_addr = %q %q %q", e.Request.Host, e.Request.Proto, e.Request.RemoteAddr)
		}
	})
	t.Run("utf8 body", func(t *testing.T) {
		body := "héllo wörld 😀 世界"
		e := get(t, newRequest(t, "POST", base+"/u", strings.NewReader(body)))
		if e.Request.Body != body || e.Request.BodyEncoding != "" {
			t.Errorf("body arrived as %q (%s)", e.Request.Body, e.Request.BodyEncoding)
		}
	})
	t.Run("binary body in", func(t *testing.T) {
		body := []byte{0, 1, 2, 0xff, 0xfe, 0x80, 'x'}
		e := get(t, newRequest(t, "POST", base+"/b", bytes.NewReader(body)))
		got, _ := base64.StdEncoding.DecodeString(e.Request.Body)
		if e.Request.BodyEncoding != "base64" || !bytes.Equal(got, body) || e.BodyLen != len(body) {
			t.Errorf("body arrived as %q (%s)", e.Request.Body, e.Request.BodyEncoding)
		}
	})
	t.Run("binary body out", func(t *testing.T) {
		resp, body := do(t, tester, newRequest(t, "GET", base+"/binary", nil))
		want := make([]byte, 256)
		for i := range want {
			want[i] = byte(i)
		}
		if resp.StatusCode != 200 || body != string(want) || resp.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
	t.Run("env args and no host files", func(t *testing.T) {
		e := get(t, newRequest(t, "GET", base+"/env", nil))
		env := strings.Join(e.Env, "|")
		if env != "FROM_HOST=|GREETING=hello world" {
			t.Errorf("env = %q (only the configured variables, placeholders resolved at load)", env)
		}
		if args := strings.Join(e.Args, " "); args != "echo-go.wasm --mode fast" {
			t.Errorf("args = %q", args)
		}
		if e.FileErr == "" {
			t.Error("the guest could open /etc/passwd")
		}
		if e.Year < 2025 || !e.Monotonic || e.Random == "0000000000000000" {
			t.Errorf("clocks or randomness are fake: year %d, monotonic %v, random %s", e.Year, e.Monotonic, e.Random)
		}
	})
	t.Run("trace id", func(t *testing.T) {
		req := newRequest(t, "GET", base+"/t", nil)
		req.Header.Set("X-Request-ID", "req-42")
		if e := get(t, req); e.Request.TraceID != "req-42" {
			t.Errorf("trace_id = %q, want the X-Request-ID", e.Request.TraceID)
		}
		tp := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		req.Header.Set("Traceparent", tp)
		if e := get(t, req); e.Request.TraceID != tp {
			t.Errorf("trace_id = %q, want the traceparent", e.Request.TraceID)
		}
		e1 := get(t, newRequest(t, "GET", base+"/t", nil))
		e2 := get(t, newRequest(t, "GET", base+"/t", nil))
		if len(e1.Request.TraceID) != 55 || e1.Request.TraceID == e2.Request.TraceID {
			t.Errorf("fresh trace ids %q %q", e1.Request.TraceID, e2.Request.TraceID)
		}
	})
	t.Run("random differs per request", func(t *testing.T) {
		a := get(t, newRequest(t, "GET", base+"/r", nil))
		b := get(t, newRequest(t, "GET", base+"/r", nil))
		if a.Random == b.Random {
			t.Errorf("two requests drew the same random bytes %s", a.Random)
		}
	})
	t.Run("guest status and no body for HEAD 204 304", func(t *testing.T) {
		resp, body := do(t, tester, newRequest(t, "GET", base+"/status/418", nil))
		if resp.StatusCode != 418 || body != "status 418" {
			t.Errorf("got %d %q", resp.StatusCode, body)
		}
		for _, c := range []struct{ method, path string }{{"GET", "/status/204"}, {"GET", "/status/304"}, {"HEAD", "/status/200"}} {
			resp, body := do(t, tester, newRequest(t, c.method, base+c.path, nil))
			if body != "" {
				t.Errorf("%s %s: body %q", c.method, c.path, body)
			}
			if c.method == "HEAD" && resp.StatusCode != 200 {
				t.Errorf("HEAD: status %d", resp.StatusCode)
			}
		}
	})
}

func TestConcurrencyFreshInstances(t *testing.T) {
	tester, _ := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn /pooled %[1]s {
		pool_size 8
	}
	gojinn %[1]s
}`, testguest.WAT(t, "counter")))
	// With the defaults, 1,000 concurrent requests all get answers, none a 503.
	for path, n := range map[string]int{"/fresh": 1000, "/pooled": 400} {
		var wg sync.WaitGroup
		errs := make(chan string, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := tester.Client.Get(base + path)
				if err != nil {
					errs <- err.Error()
					return
				}
				defer resp.Body.Close()
				var b bytes.Buffer
				_, _ = b.ReadFrom(resp.Body)
				if resp.StatusCode != 200 || b.String() != "1" {
					errs <- fmt.Sprintf("%d %q", resp.StatusCode, b.String())
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatalf("%s: a request got %s, want 200 \"1\" (fresh instance)", path, e)
		}
	}
}

// memory_limit is rounded down to whole pages, and a guest growing one page
// at a time stops at exactly the limit.
func TestMemoryLimitThroughCaddy(t *testing.T) {
	tester, _ := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn /ten %[1]s {
		memory_limit 640KiB
	}
	gojinn /rounded %[1]s {
		memory_limit 700KB
	}
}`, testguest.WAT(t, "grow")))
	for path, want := range map[string]string{"/ten": "00010", "/rounded": "00010"} {
		resp, body := do(t, tester, newRequest(t, "GET", base+path, nil))
		if resp.StatusCode != 200 || body != want {
			t.Errorf("%s: got %d %q, want %q pages", path, resp.StatusCode, body, want)
		}
	}
}

// Hop-by-hop and framing headers a guest sets are dropped and recomputed;
// other headers are kept, names canonicalized.
func TestHopByHopHeadersDropped(t *testing.T) {
	tester, _ := server(t, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s\n}\n", testguest.WAT(t, "hopbyhop")))
	resp, body := do(t, tester, newRequest(t, "GET", base+"/", nil))
	if resp.StatusCode != 200 || body != "abc" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if resp.ContentLength != 3 || len(resp.TransferEncoding) != 0 || resp.Close {
		t.Errorf("framing: Content-Length %d, Transfer-Encoding %v, Close %v", resp.ContentLength, resp.TransferEncoding, resp.Close)
	}
	for _, h := range []string{"Keep-Alive", "Upgrade", "Connection"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("%s: %q reached the client", h, v)
		}
	}
	if resp.Header.Get("X-Kept") != "yes" {
		t.Errorf("X-Kept = %q", resp.Header.Get("X-Kept"))
	}
}

// A burst of large bodies to a busy handler holds no body memory while it
// waits: bodies are read only once a request has its sandbox. 34 requests
// with 1 MiB bodies: 1 runs, 32 wait, 1 is refused (so all have arrived);
// the live heap grows by far less than the 33 MiB that reading the bodies
// of those running and waiting would hold.
func TestQueuedRequestsHoldNoBodies(t *testing.T) {
	const queued, size = 32, 1 << 20
	tester, logFile := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn %s {
		timeout 1m
		max_concurrency 1
		max_queue %d
		queue_timeout 1m
	}
}`, testguest.WAT(t, "loop"), queued))
	liveHeap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	body := strings.Repeat("b", size) // shared by every request: the client holds one copy
	before := liveHeap()

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for range queued + 2 {
		req := newRequest(t, "POST", base+"/", strings.NewReader(body)).WithContext(ctx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, err := tester.Client.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	// One refused means the queue is full: every request has arrived.
	waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
		return e["outcome"] == "overload"
	})
	held := int64(liveHeap()) - int64(before)
	t.Logf("live heap grew by %.1f MiB with 1 running and %d waiting requests of %d MiB bodies", float64(held)/(1<<20), queued, size>>20)
	if held > queued*size/4 {
		t.Errorf("live heap grew by %d bytes: the waiting requests hold their bodies", held)
	}
}
