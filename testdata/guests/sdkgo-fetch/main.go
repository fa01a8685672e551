// Command sdkgo-fetch is a test guest on the Go SDK (its own module): it
// sends the request it got, method, X-Test header and body, to the URL in
// its ?url= through an http.Client on gojinn.Transport, and answers
// "<status> <X-Upstream> <body>"; when the call fails, 502 with the name
// of the SDK's sentinel error the failure wraps, after logging it with
// gojinn.Log at error level.
package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gojinn/gojinn/sdk-go/gojinn"
)

var sentinels = []error{
	gojinn.ErrNotFound, gojinn.ErrDenied, gojinn.ErrTooLarge, gojinn.ErrInvalid, gojinn.ErrUnavailable,
	gojinn.ErrTimeout, gojinn.ErrIO, gojinn.ErrExists, gojinn.ErrConflict, gojinn.ErrLimit,
}

func main() {
	client := &http.Client{Transport: gojinn.Transport}
	gojinn.ServeHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequest(r.Method, r.URL.Query().Get("url"), r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Header.Set("X-Test", r.Header.Get("X-Test"))
		resp, err := client.Do(req)
		if err != nil {
			gojinn.Log(gojinn.LevelError, "sdkgo-fetch: "+err.Error())
			name := "unwrapped: " + err.Error()
			for _, s := range sentinels {
				if errors.Is(err, s) {
					name = s.Error()
				}
			}
			http.Error(w, name, http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%d %s %s", resp.StatusCode, resp.Header.Get("X-Upstream"), body)
	}))
}
