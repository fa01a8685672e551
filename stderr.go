package gojinn

import (
	"go.uber.org/zap"

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
	if s.w == nil {
		logger := s.handler.logger.With(zap.String("trace_id", s.traceID))
		s.w = guestlog.New(logger, guestlog.DefaultLimits(), guestlog.WithTraceID(s.traceID))
	}
	return s.w.Write(p)
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
