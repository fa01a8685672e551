package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/sandbox"
)

// mountTree lays out a read-only mount (ro), a writable one (rw) and a
// file beside them that no guest may reach:
//
//	outside.txt              "secret"
//	ro/hello.txt             "hello"
//	ro/sub/inner.txt         "inner"
//	ro/abs-link    -> <dir>/outside.txt  (absolute)
//	ro/rel-out     -> ../outside.txt     (relative, leaves the mount)
//	ro/rel-in      -> sub/inner.txt      (stays inside)
//	ro/sub/up-in   -> ../hello.txt       (stays inside)
//	rw/abs-link    -> <dir>/outside.txt
func mountTree(t testing.TB) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for _, d := range []string{"ro/sub", "rw"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{"outside.txt": "secret", "ro/hello.txt": "hello", "ro/sub/inner.txt": "inner"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"ro/abs-link": filepath.Join(dir, "outside.txt"), "ro/rel-out": "../outside.txt",
		"ro/rel-in": "sub/inner.txt", "ro/sub/up-in": "../hello.txt", "rw/abs-link": filepath.Join(dir, "outside.txt"),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mountRunner runs fsprobe with dir/ro at /data (fd 3) and dir/rw at /rw
// (fd 4).
func mountRunner(t testing.TB, dir string, pool int) *sandbox.Runner {
	t.Helper()
	mounts, err := sandbox.OpenMounts([]sandbox.Mount{
		{HostDir: filepath.Join(dir, "ro"), GuestPath: "/data"},
		{HostDir: filepath.Join(dir, "rw"), GuestPath: "/rw", Writable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return runner(t, "fsprobe", sandbox.RunnerConfig{Mounts: mounts, PoolSize: pool})
}

// probe runs fsprobe on uri and returns its status and body.
func probe(t *testing.T, r *sandbox.Runner, uri string) (int, string) {
	t.Helper()
	res := r.Run(context.Background(), &sandbox.Request{Method: "GET", URI: uri}, nil)
	if res.Err != nil {
		t.Fatalf("%s: %v", uri, res.Err)
	}
	return res.Response.Status, string(res.Response.Body)
}

// WASI errnos, as fsprobe answers them (400 + errno).
const (
	answerEPERM = 463
	answerEROFS = 469
	answerEBADF = 408
)

func TestMounts(t *testing.T) {
	for _, pool := range []int{0, 2} {
		dir := mountTree(t)
		r := mountRunner(t, dir, pool)
		name := "fresh"
		if pool > 0 {
			name = "pooled"
		}
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name, uri string
				status    int
				body      string
			}{
				{"read", "/r/3/hello.txt", 200, "hello"},
				{"read in a subdirectory", "/r/3/sub/inner.txt", 200, "inner"},
				{"dot-dot out of the mount", "/r/3/../outside.txt", answerEPERM, ""},
				{"dot-dot out through a subdirectory", "/r/3/sub/../../outside.txt", answerEPERM, ""},
				{"absolute symlink", "/r/3/abs-link", answerEPERM, ""},
				{"relative symlink out of the mount", "/r/3/rel-out", answerEPERM, ""},
				{"symlink inside the mount", "/r/3/rel-in", 200, "inner"},
				{"symlink up to the mount's top", "/r/3/sub/up-in", 200, "hello"},
				{"create on a read-only mount", "/w/3/new.txt", answerEROFS, ""},
				{"overwrite on a read-only mount", "/w/3/hello.txt", answerEROFS, ""},
				{"write on a writable mount", "/w/4/new.txt", 200, ""},
				{"read back on a writable mount", "/r/4/new.txt", 200, "written"},
				{"write through an absolute symlink", "/w/4/abs-link", answerEPERM, ""},
				{"write out of a writable mount", "/w/4/../escaped.txt", answerEPERM, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					status, body := probe(t, r, tc.uri)
					if status != tc.status || body != tc.body {
						t.Fatalf("%s: %d %q, want %d %q", tc.uri, status, body, tc.status, tc.body)
					}
				})
			}
		})
		// What the guests wrote, and did not, on the host.
		if b, _ := os.ReadFile(filepath.Join(dir, "rw", "new.txt")); string(b) != "written" {
			t.Errorf("rw/new.txt on the host = %q, want %q", b, "written")
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "outside.txt")); string(b) != "secret" {
			t.Errorf("outside.txt on the host = %q: written through a symlink", b)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "ro", "hello.txt")); string(b) != "hello" {
			t.Errorf("ro/hello.txt on the host = %q: written on a read-only mount", b)
		}
		for _, f := range []string{"ro/new.txt", "escaped.txt"} {
			if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
				t.Errorf("%s was created on the host", f)
			}
		}
	}
}

// A file a run leaves open is closed with its instance: the next run,
// fresh or pooled, cannot read from its descriptor, and the host's
// descriptors do not pile up.
func TestMountFilesDieWithTheirRun(t *testing.T) {
	for _, pool := range []int{0, 2} {
		r := mountRunner(t, mountTree(t), pool)
		status, fd := probe(t, r, "/o/3/hello.txt")
		if status != 200 || fd != "5" { // 3 and 4 are the mounts
			t.Fatalf("open: %d %q, want 200 \"5\"", status, fd)
		}
		if status, body := probe(t, r, "/p/"+fd+"/"); status != answerEBADF {
			t.Fatalf("pool %d: the next run read descriptor %s: %d %q, want %d (EBADF)", pool, fd, status, body, answerEBADF)
		}
		before := openDescriptors(t)
		for range 50 {
			probe(t, r, "/o/3/hello.txt")
		}
		if after := openDescriptors(t); after > before+10 {
			t.Fatalf("pool %d: 50 runs that left a file open: %d host descriptors, %d before", pool, after, before)
		}
	}
}

func openDescriptors(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(entries)
}

// A run that holds its slot when its Runner is closed (a config reload)
// keeps its mounts until it ends; later runs get none.
func TestMountsOutliveClose(t *testing.T) {
	r := mountRunner(t, mountTree(t), 0)
	slot, err := r.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	res := slot.Run(context.Background(), &sandbox.Request{Method: "GET", URI: "/r/3/hello.txt"}, nil)
	if res.Err != nil || res.Response.Status != 200 || string(res.Response.Body) != "hello" {
		t.Fatalf("run in flight at Close: %v %+v", res.Err, res.Response)
	}
	if res := r.Run(context.Background(), hello, nil); res.Outcome != sandbox.OutcomeOverload {
		t.Fatalf("run after Close: outcome %s, want overload", res.Outcome)
	}
}

func TestOpenMountsErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		mounts []sandbox.Mount
		want   string
	}{
		{"missing directory", []sandbox.Mount{{HostDir: filepath.Join(dir, "nope"), GuestPath: "/data"}}, "nope"},
		{"a file", []sandbox.Mount{{HostDir: mountFile(t, dir), GuestPath: "/data"}}, "not a directory"},
		{"relative guest path", []sandbox.Mount{{HostDir: dir, GuestPath: "data"}}, "absolute and clean"},
		{"unclean guest path", []sandbox.Mount{{HostDir: dir, GuestPath: "/data/../etc"}}, "absolute and clean"},
		{"guest path twice", []sandbox.Mount{{HostDir: dir, GuestPath: "/data"}, {HostDir: dir, GuestPath: "/data"}}, "mounted twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := sandbox.OpenMounts(tc.mounts)
			if err == nil {
				m.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func mountFile(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "file")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// BenchmarkMounts is the cost of mounts per run: fsprobe answering
// without touching a file, with no mount and with two, and reading a
// 5-byte file from one (open, read, close).
func BenchmarkMounts(b *testing.B) {
	dir := mountTree(b)
	for _, bc := range []struct {
		name, uri string
		runner    func() *sandbox.Runner
	}{
		{"none", "/p/0/", func() *sandbox.Runner { return runner(b, "fsprobe", sandbox.RunnerConfig{}) }},
		{"two", "/p/0/", func() *sandbox.Runner { return mountRunner(b, dir, 0) }},
		{"read", "/r/3/hello.txt", func() *sandbox.Runner { return mountRunner(b, dir, 0) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := bc.runner()
			req := &sandbox.Request{Method: "GET", URI: bc.uri}
			b.ReportAllocs()
			for b.Loop() {
				if res := r.Run(context.Background(), req, nil); res.Err != nil || res.Response.Status != 200 {
					b.Fatal(res.Err, res.Response)
				}
			}
		})
	}
}
