package host

import (
	"context"
	"errors"
)

// Status is what every host function returns to the guest
// (docs/host-abi.md, "Status codes").
type Status uint32

// The status codes of the host ABI, version 1.
const (
	StatusOK             Status = 0
	StatusNotFound       Status = 1
	StatusDenied         Status = 2
	StatusTooLarge       Status = 3
	StatusBufferTooSmall Status = 4
	StatusInvalid        Status = 5
	StatusUnavailable    Status = 6
	StatusTimeout        Status = 7
	StatusIOError        Status = 8
	StatusExists         Status = 9
	StatusConflict       Status = 10
	StatusLimit          Status = 11
)

var statusNames = [...]string{
	"ok", "not_found", "denied", "too_large", "buffer_too_small", "invalid",
	"unavailable", "timeout", "io_error", "exists", "conflict", "limit",
}

// String is the status's name in docs/host-abi.md, used by the SDKs and
// as the `status` label of gojinn_host_calls_total.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "io_error"
}

// Errors a backend (KV, Fetcher) returns, wrapped or not, for the guest
// to get their status; any other error is StatusIOError.
var (
	ErrNotFound    = errors.New("not found")
	ErrDenied      = errors.New("denied")
	ErrTooLarge    = errors.New("too large")
	ErrInvalid     = errors.New("invalid argument")
	ErrUnavailable = errors.New("unavailable")
	ErrTimeout     = errors.New("timeout")
	ErrExists      = errors.New("exists")
	ErrConflict    = errors.New("conflict")
	ErrLimit       = errors.New("limit reached")
)

// StatusOf maps a backend's error to the guest's status. A context that
// ended (the run was stopped, or the call's own timeout) is StatusTimeout.
func StatusOf(err error) Status {
	switch {
	case err == nil:
		return StatusOK
	case errors.Is(err, ErrNotFound):
		return StatusNotFound
	case errors.Is(err, ErrDenied):
		return StatusDenied
	case errors.Is(err, ErrTooLarge):
		return StatusTooLarge
	case errors.Is(err, ErrInvalid):
		return StatusInvalid
	case errors.Is(err, ErrUnavailable):
		return StatusUnavailable
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return StatusTimeout
	case errors.Is(err, ErrExists):
		return StatusExists
	case errors.Is(err, ErrConflict):
		return StatusConflict
	case errors.Is(err, ErrLimit):
		return StatusLimit
	default:
		return StatusIOError
	}
}
