package host_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sync"
	"testing"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
)

// program is what testdata/guests/host-driver.wat runs: operations on
// its memory and calls of the gojinn functions (see the guest's header).
type program struct {
	b    []byte
	outs []int // bytes each operation outputs, in order
}

func (p *program) u32(vs ...uint32) {
	for _, v := range vs {
		p.b = binary.LittleEndian.AppendUint32(p.b, v)
	}
}

// write copies data to the guest's memory at addr.
func (p *program) write(addr uint32, data []byte) {
	p.u32(1, addr, uint32(len(data)))
	p.b = append(p.b, data...)
}

// fill sets n bytes at addr to c.
func (p *program) fill(addr, n uint32, c byte) { p.u32(2, addr, n, uint32(c)) }

// dump outputs n bytes of memory at addr.
func (p *program) dump(addr, n uint32) {
	p.u32(3, addr, n)
	p.outs = append(p.outs, int(n))
}

// grow adds pages to the guest's memory.
func (p *program) grow(pages uint32) { p.u32(4, pages) }

// call calls the ABI function fn with args (each as a u64) and outputs
// its status.
func (p *program) call(fn string, args ...uint64) {
	p.u32(5, uint32(slices.Index(host.Functions, fn)))
	for _, a := range args {
		p.b = binary.LittleEndian.AppendUint64(p.b, a)
	}
	p.outs = append(p.outs, 4)
}

// driver runs programs in the host-driver guest, compiled once with the
// gojinn module.
var driver = struct {
	once sync.Once
	m    *sandbox.Module
	r    *sandbox.Runner
	err  error
}{}

// driverModule is the driver, compiled once with the gojinn module.
func driverModule(t testing.TB) *sandbox.Module {
	t.Helper()
	path := testguest.WAT(t, "host-driver")
	driver.once.Do(func() {
		driver.m, driver.err = sandbox.Compile(context.Background(), path, testguest.Read(t, path), sandbox.Options{}, host.Module())
		if driver.err == nil {
			driver.r = sandbox.NewRunner(driver.m, sandbox.RunnerConfig{})
		}
	})
	if driver.err != nil {
		t.Fatal(driver.err)
	}
	return driver.m
}

// request is p as the driver's request.
func (p *program) request() *sandbox.Request {
	return &sandbox.Request{Method: "POST", URI: "/", Body: []byte(hex.EncodeToString(p.b))}
}

// run runs p with run in the context (nil: none) and returns each
// operation's output.
func (p *program) run(t *testing.T, ctx context.Context, run *host.Run) [][]byte {
	t.Helper()
	driverModule(t)
	return p.runIn(t, ctx, driver.r, run)
}

// runIn is run in r, a runner of driverModule.
func (p *program) runIn(t *testing.T, ctx context.Context, r *sandbox.Runner, run *host.Run) [][]byte {
	t.Helper()
	if run != nil {
		ctx = host.WithRun(ctx, run)
	}
	res := r.Run(ctx, p.request(), nil)
	if res.Err != nil {
		t.Fatalf("the driver failed: %v", res.Err)
	}
	out, err := hex.DecodeString(string(res.Response.Body))
	if err != nil {
		t.Fatalf("the driver's output: %v", err)
	}
	parts := make([][]byte, len(p.outs))
	for i, n := range p.outs {
		if len(out) < n {
			t.Fatalf("the driver output %d bytes less than expected", n-len(out))
		}
		parts[i], out = out[:n], out[n:]
	}
	return parts
}
