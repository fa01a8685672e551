package gojinn

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/sandbox"
)

// ServeHTTP runs the guest for r. The guest's answer is written only once
// it is complete and valid; failures get the status of docs/contract.md.
//
// The body is read only once the request holds a sandbox slot, so the
// requests waiting in the queue (at most max_queue) hold no body memory.
func (g *Gojinn) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	inv := invocation{start: time.Now(), debug: g.takeDebugHeader(r)}
	// X-Gojinn-* request headers are Gojinn's to set, never a client's.
	stripTriggerHeaders(r.Header)
	inv.span = g.startSpan(r) // does nothing unless Caddy's tracing is on
	inv.traceID = inv.span.traceIDOf(r)
	ctx := inv.span.context(r)

	if r.ContentLength > g.maxBodySize { // refused before it queues
		return g.failed(w, r, &inv, nil, bodyTooLarge(g.maxBodySize))
	}
	slot, err := g.runner.Acquire(ctx)
	if err != nil {
		return g.failed(w, r, &inv, nil, err)
	}
	defer slot.Release() // for the paths that do not reach Run
	body, err := g.readBody(r)
	if err != nil {
		return g.failed(w, r, &inv, nil, err)
	}
	req := sandbox.Request{
		Method:     r.Method,
		URI:        r.URL.RequestURI(),
		Headers:    inv.span.headers(r),
		Body:       body,
		TraceID:    inv.traceID,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		Proto:      r.Proto,
	}
	inv.stderr = &guestStderr{handler: g, traceID: inv.traceID}
	if g.host != nil {
		run := g.host.run(g, inv.stderr)
		defer run.Close()
		ctx = host.WithRun(ctx, run)
	}
	res := slot.Run(ctx, &req, inv.stderr)
	inv.stderr.close()
	if res.Err != nil {
		g.recordCrash(&req, &res, inv.stderr.tail())
		return g.failed(w, r, &inv, &res, res.Err)
	}
	g.metrics.ObserveInvocation(res.Response.Status, string(sandbox.OutcomeOK), time.Since(inv.start))
	inv.span.end(res.Response.Status, sandbox.OutcomeOK, &res, "")
	copyHeaders(w.Header(), res.Response.Headers)
	if inv.debug { // after the guest's headers: its Cache-Control must not win
		setDebugLogs(w.Header(), inv.stderr.tail())
	}
	writeResponse(w, r, res.Response)
	return nil
}

// invocation is what ServeHTTP knows of one request.
type invocation struct {
	start   time.Time
	debug   bool // the request carried the debug secret
	span    invocationSpan
	traceID string       // the contract's trace_id
	stderr  *guestStderr // nil until the guest runs
}

// readBody reads the whole request body, up to MaxBodySize.
//
// A server request's ContentLength 0 means it has no body (-1: unknown,
// e.g. chunked), and Caddy's handlers that replace a body set it too; the
// body is then not read at all: Caddy wraps even an empty one, and one
// io.ReadAll of it cost an allocation and a read deadline per request.
func (g *Gojinn) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, g.maxBodySize+1))
	if tooLarge, ok := errors.AsType[*http.MaxBytesError](err); ok {
		// Caddy's `request_body max_size` cut the body while we read it.
		return nil, &sandbox.Error{Outcome: sandbox.OutcomeBodyLimit, Reason: fmt.Sprintf("the request body is larger than request_body max_size (%d bytes)", tooLarge.Limit)}
	}
	if err != nil {
		return nil, &sandbox.Error{Outcome: sandbox.OutcomeCanceled, Reason: "reading the request body failed", Err: err}
	}
	if int64(len(body)) > g.maxBodySize {
		return nil, bodyTooLarge(g.maxBodySize)
	}
	return body, nil
}

func bodyTooLarge(max int64) error {
	return &sandbox.Error{Outcome: sandbox.OutcomeBodyLimit, Reason: fmt.Sprintf("the request body is larger than max_body_size (%d bytes)", max)}
}

// failed logs a failed run once, counts it, ends its span, and answers
// it: as a caddyhttp.Error when the server has handle_errors routes to
// shape it, else with the status text as body (Caddy alone would send no
// body). res is nil when no run was attempted.
func (g *Gojinn) failed(w http.ResponseWriter, r *http.Request, inv *invocation, res *sandbox.Result, err error) error {
	outcome := sandbox.OutcomeOf(err)
	status := outcome.Status()
	g.metrics.ObserveInvocation(status, string(outcome), time.Since(inv.start))

	reason := g.secrets.Redact(failureReason(err))
	inv.span.end(status, outcome, res, reason)
	fields := []zap.Field{
		zap.String("trace_id", inv.traceID),
		zap.String("outcome", string(outcome)),
		zap.Int("status", status),
		zap.String("reason", reason),
	}
	tail := ""
	if inv.stderr != nil {
		tail = inv.stderr.tail()
		if tail != "" {
			fields = append(fields, zap.String("stderr_tail", tail))
		}
	}
	if outcome == sandbox.OutcomeCanceled {
		// The client went away: not the guest's failure, so not an error
		// entry (a busy site would be flooded); nothing is written.
		g.logger.Info("request canceled", fields...)
		return caddyhttp.Error(status, err)
	}
	g.logger.Error("guest failed", fields...)

	h := w.Header()
	if outcome == sandbox.OutcomeOverload {
		h.Set("Retry-After", "1")
	}
	if inv.debug {
		setDebugLogs(h, tail)
	}
	if hasErrorRoutes(r) {
		return caddyhttp.Error(status, err)
	}
	text := http.StatusText(status)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(text)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, text)
	}
	return nil
}

// hasErrorRoutes tells whether the server has handle_errors routes.
func hasErrorRoutes(r *http.Request) bool {
	srv, ok := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	return ok && srv.Errors != nil && len(srv.Errors.Routes) > 0
}

// droppedHeaders are hop-by-hop headers, the framing headers that Gojinn
// computes itself, and X-Gojinn-Logs, which only a request carrying the
// debug secret gets (so a client can trust it); a guest's values for them
// are ignored.
var droppedHeaders = map[string]bool{
	LogsHeader:            true,
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Content-Length":      true,
}

// copyHeaders adds a guest's response headers to h, less droppedHeaders.
// A name h does not have yet takes the response's own slice of values
// (DecodeResponse gives each its own, capped so that a later Add copies):
// one allocation less per header than h.Add of each value.
func copyHeaders(h http.Header, headers map[string][]string) {
	for name, values := range headers {
		name = http.CanonicalHeaderKey(name)
		if droppedHeaders[name] || len(values) == 0 {
			continue
		}
		if _, ok := h[name]; !ok {
			h[name] = values[:len(values):len(values)]
			continue
		}
		h[name] = append(h[name], values...)
	}
}

// writeResponse writes a guest's valid response, whose headers are in
// w.Header() already, with its framing.
func writeResponse(w http.ResponseWriter, r *http.Request, resp *sandbox.Response) {
	h := w.Header()
	noBody := r.Method == http.MethodHead || resp.Status == http.StatusNoContent || resp.Status == http.StatusNotModified
	if noBody {
		h.Del("Content-Length")
	} else {
		h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}
	w.WriteHeader(resp.Status)
	if !noBody {
		_, _ = w.Write(resp.Body)
	}
}
