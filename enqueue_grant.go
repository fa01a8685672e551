package gojinn

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/natsbus"
)

// enqueueGrant checks the enqueue grant against the app: each name valid,
// given once and a queue of the app. It returns the granted set and the
// largest max_job_size among them (the host's early check; each queue
// checks its own).
func (g *Gojinn) enqueueGrant(app *App) (map[string]bool, int, error) {
	granted := make(map[string]bool, len(g.Enqueue))
	maxJobSize := int64(0)
	for _, name := range g.Enqueue {
		if !storeName.MatchString(name) {
			return nil, 0, fmt.Errorf("gojinn: %s: enqueue: %q is not a valid queue name (1 to 64 letters, digits, '_' or '-')", g.Path, name)
		}
		if granted[name] {
			return nil, 0, fmt.Errorf("gojinn: %s: enqueue: the queue %q is granted twice", g.Path, name)
		}
		q := app.queueNamed(name)
		if q == nil {
			return nil, 0, fmt.Errorf("gojinn: %s: enqueue: no queue %q in the gojinn global options (queue %s <module.wasm>)", g.Path, name, name)
		}
		granted[name] = true
		size := q.MaxJobSize
		if size <= 0 {
			size = natsbus.DefaultMaxJobSize
		}
		maxJobSize = max(maxJobSize, size)
	}
	return granted, int(maxJobSize), nil
}

// provisionEnqueue grants the queues; their backend is the app's.
func (g *Gojinn) provisionEnqueue(app *App) error {
	if len(g.Enqueue) == 0 {
		return nil
	}
	granted, maxJobSize, err := g.enqueueGrant(app)
	if err != nil {
		return err
	}
	g.host.grants.Queues, g.host.grants.MaxJobSize, g.host.queue = granted, maxJobSize, appQueues{app}
	return nil
}

// appQueues is the backend of the enqueue host function: the app's
// queues, found by name at each call, since a queue opens its stream
// after the functions it may be granted to were provisioned.
type appQueues struct{ app *App }

// Enqueue stores a guest's job as `POST /queue/<name>` with its body
// (docs/host-abi.md): unavailable while the queue's stream is not open.
func (a appQueues) Enqueue(ctx context.Context, name string, body []byte, header http.Header) (string, error) {
	q := a.app.queueNamed(name)
	if q == nil || q.q == nil {
		return "", fmt.Errorf("gojinn: queue %s is not open: %w", name, host.ErrUnavailable)
	}
	job := &natsbus.Job{Method: http.MethodPost, URI: "/queue/" + name, Headers: header, Body: body}
	id, err := q.q.Enqueue(ctx, job, "")
	if err == nil && q.metrics != nil {
		q.metrics.Enqueued()
	}
	return id, err
}
