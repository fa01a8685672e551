package sandbox

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// rootFS is wazero's file system interface (experimental/sys.FS) over a
// Go os.Root: every path is resolved inside the root by the os package,
// which refuses `..` past it and symbolic links that are absolute or lead
// out of it. It is written here because nothing else provides it: wazero
// ships sys.FS only over plain paths (sysfs.DirFS, which follows symlinks
// anywhere and lets `../` through) or over an fs.FS (read-only, without
// symlinks or seeking directories), and no library adapts an os.Root.
// It follows wazero's own os.File adapter (internal/sysfs) in which errno
// each operation returns.
type rootFS struct {
	experimentalsys.UnimplementedFS
	root     *os.Root
	writable bool
}

// inRoot is the path of p inside the root: wazero passes paths relative to
// the mount, "" or "." for the mount itself.
func inRoot(p string) string {
	if p == "" || p == "/" {
		return "."
	}
	return p
}

// errnoOf is err as an errno. os.Root refuses an escape with an error of
// its own ("path escapes from parent"), not a system one: EPERM, as
// wazero answers a `..` past a preopen.
func errnoOf(err error) experimentalsys.Errno {
	if err == nil {
		return 0
	}
	var errno syscall.Errno
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &errno), errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrExist),
		errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrClosed), errors.Is(err, fs.ErrInvalid):
		return experimentalsys.UnwrapOSError(err)
	case errors.As(err, &pe), errors.As(err, &le):
		return experimentalsys.EPERM
	}
	return experimentalsys.EIO
}

// openForWriting are the open flags a read-only mount refuses.
const openForWriting = experimentalsys.O_RDWR | experimentalsys.O_WRONLY | experimentalsys.O_CREAT |
	experimentalsys.O_TRUNC | experimentalsys.O_APPEND

// OpenFile implements sys.FS.
func (r *rootFS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	n := inRoot(p)
	if !r.writable && flag&openForWriting != 0 {
		if flag&experimentalsys.O_DIRECTORY != 0 {
			return nil, experimentalsys.EISDIR
		}
		return nil, experimentalsys.EROFS
	}
	if flag&experimentalsys.O_NOFOLLOW != 0 {
		// os.Root follows a last symlink (inside the root) whatever the
		// flags: refuse one here, as open(2) does.
		if fi, err := r.root.Lstat(n); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, experimentalsys.ELOOP
		}
	}
	f, err := r.root.OpenFile(n, osFlag(flag), perm&fs.ModePerm)
	if err != nil {
		return nil, errnoOf(err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() && !fi.IsDir() {
		_ = f.Close()
		return nil, experimentalsys.EACCES
	}
	return &rootFile{fs: r, name: n, flag: flag, file: f}, 0
}

// osFlag is flag for os.OpenFile. It always has O_NONBLOCK: opening a
// FIFO blocks until the other end opens, and wazero cannot interrupt a
// host call, so the run could not be stopped; OpenFile then refuses
// anything but regular files and directories, for which Linux ignores
// O_NONBLOCK.
func osFlag(flag experimentalsys.Oflag) int {
	f := syscall.O_NONBLOCK
	switch flag & (experimentalsys.O_RDWR | experimentalsys.O_WRONLY) {
	case experimentalsys.O_RDWR:
		f |= os.O_RDWR
	case experimentalsys.O_WRONLY:
		f |= os.O_WRONLY
	default:
		f |= os.O_RDONLY
	}
	for _, b := range [...]struct {
		from experimentalsys.Oflag
		to   int
	}{
		{experimentalsys.O_APPEND, os.O_APPEND},
		{experimentalsys.O_CREAT, os.O_CREATE},
		{experimentalsys.O_EXCL, os.O_EXCL},
		{experimentalsys.O_TRUNC, os.O_TRUNC},
		{experimentalsys.O_SYNC | experimentalsys.O_DSYNC | experimentalsys.O_RSYNC, os.O_SYNC},
		{experimentalsys.O_DIRECTORY, syscall.O_DIRECTORY},
	} {
		if flag&b.from != 0 {
			f |= b.to
		}
	}
	return f
}

// Lstat implements sys.FS.
func (r *rootFS) Lstat(p string) (sys.Stat_t, experimentalsys.Errno) {
	fi, err := r.root.Lstat(inRoot(p))
	if err != nil {
		return sys.Stat_t{}, errnoOf(err)
	}
	return sys.NewStat_t(fi), 0
}

// Stat implements sys.FS.
func (r *rootFS) Stat(p string) (sys.Stat_t, experimentalsys.Errno) {
	fi, err := r.root.Stat(inRoot(p))
	if err != nil {
		return sys.Stat_t{}, errnoOf(err)
	}
	return sys.NewStat_t(fi), 0
}

// Readlink implements sys.FS.
func (r *rootFS) Readlink(p string) (string, experimentalsys.Errno) {
	dst, err := r.root.Readlink(inRoot(p))
	if err != nil {
		return "", errnoOf(err)
	}
	return dst, 0
}

// Mkdir implements sys.FS.
func (r *rootFS) Mkdir(p string, perm fs.FileMode) experimentalsys.Errno {
	if !r.writable {
		return experimentalsys.EROFS
	}
	errno := errnoOf(r.root.Mkdir(inRoot(p), perm&fs.ModePerm))
	if errno == experimentalsys.ENOTDIR { // as wazero's: a missing parent
		errno = experimentalsys.ENOENT
	}
	return errno
}

// Chmod implements sys.FS.
func (r *rootFS) Chmod(p string, perm fs.FileMode) experimentalsys.Errno {
	if !r.writable {
		return experimentalsys.EROFS
	}
	return errnoOf(r.root.Chmod(inRoot(p), perm&fs.ModePerm))
}

// Rename implements sys.FS.
func (r *rootFS) Rename(from, to string) experimentalsys.Errno {
	if !r.writable {
		return experimentalsys.EROFS
	}
	return errnoOf(r.root.Rename(inRoot(from), inRoot(to)))
}

// Rmdir implements sys.FS: os.Root has one Remove for files and
// directories, so the kind is checked first.
func (r *rootFS) Rmdir(p string) experimentalsys.Errno {
	return r.remove(p, true)
}

// Unlink implements sys.FS.
func (r *rootFS) Unlink(p string) experimentalsys.Errno {
	return r.remove(p, false)
}

func (r *rootFS) remove(p string, dir bool) experimentalsys.Errno {
	if !r.writable {
		return experimentalsys.EROFS
	}
	fi, err := r.root.Lstat(inRoot(p))
	switch {
	case err != nil:
		return errnoOf(err)
	case dir && !fi.IsDir():
		return experimentalsys.ENOTDIR
	case !dir && fi.IsDir():
		return experimentalsys.EISDIR
	}
	return errnoOf(r.root.Remove(inRoot(p)))
}

// Link implements sys.FS.
func (r *rootFS) Link(oldPath, newPath string) experimentalsys.Errno {
	if !r.writable {
		return experimentalsys.EROFS
	}
	return errnoOf(r.root.Link(inRoot(oldPath), inRoot(newPath)))
}

// Symlink implements sys.FS. A link whose target is absolute or leads
// out of the mount is refused (EPERM): the guest could not follow it,
// but a host program reading the directory might.
func (r *rootFS) Symlink(target, link string) experimentalsys.Errno {
	if !r.writable {
		return experimentalsys.EROFS
	}
	if resolved := path.Join(path.Dir(link), target); path.IsAbs(target) || resolved == ".." || strings.HasPrefix(resolved, "../") {
		return experimentalsys.EPERM
	}
	return errnoOf(r.root.Symlink(target, inRoot(link)))
}

// Utimens implements sys.FS; UTIME_OMIT leaves a time as it is.
func (r *rootFS) Utimens(p string, atim, mtim int64) experimentalsys.Errno {
	if !r.writable {
		return experimentalsys.EROFS
	}
	return errnoOf(r.root.Chtimes(inRoot(p), timeOf(atim), timeOf(mtim)))
}

// timeOf is a sys.Stat_t time for os.Chtimes, where the zero time means
// "leave it".
func timeOf(nanos int64) time.Time {
	if nanos == experimentalsys.UTIME_OMIT {
		return time.Time{}
	}
	return time.Unix(0, nanos)
}
