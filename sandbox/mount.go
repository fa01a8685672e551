package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
)

// Mount is a host directory a guest sees at GuestPath.
type Mount struct {
	// HostDir is the directory on the host; it must exist.
	HostDir string
	// GuestPath is where the guest sees it: an absolute, clean path.
	GuestPath string
	// Writable lets the guest create, write, rename and remove files in
	// it; otherwise every write fails (EROFS, or EBADF on a file).
	Writable bool
}

// Mounts are host directories opened for the guests of one [Runner]
// ([RunnerConfig.Mounts]). Each is confined with Go's [os.Root]: no
// path, `..` or symbolic link can reach outside its directory (wazero's
// own directory mounts follow symlinks anywhere and let `../` through).
// Every instance gets its own descriptor table over them, closed with
// the instance: nothing a run opens is seen by another.
type Mounts struct {
	fs    wazero.FSConfig
	roots []*os.Root
	// life counts the runs and pooled instances of the Runner that owns
	// the mounts: the last one after Close closes the roots.
	life lifetime
}

// OpenMounts opens the host directories of mounts. It fails if one does
// not exist or is not a directory, or if a guest path is not absolute
// and clean or is given twice.
func OpenMounts(mounts []Mount) (*Mounts, error) {
	m := &Mounts{fs: wazero.NewFSConfig()}
	seen := map[string]bool{}
	for _, mt := range mounts {
		if !path.IsAbs(mt.GuestPath) || path.Clean(mt.GuestPath) != mt.GuestPath {
			m.closeRoots()
			return nil, fmt.Errorf("mount %s: the guest path %q must be absolute and clean, e.g. /data", mt.HostDir, mt.GuestPath)
		}
		if seen[mt.GuestPath] {
			m.closeRoots()
			return nil, fmt.Errorf("mount %s: the guest path %s is mounted twice", mt.HostDir, mt.GuestPath)
		}
		seen[mt.GuestPath] = true
		root, err := os.OpenRoot(mt.HostDir)
		if err != nil {
			m.closeRoots()
			return nil, fmt.Errorf("mount %s: %w", mt.HostDir, err)
		}
		m.roots = append(m.roots, root)
		m.fs = m.fs.(sysfs.FSConfig).WithSysFSMount(&rootFS{root: root, writable: mt.Writable}, mt.GuestPath)
	}
	return m, nil
}

// errMountsClosed is why a run cannot start once its Runner's mounts
// are closed.
var errMountsClosed = errors.New("the mounts were closed (their config was unloaded)")

// use registers a user, who must call leave when done; it fails once the
// roots are closed. A nil *Mounts has no users to count.
func (m *Mounts) use() error {
	if m != nil && !m.life.use() {
		return errMountsClosed
	}
	return nil
}

// leave ends a use; the last one after Close closes the roots.
func (m *Mounts) leave() {
	if m != nil && m.life.leave() {
		m.closeRoots()
	}
}

// Close closes the host directories once no run uses them: at once when
// none is in flight, otherwise when the last one ends (a run in flight
// during a config reload keeps its files).
func (m *Mounts) Close() {
	if m != nil && m.life.close() {
		m.closeRoots()
	}
}

func (m *Mounts) closeRoots() {
	for _, r := range m.roots {
		_ = r.Close()
	}
}
