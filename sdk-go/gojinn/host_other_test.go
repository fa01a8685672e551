//go:build !wasip1

package gojinn

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// Outside Gojinn (a handler's native tests), the package works and every
// host call is ErrUnavailable, through the public API.
func TestOutsideGojinn(t *testing.T) {
	s := KV("sessions")
	if _, err := s.Get("k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get: %v", err)
	}
	if err := s.Set("k", nil, 0); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Set: %v", err)
	}
	if _, err := s.Keys(""); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Keys: %v", err)
	}
	if id, err := Enqueue("orders", []byte("x")); !errors.Is(err, ErrUnavailable) || id != "" {
		t.Errorf("Enqueue: %q, %v", id, err)
	}
	if _, err := SQL("main").Query(context.Background(), "SELECT 1"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("SQL Query: %v", err)
	}
	if _, err := Objects("media").GetObject("k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("GetObject: %v", err)
	}
	client := &http.Client{Transport: Transport}
	if _, err := client.Get("https://api.example.com/"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("http.Client on Transport: %v", err)
	}
	Log(LevelInfo, "a line on stderr")
}
