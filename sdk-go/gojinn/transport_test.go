package gojinn

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// closeRecorder is a request body that says whether it was closed.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// A request goes to the host as the ABI's JSON object plus the raw body;
// the response comes back whole (head and body read with the sizes fetch
// reported), the handle is freed, and the request's body is closed.
func TestRoundTrip(t *testing.T) {
	f := newFakeABI()
	f.head = []byte(`{"status":404,"headers":{"Content-Type":["text/plain"],"X-Multi":["a","b"]}}`)
	f.body = []byte("no such thing")
	body := &closeRecorder{Reader: strings.NewReader("\x00binary\xff")}
	req, err := http.NewRequest("PUT", "https://api.example.com/v1/x?q=caf%C3%A9", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Add("X-Tag", "1")
	req.Header.Add("X-Tag", "2")

	resp, err := roundTrip(f, req)
	if err != nil {
		t.Fatal(err)
	}
	var sent map[string]any
	if err := json.Unmarshal(f.fetchReq, &sent); err != nil {
		t.Fatal(err)
	}
	wantSent := `{"headers":{"Content-Type":["application/octet-stream"],"X-Tag":["1","2"]},"method":"PUT","url":"https://api.example.com/v1/x?q=caf%C3%A9"}`
	if got, _ := json.Marshal(sent); string(got) != wantSent {
		t.Errorf("request object %s\nwant %s", got, wantSent)
	}
	if string(f.fetchSent) != "\x00binary\xff" || !body.closed {
		t.Errorf("body sent %q, closed %v", f.fetchSent, body.closed)
	}
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || resp.Status != "404 Not Found" || string(got) != "no such thing" ||
		resp.ContentLength != 13 || resp.Request != req ||
		resp.Header.Get("Content-Type") != "text/plain" || !slices.Equal(resp.Header["X-Multi"], []string{"a", "b"}) {
		t.Errorf("response %d %q %q %v", resp.StatusCode, resp.Status, got, resp.Header)
	}
	if wantCalls := []string{"fetch", "fetch_head", "fetch_body"}; !slices.Equal(f.calls, wantCalls) || !slices.Equal(f.closed, []uint32{7}) {
		t.Errorf("calls %v, closed %v", f.calls, f.closed)
	}
}

// A failed fetch is an error wrapping the status's sentinel and naming the
// request; a failure after fetch still frees the handle; a head that is
// not JSON is ErrIO.
func TestRoundTripErrors(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://10.0.0.1/", nil)
	for st, want := range map[status]error{
		statusDenied: ErrDenied, statusTimeout: ErrTimeout, statusTooLarge: ErrTooLarge,
		statusUnavailable: ErrUnavailable, statusLimit: ErrLimit, statusInvalid: ErrInvalid, 99: ErrIO,
	} {
		f := newFakeABI()
		f.fetchStatus = st
		resp, err := roundTrip(f, req)
		if resp != nil || !errors.Is(err, want) || !strings.Contains(err.Error(), "gojinn: fetch GET http://10.0.0.1/: ") {
			t.Errorf("status %d: got %v %v, want %v", st, resp, err, want)
		}
		if len(f.closed) != 0 {
			t.Errorf("status %d: closed %v, but no handle was returned", st, f.closed)
		}
	}

	f := newFakeABI()
	f.head = []byte(`{"status":`)
	if _, err := roundTrip(f, req); !errors.Is(err, ErrIO) || !slices.Equal(f.closed, []uint32{7}) {
		t.Errorf("bad head: %v, closed %v", err, f.closed)
	}
}
