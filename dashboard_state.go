package gojinn

import (
	"context"
	"time"
)

// dashboardCrashes is how many of the newest crash records the dashboard
// shows.
const dashboardCrashes = 20

// dashboardState is the dashboard's JSON: what the admin API shows, in
// one read.
type dashboardState struct {
	// Time is when it was taken, in Unix milliseconds: the page computes
	// rates from two of them.
	Time     int64          `json:"time"`
	Handlers []handlerView  `json:"handlers"`
	Crashes  []crashSummary `json:"crashes"`
	// Queues is null when the running config has no gojinn app.
	Queues      []QueueStatus `json:"queues"`
	QueuesError string        `json:"queues_error,omitempty"`
}

// dashboardStateNow reads the process's state. The queues come first: a
// run is counted before its job is settled (done, retried or dead), so
// the counts read after the queues include the run that settled each
// job they show (of this config). Read the other way round, the
// JetStream requests of the queues' statistics left milliseconds for a
// job to die uncounted: a dead letter of a function that showed no run.
func dashboardStateNow(ctx context.Context) dashboardState {
	var st dashboardState
	if app, err := runningApp(); err == nil {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		st.Queues, err = queueStatuses(ctx, app)
		if err != nil {
			st.QueuesError = err.Error()
		}
	}
	st.Time = time.Now().UnixMilli()
	st.Handlers = handlerViews()
	st.Crashes = recentCrashes(dashboardCrashes)
	return st
}
