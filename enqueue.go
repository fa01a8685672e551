package gojinn

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/natsbus"
)

func init() {
	caddy.RegisterModule(Enqueue{})
	httpcaddyfile.RegisterHandlerDirective("gojinn_enqueue", parseEnqueue)
	httpcaddyfile.RegisterDirectiveOrder("gojinn_enqueue", httpcaddyfile.Before, "file_server")
}

// IdempotencyKeyHeader makes a retried enqueue return the first one's job.
const IdempotencyKeyHeader = "Idempotency-Key"

// Enqueue is the handler `gojinn_enqueue <queue>`: it stores the request
// (method, URI, headers, body) as a job of a queue of the gojinn app and
// answers 202 with `{"job_id": "..."}` (docs/events.md).
type Enqueue struct {
	// Queue is the name of a queue configured in the gojinn global block.
	Queue string `json:"queue"`

	queue  *Queue
	logger *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (Enqueue) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.gojinn_enqueue",
		New: func() caddy.Module { return new(Enqueue) },
	}
}

// parseEnqueue reads `gojinn_enqueue [<matcher>] <queue>`.
func parseEnqueue(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	e := new(Enqueue)
	err := e.UnmarshalCaddyfile(h.Dispenser)
	return e, err
}

// UnmarshalCaddyfile reads `gojinn_enqueue <queue>`.
func (e *Enqueue) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	args := d.RemainingArgs()
	if len(args) != 1 {
		return d.Errf("gojinn_enqueue takes a queue name, got %d arguments", len(args))
	}
	e.Queue = args[0]
	if d.NextBlock(0) {
		return d.Err("gojinn_enqueue takes no block")
	}
	return nil
}

// Provision finds the queue in the gojinn app.
func (e *Enqueue) Provision(ctx caddy.Context) error {
	e.logger = ctx.Logger()
	v, err := ctx.App("gojinn")
	if err != nil {
		return fmt.Errorf("gojinn_enqueue: %w", err)
	}
	if e.queue = v.(*App).queueNamed(e.Queue); e.queue == nil {
		return fmt.Errorf("gojinn_enqueue: no queue %q in the gojinn global options (queue %s <module.wasm>)", e.Queue, e.Queue)
	}
	return nil
}

// ServeHTTP stores the request as a job: 202 with its id, 413 for a job
// over max_job_size, 503 with Retry-After when the queue is full or NATS
// cannot be reached.
func (e *Enqueue) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	stripTriggerHeaders(r.Header)
	limit := e.queue.q.MaxJobSize()
	if r.ContentLength > limit {
		return enqueueFailed(w, http.StatusRequestEntityTooLarge)
	}
	var body []byte
	if r.Body != nil && r.ContentLength != 0 {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok || int64(len(body)) > limit {
			return enqueueFailed(w, http.StatusRequestEntityTooLarge)
		}
		if err != nil {
			return caddyhttp.Error(http.StatusBadRequest, err)
		}
	}
	job := &natsbus.Job{Method: r.Method, URI: r.URL.RequestURI(), Headers: r.Header, Body: body}
	id, err := e.queue.q.Enqueue(r.Context(), job, r.Header.Get(IdempotencyKeyHeader))
	switch {
	case errors.Is(err, host.ErrTooLarge):
		return enqueueFailed(w, http.StatusRequestEntityTooLarge)
	case err != nil && r.Context().Err() != nil:
		return caddyhttp.Error(499, err) // the client went away: no answer to write, nothing to log
	case err != nil:
		e.logger.Error("enqueue failed", zap.String("queue", e.Queue), zap.Error(err))
		w.Header().Set("Retry-After", "1")
		return enqueueFailed(w, http.StatusServiceUnavailable)
	}
	if !job.EnqueuedAt.IsZero() {
		e.queue.metrics.Enqueued()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"job_id":"`+id+`"}`)
	return nil
}

// enqueueFailed answers a refused enqueue with its status text.
func enqueueFailed(w http.ResponseWriter, status int) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, http.StatusText(status))
	return nil
}

// triggerPrefix starts the headers only Gojinn sets.
const triggerPrefix = "X-Gojinn-"

// stripTriggerHeaders removes the X-Gojinn-* headers a client sent, so
// that a guest can trust X-Gojinn-Trigger and the others. It allocates
// nothing.
func stripTriggerHeaders(h http.Header) {
	for name := range h {
		if len(name) >= len(triggerPrefix) && strings.EqualFold(name[:len(triggerPrefix)], triggerPrefix) {
			delete(h, name)
		}
	}
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Enqueue)(nil)
	_ caddyhttp.MiddlewareHandler = (*Enqueue)(nil)
	_ caddyfile.Unmarshaler       = (*Enqueue)(nil)
)
