package sandbox

import "time"

// Observer receives a Runner's measurements (the metrics package's
// per-handler view implements it). All methods must be safe for concurrent use.
type Observer interface {
	SandboxStarted()
	SandboxFinished()
	ObserveInstantiate(d time.Duration)
	ObserveQueueWait(d time.Duration)
	ObserveMemory(bytes uint64)
	// ObserveFuel receives the fuel every run that executed used.
	ObserveFuel(units int64)
	SetPoolReady(n int)
}

// noObserver is the Observer of a Runner configured without one.
type noObserver struct{}

func (noObserver) SandboxStarted()                  {}
func (noObserver) SandboxFinished()                 {}
func (noObserver) ObserveInstantiate(time.Duration) {}
func (noObserver) ObserveQueueWait(time.Duration)   {}
func (noObserver) ObserveMemory(uint64)             {}
func (noObserver) ObserveFuel(int64)                {}
func (noObserver) SetPoolReady(int)                 {}
