package gojinn

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func mustBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serveJSON runs h under the contract on the request object in and returns
// the response object's members.
func serveJSON(t *testing.T, h http.Handler, in string) map[string]any {
	t.Helper()
	var out bytes.Buffer
	if err := serve(strings.NewReader(in), &out, httpHandler(h)); err != nil {
		t.Fatal(err)
	}
	decodeWire(t, out.Bytes())
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A standard http.ServeMux routes as it would under net/http's server:
// methods, path values from percent-encoded paths, query, headers, body,
// and the server-side request fields.
func TestServeHTTPRouter(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "user=%s q=%s tag=%v uri=%s path=%s host=%s remote=%s proto=%s/%d.%d trace=%s",
			r.PathValue("name"), r.URL.Query().Get("q"), r.Header["X-Tag"], r.RequestURI, r.URL.EscapedPath(),
			r.Host, r.RemoteAddr, r.Proto, r.ProtoMajor, r.ProtoMinor, TraceID(r))
	})
	mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Location", "/users/1")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "created %d bytes %q (%d)", len(b), b, r.ContentLength)
	})

	m := serveJSON(t, mux, `{"method":"GET","uri":"/users/caf%C3%A9%2Fx?q=a%20b","headers":{"X-Tag":["a","b"]},"body":"",
		"trace_id":"00-abc-01","host":"example.com:8080","remote_addr":"10.1.2.3:4567","proto":"HTTP/2.0"}`)
	want := "user=café/x q=a b tag=[a b] uri=/users/caf%C3%A9%2Fx?q=a%20b path=/users/caf%C3%A9%2Fx host=example.com:8080 " +
		"remote=10.1.2.3:4567 proto=HTTP/2.0/2.0 trace=00-abc-01"
	if m["status"] != 200.0 || m["body"] != want {
		t.Errorf("GET: %v\nwant body %q", m, want)
	}

	m = serveJSON(t, mux, `{"method":"POST","uri":"/users","headers":{},"body":"AP8=","body_encoding":"base64","proto":"HTTP/1.1"}`)
	if m["status"] != 201.0 || m["body"] != `created 2 bytes "\x00\xff" (2)` || header(m, "Location") != "/users/1" {
		t.Errorf("POST: %v", m)
	}

	// The mux's own answers: 405 with Allow, 404.
	m = serveJSON(t, mux, `{"method":"DELETE","uri":"/users/x","headers":{}}`)
	if m["status"] != 405.0 || header(m, "Allow") != "GET, HEAD" {
		t.Errorf("DELETE: %v", m)
	}
	if m = serveJSON(t, mux, `{"method":"GET","uri":"/nope","headers":{}}`); m["status"] != 404.0 {
		t.Errorf("GET /nope: %v", m)
	}
	// A URI net/http's server could not parse is its 400.
	if m = serveJSON(t, mux, `{"method":"GET","uri":"users","headers":{}}`); m["status"] != 400.0 {
		t.Errorf("bad URI: %v", m)
	}
}

// header is the first value of a header in a decoded response object.
func header(m map[string]any, name string) string {
	h, _ := m["headers"].(map[string]any)
	vs, _ := h[name].([]any)
	if len(vs) == 0 {
		return ""
	}
	s, _ := vs[0].(string)
	return s
}

// The ResponseWriter keeps net/http's rules: the header is fixed at
// WriteHeader, 1xx statuses are not final, a second WriteHeader is
// ignored, no body on 204, a Content-Type is sniffed when none was set.
func TestResponseRecorder(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		status  float64
		body    string
		ctype   string
	}{
		{"nothing written", func(http.ResponseWriter, *http.Request) {}, 200, "", ""},
		{"implicit 200, sniffed HTML", func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "<html><body>hi</body></html>")
		}, 200, "<html><body>hi</body></html>", "text/html; charset=utf-8"},
		{"explicit type kept", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"a":1}`)
		}, 200, `{"a":1}`, "application/json"},
		{"header after WriteHeader ignored", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(202)
			w.Header().Set("Content-Type", "late/type")
			io.WriteString(w, "x")
		}, 202, "x", "text/plain; charset=utf-8"},
		{"103 then 201, second WriteHeader ignored", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(201)
			w.WriteHeader(500)
		}, 201, "", ""},
		{"no body on 204", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(204)
			if _, err := io.WriteString(w, "x"); !errors.Is(err, http.ErrBodyNotAllowed) {
				panic(err)
			}
		}, 204, "", ""},
	}
	for _, tc := range cases {
		m := serveJSON(t, tc.handler, `{"method":"GET","uri":"/","headers":{}}`)
		body, _ := m["body"].(string)
		if m["status"] != tc.status || body != tc.body || header(m, "Content-Type") != tc.ctype {
			t.Errorf("%s: got %v, want %v %q type %q", tc.name, m, tc.status, tc.body, tc.ctype)
		}
	}

	defer func() {
		if recover() == nil {
			t.Error("WriteHeader(99) did not panic, as net/http's does")
		}
	}()
	newResponseRecorder().WriteHeader(99)
}

// Serve's handler gets the decoded request and its answer is written as
// one response object; stdin that is not a request is an error.
func TestServe(t *testing.T) {
	var out bytes.Buffer
	err := serve(strings.NewReader(`{"method":"PATCH","uri":"/x","headers":{"A":["1"]},"body":"hey"}`), &out,
		func(r *Request) *Response {
			return &Response{Status: 418, Headers: http.Header{"X-Echo": {r.Method + " " + r.URI + " " + r.Headers.Get("A")}}, Body: r.Body}
		})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != `{"status":418,"headers":{"X-Echo":["PATCH /x 1"]},"body":"hey"}` {
		t.Fatalf("stdout %s", got)
	}
	if err := serve(strings.NewReader("hello"), io.Discard, func(*Request) *Response { return nil }); err == nil {
		t.Fatal("stdin that is no request: no error")
	}
}

// warmUp's sample is a request decodeRequest accepts, binary body
// included, so the warm-up exercises the decoder and the encoder's base64.
func TestWarmRequest(t *testing.T) {
	req, err := decodeRequest(strings.NewReader(warmRequest))
	if err != nil || len(req.Body) != 1 || req.Headers.Get("Content-Type") == "" {
		t.Fatalf("warm-up request: %+v %v", req, err)
	}
	warmUp()
}
