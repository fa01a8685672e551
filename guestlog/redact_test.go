package guestlog_test

import (
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/gojinn/gojinn/guestlog"
)

func TestRedactor(t *testing.T) {
	if r := guestlog.NewRedactor([]string{"", ""}); r != nil || r.Redact("a") != "a" {
		t.Errorf("no secrets: got %v, want a nil Redactor that redacts nothing", r)
	}
	r := guestlog.NewRedactor([]string{"tok", "tok-long-secret", ""})
	for in, want := range map[string]string{
		"no secret here":              "no secret here",
		"a=tok-long-secret; b=tok.":   "a=[redacted]; b=[redacted].",
		"tok-long-secrettok-long-sec": "[redacted][redacted]-long-sec",
	} {
		if got := r.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every way guest output leaves a Writer is redacted: text lines,
// structured lines, host_log messages and the tail, including a secret
// cut at the start of the tail.
func TestWriterRedacts(t *testing.T) {
	const secret = "s3cret-value-0123456789"
	w, logs := newWriter(guestlog.Limits{TailBytes: 32}, guestlog.WithRedactor(guestlog.NewRedactor([]string{secret})))
	_, _ = w.Write([]byte("plain " + secret + "\n"))
	_, _ = w.Write([]byte(`{"level":"error","msg":"m ` + secret + `","k":"` + secret + `"}` + "\n"))
	w.Log(zapcore.WarnLevel, []byte("host "+secret))
	// The tail (32 bytes) starts inside the secret: its end is masked too.
	_, _ = w.Write([]byte(secret + "\nend of output 0123\n"))
	w.Close()
	for _, e := range entries(logs) {
		if strings.Contains(e.String(), "s3cret") {
			t.Errorf("entry %v shows the secret", e)
		}
	}
	if tail := w.Tail(); strings.Contains(tail, "456789") || !strings.HasPrefix(tail, "[redacted]\nend of output 0123") {
		t.Errorf("Tail() = %q, want the secret's end masked", tail)
	}
	if n := len(entries(logs)); n != 5 {
		t.Errorf("got %d entries, want 5: %v", n, entries(logs))
	}
}
