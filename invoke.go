package gojinn

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/sandbox"
)

// Invocation is how a run that did not come over HTTP ended.
type Invocation struct {
	// Status is the guest's response status, or its failure's
	// (docs/contract.md): 502 for a trap, 504 for a timeout...
	Status int
	// Response is the guest's answer; nil when the run failed.
	Response *sandbox.Response
	// Outcome is how the run ended.
	Outcome sandbox.Outcome
	// Reason says why the run failed; "" when it did not.
	Reason string
	// StderrTail is the end of the guest's stderr.
	StderrTail string
}

// Invoke runs the handler's module for req outside HTTP (a job, a cron
// tick, a message): the same sandbox, limits, grants, guest log and
// metrics as a request to a route, and a failure is logged once, as one.
// It waits for a slot like a request (max_concurrency, queue_timeout).
func (g *Gojinn) Invoke(ctx context.Context, req *sandbox.Request) Invocation {
	start := time.Now()
	stderr := &guestStderr{handler: g, traceID: req.TraceID}
	if g.host != nil {
		run := g.host.run(g, stderr)
		defer run.Close()
		ctx = host.WithRun(ctx, run)
	}
	res := g.runner.Run(ctx, req, stderr)
	stderr.close()
	inv := Invocation{Outcome: res.Outcome, StderrTail: stderr.tail()}
	if res.Err == nil {
		inv.Status, inv.Response = res.Response.Status, res.Response
		g.metrics.ObserveInvocation(inv.Status, string(inv.Outcome), time.Since(start))
		return inv
	}
	inv.Status, inv.Reason = res.Outcome.Status(), g.secrets.Redact(failureReason(res.Err))
	g.recordCrash(req, &res, inv.StderrTail)
	g.metrics.ObserveInvocation(inv.Status, string(inv.Outcome), time.Since(start))
	fields := []zap.Field{
		zap.String("trace_id", req.TraceID),
		zap.String("uri", req.URI),
		zap.String("outcome", string(inv.Outcome)),
		zap.Int("status", inv.Status),
		zap.String("reason", inv.Reason),
	}
	if inv.StderrTail != "" {
		fields = append(fields, zap.String("stderr_tail", inv.StderrTail))
	}
	g.logger.Error("guest failed", fields...)
	return inv
}

// failureReason is a failed run's reason, with its cause.
func failureReason(err error) string {
	var se *sandbox.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	if se.Err != nil {
		return se.Reason + ": " + se.Err.Error()
	}
	return se.Reason
}
