package guestlog

import (
	"bytes"
	"sync"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Limits caps what one request may log. A zero or negative field takes its
// value from DefaultLimits.
type Limits struct {
	// MaxLines is the number of log entries one request may produce; later
	// lines are counted as dropped.
	MaxLines int
	// MaxBytes is the number of bytes of line content (line terminators not
	// counted) one request may log. A line that crosses the limit is logged
	// cut at the limit, with the field truncated=true; later lines are
	// counted as dropped. It also bounds the memory held for a line that
	// has not ended yet.
	MaxBytes int
	// TailBytes is how much of the end of stderr Tail returns. The tail
	// covers everything the guest wrote, logged or dropped.
	TailBytes int
}

// Default limits.
const (
	DefaultMaxLines  = 100
	DefaultMaxBytes  = 64 << 10
	DefaultTailBytes = 2 << 10
)

// DefaultLimits returns the limits used for fields left at zero: 100 lines,
// 64 KiB and a 2 KiB tail.
func DefaultLimits() Limits {
	return Limits{MaxLines: DefaultMaxLines, MaxBytes: DefaultMaxBytes, TailBytes: DefaultTailBytes}
}

// withDefaults returns l with its zero or negative fields set to the
// defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxLines <= 0 {
		l.MaxLines = DefaultMaxLines
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.TailBytes <= 0 {
		l.TailBytes = DefaultTailBytes
	}
	return l
}

// Option configures a Writer.
type Option func(*Writer)

// WithTraceID tells the Writer the trace_id its logger already carries. A
// guest line whose trace_id equals it loses that member (the entry already
// has it); a different trace_id is kept as guest_trace_id. Without this
// option every guest trace_id is kept as guest_trace_id, so that an entry
// never holds two trace_id keys.
func WithTraceID(id string) Option {
	return func(w *Writer) { w.traceID = id }
}

// Writer is the io.Writer a sandbox gives a guest as stderr, for one
// request. It is safe for concurrent use.
type Writer struct {
	logger   *zap.Logger
	lim      Limits
	traceID  string
	redactor *Redactor

	mu     sync.Mutex
	closed bool

	// The line being read.
	line      []byte // content kept so far
	lineLen   int    // content bytes seen so far, kept or not
	lineDrop  bool   // the whole line is dropped (a cap was reached before it began)
	lineTrunc bool   // the line crossed MaxBytes

	lines        int // entries logged
	bytes        int // content bytes logged
	droppedLines int
	droppedBytes int

	// tail holds the end of stderr: up to 2*TailBytes, of which the last
	// TailBytes count.
	tail    []byte
	tailCut bool // bytes before tail were discarded

	// members is scratch space for the members of a JSON line, reused from
	// line to line.
	members []member
}

// New returns a Writer that logs to logger, which should already carry the
// handler and trace_id fields (logger.With). A nil logger discards the
// entries but still keeps counts and the tail.
func New(logger *zap.Logger, lim Limits, opts ...Option) *Writer {
	if logger == nil {
		logger = zap.NewNop()
	}
	w := &Writer{logger: logger, lim: lim.withDefaults()}
	for _, o := range opts {
		o(w)
	}
	return w
}

// Write logs every complete line of p and keeps a trailing partial line for
// the next Write or Close. It always returns len(p), nil: a guest must not
// fail because of logging. Writes after Close are ignored.
func (w *Writer) Write(p []byte) (int, error) {
	n := len(p)
	if n == 0 {
		return 0, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return n, nil
	}
	w.appendTail(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.addToLine(p)
			break
		}
		seg := p[:i]
		p = p[i+1:]
		if len(w.line) == 0 && w.lineLen == 0 {
			// Fast path: a whole line inside one Write is logged from p,
			// without copying it.
			w.wholeLine(seg)
			continue
		}
		w.addToLine(seg)
		w.endLine()
	}
	return n, nil
}

// capped reports whether a line starting now must be dropped whole.
func (w *Writer) capped() bool {
	return w.lines >= w.lim.MaxLines || w.bytes >= w.lim.MaxBytes
}

// keep returns how many of n content bytes still fit in MaxBytes, and
// counts them as logged.
func (w *Writer) keep(n int) int {
	k := min(n, w.lim.MaxBytes-w.bytes)
	w.bytes += k
	return k
}

// wholeLine handles a line that began and ended within one Write.
func (w *Writer) wholeLine(seg []byte) {
	if len(seg) == 0 {
		return
	}
	if w.capped() {
		w.droppedLines++
		w.droppedBytes += len(seg)
		return
	}
	k := w.keep(len(seg))
	w.droppedBytes += len(seg) - k
	w.emit(seg[:k], k < len(seg))
}

// addToLine adds content bytes to the line being read.
func (w *Writer) addToLine(seg []byte) {
	if len(seg) == 0 {
		return
	}
	if w.lineLen == 0 && w.capped() {
		w.lineDrop = true
	}
	w.lineLen += len(seg)
	if w.lineDrop {
		w.droppedBytes += len(seg)
		return
	}
	k := w.keep(len(seg))
	w.droppedBytes += len(seg) - k
	if k < len(seg) {
		w.lineTrunc = true
	}
	w.line = append(w.line, seg[:k]...)
}

// endLine logs (or counts as dropped) the line being read and resets it.
func (w *Writer) endLine() {
	switch {
	case w.lineLen == 0:
	case w.lineDrop:
		w.droppedLines++
	default:
		w.emit(w.line, w.lineTrunc)
	}
	w.line = w.line[:0]
	w.lineLen = 0
	w.lineDrop = false
	w.lineTrunc = false
}

// Close logs a final partial line and, if anything was dropped, one warn
// entry with the dropped_lines and dropped_bytes counts. Calling it again
// does nothing. Tail and Dropped stay valid after Close.
func (w *Writer) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.endLine()
	w.closed = true
	w.line = nil
	if w.droppedLines == 0 && w.droppedBytes == 0 {
		return
	}
	w.logger.Warn("guest log output over the per-request limits was dropped",
		zap.Int("dropped_lines", w.droppedLines),
		zap.Int("dropped_bytes", w.droppedBytes),
		zap.Int("max_lines", w.lim.MaxLines),
		zap.Int("max_bytes", w.lim.MaxBytes),
	)
}

// Dropped returns how many lines were not logged at all, and how many
// content bytes were not logged (those of dropped lines and the cut-off
// ends of truncated ones). A partial line not yet ended is counted once it
// ends or at Close.
func (w *Writer) Dropped() (lines, bytes int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.droppedLines, w.droppedBytes
}

// appendTail keeps the last TailBytes of everything written.
func (w *Writer) appendTail(p []byte) {
	t := w.lim.TailBytes
	if len(p) >= t {
		w.tailCut = w.tailCut || len(w.tail) > 0 || len(p) > t
		w.tail = append(w.tail[:0], p[len(p)-t:]...)
		return
	}
	if len(w.tail)+len(p) > 2*t {
		keepN := max(t-len(p), 0)
		w.tailCut = true
		w.tail = w.tail[:copy(w.tail, w.tail[len(w.tail)-keepN:])]
	}
	w.tail = append(w.tail, p...)
}

// Tail returns the last TailBytes of stderr as valid UTF-8 text: a
// character cut at the start is left out, and invalid bytes are replaced by
// U+FFFD. The result is never longer than TailBytes, except that a
// Redactor's Mask may be longer than the secret it replaces. It is "" when
// the guest wrote nothing.
func (w *Writer) Tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.lim.TailBytes
	b := w.tail
	cut := w.tailCut
	if len(b) > t {
		b = b[len(b)-t:]
		cut = true
	}
	if cut {
		// Skip the continuation bytes of a character whose start was cut.
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.RuneStart(b[0]); i++ {
			b = b[1:]
		}
	}
	s := validUTF8(b)
	for len(s) > t {
		_, size := utf8.DecodeRuneInString(s)
		s = s[size:]
	}
	return w.redactor.redactTail(s, cut)
}

// validUTF8 returns b as a string with invalid bytes replaced by U+FFFD.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

// sourceField marks every entry made from a guest line.
var sourceField = zap.String("source", "guest")

// textFields are the fields of an entry made from a plain text line. The
// capacity equals the length, so that a core appending to it copies.
var textFields = []zap.Field{sourceField}

// emit logs one line (without its '\n').
func (w *Writer) emit(line []byte, truncated bool) {
	line = bytes.TrimRight(line, "\r\n")
	if len(line) == 0 && !truncated {
		return
	}
	line = w.redactor.redactBytes(line)
	w.lines++
	if !truncated && w.emitStructured(line) {
		return
	}
	if !w.logger.Core().Enabled(zapcore.InfoLevel) {
		return
	}
	ce := w.logger.Check(zapcore.InfoLevel, validUTF8(line))
	if ce == nil {
		return
	}
	if truncated {
		ce.Write(sourceField, zap.Bool("truncated", true))
		return
	}
	ce.Write(textFields...)
}

// hostLogField marks an entry made from a host_log call rather than a
// line of stderr.
var hostLogField = zap.String("via", "host_log")

// Log logs msg as one entry at level: a guest's host_log call
// (docs/host-abi.md). It counts against the same caps as stderr's lines,
// is kept in the tail, and never splits msg at its newlines.
func (w *Writer) Log(level zapcore.Level, msg []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.appendTail(msg)
	w.appendTail(newline)
	if w.capped() {
		w.droppedLines++
		w.droppedBytes += len(msg)
		return
	}
	k := w.keep(len(msg))
	w.droppedBytes += len(msg) - k
	w.lines++
	ce := w.logger.Check(level, validUTF8(w.redactor.redactBytes(msg[:k])))
	if ce == nil {
		return
	}
	if k < len(msg) {
		ce.Write(sourceField, hostLogField, zap.Bool("truncated", true))
		return
	}
	ce.Write(sourceField, hostLogField)
}

var newline = []byte{'\n'}
