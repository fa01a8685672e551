package gojinn

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/robfig/cron/v3"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/natsbus"
)

// cronClaimTimeout bounds a tick's claim: a cluster without quorum does
// not answer, and the tick is then not run rather than run twice.
const cronClaimTimeout = 5 * time.Second

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

// claim tells whether this node runs the tick at: always alone, else if
// its claim of the tick is the first (the tick's key created in NATS).
func (c *Cron) claim(at time.Time) bool {
	if c.claims == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(c.ctx, cronClaimTimeout)
	defer cancel()
	won, err := c.claims.Claim(ctx, c.Name+"."+strconv.FormatInt(at.Unix(), 10), c.node)
	if err != nil {
		c.logger.Warn("cron tick not run: it could not be claimed in NATS (is a quorum of the cluster up?)",
			zap.Time("scheduled_at", at), zap.Error(err))
		return false
	}
	if !won {
		c.logger.Debug("cron tick run by another node", zap.Time("scheduled_at", at))
	}
	return won
}
