package gojinn

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
)

func init() {
	adminRoutes = append(adminRoutes,
		caddy.AdminRoute{Pattern: "/gojinn/crashes", Handler: caddy.AdminHandlerFunc(serveCrashes)},
		caddy.AdminRoute{Pattern: "/gojinn/crashes/", Handler: caddy.AdminHandlerFunc(serveCrash)},
	)
}

// serveCrashes answers GET /gojinn/crashes[?limit=n]: the newest crash
// records of every handler, newest first (default 100, at most 1000).
func serveCrashes(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 1000 {
			return caddy.APIError{HTTPStatus: http.StatusBadRequest, Err: fmt.Errorf("limit %q: want 1 to 1000", v)}
		}
		limit = n
	}
	return writeJSON(w, recentCrashes(limit))
}

// serveCrash answers GET /gojinn/crashes/<id>: one record, as written.
func serveCrash(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	id := strings.TrimPrefix(r.URL.Path, "/gojinn/crashes/")
	b, ok := crashByID(id)
	if !ok {
		return caddy.APIError{HTTPStatus: http.StatusNotFound, Err: fmt.Errorf("no crash record %q", id)}
	}
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(b)
	return err
}
