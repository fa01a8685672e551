package gojinn

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gojinn/gojinn/guestlog"
)

// guestStderr is a request's guest stderr: it builds the guestlog.Writer
// (and its logger with the trace_id) only when the guest writes, so a
// silent guest costs no logging work.
type guestStderr struct {
	handler *Gojinn
	traceID string
	w       *guestlog.Writer
}

// Write implements io.Writer.
func (s *guestStderr) Write(p []byte) (int, error) {
	return s.writer().Write(p)
}

// hostLog logs a host_log line (docs/host-abi.md): level 3 is an error,
// any other info, under the same caps as stderr's lines.
func (s *guestStderr) hostLog(level int, msg []byte) {
	lvl := zapcore.InfoLevel
	if level == 3 {
		lvl = zapcore.ErrorLevel
	}
	s.writer().Log(lvl, msg)
}

// denied logs a host call the handler's grants refused: one line, with
// the trace_id, so that an operator sees what to grant.
func (s *guestStderr) denied(function, reason string) {
	s.handler.logger.Warn("host call denied", zap.String("trace_id", s.traceID),
		zap.String("function", function), zap.String("reason", reason))
}

func (s *guestStderr) writer() *guestlog.Writer {
	if s.w == nil {
		logger := s.handler.logger.With(zap.String("trace_id", s.traceID))
		s.w = guestlog.New(logger, guestlog.DefaultLimits(), guestlog.WithTraceID(s.traceID), guestlog.WithRedactor(s.handler.secrets))
	}
	return s.w
}

func (s *guestStderr) close() {
	if s.w != nil {
		s.w.Close()
	}
}

// tail is the end of what the guest wrote to stderr.
func (s *guestStderr) tail() string {
	if s.w == nil {
		return ""
	}
	return s.w.Tail()
}
