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
	// maxDebugLogs caps the stderr text returned, before base64.
	maxDebugLogs = 4096
)

// takeDebugHeader removes the debug header from r, so neither the guest nor
// any log sees the secret, and tells whether it carried the secret.
func (g *Gojinn) takeDebugHeader(r *http.Request) bool {
	values := r.Header.Values(DebugHeader)
	if values == nil {
		return false
	}
	r.Header.Del(DebugHeader)
	return len(g.debug) > 0 && len(values) == 1 && subtle.ConstantTimeCompare([]byte(values[0]), g.debug) == 1
}

// setDebugLogs puts the end of the guest's stderr into a header-safe value.
func setDebugLogs(h http.Header, stderr string) {
	if len(stderr) > maxDebugLogs {
		stderr = stderr[len(stderr)-maxDebugLogs:]
	}
	h.Set(LogsHeader, base64.StdEncoding.EncodeToString([]byte(stderr)))
}
