package sandbox

import "sync"

// lifetime counts the users of something that a close must not release
// under them (a Module, Mounts): it is released by the close when it has
// no user, or else by its last user's leave.
type lifetime struct {
	mu      sync.Mutex
	users   int
	closing bool // close was called: the last user releases
	closed  bool // released: nothing may use it any more
}

// use registers a user, who must call leave when done; false once
// released.
func (l *lifetime) use() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.users++
	return true
}

// leave ends a use and tells whether the caller, the last user after
// the close, must release.
func (l *lifetime) leave() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.users--
	last := l.users == 0 && l.closing && !l.closed
	l.closed = l.closed || last
	return last
}

// close marks the close and tells whether the caller must release now
// (no user).
func (l *lifetime) close() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closing = true
	now := l.users == 0 && !l.closed
	l.closed = l.closed || now
	return now
}
