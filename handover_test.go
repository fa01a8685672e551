package gojinn_test

import (
	"errors"
	"io"
	"net/http"
	"syscall"
	"time"
)

// handoverRetry retries a request that got no answer at all. Each test
// loads its own config into the one in-process Caddy; while Caddy hands the
// port from the previous config's server to the new one (both listen with
// SO_REUSEPORT for a moment), a new connection can land on the old server
// as it shuts down and be closed unread (EOF or reset). Such a request
// never reached a handler, so retrying it cannot run a guest twice.
type handoverRetry struct{ next http.RoundTripper }

func (h handoverRetry) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := h.next.RoundTrip(req)
		if err == nil || attempt == 4 || !unanswered(err) || req.Context().Err() != nil {
			return resp, err
		}
		if req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return resp, err
			}
			body, gerr := req.GetBody()
			if gerr != nil {
				return resp, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// unanswered tells whether err means the server closed the connection
// without answering.
func unanswered(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}
