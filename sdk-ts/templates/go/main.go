// Command __NAME__ is a Gojinn handler: Caddy runs it once per request,
// in a fresh WebAssembly sandbox, with the request on stdin.
package main

import (
	"fmt"
	"net/http"

	"github.com/gojinn/gojinn/sdk-go/gojinn"
)

// newMux is the handler's routes, apart from main so that tests can serve them.
func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	// Any method and path: 200 "Hello, <name>!", name from ?name=, "world" by default.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		who := r.URL.Query().Get("name")
		if who == "" {
			who = "world"
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Hello, %s!\n", who)
	})
	return mux
}

func main() {
	gojinn.ServeHTTP(newMux())
}
