package guestlog_test

import (
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/gojinn/gojinn/guestlog"
)

// TestHostLog: host_log entries keep their level and newlines, share the
// stderr lines' caps, and show in the tail.
func TestHostLog(t *testing.T) {
	w, logs := newWriter(guestlog.Limits{MaxLines: 3, MaxBytes: 31})
	w.Log(zapcore.ErrorLevel, []byte("db down\nretrying"))
	_, _ = w.Write([]byte("plain\n"))
	w.Log(zapcore.InfoLevel, []byte("0123456789abc")) // 3 bytes over MaxBytes
	w.Log(zapcore.InfoLevel, []byte("dropped"))       // over MaxLines
	w.Close()
	got := entries(logs)
	want := []entry{
		{zapcore.ErrorLevel, "db down\nretrying", map[string]any{"source": "guest", "via": "host_log"}},
		{zapcore.InfoLevel, "plain", map[string]any{"source": "guest"}},
		{zapcore.InfoLevel, "0123456789", map[string]any{"source": "guest", "via": "host_log", "truncated": true}},
		{zapcore.WarnLevel, "guest log output over the per-request limits was dropped", map[string]any{
			"dropped_lines": int64(1), "dropped_bytes": int64(3 + 7), "max_lines": int64(3), "max_bytes": int64(31),
		}},
	}
	checkEntries(t, got, want)
	if tail := w.Tail(); !strings.Contains(tail, "retrying\nplain\n") || !strings.HasSuffix(tail, "dropped\n") {
		t.Errorf("tail %q lacks the host_log lines", tail)
	}
}

// TestHostLogAfterClose: a call after Close logs nothing.
func TestHostLogAfterClose(t *testing.T) {
	w, logs := newWriter(guestlog.Limits{})
	w.Close()
	w.Log(zapcore.ErrorLevel, []byte("late"))
	if n := logs.Len(); n != 0 {
		t.Errorf("%d entries after Close", n)
	}
}
