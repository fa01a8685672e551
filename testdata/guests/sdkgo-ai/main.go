// Command sdkgo-ai is a test guest on the Go SDK (its own module): it asks
// gojinn.Chat to answer its request's body, after a system message, and
// answers the text; when that fails, 502 with the error's text.
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
		text, err := gojinn.Chat(r.Context(), []gojinn.Message{
			{Role: "system", Content: "You answer tests."},
			{Role: "user", Content: string(body)},
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		io.WriteString(w, text)
	}))
}
