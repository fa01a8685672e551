package gojinn

import (
	"net/http"
	"strings"
	"testing"
)

func TestTraceIDOf(t *testing.T) {
	tp := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	cases := []struct {
		name   string
		header http.Header
		want   string // "" means a fresh traceparent
	}{
		{"traceparent first", http.Header{"Traceparent": {tp}, "X-Request-Id": {"r1"}}, tp},
		{"request id", http.Header{"X-Request-Id": {"r1"}}, "r1"},
		{"nothing", http.Header{}, ""},
		{"control characters", http.Header{"X-Request-Id": {"a\nb"}}, ""},
		{"too long", http.Header{"X-Request-Id": {strings.Repeat("x", 129)}}, ""},
		{"spaces", http.Header{"Traceparent": {"00 - x"}, "X-Request-Id": {"ok-id"}}, "ok-id"},
	}
	for _, tc := range cases {
		got := traceIDOf(tc.header)
		if tc.want == "" {
			if len(got) != 55 || !strings.HasPrefix(got, "00-") {
				t.Errorf("%s: got %q, want a fresh traceparent", tc.name, got)
			}
		} else if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
