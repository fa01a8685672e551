package gojinn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
)

// crashDirs are the open record directories, by absolute path: one
// writer and one index per directory, shared by every handler that
// records there and kept across reloads.
var crashDirs = caddy.NewUsagePool()

// liveCrashDirs are the open directories, for the admin API.
var liveCrashDirs = struct {
	sync.Mutex
	m map[string]*crashDir
}{m: map[string]*crashDir{}}

// crashWriteQueue is how many records may wait for the writer; a record
// arriving when it is full is written by its request instead.
const crashWriteQueue = 256

// crashDir is a directory of crash records: its writer, which keeps
// writing off the requests' path, and an index of its records, oldest
// first, for retention and the admin API.
type crashDir struct {
	path  string
	queue chan crashWrite
	done  chan struct{}

	mu      sync.Mutex
	closed  bool
	entries []crashEntry // sorted by name: by time
	bytes   int64        // the entries' total size
}

// crashEntry is one record in the index.
type crashEntry struct {
	name    string
	size    int64
	summary *crashSummary // nil until read, for a record of an earlier process
}

// crashWrite is a record on its way to disk.
type crashWrite struct {
	name    string
	data    []byte
	summary crashSummary
	rec     *crashRecorder // whose caps apply, whose metrics count it
}

// openCrashDir opens (or shares) the directory at path, creating it.
func openCrashDir(path string) (*crashDir, error) {
	v, _, err := crashDirs.LoadOrNew(path, func() (caddy.Destructor, error) {
		return newCrashDir(path)
	})
	if err != nil {
		return nil, err
	}
	return v.(*crashDir), nil
}

func newCrashDir(path string) (*crashDir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", path)
	}
	// A directory where records cannot be written is refused now rather
	// than at the first crash.
	probe, err := os.CreateTemp(path, ".probe-*")
	if err != nil {
		return nil, fmt.Errorf("%s is not writable: %w", path, err)
	}
	probe.Close()
	_ = os.Remove(probe.Name())
	d := &crashDir{path: path, queue: make(chan crashWrite, crashWriteQueue), done: make(chan struct{})}
	if err := d.load(); err != nil {
		return nil, err
	}
	go d.writeLoop()
	liveCrashDirs.Lock()
	liveCrashDirs.m[path] = d
	liveCrashDirs.Unlock()
	return d, nil
}

// load indexes the records already in the directory.
func (d *crashDir) load() error {
	files, err := os.ReadDir(d.path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", d.path, err)
	}
	for _, f := range files {
		id, ok := strings.CutSuffix(f.Name(), ".json")
		if !ok || !crashIDPattern.MatchString(id) || !f.Type().IsRegular() {
			continue
		}
		info, err := f.Info()
		if err != nil {
			continue
		}
		d.entries = append(d.entries, crashEntry{name: f.Name(), size: info.Size()})
		d.bytes += info.Size()
	}
	slices.SortFunc(d.entries, func(a, b crashEntry) int { return strings.Compare(a.name, b.name) })
	return nil
}

// write hands w to the writer, or writes it at once when the writer is
// busy or gone (a request can outlive its config's cleanup).
func (d *crashDir) write(w crashWrite) {
	d.mu.Lock()
	if !d.closed {
		select {
		case d.queue <- w:
			d.mu.Unlock()
			return
		default:
		}
	}
	d.mu.Unlock()
	d.store(w)
}

func (d *crashDir) writeLoop() {
	defer close(d.done)
	for w := range d.queue {
		d.store(w)
	}
}

// store writes one record (to a temporary name, then renamed: a reader
// never sees half a record) and applies retention.
func (d *crashDir) store(w crashWrite) {
	if err := writeFile0600(filepath.Join(d.path, w.name), w.data); err != nil {
		w.rec.failed(err)
		return
	}
	w.rec.metrics.Written()
	summary := w.summary
	d.mu.Lock()
	i, _ := d.find(w.name)
	d.entries = slices.Insert(d.entries, i, crashEntry{name: w.name, size: int64(len(w.data)), summary: &summary})
	d.bytes += int64(len(w.data))
	var old []string
	// Oldest first, the newest always kept.
	for len(d.entries) > 1 && (len(d.entries) > w.rec.maxRecords || d.bytes > w.rec.maxBytes) {
		old = append(old, d.entries[0].name)
		d.bytes -= d.entries[0].size
		d.entries = d.entries[1:]
	}
	d.mu.Unlock()
	for _, name := range old {
		if err := os.Remove(filepath.Join(d.path, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			w.rec.logger.Warn("removing an old crash record failed", zap.String("file", name), zap.Error(err))
		}
	}
}

// find is where name is, or would be, in the index; d.mu is held.
func (d *crashDir) find(name string) (int, bool) {
	return slices.BinarySearchFunc(d.entries, name, func(e crashEntry, name string) int { return strings.Compare(e.name, name) })
}

// writeFile0600 writes data to path, mode 0600, through a temporary file
// in the same directory.
func writeFile0600(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// release drops one user of the directory.
func (d *crashDir) release() {
	_, _ = crashDirs.Delete(d.path)
}

// Destruct stops the writer once the last user is gone, after it has
// written every queued record.
func (d *crashDir) Destruct() error {
	liveCrashDirs.Lock()
	if liveCrashDirs.m[d.path] == d {
		delete(liveCrashDirs.m, d.path)
	}
	liveCrashDirs.Unlock()
	d.mu.Lock()
	d.closed = true
	close(d.queue)
	d.mu.Unlock()
	<-d.done
	return nil
}
