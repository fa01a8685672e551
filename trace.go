package gojinn

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
)

// traceIDOf is the contract's trace_id for a request with header h when it
// has no gojinn.invoke span: its W3C traceparent, else its X-Request-ID,
// else a fresh traceparent.
func traceIDOf(h http.Header) string {
	if tp := h.Get("Traceparent"); tp != "" {
		return tp
	}
	if id := h.Get("X-Request-Id"); id != "" {
		return id
	}
	return newTraceparent()
}

// newTraceparent makes a W3C traceparent with random IDs (not sampled).
func newTraceparent() string {
	var ids [24]byte
	for i := 0; i < len(ids); i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			ids[i+j] = byte(v >> (8 * j))
		}
	}
	var b [55]byte
	copy(b[:], "00-")
	hex.Encode(b[3:35], ids[:16])
	b[35] = '-'
	hex.Encode(b[36:52], ids[16:])
	copy(b[52:], "-00")
	return string(b[:])
}
