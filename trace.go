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
	if tp := h.Get("Traceparent"); plausibleID(tp) {
		return tp
	}
	if id := h.Get("X-Request-Id"); plausibleID(id) {
		return id
	}
	return newTraceparent()
}

// plausibleID keeps a client's ID out of logs and guests unless it is short
// printable ASCII (a traceparent is 55 bytes; request IDs are UUID-sized).
func plausibleID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
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
