// Command sdkgo-enqueue is a test guest on the Go SDK (its own module): it
// enqueues its request's body to the queue in its ?queue= with
// gojinn.Enqueue and answers the job id; when that fails, 502 with the
// error's text. Without ?queue= (a queue's job), the body is "<queue>
// <body>".
package main

import (
	"bytes"
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
		queue := r.URL.Query().Get("queue")
		if queue == "" {
			q, rest, _ := bytes.Cut(body, []byte(" "))
			queue, body = string(q), rest
		}
		id, err := gojinn.Enqueue(queue, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		io.WriteString(w, id)
	}))
}
