// Package gojinn is the Go SDK for Gojinn handlers: standard Go programs
// built with GOOS=wasip1 GOARCH=wasm that Caddy runs per request
// (docs/contract.md), with the host's key-value stores, outbound HTTP,
// queues, AI, SQL databases, object storage and log (docs/host-abi.md).
//
// A handler is a main package that hands an http.Handler (any router) to
// ServeHTTP, or a function to Serve:
//
//	func main() {
//		mux := http.NewServeMux()
//		mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
//			fmt.Fprintf(w, "Hello, %s!\n", r.PathValue("name"))
//		})
//		gojinn.ServeHTTP(mux)
//	}
//
// KV opens a store granted in the handler's Caddyfile block (`kv
// sessions`); Transport sends HTTP requests to the origins its `fetch`
// allow-list names; Enqueue adds a job to a queue; Chat asks the AI
// endpoint; SQL runs statements on a database (`sql main`; most programs
// use database/sql with the driver of package sqldriver); Objects opens
// an object store (`objects media`); Log writes to Caddy's log. Failures are errors that
// wrap this package's sentinel errors (ErrNotFound, ErrDenied...): test
// them with errors.Is. Nothing here panics on a host failure.
//
// Built for another platform (a handler's unit tests on the developer's
// machine), the package compiles and every host call fails with
// ErrUnavailable; Log writes to stderr.
package gojinn
