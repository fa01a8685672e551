// Command gojinn-meter instruments a WebAssembly module for metering, as
// the Gojinn host does before compiling it (package sandbox/meter): the
// module on stdin, the instrumented module on stdout, errors on stderr
// with exit code 1.
//
// It is built with GOOS=wasip1 GOARCH=wasm and shipped in the TypeScript
// SDK, so that the SDK's test harness meters a handler with the very same
// code as the host:
//
//	GOOS=wasip1 GOARCH=wasm go build -o gojinn-meter.wasm ./cmd/gojinn-meter
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gojinn/gojinn/sandbox/meter"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gojinn-meter:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	wasm, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	inst, err := meter.Instrument(wasm)
	if err != nil {
		return err
	}
	_, err = out.Write(inst)
	return err
}
