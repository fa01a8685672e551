package gojinn

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/robfig/cron/v3"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/natsbus"
)

// cronClaimTimeout bounds one attempt of a tick's claim; cronClaimRetry
// is the pause before the next.
const (
	cronClaimTimeout = 2 * time.Second
	cronClaimRetry   = 250 * time.Millisecond
)

// nextTick is the schedule's first tick after now. Every node computes
// the same ticks: a 5- or 6-field schedule matches the wall clock by
// itself, and an @every schedule is anchored here to the Unix epoch
// (robfig/cron counts it from now, which differs from node to node).
func nextTick(sched cron.Schedule, now time.Time) time.Time {
	every, ok := sched.(cron.ConstantDelaySchedule)
	if !ok {
		return sched.Next(now)
	}
	d := int64(every.Delay)
	return time.Unix(0, (now.UnixNano()/d+1)*d)
}

// provisionClaims makes the schedule claim each tick in NATS when several
// Caddy nodes may run it: in a cluster, or on a shared nats_url. One
// node alone needs no claim.
func (c *Cron) provisionClaims(ctx caddy.Context, app *App) error {
	if app.bus.Cluster == nil && app.bus.URL == "" {
		return nil
	}
	bus, err := app.Bus()
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if c.claims, err = natsbus.OpenClaims(cctx, bus, app.kvCfg.Prefix); err != nil {
		return fmt.Errorf("gojinn: cron %s: %w", c.Name, err)
	}
	if app.bus.Cluster != nil {
		c.node = app.bus.Cluster.Node
	} else if c.node, err = os.Hostname(); err != nil {
		c.node = "unknown"
	}
	return nil
}

// claim tells whether this node runs the tick at: whether its claim of
// the tick (the tick's key, created in NATS) is the first. While NATS
// cannot decide (the claims' stream leader died and its replicas elect
// another, which takes seconds), the claim is asked again, so a node's
// death delays ticks but loses none; a tick still unclaimed
// cronTickTolerance after its time, or when the schedule stops, is not
// run.
func (c *Cron) claim(at time.Time, quit <-chan struct{}) bool {
	key := c.Name + "." + strconv.FormatInt(at.Unix(), 10)
	id := c.node + "/" + rand.Text() // this claim's, across its retries
	for {
		ctx, cancel := context.WithTimeout(c.ctx, cronClaimTimeout)
		won, err := c.claims.Claim(ctx, key, id)
		cancel()
		if err == nil {
			if !won {
				c.logger.Debug("cron tick run by another node", zap.Time("scheduled_at", at))
			}
			return won
		}
		if time.Since(at) > cronTickTolerance || c.ctx.Err() != nil {
			c.logger.Warn("cron tick not run: it could not be claimed in NATS (is a quorum of the cluster up?)",
				zap.Time("scheduled_at", at), zap.Error(err))
			return false
		}
		select {
		case <-quit:
			return false
		case <-time.After(cronClaimRetry):
		}
	}
}
