package gojinn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/natsbus"
)

func init() {
	caddy.RegisterModule(adminAPI{})
}

// adminAPI is the Caddy admin module `admin.api.gojinn`: the queue and
// job routes of docs/events.md, on Caddy's admin listener only.
//
// It finds the gojinn app of the running config on each request
// (caddy.ActiveContext().AppIfConfigured): no state of its own to keep
// in step with reloads, and a config without the app gets 404 rather
// than an empty app created for the request.
type adminAPI struct{}

// CaddyModule returns the Caddy module information.
func (adminAPI) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "admin.api.gojinn",
		New: func() caddy.Module { return new(adminAPI) },
	}
}

// Routes returns the admin routes.
func (adminAPI) Routes() []caddy.AdminRoute {
	return append([]caddy.AdminRoute{
		{Pattern: "/gojinn/queues", Handler: caddy.AdminHandlerFunc(serveQueues)},
		{Pattern: "/gojinn/queues/", Handler: caddy.AdminHandlerFunc(serveDead)},
		{Pattern: "/gojinn/jobs/", Handler: caddy.AdminHandlerFunc(serveJob)},
		{Pattern: "/gojinn/cron", Handler: caddy.AdminHandlerFunc(serveCron)},
	}, adminRoutes...)
}

// adminRoutes are the admin API's routes defined beside their features
// (crashes, handlers, cluster), appended from those files' init
// functions.
var adminRoutes []caddy.AdminRoute

// runningApp is the gojinn app of the running config.
func runningApp() (*App, error) {
	v, err := caddy.ActiveContext().AppIfConfigured("gojinn")
	if err != nil {
		return nil, caddy.APIError{HTTPStatus: http.StatusNotFound, Err: errors.New("the running config has no gojinn app")}
	}
	return v.(*App), nil
}

// QueueStatus is one queue in GET /gojinn/queues.
type QueueStatus struct {
	Name string `json:"name"`
	natsbus.QueueStats
	// Done and FailedAttempts count this config's runs on this node.
	Done           int64 `json:"done"`
	FailedAttempts int64 `json:"failed_attempts"`
}

// serveQueues answers GET /gojinn/queues.
func serveQueues(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	app, err := runningApp()
	if err != nil {
		return err
	}
	out, err := queueStatuses(r.Context(), app)
	if err != nil {
		return apiErr(err)
	}
	return writeJSON(w, out)
}

// queueStatuses returns the app's queues' counts (the admin API's and
// the dashboard's).
func queueStatuses(ctx context.Context, app *App) ([]QueueStatus, error) {
	out := []QueueStatus{}
	for _, q := range app.Queues {
		st, err := q.q.Stats(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, QueueStatus{Name: q.Name, QueueStats: st, Done: q.done.Load(), FailedAttempts: q.failed.Load()})
	}
	return out, nil
}

// serveDead answers GET /gojinn/queues/<q>/dead[?after=&limit=],
// POST /gojinn/queues/<q>/dead/<id>/requeue and
// DELETE /gojinn/queues/<q>/dead/<id>.
func serveDead(w http.ResponseWriter, r *http.Request) error {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/gojinn/queues/"), "/")
	if len(parts) < 2 || parts[1] != "dead" {
		return caddy.APIError{HTTPStatus: http.StatusNotFound, Err: fmt.Errorf("no route %s", r.URL.Path)}
	}
	app, err := runningApp()
	if err != nil {
		return err
	}
	q := app.queueNamed(parts[0])
	if q == nil {
		return caddy.APIError{HTTPStatus: http.StatusNotFound, Err: fmt.Errorf("no queue %q", parts[0])}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	switch {
	case len(parts) == 2 && r.Method == http.MethodGet:
		after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil || limit <= 0 || limit > 1000 {
			limit = 100
		}
		jobs, next, err := q.q.Dead(ctx, after, limit)
		if err != nil {
			return apiErr(err)
		}
		views := make([]deadView, len(jobs))
		for i, j := range jobs {
			views[i] = viewDead(j)
		}
		return writeJSON(w, map[string]any{"jobs": views, "next": next})
	case len(parts) == 3 && r.Method == http.MethodDelete:
		if err := q.q.DeleteDead(ctx, parts[2]); err != nil {
			return apiErr(err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	case len(parts) == 4 && parts[3] == "requeue" && r.Method == http.MethodPost:
		if err := q.q.Requeue(ctx, parts[2]); err != nil {
			return apiErr(err)
		}
		q.metrics.Enqueued()
		return writeJSON(w, map[string]string{"job_id": parts[2]})
	}
	return caddy.APIError{HTTPStatus: http.StatusNotFound, Err: fmt.Errorf("no route %s %s", r.Method, r.URL.Path)}
}

// serveJob answers GET /gojinn/jobs/<id>.
func serveJob(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	id := strings.TrimPrefix(r.URL.Path, "/gojinn/jobs/")
	app, err := runningApp()
	if err != nil {
		return err
	}
	if len(app.Queues) == 0 {
		return apiErr(host.ErrNotFound)
	}
	// Every queue of a prefix shares one state bucket.
	st, err := app.Queues[0].q.State(r.Context(), id)
	if err != nil {
		return apiErr(err)
	}
	return writeJSON(w, st)
}

// deadView is a dead letter as the admin API shows it: secrets redacted,
// the body's size rather than the body.
type deadView struct {
	natsbus.DeadJob
	BodySize int `json:"body_size"`
}

func viewDead(j natsbus.DeadJob) deadView {
	j.Headers = redactHeaders(j.Headers)
	return deadView{DeadJob: j, BodySize: len(j.Body)}
}

// redactedHeaders are never shown in a view of a job (they are stored:
// the job's run needs them).
var redactedHeaders = []string{"Authorization", "Cookie", "Proxy-Authorization", DebugHeader}

// redactHeaders returns a copy of h with the values of redactedHeaders
// replaced.
func redactHeaders(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[k] = v
		for _, name := range redactedHeaders {
			if strings.EqualFold(k, name) {
				out[k] = []string{"REDACTED"}
			}
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

func methodNotAllowed(r *http.Request) error {
	return caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Err: fmt.Errorf("method %s not allowed", r.Method)}
}

// apiErr maps a queue error to the admin API's status.
func apiErr(err error) error {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, host.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, host.ErrUnavailable):
		status = http.StatusServiceUnavailable
	}
	return caddy.APIError{HTTPStatus: status, Err: err}
}

// Interface guard.
var _ caddy.AdminRouter = adminAPI{}
