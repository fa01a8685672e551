package gojinn

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// Serve runs handler on the request Gojinn wrote to stdin and writes its
// response to stdout (docs/contract.md); main calls it last. A nil
// response is an empty 200. Stdin that is not a request (the program run
// outside Gojinn) exits with status 1, which the host answers with 502.
// A panic in handler is not recovered: the host answers 502 and logs the
// panic's message from stderr.
func Serve(handler func(*Request) *Response) {
	warmUp()
	if err := serve(os.Stdin, os.Stdout, handler); err != nil {
		fmt.Fprintln(os.Stderr, "gojinn:", err)
		os.Exit(1)
	}
}

// ServeHTTP runs h, a standard net/http handler (http.ServeMux or any
// router), on the request Gojinn wrote to stdin, as Serve does. h sees an
// *http.Request as a net/http server builds it (RequestURI, Host,
// RemoteAddr, Proto, Body; TraceID(r) gives the trace id) and writes to
// an http.ResponseWriter that keeps the response until h returns, then
// sends it whole.
func ServeHTTP(h http.Handler) { Serve(httpHandler(h)) }

// warmRequest is a request like those Gojinn sends, for warmUp.
const warmRequest = `{"method":"POST","uri":"/warm-up?a=b","headers":{"Content-Type":["text/plain"]},` +
	`"body":"/w==","body_encoding":"base64","trace_id":"00-00000000000000000000000000000001-0000000000000001-01",` +
	`"host":"localhost","remote_addr":"127.0.0.1:1","proto":"HTTP/1.1"}`

// warmUp decodes a request and encodes a response once before stdin is
// read: encoding/json builds its caches for these types on first use,
// which takes milliseconds in a fresh Go instance (measured under the
// wazero CLI: 1-30 ms cold, under 0.1 ms after). An instance started ahead
// of its request (pool_size) thus does it off the request's path.
func warmUp() {
	if req, err := decodeRequest(strings.NewReader(warmRequest)); err == nil {
		_ = encodeResponse(io.Discard, &Response{Headers: req.Headers, Body: req.Body})
	}
}

func serve(stdin io.Reader, stdout io.Writer, handler func(*Request) *Response) error {
	req, err := decodeRequest(stdin)
	if err != nil {
		return err
	}
	if err := encodeResponse(stdout, handler(req)); err != nil {
		return fmt.Errorf("writing the response: %w", err)
	}
	return nil
}

// httpHandler adapts h to Serve.
func httpHandler(h http.Handler) func(*Request) *Response {
	return func(req *Request) *Response {
		r, err := newHTTPRequest(req)
		if err != nil {
			// What net/http's server answers to a request it cannot parse.
			fmt.Fprintln(os.Stderr, "gojinn:", err)
			return &Response{Status: http.StatusBadRequest, Body: []byte("400 Bad Request")}
		}
		w := newResponseRecorder()
		h.ServeHTTP(w, r)
		return w.response()
	}
}

type traceIDKey struct{}

// TraceID is the trace id of a request ServeHTTP built (Request.TraceID),
// "" for any other request.
func TraceID(r *http.Request) string {
	id, _ := r.Context().Value(traceIDKey{}).(string)
	return id
}

// newHTTPRequest builds the *http.Request a net/http server would hand a
// handler for req.
func newHTTPRequest(req *Request) (*http.Request, error) {
	ctx := context.WithValue(context.Background(), traceIDKey{}, req.TraceID)
	r, err := http.NewRequestWithContext(ctx, req.Method, "/", bytes.NewReader(req.Body))
	if err != nil {
		return nil, fmt.Errorf("request method %q: %w", req.Method, err)
	}
	// A server's request URL holds the path and query as sent, no host.
	if r.URL, err = url.ParseRequestURI(req.URI); err != nil {
		return nil, fmt.Errorf("request URI %q: %w", req.URI, err)
	}
	r.RequestURI = req.URI
	r.Header = req.Headers
	r.Host = req.Host
	r.RemoteAddr = req.RemoteAddr
	if major, minor, ok := http.ParseHTTPVersion(req.Proto); ok {
		r.Proto, r.ProtoMajor, r.ProtoMinor = req.Proto, major, minor
	}
	// A server's request has no GetBody (only client requests replay).
	r.GetBody = nil
	return r, nil
}
