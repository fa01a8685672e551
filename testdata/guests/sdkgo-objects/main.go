// Command sdkgo-objects is a test guest on the Go SDK (its own module):
// the object store named by $OBJ_STORE (default "media") through
// gojinn.Objects. Routes:
//
//	PUT    /o/{key...}   PutObject with the body and the request's Content-Type: 204
//	GET    /o/{key...}   GetObject: the bytes, with Content-Type, ETag, X-Size, X-Last-Modified
//	GET    /head/{key...} HeadObject: {"key", "size", "content_type", "etag", "last_modified", "body"}
//	DELETE /o/{key...}   DeleteObject: 204
//	GET    /list         one page (?prefix=&after=&limit=): {"objects": [...], "more"}
//	GET    /all          every key under ?prefix=, a page of ?limit= at a time: {"keys", "pages"}
//
// A failure answers the status of the SDK's sentinel error it wraps (404
// not_found, 403 denied, 400 invalid, 413 too_large, else 502) with the
// error's text.
package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/gojinn/gojinn/sdk-go/gojinn"
)

func main() {
	name := os.Getenv("OBJ_STORE")
	if name == "" {
		name = "media"
	}
	store := gojinn.Objects(name)
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /o/{key...}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := store.PutObject(r.PathValue("key"), body, r.Header.Get("Content-Type")); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /o/{key...}", func(w http.ResponseWriter, r *http.Request) {
		obj, err := store.GetObject(r.PathValue("key"))
		if err != nil {
			fail(w, err)
			return
		}
		w.Header().Set("Content-Type", obj.ContentType)
		w.Header().Set("ETag", obj.ETag)
		w.Header().Set("X-Size", strconv.FormatInt(obj.Size, 10))
		w.Header().Set("X-Last-Modified", obj.LastModified.Format(time.RFC3339))
		w.Write(obj.Body) //nolint:errcheck // the response is in memory
	})
	mux.HandleFunc("GET /head/{key...}", func(w http.ResponseWriter, r *http.Request) {
		obj, err := store.HeadObject(r.PathValue("key"))
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, map[string]any{
			"key": obj.Key, "size": obj.Size, "content_type": obj.ContentType, "etag": obj.ETag,
			"last_modified": obj.LastModified, "body": obj.Body,
		})
	})
	mux.HandleFunc("DELETE /o/{key...}", func(w http.ResponseWriter, r *http.Request) {
		if err := store.DeleteObject(r.PathValue("key")); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /list", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		page, err := store.ListObjects(q.Get("prefix"), q.Get("after"), limit)
		if err != nil {
			fail(w, err)
			return
		}
		objects := []map[string]any{}
		for _, o := range page.Objects {
			objects = append(objects, map[string]any{"key": o.Key, "size": o.Size, "etag": o.ETag, "last_modified": o.LastModified})
		}
		writeJSON(w, map[string]any{"objects": objects, "more": page.More})
	})
	mux.HandleFunc("GET /all", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		keys, pages := []string{}, 0
		for after := ""; ; {
			page, err := store.ListObjects(q.Get("prefix"), after, limit)
			if err != nil {
				fail(w, err)
				return
			}
			pages++
			for _, o := range page.Objects {
				keys = append(keys, o.Key)
			}
			if !page.More {
				break
			}
			after = page.Objects[len(page.Objects)-1].Key
		}
		writeJSON(w, map[string]any{"keys": keys, "pages": pages})
	})
	gojinn.ServeHTTP(mux)
}

func fail(w http.ResponseWriter, err error) {
	status := http.StatusBadGateway
	for sentinel, s := range map[error]int{
		gojinn.ErrNotFound: http.StatusNotFound, gojinn.ErrDenied: http.StatusForbidden,
		gojinn.ErrInvalid: http.StatusBadRequest, gojinn.ErrTooLarge: http.StatusRequestEntityTooLarge,
	} {
		if errors.Is(err, sentinel) {
			status = s
		}
	}
	http.Error(w, err.Error(), status)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the response is in memory
}
