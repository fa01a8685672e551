// Command backend is the native Go service behind the bench's /proxy target:
// the "run it as a separate service" alternative to a gojinn handler. It does
// the same work as examples/hello-go (one log line on stderr, a plain-text
// greeting naming the method and path) with net/http, and listens on
// loopback only.
//
//	go run ./bench/backend -addr 127.0.0.1:8481
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8481", "listen address (loopback)")
	flag.Parse()
	if !strings.HasPrefix(*addr, "127.0.0.1:") && !strings.HasPrefix(*addr, "localhost:") {
		log.Fatalf("backend: %s is not a loopback address", *addr)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(os.Stderr, "backend: %s %s\n", r.Method, r.RequestURI)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Hello from Go! You called %s %s\n", r.Method, r.RequestURI)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
