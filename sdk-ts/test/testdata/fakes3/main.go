// Command fakes3 serves an S3-compatible endpoint on 127.0.0.1 (gofakes3,
// in memory, one empty bucket named by its argument) for
// sdk-ts/test/objects-caddy.test.ts: it prints the endpoint's URL on one
// line, then serves until its stdin closes.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: fakes3 <bucket>")
	}
	backend := s3mem.New()
	if err := backend.CreateBucket(os.Args[1]); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: gofakes3.New(backend).Server(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("http://%s\n", ln.Addr())
	// The test's end closes stdin: no process is left behind.
	_, _ = io.Copy(io.Discard, os.Stdin)
}
