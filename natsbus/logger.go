package natsbus

import (
	"fmt"
	"sync"

	"go.uber.org/zap"
)

// serverLogger routes the embedded nats-server's log through zap. The
// server's default logger must never be used: its Fatalf calls os.Exit,
// which would take Caddy down. A fatal line is logged as an error and
// kept, so that a server that fails to start says why.
type serverLogger struct {
	log *zap.SugaredLogger

	mu    sync.Mutex
	fatal string // the last fatal message
}

func newServerLogger(l *zap.Logger) *serverLogger {
	return &serverLogger{log: l.Sugar()}
}

// Noticef logs at debug level: the server's notices are its start-up
// banner and lifecycle, which natsbus sums up in one info line.
func (l *serverLogger) Noticef(format string, v ...any) { l.log.Debugf(format, v...) }

// Warnf logs at warn level.
func (l *serverLogger) Warnf(format string, v ...any) { l.log.Warnf(format, v...) }

// Errorf logs at error level.
func (l *serverLogger) Errorf(format string, v ...any) { l.log.Errorf(format, v...) }

// Debugf logs at debug level.
func (l *serverLogger) Debugf(format string, v ...any) { l.log.Debugf(format, v...) }

// Tracef logs at debug level (tracing is never enabled on the server).
func (l *serverLogger) Tracef(format string, v ...any) { l.log.Debugf(format, v...) }

// Fatalf logs at error level and remembers the message; it never exits.
func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error(msg)
	l.mu.Lock()
	l.fatal = msg
	l.mu.Unlock()
}

// lastFatal is the last fatal message, "" if none.
func (l *serverLogger) lastFatal() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fatal
}
