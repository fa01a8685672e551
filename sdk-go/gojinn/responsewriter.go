package gojinn

import (
	"bytes"
	"fmt"
	"net/http"
)

// responseRecorder is the http.ResponseWriter ServeHTTP gives a handler.
// It behaves as net/http's server's does, except that nothing is sent
// before the handler returns: the header is the one at WriteHeader (or at
// the first Write), 1xx statuses are informational and ignored, and a
// body without a Content-Type gets one sniffed from its bytes.
type responseRecorder struct {
	header http.Header
	status int         // 0 until WriteHeader
	sent   http.Header // the header as it was at WriteHeader
	body   bytes.Buffer
}

func newResponseRecorder() *responseRecorder { return &responseRecorder{header: http.Header{}} }

// Header is the response header: changes after WriteHeader (or the first
// Write) have no effect, as with net/http.
func (w *responseRecorder) Header() http.Header { return w.header }

// WriteHeader sets the status; a second call is ignored. A 1xx status
// other than 101 is informational: net/http sends it ahead, the contract
// has none, so it is dropped. A code outside 100..999 panics, as it does
// in net/http.
func (w *responseRecorder) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.status != 0 || (code < 200 && code != http.StatusSwitchingProtocols) {
		return
	}
	w.status = code
	w.sent = w.header.Clone()
}

// Write appends to the body, after an implicit WriteHeader(200);
// http.ErrBodyNotAllowed for a status that has no body (204, 304).
func (w *responseRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.status == http.StatusNoContent || w.status == http.StatusNotModified {
		return 0, http.ErrBodyNotAllowed
	}
	return w.body.Write(p)
}

// response is what the handler wrote.
func (w *responseRecorder) response() *Response {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	body := w.body.Bytes()
	if _, typed := w.sent["Content-Type"]; !typed && len(body) > 0 && w.sent.Get("Transfer-Encoding") == "" {
		w.sent.Set("Content-Type", http.DetectContentType(body))
	}
	return &Response{Status: w.status, Headers: w.sent, Body: body}
}
