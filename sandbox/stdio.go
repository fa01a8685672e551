package sandbox

import (
	"context"
	"errors"
	"io"
	"sync"
)

// outputBuffer is the guest's stdout: kept whole in memory, so nothing
// reaches the client before the run ended and was checked, and capped:
// the write that would pass max stops the guest at once.
type outputBuffer struct {
	buf  []byte
	max  int
	stop context.CancelCauseFunc
	over bool
}

var errOutputFull = errors.New("stdout limit reached")

func (o *outputBuffer) Write(p []byte) (int, error) {
	if o.over {
		return 0, errOutputFull
	}
	if len(o.buf)+len(p) > o.max {
		o.over = true
		o.stop(errOutputLimit)
		return 0, errOutputFull
	}
	o.buf = append(o.buf, p...)
	return len(p), nil
}

// stdinGate is the stdin of an instance started ahead of its request: a
// read blocks until the request is delivered (or the instance is stopped).
type stdinGate struct {
	ready   chan struct{}
	reached chan struct{} // closed at the first read: the start-up is over
	done    <-chan struct{}
	data    []byte
	off     int
	waited  bool
}

func (g *stdinGate) deliver(data []byte) {
	g.data = data
	close(g.ready)
}

func (g *stdinGate) Read(p []byte) (int, error) {
	if !g.waited { // only the guest's goroutine reads
		g.waited = true
		close(g.reached)
	}
	select {
	case <-g.ready:
	case <-g.done:
		return 0, errClosed
	}
	if g.off >= len(g.data) {
		return 0, io.EOF
	}
	n := copy(p, g.data[g.off:])
	g.off += n
	return n, nil
}

// stderrGate is the stderr of an instance started ahead of its request:
// what the guest writes before the request arrives is held (up to a cap)
// and handed to the request's writer when it is delivered.
type stderrGate struct {
	mu   sync.Mutex
	held []byte
	w    io.Writer
}

const maxHeldStderr = 64 << 10

func (s *stderrGate) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w != nil {
		return s.w.Write(p)
	}
	if room := maxHeldStderr - len(s.held); room > 0 {
		s.held = append(s.held, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (s *stderrGate) attach(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w == nil {
		w = io.Discard
	}
	if len(s.held) > 0 {
		_, _ = w.Write(s.held)
		s.held = nil
	}
	s.w = w
}
