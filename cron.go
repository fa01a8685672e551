package gojinn

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/robfig/cron/v3"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/metrics"
	"github.com/gojinn/gojinn/natsbus"
	"github.com/gojinn/gojinn/sandbox"
)

func init() {
	globalOptions["cron"] = parseCronOption
}

// cronGracePeriod is how long Stop lets a run in flight finish before
// it cancels the run's context.
const cronGracePeriod = 5 * time.Second

// cronTickTolerance is how late a tick may be noticed and still run.
const cronTickTolerance = time.Minute

// cronParser reads 5 fields, 6 with seconds first, or a descriptor
// (@every 30s, @hourly...), with an optional CRON_TZ= or TZ= prefix.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour |
	cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// cronSlots hold, per schedule name, what the configs of a reload share:
// the old config's schedule runs until Caddy stops it, after the new one
// started, and neither may fire a tick the other fired or start a run
// while the other's is going.
var cronSlots = caddy.NewUsagePool()

// cronSlot is the state of one schedule name shared across configs.
type cronSlot struct {
	mu      sync.Mutex
	last    time.Time // the latest tick fired
	running bool      // a run is going
}

// tickAction is what a schedule does with a tick.
type tickAction int

const (
	tickRun     tickAction = iota // start a run
	tickSkipped                   // a run is still going: skip and count it
	tickFired                     // another config fired it: ignore it
)

// claim decides what to do with the tick at; a run it starts ends with
// done.
func (s *cronSlot) claim(at time.Time) tickAction {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !at.After(s.last):
		return tickFired
	case s.running:
		s.last = at
		return tickSkipped
	}
	s.last, s.running = at, true
	return tickRun
}

// done records that the run claim started has ended.
func (s *cronSlot) done() {
	s.mu.Lock()
	s.running = false
	s.mu.Unlock()
}

// Destruct implements caddy.Destructor; a slot holds nothing to release.
func (*cronSlot) Destruct() error { return nil }

// Cron runs a function on a schedule (docs/events.md): on each tick, the
// contract request POST /cron/<name> with the headers
// X-Gojinn-Trigger: cron and X-Gojinn-Scheduled-At (the tick, RFC 3339).
// A tick that comes while the previous run is still going is skipped and
// counted; ticks missed while Caddy was not running are not replayed.
type Cron struct {
	// Name names the schedule in the request's URI, logs, metrics and
	// the admin API: 1 to 64 letters, digits, '_' or '-', unique in the
	// config.
	Name string `json:"name"`

	// Schedule is when to run: 5 fields (minute hour day-of-month month
	// day-of-week), 6 with seconds first, or a descriptor (@every 30s,
	// @hourly, @daily...), optionally after CRON_TZ=<zone> (or TZ=).
	// Default zone: the local one.
	Schedule string `json:"schedule"`

	// Function is the function that runs, configured like a gojinn
	// handler (its path, timeout, memory_limit, env, kv...).
	Function *Gojinn `json:"function"`

	sched   cron.Schedule
	zone    *time.Location // the schedule's CRON_TZ, in which ticks are told
	slot    *cronSlot
	claims  *natsbus.Claims // in a cluster: which node runs a tick (cron_claim.go)
	node    string          // this node's name, in its claims
	logger  *zap.Logger
	metrics *metrics.Cron

	quit   chan struct{}      // closed by stop: no new tick
	done   chan struct{}      // closed when the tick loop returned
	cancel context.CancelFunc // cancels the runs in flight
	ctx    context.Context    // the runs' parent context
	runs   sync.WaitGroup

	mu     sync.Mutex // guards status
	status CronStatus
}

// CronStatus is a schedule's state, as the admin API shows it
// (GET /gojinn/cron).
type CronStatus struct {
	// Name is the schedule's name.
	Name string `json:"name"`
	// Schedule is the schedule as configured.
	Schedule string `json:"schedule"`
	// LastRun is when the last run started; absent before the first.
	LastRun *time.Time `json:"last_run,omitempty"`
	// LastOutcome is how the last finished run ended: ok, or the
	// failure's outcome (docs/contract.md); "" before the first.
	LastOutcome string `json:"last_outcome,omitempty"`
	// LastStatus is the last finished run's status.
	LastStatus int `json:"last_status,omitempty"`
	// Running tells whether a run is going.
	Running bool `json:"running"`
	// NextRun is the next tick; absent when the schedule is stopped or
	// has no next tick.
	NextRun *time.Time `json:"next_run,omitempty"`
	// Skipped counts the ticks skipped because a run was still going,
	// since this config loaded.
	Skipped int64 `json:"skipped"`
}

// parseCronOption reads `cron <name> "<schedule>" <wasm> [{ ... }]`; the
// block takes the handler's subdirectives.
func parseCronOption(d *caddyfile.Dispenser, app *App) error {
	d = d.NewFromNextSegment() // its own dispenser, so that the block starts at nesting 0
	d.Next()
	args := d.RemainingArgs()
	if len(args) != 3 {
		return d.Errf(`cron takes a name, a schedule and a module path (cron nightly "0 3 * * *" /srv/report.wasm), got %d arguments`, len(args))
	}
	c := &Cron{Name: args[0], Schedule: args[1], Function: &Gojinn{Path: args[2]}}
	if err := c.check(); err != nil {
		return d.Err(err.Error())
	}
	for _, other := range app.Crons {
		if other.Name == c.Name {
			return d.Errf("cron %s is given twice", c.Name)
		}
	}
	if err := c.Function.unmarshalBlock(d, nil); err != nil {
		return err
	}
	app.Crons = append(app.Crons, c)
	return nil
}

// check checks the name and parses the schedule.
func (c *Cron) check() error {
	if !storeName.MatchString(c.Name) {
		return fmt.Errorf("cron: %q is not a valid name (1 to 64 letters, digits, '_' or '-')", c.Name)
	}
	sched, err := cronParser.Parse(c.Schedule)
	if err != nil {
		return fmt.Errorf("cron %s: schedule %q: %v", c.Name, c.Schedule, err)
	}
	c.sched, c.zone = sched, time.Local
	if spec, ok := sched.(*cron.SpecSchedule); ok {
		c.zone = spec.Location
	}
	return nil
}

func (c *Cron) provision(ctx caddy.Context, app *App) error {
	if err := c.check(); err != nil {
		return fmt.Errorf("gojinn: %w", err)
	}
	for _, other := range app.Crons {
		if other == c {
			break
		}
		if other.Name == c.Name {
			return fmt.Errorf("gojinn: cron %s is given twice", c.Name)
		}
	}
	label := "cron:" + c.Name
	c.logger = app.logger.With(zap.String("cron", c.Name))
	m, err := metrics.NewCron(ctx.GetMetricsRegistry(), c.Name)
	if err != nil {
		return fmt.Errorf("gojinn: %s: registering metrics: %w", label, err)
	}
	c.metrics = m
	slot, _, err := cronSlots.LoadOrNew(c.Name, func() (caddy.Destructor, error) { return new(cronSlot), nil })
	if err != nil {
		return err
	}
	c.slot = slot.(*cronSlot)
	c.status = CronStatus{Name: c.Name, Schedule: c.Schedule}
	if err := c.provisionClaims(ctx, app); err != nil {
		return err
	}
	return provisionFunction(ctx, app, c.Function, label)
}

func (c *Cron) start() error {
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.quit, c.done = make(chan struct{}), make(chan struct{})
	go c.loop()
	return nil
}

// loop fires the ticks until stop. The next tick (nextTick) is always
// computed from now, and a tick noticed more than cronTickTolerance late (the machine
// was asleep) is dropped: missed ticks are not replayed.
func (c *Cron) loop() {
	defer close(c.done)
	defer c.setNext(time.Time{})
	for {
		next := nextTick(c.sched, time.Now()).In(c.zone)
		c.setNext(next)
		if next.IsZero() { // a schedule that never matches
			<-c.quit
			return
		}
		if !c.waitUntil(next) {
			return
		}
		if late := time.Since(next); late > cronTickTolerance {
			c.logger.Info("cron tick missed: the process was stalled or the machine asleep", zap.Time("scheduled_at", next), zap.Duration("late", late))
			continue
		}
		c.tick(next)
	}
}

// waitUntil waits for the wall clock to reach t, or for stop (false). It
// wakes at least every cronTickTolerance: Go's timers follow a clock that
// stops while the machine sleeps and ignores changes of the wall clock.
func (c *Cron) waitUntil(t time.Time) bool {
	for {
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		timer := time.NewTimer(min(d, cronTickTolerance))
		select {
		case <-c.quit:
			timer.Stop()
			return false
		case <-timer.C:
		}
	}
}

// tick fires the tick at. In a cluster (cron_claim.go), it runs if this
// node claims it: the claim is what keeps a tick from running twice, on
// this node's configs as on other nodes, and ticks whose claims waited
// for a failover run late, in any order and possibly beside each other,
// rather than being skipped.
func (c *Cron) tick(at time.Time) {
	if c.claims == nil {
		c.fire(at)
		return
	}
	c.runs.Add(1)
	quit := c.quit // stop clears the field once the loop returned
	go func() {
		if !c.claim(at, quit) {
			c.runs.Done()
			return
		}
		c.run(at) // ends with c.runs.Done()
	}()
}

// fire starts a run for the tick at, unless another config already fired
// it (a reload) or a run is still going (skipped and counted).
func (c *Cron) fire(at time.Time) {
	switch c.slot.claim(at) {
	case tickFired:
		return
	case tickSkipped:
		c.metrics.Skipped()
		c.mu.Lock()
		c.status.Skipped++
		c.mu.Unlock()
		c.logger.Debug("cron tick skipped: the previous run is still going", zap.Time("scheduled_at", at))
	case tickRun:
		c.runs.Add(1)
		go c.run(at)
	}
}

// run runs the function for the tick at.
func (c *Cron) run(at time.Time) {
	defer c.runs.Done()
	started := time.Now()
	c.mu.Lock()
	c.status.LastRun, c.status.Running = &started, true
	c.mu.Unlock()
	req := &sandbox.Request{
		Method: http.MethodPost,
		URI:    "/cron/" + c.Name,
		Headers: map[string][]string{
			"X-Gojinn-Trigger":      {"cron"},
			"X-Gojinn-Scheduled-At": {at.Format(time.RFC3339)},
		},
		TraceID: newTraceparent(),
	}
	inv := c.Function.Invoke(c.ctx, req)
	c.slot.done() // in a cluster the slot is not taken: harmless
	c.metrics.ObserveRun(string(inv.Outcome))
	c.mu.Lock()
	c.status.LastOutcome, c.status.LastStatus, c.status.Running = string(inv.Outcome), inv.Status, false
	c.mu.Unlock()
}

func (c *Cron) setNext(next time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if next.IsZero() {
		c.status.NextRun = nil
		return
	}
	c.status.NextRun = &next
}

// stop ends the tick loop, lets a run in flight finish within
// cronGracePeriod, then cancels it and waits for it to return, so that
// cleanup never releases a function a run still uses.
func (c *Cron) stop() error {
	if c.quit == nil { // never started
		return nil
	}
	close(c.quit)
	<-c.done
	c.quit = nil
	finished := make(chan struct{})
	go func() {
		c.runs.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(cronGracePeriod):
		c.logger.Warn("cron run still going after the grace period: cancelling it", zap.Duration("grace_period", cronGracePeriod))
		c.cancel()
		<-finished
	}
	c.cancel()
	return nil
}

func (c *Cron) cleanup() {
	if c.Function != nil {
		_ = c.Function.Cleanup()
	}
	if c.slot != nil {
		_, _ = cronSlots.Delete(c.Name)
	}
}

// statusNow is the schedule's status.
func (c *Cron) statusNow() CronStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// cronStatus is the status of every schedule of the config, in the
// order of the config.
func (a *App) cronStatus() []CronStatus {
	out := make([]CronStatus, 0, len(a.Crons))
	for _, c := range a.Crons {
		out = append(out, c.statusNow())
	}
	return out
}
