package gojinn

import (
	"context"
	"time"
)

// dashboardCrashes is how many of the newest crash records the dashboard
// shows.
const dashboardCrashes = 20

// dashboardState is the dashboard's JSON: what the admin API shows, from
// the same state of the process, in one read.
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

// dashboardStateNow reads the process's state.
func dashboardStateNow(ctx context.Context) dashboardState {
	st := dashboardState{
		Time:     time.Now().UnixMilli(),
		Handlers: handlerViews(),
		Crashes:  recentCrashes(dashboardCrashes),
	}
	if app, err := runningApp(); err == nil {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		st.Queues, err = queueStatuses(ctx, app)
		if err != nil {
			st.QueuesError = err.Error()
		}
	}
	return st
}
