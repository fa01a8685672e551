package guestlog_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/guestlog"
)

const traceID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// newWriter returns a Writer whose logger carries handler and trace_id, as
// the Caddy module's does, and the observed entries.
func newWriter(lim guestlog.Limits, opts ...guestlog.Option) (*guestlog.Writer, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	logger := zap.New(core).With(zap.String("handler", "api"), zap.String("trace_id", traceID))
	return guestlog.New(logger, lim, opts...), logs
}

// entry is the part of a logged entry the tests compare.
type entry struct {
	level  zapcore.Level
	msg    string
	fields map[string]any // the entry's own fields, without the logger's
}

func entries(logs *observer.ObservedLogs) []entry {
	var out []entry
	for _, e := range logs.AllUntimed() {
		fields := map[string]any{}
		enc := zapcore.NewMapObjectEncoder()
		for _, f := range e.Context {
			if f.Key == "handler" || (f.Key == "trace_id" && f.String == traceID) {
				continue // the logger's own fields
			}
			f.AddTo(enc)
		}
		for k, v := range enc.Fields {
			fields[k] = v
		}
		out = append(out, entry{e.Level, e.Message, fields})
	}
	return out
}

func (e entry) String() string {
	return fmt.Sprintf("%s %q %v", e.level, e.msg, e.fields)
}

func checkEntries(t *testing.T, got, want []entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d entries:\n%v\nwant %d:\n%v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i].String() != want[i].String() {
			t.Errorf("entry %d:\n got %v\nwant %v", i, got[i], want[i])
		}
	}
}

func guest(kv ...any) map[string]any {
	m := map[string]any{"source": "guest"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestLines(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		opts   []guestlog.Option
		want   []entry
	}{
		{
			name:   "plain text at info",
			writes: []string{"hello world\n"},
			want:   []entry{{zapcore.InfoLevel, "hello world", guest()}},
		},
		{
			name:   "levels",
			writes: []string{`{"level":"debug","msg":"d"}` + "\n" + `{"level":"info","msg":"i"}` + "\n" + `{"level":"warn","msg":"w"}` + "\n" + `{"level":"warning","msg":"w2"}` + "\n" + `{"level":"error","msg":"e"}` + "\n" + `{"level":"ERROR","msg":"E"}` + "\n"},
			want: []entry{
				{zapcore.DebugLevel, "d", guest()},
				{zapcore.InfoLevel, "i", guest()},
				{zapcore.WarnLevel, "w", guest()},
				{zapcore.WarnLevel, "w2", guest()},
				{zapcore.ErrorLevel, "e", guest()},
				{zapcore.ErrorLevel, "E", guest()},
			},
		},
		{
			name:   "fields kept with their types",
			writes: []string{`{"level":"info","msg":"user created","id":7,"ratio":0.5,"ok":true,"no":false,"name":"Ana","nil":null,"big":123456789012345678901234567890,"obj":{"a":[1,"x"]},"arr":[1,2]}` + "\n"},
			want: []entry{{zapcore.InfoLevel, "user created", guest(
				"id", int64(7), "ratio", 0.5, "ok", true, "no", false, "name", "Ana", "nil", nil,
				"big", 1.2345678901234568e+29,
				"obj", map[string]any{"a": []any{"1", "x"}}, // json.Number renders as its text here
				"arr", []any{"1", "2"},
			)}},
		},
		{
			name: "escapes, nesting and white space",
			writes: []string{
				` { "level" : "info" , "msg" : "a \"q\" \u00e9\n" , "k\u0065y" : "v}\\" , "n" : { "s" : "}]\"" , "a" : [ ] } , "neg" : -1.5e3 , "e" : { } }` + "\n",
				`{"msg":"first","level":"debug","msg":"last"}` + "\n",
				`{}` + "\n",
			},
			want: []entry{
				{zapcore.InfoLevel, "a \"q\" é\n", guest("key", "v}\\", "n", map[string]any{"s": "}]\"", "a": []any{}}, "neg", -1500.0, "e", map[string]any{})},
				{zapcore.DebugLevel, "last", guest()},
				{zapcore.InfoLevel, "{}", guest()},
			},
		},
		{
			name:   "same trace_id dropped with WithTraceID",
			opts:   []guestlog.Option{guestlog.WithTraceID(traceID)},
			writes: []string{`{"level":"info","msg":"m","trace_id":"` + traceID + `"}` + "\n"},
			want:   []entry{{zapcore.InfoLevel, "m", guest()}},
		},
		{
			name:   "other trace_id kept as guest_trace_id",
			opts:   []guestlog.Option{guestlog.WithTraceID(traceID)},
			writes: []string{`{"level":"info","msg":"m","trace_id":"other"}` + "\n"},
			want:   []entry{{zapcore.InfoLevel, "m", guest("guest_trace_id", "other")}},
		},
		{
			name:   "trace_id without WithTraceID kept as guest_trace_id",
			writes: []string{`{"level":"info","msg":"m","trace_id":"` + traceID + `"}` + "\n"},
			want:   []entry{{zapcore.InfoLevel, "m", guest("guest_trace_id", traceID)}},
		},
		{
			name:   "reserved keys renamed",
			writes: []string{`{"level":"info","msg":"m","handler":"h","source":"s","ts":1,"logger":"l"}` + "\n"},
			want:   []entry{{zapcore.InfoLevel, "m", guest("guest_handler", "h", "guest_source", "s", "guest_ts", int64(1), "guest_logger", "l")}},
		},
		{
			name: "JSON that is not a structured entry stays text",
			writes: []string{
				`{"level":"fatal","msg":"x"}` + "\n",
				`{"level":"info"}` + "\n",
				`{"msg":"no level"}` + "\n",
				`{"level":1,"msg":"x"}` + "\n",
				`{"level":"info","msg":2}` + "\n",
				`{"level":"info","msg":"x"} trailing` + "\n",
				`{"level":"info","msg":"x"}{"a":1}` + "\n",
				`{"level":"info","msg":"x"` + "\n",
				`["level","info"]` + "\n",
			},
			want: []entry{
				{zapcore.InfoLevel, `{"level":"fatal","msg":"x"}`, guest()},
				{zapcore.InfoLevel, `{"level":"info"}`, guest()},
				{zapcore.InfoLevel, `{"msg":"no level"}`, guest()},
				{zapcore.InfoLevel, `{"level":1,"msg":"x"}`, guest()},
				{zapcore.InfoLevel, `{"level":"info","msg":2}`, guest()},
				{zapcore.InfoLevel, `{"level":"info","msg":"x"} trailing`, guest()},
				{zapcore.InfoLevel, `{"level":"info","msg":"x"}{"a":1}`, guest()},
				{zapcore.InfoLevel, `{"level":"info","msg":"x"`, guest()},
				{zapcore.InfoLevel, `["level","info"]`, guest()},
			},
		},
		{
			name:   "JSON with surrounding spaces and CRLF",
			writes: []string{"  {\"level\":\"warn\",\"msg\":\"w\"}  \r\n"},
			want:   []entry{{zapcore.WarnLevel, "w", guest()}},
		},
		{
			name:   "partial lines across writes",
			writes: []string{"hel", "lo", " wor", "ld\nsec", "ond\n", `{"level":"er`, `ror","msg":"bo`, `om"}`, "\n"},
			want: []entry{
				{zapcore.InfoLevel, "hello world", guest()},
				{zapcore.InfoLevel, "second", guest()},
				{zapcore.ErrorLevel, "boom", guest()},
			},
		},
		{
			name:   "final partial line flushed at Close",
			writes: []string{"one\ntwo"},
			want: []entry{
				{zapcore.InfoLevel, "one", guest()},
				{zapcore.InfoLevel, "two", guest()},
			},
		},
		{
			name:   "CRLF trimmed, empty lines skipped",
			writes: []string{"a\r\n\r\n\n", "b\r", "\n", "\n"},
			want: []entry{
				{zapcore.InfoLevel, "a", guest()},
				{zapcore.InfoLevel, "b", guest()},
			},
		},
		{
			name:   "invalid UTF-8 replaced",
			writes: []string{"bad \xff\xfe byte\n", `{"level":"info","msg":"m` + "\xff" + `","k":"v` + "\xc3" + `"}` + "\n"},
			want: []entry{
				{zapcore.InfoLevel, "bad \uFFFD byte", guest()},
				{zapcore.InfoLevel, "m\uFFFD", guest("k", "v\uFFFD")},
			},
		},
		{
			name:   "nothing written",
			writes: nil,
			want:   nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, logs := newWriter(guestlog.Limits{}, tc.opts...)
			for _, s := range tc.writes {
				n, err := w.Write([]byte(s))
				if n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			w.Close()
			checkEntries(t, entries(logs), tc.want)
			if l, b := w.Dropped(); l != 0 || b != 0 {
				t.Errorf("Dropped() = %d, %d, want 0, 0", l, b)
			}
		})
	}
}

// The dropped-output warn entry.
func dropped(lines, bytes, maxLines, maxBytes int) entry {
	return entry{zapcore.WarnLevel, "guest log output over the per-request limits was dropped", map[string]any{
		"dropped_lines": int64(lines), "dropped_bytes": int64(bytes),
		"max_lines": int64(maxLines), "max_bytes": int64(maxBytes),
	}}
}

func TestCaps(t *testing.T) {
	tests := []struct {
		name         string
		lim          guestlog.Limits
		writes       []string
		want         []entry
		wantLines    int
		wantBytes    int
		noWarnAtTail bool
	}{
		{
			name:      "line cap",
			lim:       guestlog.Limits{MaxLines: 2},
			writes:    []string{"a\nbb\nccc\ndddd\n"},
			want:      []entry{{zapcore.InfoLevel, "a", guest()}, {zapcore.InfoLevel, "bb", guest()}, dropped(2, 7, 2, guestlog.DefaultMaxBytes)},
			wantLines: 2, wantBytes: 7,
		},
		{
			name:      "line cap with partial lines",
			lim:       guestlog.Limits{MaxLines: 1},
			writes:    []string{"a\nb", "b", "b\ncc"},
			want:      []entry{{zapcore.InfoLevel, "a", guest()}, dropped(2, 5, 1, guestlog.DefaultMaxBytes)},
			wantLines: 2, wantBytes: 5,
		},
		{
			name:   "byte cap truncates the crossing line and drops the rest",
			lim:    guestlog.Limits{MaxBytes: 10},
			writes: []string{"12345\n", "67890abc\n", "next\n"},
			want: []entry{
				{zapcore.InfoLevel, "12345", guest()},
				{zapcore.InfoLevel, "67890", guest("truncated", true)},
				dropped(1, 3+4, guestlog.DefaultMaxLines, 10),
			},
			wantLines: 1, wantBytes: 7,
		},
		{
			name:   "byte cap on a line split across writes",
			lim:    guestlog.Limits{MaxBytes: 4},
			writes: []string{"ab", "cdef", "gh\n", "x"},
			want: []entry{
				{zapcore.InfoLevel, "abcd", guest("truncated", true)},
				dropped(1, 4+1, guestlog.DefaultMaxLines, 4),
			},
			wantLines: 1, wantBytes: 5,
		},
		{
			name:   "a truncated JSON line is logged as text",
			lim:    guestlog.Limits{MaxBytes: 8},
			writes: []string{`{"level":"info","msg":"m"}` + "\n"},
			want: []entry{
				{zapcore.InfoLevel, `{"level"`, guest("truncated", true)},
				dropped(0, 18, guestlog.DefaultMaxLines, 8),
			},
			wantLines: 0, wantBytes: 18,
		},
		{
			name:   "exactly at the caps drops nothing",
			lim:    guestlog.Limits{MaxLines: 2, MaxBytes: 4},
			writes: []string{"ab\ncd\n"},
			want:   []entry{{zapcore.InfoLevel, "ab", guest()}, {zapcore.InfoLevel, "cd", guest()}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, logs := newWriter(tc.lim)
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			w.Close()
			w.Close() // idempotent: no second warn entry
			checkEntries(t, entries(logs), tc.want)
			if l, b := w.Dropped(); l != tc.wantLines || b != tc.wantBytes {
				t.Errorf("Dropped() = %d, %d, want %d, %d", l, b, tc.wantLines, tc.wantBytes)
			}
		})
	}
}

func TestWriteAfterClose(t *testing.T) {
	w, logs := newWriter(guestlog.Limits{})
	w.Close()
	if n, err := w.Write([]byte("late\n")); n != 5 || err != nil {
		t.Fatalf("Write after Close = %d, %v", n, err)
	}
	if logs.Len() != 0 {
		t.Errorf("Write after Close logged %v", logs.All())
	}
}

func TestTail(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name   string
		tail   int
		writes []string
		want   string
	}{
		{"nothing", 8, nil, ""},
		{"short", 8, []string{"ab\n", "c"}, "ab\nc"},
		{"exact", 4, []string{"abcd"}, "abcd"},
		{"last bytes of many writes", 4, []string{"abc", "def", "gh\n", "ij"}, "h\nij"},
		{"one big write", 4, []string{long + "1234"}, "1234"},
		{"big write after small", 4, []string{"ab", long + "wxyz"}, "wxyz"},
		{"small after big", 4, []string{long + "wxyz", "1"}, "xyz1"},
		{"many small writes", 5, strings.Split(strings.Repeat("abcdefghij", 10), ""), "fghij"},
		{"includes dropped lines", 6, []string{strings.Repeat("line\n", 500)}, "\nline\n"},
		{"cut rune dropped", 4, []string{"aé€"}, "€"}, // "é" (2 bytes) cut to 1: left out
		{"cut rune across writes", 5, []string{"zz", "é", "€"}, "é€"},
		{"invalid run replaced, length kept", 4, []string{"ab\xff\xfe"}, "b\uFFFD"},
		{"invalid byte", 8, []string{"a\xffb"}, "a\uFFFDb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := newWriter(guestlog.Limits{TailBytes: tc.tail, MaxLines: 1000000})
			for _, s := range tc.writes {
				_, _ = w.Write([]byte(s))
			}
			got := w.Tail()
			if got != tc.want {
				t.Errorf("Tail() = %q, want %q", got, tc.want)
			}
			if !utf8.ValidString(got) || len(got) > tc.tail {
				t.Errorf("Tail() = %q: valid %v, %d bytes, cap %d", got, utf8.ValidString(got), len(got), tc.tail)
			}
			w.Close()
			if w.Tail() != got {
				t.Error("Tail changed at Close")
			}
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	d := guestlog.DefaultLimits()
	if d.MaxLines != 100 || d.MaxBytes != 64<<10 || d.TailBytes != 2<<10 {
		t.Errorf("DefaultLimits() = %+v", d)
	}
	// zero fields take the defaults: 101 lines log 100 entries and a warn
	w, logs := newWriter(guestlog.Limits{})
	_, _ = w.Write([]byte(strings.Repeat("l\n", 101)))
	w.Close()
	if logs.Len() != 101 || logs.FilterLevelExact(zapcore.WarnLevel).Len() != 1 {
		t.Errorf("got %d entries, %d warn", logs.Len(), logs.FilterLevelExact(zapcore.WarnLevel).Len())
	}
}

func TestNilLogger(t *testing.T) {
	w := guestlog.New(nil, guestlog.Limits{MaxLines: 1})
	_, _ = w.Write([]byte("a\nb\n"))
	w.Close()
	if l, _ := w.Dropped(); l != 1 {
		t.Errorf("dropped lines = %d, want 1", l)
	}
	if w.Tail() != "a\nb\n" {
		t.Errorf("Tail() = %q", w.Tail())
	}
}

func TestDisabledLevel(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	w := guestlog.New(zap.New(core), guestlog.Limits{})
	_, _ = w.Write([]byte("text\n{\"level\":\"debug\",\"msg\":\"d\"}\n{\"level\":\"error\",\"msg\":\"e\"}\n"))
	w.Close()
	if logs.Len() != 1 || logs.All()[0].Message != "e" {
		t.Errorf("got %v, want only the error entry", logs.All())
	}
}

func TestConcurrentWrites(t *testing.T) {
	w, logs := newWriter(guestlog.Limits{MaxLines: 1000})
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				_, _ = w.Write([]byte("line\n"))
				_ = w.Tail()
			}
		}()
	}
	for range 4 {
		<-done
	}
	w.Close()
	if logs.Len() != 200 {
		t.Errorf("got %d entries, want 200", logs.Len())
	}
}

func TestNoWriteAllocs(t *testing.T) {
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.DebugLevel)
	logger := zap.New(core)
	allocs := testing.AllocsPerRun(100, func() {
		w := guestlog.New(logger, guestlog.DefaultLimits())
		w.Close()
		_ = w.Tail()
	})
	if allocs > 1 {
		t.Errorf("a request that logs nothing allocates %v times, want at most 1 (the Writer)", allocs)
	}
}

func benchLogger() *zap.Logger {
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.DebugLevel)
	return zap.New(core).With(zap.String("handler", "api"), zap.String("trace_id", traceID))
}

func benchLines(b *testing.B, line []byte) {
	logger := benchLogger()
	lim := guestlog.Limits{MaxLines: 1 << 30, MaxBytes: 1 << 30}
	w := guestlog.New(logger, lim, guestlog.WithTraceID(traceID))
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		_, _ = w.Write(line)
	}
	w.Close()
}

func BenchmarkPlainLine(b *testing.B) {
	benchLines(b, []byte("handled request for user 7 in 3ms\n"))
}

func BenchmarkJSONLine(b *testing.B) {
	benchLines(b, []byte(`{"level":"info","msg":"user created","trace_id":"`+traceID+`","id":7,"name":"Ana"}`+"\n"))
}

// BenchmarkSilentRequest is the cost for a request whose guest writes
// nothing.
func BenchmarkSilentRequest(b *testing.B) {
	logger := benchLogger()
	b.ReportAllocs()
	for b.Loop() {
		w := guestlog.New(logger, guestlog.DefaultLimits())
		w.Close()
	}
}

// BenchmarkRequestOneLine is a request whose guest logs one plain line.
func BenchmarkRequestOneLine(b *testing.B) {
	logger := benchLogger()
	line := []byte("handled request for user 7 in 3ms\n")
	b.ReportAllocs()
	for b.Loop() {
		w := guestlog.New(logger, guestlog.DefaultLimits())
		_, _ = w.Write(line)
		w.Close()
	}
}

// FuzzWriter checks the guarantees that hold whatever the guest writes.
func FuzzWriter(f *testing.F) {
	f.Add([]byte("plain\n"), []byte(`{"level":"info","msg":"m","a":{"b":[1,"}"]}}`+"\n"), 7)
	f.Add([]byte("\xff\xfe\r\n"), []byte("é€\n{\"level\":\"error\""), 3)
	f.Fuzz(func(t *testing.T, a, b []byte, split int) {
		lim := guestlog.Limits{MaxLines: 5, MaxBytes: 64, TailBytes: 16}
		w, logs := newWriter(lim)
		in := append(append([]byte{}, a...), b...)
		if split < 0 || split > len(in) {
			split = len(in) / 2
		}
		for _, p := range [][]byte{in[:split], in[split:]} {
			if n, err := w.Write(p); n != len(p) || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		w.Close()
		tail := w.Tail()
		if !utf8.ValidString(tail) || len(tail) > lim.TailBytes {
			t.Errorf("Tail() = %q", tail)
		}
		lines, bytes := 0, 0
		for _, e := range logs.All() {
			if !utf8.ValidString(e.Message) {
				t.Errorf("invalid UTF-8 message %q", e.Message)
			}
			if e.Level > zapcore.ErrorLevel {
				t.Errorf("entry at level %v", e.Level)
			}
			if e.Level != zapcore.WarnLevel || !strings.HasPrefix(e.Message, "guest log output over") {
				lines++
				continue
			}
			for _, f := range e.Context {
				if f.Key == "dropped_bytes" {
					bytes = int(f.Integer)
				}
			}
		}
		if lines > lim.MaxLines {
			t.Errorf("%d guest entries, cap %d", lines, lim.MaxLines)
		}
		if _, db := w.Dropped(); db != bytes {
			t.Errorf("Dropped bytes %d, warn entry says %d", db, bytes)
		}
	})
}
