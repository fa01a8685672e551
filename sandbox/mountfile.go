package sandbox

import (
	"io"
	"os"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// rootFile is a file opened through a rootFS, as wazero's sys.File. It
// belongs to one instance's descriptor table, which closes it with the
// instance. A file of a read-only mount is opened read-only and its
// writes fail with EBADF.
type rootFile struct {
	experimentalsys.UnimplementedFile
	fs   *rootFS
	name string // inside the root, to reopen it (SetAppend)
	flag experimentalsys.Oflag
	file *os.File

	stat   *sys.Stat_t // cached: device, inode and kind do not change
	closed bool
}

func (f *rootFile) cached() (*sys.Stat_t, experimentalsys.Errno) {
	if f.stat == nil {
		if _, errno := f.Stat(); errno != 0 {
			return nil, errno
		}
	}
	return f.stat, 0
}

// Dev implements sys.File.
func (f *rootFile) Dev() (uint64, experimentalsys.Errno) {
	st, errno := f.cached()
	if errno != 0 {
		return 0, errno
	}
	return st.Dev, 0
}

// Ino implements sys.File.
func (f *rootFile) Ino() (sys.Inode, experimentalsys.Errno) {
	st, errno := f.cached()
	if errno != 0 {
		return 0, errno
	}
	return st.Ino, 0
}

// IsDir implements sys.File.
func (f *rootFile) IsDir() (bool, experimentalsys.Errno) {
	st, errno := f.cached()
	if errno != 0 {
		return false, errno
	}
	return st.Mode.IsDir(), 0
}

// IsAppend implements sys.File.
func (f *rootFile) IsAppend() bool { return f.flag&experimentalsys.O_APPEND != 0 }

// SetAppend implements sys.File. An os.File's append mode is fixed when
// it is opened, so the file is opened again, inside the root, at the same
// offset.
func (f *rootFile) SetAppend(enable bool) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if enable == f.IsAppend() {
		return 0
	}
	if isDir, errno := f.IsDir(); errno != 0 || isDir {
		return experimentalsys.EISDIR
	}
	flag := f.flag &^ (experimentalsys.O_CREAT | experimentalsys.O_TRUNC | experimentalsys.O_EXCL | experimentalsys.O_APPEND)
	if enable {
		flag |= experimentalsys.O_APPEND
	}
	if !f.fs.writable && flag&openForWriting != 0 {
		return experimentalsys.EBADF
	}
	off, err := f.file.Seek(0, io.SeekCurrent)
	if err != nil {
		return errnoOf(err)
	}
	nf, err := f.fs.root.OpenFile(f.name, osFlag(flag), 0)
	if err != nil {
		return errnoOf(err)
	}
	if !sameFile(f.file, nf) {
		_ = nf.Close()
		return experimentalsys.ENOENT // replaced meanwhile
	}
	if _, err := nf.Seek(off, io.SeekStart); err != nil {
		_ = nf.Close()
		return errnoOf(err)
	}
	_ = f.file.Close()
	f.file, f.flag = nf, flag
	return 0
}

func sameFile(a, b *os.File) bool {
	ai, err := a.Stat()
	if err != nil {
		return false
	}
	bi, err := b.Stat()
	return err == nil && os.SameFile(ai, bi)
}

// Stat implements sys.File.
func (f *rootFile) Stat() (sys.Stat_t, experimentalsys.Errno) {
	if f.closed {
		return sys.Stat_t{}, experimentalsys.EBADF
	}
	fi, err := f.file.Stat()
	if err != nil {
		return sys.Stat_t{}, errnoOf(err)
	}
	st := sys.NewStat_t(fi)
	f.stat = &st
	return st, 0
}

// Read implements sys.File.
func (f *rootFile) Read(buf []byte) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.file.Read(buf)
	return n, f.fileErrno(err)
}

// Pread implements sys.File.
func (f *rootFile) Pread(buf []byte, off int64) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.file.ReadAt(buf, off)
	return n, f.fileErrno(err)
}

// fileOffset is int64 under another name: go vet's stdmethods check takes
// every Seek(int64, int) for io.Seeker's and would flag sys.File's, which
// returns an Errno.
type fileOffset = int64

// Seek implements sys.File; seeking a directory to 0 rewinds its listing.
func (f *rootFile) Seek(offset fileOffset, whence int) (int64, experimentalsys.Errno) {
	if uint(whence) > io.SeekEnd {
		return 0, experimentalsys.EINVAL
	}
	n, err := f.file.Seek(offset, whence)
	return n, f.errno(err)
}

// Readdir implements sys.File.
func (f *rootFile) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	if f.closed {
		return nil, experimentalsys.EBADF
	}
	fis, err := f.file.Readdir(n)
	if err != nil && err != io.EOF {
		if isDir, _ := f.IsDir(); !isDir {
			return nil, experimentalsys.ENOTDIR
		}
		return nil, errnoOf(err)
	}
	dirents := make([]experimentalsys.Dirent, 0, len(fis))
	for _, fi := range fis {
		dirents = append(dirents, experimentalsys.Dirent{Name: fi.Name(), Ino: sys.NewStat_t(fi).Ino, Type: fi.Mode().Type()})
	}
	return dirents, 0
}

// Write implements sys.File.
func (f *rootFile) Write(buf []byte) (int, experimentalsys.Errno) {
	if errno := f.writeCheck(); errno != 0 || len(buf) == 0 {
		return 0, errno
	}
	n, err := f.file.Write(buf)
	return n, f.fileErrno(err)
}

// Pwrite implements sys.File.
func (f *rootFile) Pwrite(buf []byte, off int64) (int, experimentalsys.Errno) {
	if errno := f.writeCheck(); errno != 0 || len(buf) == 0 {
		return 0, errno
	}
	n, err := f.file.WriteAt(buf, off)
	return n, f.fileErrno(err)
}

// Truncate implements sys.File.
func (f *rootFile) Truncate(size int64) experimentalsys.Errno {
	if errno := f.writeCheck(); errno != 0 {
		return errno
	}
	if size < 0 {
		return experimentalsys.EINVAL
	}
	return f.fileErrno(f.file.Truncate(size))
}

// Sync implements sys.File.
func (f *rootFile) Sync() experimentalsys.Errno { return f.errno(f.file.Sync()) }

// Datasync implements sys.File: os.File has only Sync.
func (f *rootFile) Datasync() experimentalsys.Errno { return f.Sync() }

// Utimens implements sys.File.
func (f *rootFile) Utimens(atim, mtim int64) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if !f.fs.writable {
		return experimentalsys.EBADF
	}
	return errnoOf(f.fs.root.Chtimes(f.name, timeOf(atim), timeOf(mtim)))
}

// Close implements sys.File.
func (f *rootFile) Close() experimentalsys.Errno {
	if f.closed {
		return 0
	}
	f.closed = true
	return errnoOf(f.file.Close())
}

// writeCheck refuses a write to a read-only mount's file, a directory or
// a closed file.
func (f *rootFile) writeCheck() experimentalsys.Errno {
	switch {
	case f.closed:
		return experimentalsys.EBADF
	case !f.fs.writable:
		if isDir, _ := f.IsDir(); isDir {
			return experimentalsys.EISDIR
		}
		return experimentalsys.EBADF
	}
	return 0
}

// errno is err as an errno, EBADF once the file is closed.
func (f *rootFile) errno(err error) experimentalsys.Errno {
	if err == nil || err == io.EOF {
		return 0
	}
	if f.closed {
		return experimentalsys.EBADF
	}
	return errnoOf(err)
}

// fileErrno is errno for an operation on a file's contents: EISDIR on a
// directory.
func (f *rootFile) fileErrno(err error) experimentalsys.Errno {
	errno := f.errno(err)
	if errno != 0 && errno != experimentalsys.EBADF {
		if isDir, _ := f.IsDir(); isDir {
			return experimentalsys.EISDIR
		}
	}
	return errno
}

var (
	_ experimentalsys.FS   = (*rootFS)(nil)
	_ experimentalsys.File = (*rootFile)(nil)
)
