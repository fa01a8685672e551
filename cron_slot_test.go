package gojinn

import (
	"testing"
	"time"
)

// TestCronSlotClaim: the configs of a reload share a schedule's slot, so a
// tick fires once however many of them see it, and a tick that comes
// while a run (of either config) is going is skipped.
func TestCronSlotClaim(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	s := new(cronSlot)
	steps := []struct {
		at   time.Time
		want tickAction
	}{
		{t0, tickRun},
		{t0, tickFired},                    // the other config, same tick
		{t0.Add(time.Second), tickSkipped}, // the run is still going
		{t0.Add(time.Second), tickFired},   // the other config: skipped once, counted once
		{t0.Add(-time.Second), tickFired},  // an older tick (the clock went back)
	}
	for i, st := range steps {
		if got := s.claim(st.at); got != st.want {
			t.Fatalf("step %d: claim(%v) = %d, want %d", i, st.at, got, st.want)
		}
	}
	s.done()
	if got := s.claim(t0.Add(2 * time.Second)); got != tickRun {
		t.Fatalf("after the run ended: claim = %d, want tickRun", got)
	}
}
