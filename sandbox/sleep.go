package sandbox

import "time"

// sleepUntilDone is a guest's sleep (WASI poll_oneoff on a clock). wazero
// never interrupts a host function, and its own sleep (time.Sleep) cannot
// see the run's context: this one ends as soon as done is closed, so a
// stopped run (timeout, client gone, pool closed) never waits for a
// sleeping guest. The guest then stops at its next metering check (refuel).
func sleepUntilDone(done <-chan struct{}, ns int64) {
	if ns <= 0 {
		return
	}
	t := time.NewTimer(time.Duration(ns))
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}
