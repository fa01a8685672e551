package main

import (
	"net/http/httptest"
	"testing"
)

// The routes' logic, as plain net/http: fast, and no WebAssembly involved.
func TestGreeting(t *testing.T) {
	for _, tc := range []struct{ target, want string }{
		{"/", "Hello, world!\n"},
		{"/any/path?name=Zo%C3%AB", "Hello, Zoë!\n"},
	} {
		rec := httptest.NewRecorder()
		newMux().ServeHTTP(rec, httptest.NewRequest("GET", tc.target, nil))
		if rec.Code != 200 || rec.Body.String() != tc.want {
			t.Errorf("GET %s: %d %q, want 200 %q", tc.target, rec.Code, rec.Body.String(), tc.want)
		}
	}
}
