package sandbox

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// openRootFS returns a rootFS over a new directory holding a.txt ("abc"),
// sub/ and link -> a.txt.
func openRootFS(t *testing.T, writable bool) (*rootFS, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = root.Close() })
	return &rootFS{root: root, writable: writable}, dir
}

func wantErrno(t *testing.T, what string, got, want experimentalsys.Errno) {
	t.Helper()
	if got != want {
		t.Errorf("%s: errno %v, want %v", what, got, want)
	}
}

// The file system operations WASI reaches besides path_open/fd_read/
// fd_write, which sandbox/mount_test.go drives through a guest.
func TestRootFSReadOnly(t *testing.T) {
	fsys, dir := openRootFS(t, false)
	wantErrno(t, "mkdir", fsys.Mkdir("new", 0o755), experimentalsys.EROFS)
	wantErrno(t, "unlink", fsys.Unlink("a.txt"), experimentalsys.EROFS)
	wantErrno(t, "rmdir", fsys.Rmdir("sub"), experimentalsys.EROFS)
	wantErrno(t, "rename", fsys.Rename("a.txt", "b.txt"), experimentalsys.EROFS)
	wantErrno(t, "chmod", fsys.Chmod("a.txt", 0o600), experimentalsys.EROFS)
	wantErrno(t, "symlink", fsys.Symlink("a.txt", "l2"), experimentalsys.EROFS)
	wantErrno(t, "link", fsys.Link("a.txt", "l3"), experimentalsys.EROFS)
	wantErrno(t, "utimens", fsys.Utimens("a.txt", 0, 0), experimentalsys.EROFS)
	_, errno := fsys.OpenFile("a.txt", experimentalsys.O_RDWR, 0)
	wantErrno(t, "open for writing", errno, experimentalsys.EROFS)
	_, errno = fsys.OpenFile("a.txt", experimentalsys.O_RDONLY|experimentalsys.O_APPEND, 0)
	wantErrno(t, "open for appending", errno, experimentalsys.EROFS)

	f, errno := fsys.OpenFile("a.txt", experimentalsys.O_RDONLY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer f.Close()
	_, errno = f.Write([]byte("x"))
	wantErrno(t, "write", errno, experimentalsys.EBADF)
	_, errno = f.Pwrite([]byte("x"), 0)
	wantErrno(t, "pwrite", errno, experimentalsys.EBADF)
	wantErrno(t, "truncate", f.Truncate(0), experimentalsys.EBADF)
	wantErrno(t, "set append", f.SetAppend(true), experimentalsys.EBADF)
	wantErrno(t, "file utimens", f.Utimens(0, 0), experimentalsys.EBADF)
	buf := make([]byte, 8)
	if n, errno := f.Pread(buf, 1); errno != 0 || string(buf[:n]) != "bc" {
		t.Errorf("pread: %q %v", buf[:n], errno)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.txt")); string(b) != "abc" {
		t.Errorf("a.txt = %q after a read-only mount's writes", b)
	}
}

func TestRootFSWritable(t *testing.T) {
	fsys, dir := openRootFS(t, true)
	wantErrno(t, "mkdir", fsys.Mkdir("new", 0o755), 0)
	wantErrno(t, "mkdir with no parent", fsys.Mkdir("none/new", 0o755), experimentalsys.ENOENT)
	wantErrno(t, "rename", fsys.Rename("a.txt", "new/b.txt"), 0)
	wantErrno(t, "unlink a directory", fsys.Unlink("new"), experimentalsys.EISDIR)
	wantErrno(t, "rmdir a file", fsys.Rmdir("new/b.txt"), experimentalsys.ENOTDIR)
	wantErrno(t, "rmdir not empty", fsys.Rmdir("new"), experimentalsys.ENOTEMPTY)
	wantErrno(t, "symlink inside", fsys.Symlink("b.txt", "new/l"), 0)
	wantErrno(t, "symlink absolute", fsys.Symlink("/etc/passwd", "abs"), experimentalsys.EPERM)
	wantErrno(t, "symlink out", fsys.Symlink("../../x", "new/out"), experimentalsys.EPERM)
	wantErrno(t, "link out", fsys.Link("../x", "l"), experimentalsys.EPERM)
	if target, errno := fsys.Readlink("new/l"); errno != 0 || target != "b.txt" {
		t.Errorf("readlink: %q %v", target, errno)
	}

	f, errno := fsys.OpenFile("new/b.txt", experimentalsys.O_WRONLY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	if _, errno := f.Write([]byte("X")); errno != 0 {
		t.Fatal(errno)
	}
	wantErrno(t, "set append", f.SetAppend(true), 0)
	if _, errno := f.Write([]byte("Y")); errno != 0 {
		t.Fatal(errno)
	}
	wantErrno(t, "close", f.Close(), 0)
	_, errno = f.Write([]byte("Z"))
	wantErrno(t, "write after close", errno, experimentalsys.EBADF)
	if b, _ := os.ReadFile(filepath.Join(dir, "new", "b.txt")); string(b) != "XbcY" {
		t.Errorf("b.txt = %q, want XbcY (written at 0, then appended)", b)
	}
	wantErrno(t, "unlink", fsys.Unlink("new/b.txt"), 0)
	wantErrno(t, "unlink the link", fsys.Unlink("new/l"), 0)
	wantErrno(t, "rmdir", fsys.Rmdir("new"), 0)
	if _, err := os.Lstat(filepath.Join(dir, "new")); err == nil {
		t.Error("new/ is still there")
	}
}

func TestRootFSStatAndDirectories(t *testing.T) {
	fsys, _ := openRootFS(t, false)
	st, errno := fsys.Stat("link")
	if errno != 0 || st.Size != 3 || !st.Mode.IsRegular() {
		t.Errorf("stat link: %+v %v, want the 3-byte file", st, errno)
	}
	if st, errno := fsys.Lstat("link"); errno != 0 || st.Mode&os.ModeSymlink == 0 {
		t.Errorf("lstat link: %v %v, want a symlink", st.Mode, errno)
	}
	_, errno = fsys.OpenFile("link", experimentalsys.O_RDONLY|experimentalsys.O_NOFOLLOW, 0)
	wantErrno(t, "open a symlink without following it", errno, experimentalsys.ELOOP)
	_, errno = fsys.OpenFile("missing", experimentalsys.O_RDONLY, 0)
	wantErrno(t, "open a missing file", errno, experimentalsys.ENOENT)
	_, errno = fsys.OpenFile("a.txt", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
	wantErrno(t, "open a file as a directory", errno, experimentalsys.ENOTDIR)

	d, errno := fsys.OpenFile("", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer d.Close()
	if isDir, errno := d.IsDir(); !isDir || errno != 0 {
		t.Errorf("IsDir of the mount: %v %v", isDir, errno)
	}
	_, errno = d.Read(make([]byte, 1))
	wantErrno(t, "read a directory", errno, experimentalsys.EISDIR)
	names := func() []string {
		var out []string
		for {
			ents, errno := d.Readdir(1)
			if errno != 0 {
				t.Fatal(errno)
			}
			if len(ents) == 0 {
				break
			}
			out = append(out, ents[0].Name)
		}
		slices.Sort(out)
		return out
	}
	want := []string{"a.txt", "link", "sub"}
	if got := names(); !slices.Equal(got, want) {
		t.Errorf("readdir: %v, want %v", got, want)
	}
	if _, errno := d.Seek(0, io.SeekStart); errno != 0 {
		t.Fatal(errno)
	}
	if got := names(); !slices.Equal(got, want) {
		t.Errorf("readdir after rewinding: %v, want %v", got, want)
	}
}

// A FIFO (or a device) in a mount is refused at once: opening a FIFO
// blocks until a writer comes, in a host call that nothing could stop.
func TestRootFSRefusesFIFOs(t *testing.T) {
	fsys, dir := openRootFS(t, true)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan experimentalsys.Errno, 1)
	go func() {
		_, errno := fsys.OpenFile("fifo", experimentalsys.O_RDONLY, 0)
		done <- errno
	}()
	select {
	case errno := <-done:
		wantErrno(t, "open a FIFO", errno, experimentalsys.EACCES)
	case <-time.After(10 * time.Second): // sanity bound: the refusal takes microseconds
		t.Fatal("opening a FIFO blocked")
	}
}
