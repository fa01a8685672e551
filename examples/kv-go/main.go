// Command kv-go is a Gojinn handler in standard Go on the Go SDK: a
// net/http router over a key-value store, mounted with handle_path (paths
// below are relative to the mount point).
//
//	GET    /              the keys ({"keys": [...]}), ?prefix= to filter
//	GET    /{key...}      the key's value, 404 when absent; its ETag is
//	                      the value's revision
//	PUT    /{key...}      stores the request body, ?ttl=30s to expire it;
//	                      with If-None-Match: * only if the key is absent,
//	                      with If-Match: <ETag> only if it is unchanged
//	                      (412 otherwise): compare-and-swap
//	DELETE /{key...}      deletes the key
//	POST   /{key...}      adds ?by= (default 1) to the counter at key and
//	                      returns its new value
//
// The store is named by the KV_STORE environment variable (default
// "kv-go"), which the handler's Caddyfile block must grant:
//
//	handle_path /kv-go/* {
//		gojinn examples/kv-go/build/handler.wasm {
//			kv kv-go
//			pool_size 4
//		}
//	}
//
// Build: GOOS=wasip1 GOARCH=wasm go build -o build/handler.wasm .
package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gojinn/gojinn/sdk-go/gojinn"
)

func main() {
	name := os.Getenv("KV_STORE")
	if name == "" {
		name = "kv-go"
	}
	gojinn.ServeHTTP(newRouter(gojinn.KV(name)))
}

func newRouter(store *gojinn.Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		keys, err := store.Keys(r.URL.Query().Get("prefix"))
		if err != nil {
			fail(w, err)
			return
		}
		if keys == nil {
			keys = []string{}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string][]string{"keys": keys})
	})
	mux.HandleFunc("GET /{key...}", func(w http.ResponseWriter, r *http.Request) {
		value, rev, err := store.GetRevision(r.PathValue("key"))
		if err != nil {
			fail(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("ETag", etag(rev))
		w.Write(value)
	})
	mux.HandleFunc("PUT /{key...}", func(w http.ResponseWriter, r *http.Request) {
		var ttl time.Duration
		if s := r.URL.Query().Get("ttl"); s != "" {
			var err error
			if ttl, err = time.ParseDuration(s); err != nil {
				http.Error(w, "ttl: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		value, err := io.ReadAll(r.Body)
		if err != nil {
			fail(w, err)
			return
		}
		key := r.PathValue("key")
		var rev uint64
		switch match := r.Header.Get("If-Match"); {
		case r.Header.Get("If-None-Match") == "*":
			rev, err = store.Create(key, value, ttl)
		case match != "":
			expected, perr := strconv.ParseUint(strings.Trim(match, `"`), 10, 64)
			if perr != nil {
				http.Error(w, "If-Match: not an ETag of this store", http.StatusBadRequest)
				return
			}
			rev, err = store.Update(key, value, expected)
		default:
			err = store.Set(key, value, ttl)
		}
		switch {
		case errors.Is(err, gojinn.ErrExists), errors.Is(err, gojinn.ErrConflict),
			errors.Is(err, gojinn.ErrNotFound): // If-Match on an absent key
			http.Error(w, err.Error(), http.StatusPreconditionFailed)
			return
		case err != nil:
			fail(w, err)
			return
		}
		if rev != 0 {
			w.Header().Set("ETag", etag(rev))
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /{key...}", func(w http.ResponseWriter, r *http.Request) {
		if err := store.Delete(r.PathValue("key")); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /{key...}", func(w http.ResponseWriter, r *http.Request) {
		by := int64(1)
		if s := r.URL.Query().Get("by"); s != "" {
			var err error
			if by, err = strconv.ParseInt(s, 10, 64); err != nil {
				http.Error(w, "by: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		n, err := store.Increment(r.PathValue("key"), by)
		if err != nil {
			fail(w, err)
			return
		}
		io.WriteString(w, strconv.FormatInt(n, 10)+"\n")
	})
	return mux
}

// etag is a revision as an HTTP entity tag.
func etag(rev uint64) string { return `"` + strconv.FormatUint(rev, 10) + `"` }

// fail answers err with the HTTP status its cause calls for; failures of
// the host itself also go to Caddy's log.
func fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, gojinn.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, gojinn.ErrDenied):
		status = http.StatusForbidden
	case errors.Is(err, gojinn.ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, gojinn.ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, gojinn.ErrUnavailable), errors.Is(err, gojinn.ErrTimeout):
		status = http.StatusServiceUnavailable
	}
	if status >= 500 {
		gojinn.Log(gojinn.LevelError, err.Error())
	}
	http.Error(w, err.Error(), status)
}
