//go:build unix

package natsbus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes an exclusive lock on dir for the life of its embedded
// server, so that a second process (another Caddy on the same data_dir)
// cannot start a second server on the same files: nats-server takes no
// lock, and two servers on one directory corrupt each other. The kernel
// drops the lock when the process dies, kill -9 included.
func lockDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("natsbus: store directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "nats.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("natsbus: store directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("natsbus: store directory %s is in use by another process (another Caddy with the same data_dir?): two NATS servers on one directory would corrupt it", dir)
		}
		return nil, fmt.Errorf("natsbus: locking the store directory %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
