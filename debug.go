package gojinn

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// Debug headers: a request with DebugHeader set to the configured secret
// gets the guest's stderr back in LogsHeader.
const (
	DebugHeader = "X-Gojinn-Debug"
	LogsHeader  = "X-Gojinn-Logs"
)

// takeDebugHeader removes the debug header from r, so that neither the
// guest, nor Gojinn's own log entries, nor the handlers after this one see
// the secret, and tells whether it carried the secret. Caddy's access and
// error logs copied the request headers before any handler ran: only a log
// filter keeps the secret out of those (docs/observability.md).
func (g *Gojinn) takeDebugHeader(r *http.Request) bool {
	values := r.Header.Values(DebugHeader)
	if values == nil {
		return false
	}
	r.Header.Del(DebugHeader)
	return len(g.debug) > 0 && len(values) == 1 && subtle.ConstantTimeCompare([]byte(values[0]), g.debug) == 1
}

// setDebugLogs puts the guest's stderr tail (already capped by the guest's
// log writer at guestlog.DefaultTailBytes) into a header-safe value. The
// response then holds what only the secret's holder may read, so no cache
// may store it or answer a request without the secret with it.
func setDebugLogs(h http.Header, tail string) {
	h.Set(LogsHeader, base64.StdEncoding.EncodeToString([]byte(tail)))
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", DebugHeader)
}
