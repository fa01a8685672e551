// Command hello-go is a Gojinn handler in standard Go (GOOS=wasip1
// GOARCH=wasm), written exactly as handlers for the original Gojinn were:
// decode the request from stdin, encode the response to stdout.
//
//	GOOS=wasip1 GOARCH=wasm go build -o build/handler.wasm .
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// Request is the contract's request (docs/contract.md).
type Request struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
	TraceID string              `json:"trace_id"`
}

// Response is the contract's response.
type Response struct {
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

func main() {
	var req Request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "bad request:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "hello-go: %s %s\n", req.Method, req.URI)
	resp := Response{
		Status:  200,
		Headers: map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:    fmt.Sprintf("Hello from Go! You called %s %s\n", req.Method, req.URI),
	}
	if err := json.NewEncoder(os.Stdout).Encode(resp); err != nil {
		os.Exit(1)
	}
}
