package gojinn

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// Request is the request Gojinn writes to the handler's stdin
// (docs/contract.md), its body decoded.
type Request struct {
	// Method is the HTTP method, upper case as sent.
	Method string
	// URI is the path and query as they reach the handler, percent-encoded
	// as sent (under `handle_path` the prefix is already stripped).
	URI string
	// Headers holds every request header but Host, names canonical.
	Headers http.Header
	// Body is the whole request body (binary bodies included).
	Body []byte
	// TraceID is the W3C traceparent to log and continue (else the
	// X-Request-ID, else a random ID); never empty.
	TraceID string
	// Host is the request's Host, possibly with a port.
	Host string
	// RemoteAddr is the client's address, ip:port.
	RemoteAddr string
	// Proto is HTTP/1.1, HTTP/2.0 or HTTP/3.0.
	Proto string
}

// Response is the handler's answer.
type Response struct {
	// Status is the HTTP status, 200 to 599; 0 means 200.
	Status int
	// Headers are the response headers. Gojinn computes Content-Length
	// and drops hop-by-hop headers.
	Headers http.Header
	// Body is the response body; bytes that are not UTF-8 text are sent
	// base64-encoded to the host and reach the client as they are.
	Body []byte
}

// wireRequest is the request as JSON on stdin.
type wireRequest struct {
	Method       string      `json:"method"`
	URI          string      `json:"uri"`
	Headers      http.Header `json:"headers"`
	Body         string      `json:"body"`
	BodyEncoding string      `json:"body_encoding"`
	TraceID      string      `json:"trace_id"`
	Host         string      `json:"host"`
	RemoteAddr   string      `json:"remote_addr"`
	Proto        string      `json:"proto"`
}

// wireResponse is the response as JSON on stdout.
type wireResponse struct {
	Status       int                 `json:"status"`
	Headers      map[string][]string `json:"headers,omitempty"`
	Body         string              `json:"body,omitempty"`
	BodyEncoding string              `json:"body_encoding,omitempty"`
}

// decodeRequest reads the request object from r (the whole of stdin).
func decodeRequest(r io.Reader) (*Request, error) {
	var w wireRequest
	if err := json.NewDecoder(r).Decode(&w); err != nil {
		return nil, fmt.Errorf("reading the request: %w", err)
	}
	body := []byte(w.Body)
	switch w.BodyEncoding {
	case "":
	case "base64":
		b, err := base64.StdEncoding.DecodeString(w.Body)
		if err != nil {
			return nil, fmt.Errorf("reading the request's base64 body: %w", err)
		}
		body = b
	default:
		return nil, fmt.Errorf("reading the request: unknown body_encoding %q", w.BodyEncoding)
	}
	if w.Headers == nil {
		w.Headers = http.Header{}
	}
	return &Request{
		Method: w.Method, URI: w.URI, Headers: w.Headers, Body: body, TraceID: w.TraceID,
		Host: w.Host, RemoteAddr: w.RemoteAddr, Proto: w.Proto,
	}, nil
}

// encodeResponse writes resp (nil: an empty 200) to w as the contract's
// response object.
func encodeResponse(w io.Writer, resp *Response) error {
	if resp == nil {
		resp = &Response{}
	}
	out := wireResponse{Status: resp.Status, Headers: wireHeaders(resp.Headers)}
	if out.Status == 0 {
		out.Status = http.StatusOK
	}
	if utf8.Valid(resp.Body) {
		out.Body = string(resp.Body)
	} else {
		out.Body, out.BodyEncoding = base64.StdEncoding.EncodeToString(resp.Body), "base64"
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

var newlineToSpace = strings.NewReplacer("\r", " ", "\n", " ")

// wireHeaders is h as the contract takes it, cleaned as net/http's
// HTTP/1 server cleans what it writes: names in canonical form (names
// that differ only in case are merged, which the contract would refuse),
// CR and LF in values turned into spaces, spaces and tabs trimmed at both
// ends.
func wireHeaders(h http.Header) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names) // merged values keep a deterministic order
	out := make(map[string][]string, len(h))
	for _, name := range names {
		canonical := http.CanonicalHeaderKey(name)
		for _, v := range h[name] {
			v = strings.Trim(newlineToSpace.Replace(v), " \t")
			out[canonical] = append(out[canonical], v)
		}
	}
	return out
}
