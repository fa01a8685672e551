// Command sdkgo-enqueue is a test guest on the Go SDK (its own module): it
// enqueues its request's body to the queue in its ?queue= with
// gojinn.Enqueue and answers the job id; when that fails, 502 with the
// error's text.
package main

import (
	"io"
	"net/http"

	"github.com/gojinn/gojinn/sdk-go/gojinn"
)

func main() {
	gojinn.ServeHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, err := gojinn.Enqueue(r.URL.Query().Get("queue"), body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		io.WriteString(w, id)
	}))
}
