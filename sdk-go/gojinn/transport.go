package gojinn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// FetchTransport is an http.RoundTripper that sends requests through the
// host's fetch (docs/host-abi.md, "Outbound HTTP"): only to the origins
// the handler's `fetch` allow-list names, within its timeout, body and
// per-run call limits. The zero value is ready to use; Transport is one.
//
// A failure is an error wrapping ErrDenied (not allowed, including a
// redirect to another origin), ErrTimeout, ErrTooLarge (response body over
// fetch_max_body), ErrUnavailable (DNS, connection refused), ErrIO,
// ErrLimit (fetch_max_calls) or ErrInvalid; http.Client returns it inside
// a *url.Error, which errors.Is sees through. An HTTP error status (404,
// 500...) is a response, not an error.
//
// The host follows redirects itself, applies its own timeout
// (fetch_timeout, within the run's), and returns the whole body at once:
// the request's context is not consulted, and the response's Body is
// already in memory.
type FetchTransport struct {
	abi abi // nil: the host's
}

// Transport sends requests through the host's fetch: give it to an
// http.Client (&http.Client{Transport: gojinn.Transport}), or to any
// library that takes one.
var Transport = &FetchTransport{}

// RoundTrip sends the request through the host and returns its response.
func (t *FetchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	a := t.abi
	if a == nil {
		a = hostABI{}
	}
	return roundTrip(a, req)
}

// wireFetchRequest is the request object of the ABI's fetch.
type wireFetchRequest struct {
	Method  string      `json:"method,omitempty"`
	URL     string      `json:"url"`
	Headers http.Header `json:"headers,omitempty"`
}

// wireFetchHead is the head object of the ABI's fetch_head.
type wireFetchHead struct {
	Status  int         `json:"status"`
	Headers http.Header `json:"headers"`
}

func roundTrip(a abi, req *http.Request) (*http.Response, error) {
	fail := func(err error) error { return fmt.Errorf("gojinn: fetch %s %s: %w", req.Method, req.URL, err) }
	var body []byte
	if req.Body != nil {
		// A RoundTripper closes the request's body, even on failure.
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fail(err)
		}
		body = b
	}
	spec, err := json.Marshal(wireFetchRequest{Method: req.Method, URL: req.URL.String(), Headers: req.Header})
	if err != nil {
		return nil, fail(err)
	}
	handle, headSize, bodySize, st := a.fetch(spec, body)
	if st != statusOK {
		return nil, fail(st.err())
	}
	defer a.fetchClose(handle)
	rawHead, st := readSized(make([]byte, headSize), func(buf []byte) (uint32, status) { return a.fetchHead(handle, buf) })
	if st != statusOK {
		return nil, fail(st.err())
	}
	respBody, st := readSized(make([]byte, bodySize), func(buf []byte) (uint32, status) { return a.fetchBody(handle, buf) })
	if st != statusOK {
		return nil, fail(st.err())
	}
	var head wireFetchHead
	if err := json.Unmarshal(rawHead, &head); err != nil {
		return nil, fail(fmt.Errorf("reading the response head: %v: %w", err, ErrIO))
	}
	if head.Headers == nil {
		head.Headers = http.Header{}
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", head.Status, http.StatusText(head.Status)),
		StatusCode:    head.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        head.Headers,
		Body:          io.NopCloser(bytes.NewReader(respBody)),
		ContentLength: int64(len(respBody)),
		Request:       req,
	}, nil
}
