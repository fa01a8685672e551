package gojinn

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// Chat sends the messages (and a model only when one is named), reads the
// whole answer whatever its size, and frees it.
func TestChat(t *testing.T) {
	f := newFakeABI()
	f.body = []byte(strings.Repeat("é", 5000))
	msgs := []Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: `say "hi"`}}
	text, err := chat(context.Background(), f, "", msgs)
	if err != nil || text != string(f.body) {
		t.Fatalf("chat: %d bytes, %v; want %d bytes", len(text), err, len(f.body))
	}
	want := `{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"say \"hi\""}]}`
	if string(f.aiReq) != want {
		t.Errorf("request %s, want %s", f.aiReq, want)
	}
	if !slices.Equal(f.closed, []uint32{7}) {
		t.Errorf("closed %v, want [7]", f.closed)
	}
	if _, err := chat(context.Background(), f, "llama3.2", msgs); err != nil || !strings.HasPrefix(string(f.aiReq), `{"model":"llama3.2",`) {
		t.Errorf("with a model: %v, request %s", err, f.aiReq)
	}
}

// A failed call is the status's error; a done context calls nothing.
func TestChatErrors(t *testing.T) {
	for _, tc := range []struct {
		st   status
		want error
	}{
		{statusDenied, ErrDenied},
		{statusUnavailable, ErrUnavailable},
		{statusTimeout, ErrTimeout},
		{statusTooLarge, ErrTooLarge},
		{statusIOError, ErrIO},
	} {
		f := newFakeABI()
		f.aiStatus = tc.st
		if text, err := chat(context.Background(), f, "", []Message{{Role: "user", Content: "x"}}); !errors.Is(err, tc.want) || text != "" {
			t.Errorf("status %d: %q, %v; want %v", tc.st, text, err, tc.want)
		}
	}
	f := newFakeABI()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := chat(ctx, f, "", nil); !errors.Is(err, context.Canceled) || len(f.calls) != 0 {
		t.Errorf("done context: %v, calls %v", err, f.calls)
	}
}
