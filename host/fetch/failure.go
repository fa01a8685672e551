package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"

	"github.com/gojinn/gojinn/host"
)

// failure turns the error of a call under ctx into one that says the
// guest's status (host.StatusOf): denied and too large as they are, the
// call's timeout or the run's stop as host.ErrTimeout, a failed lookup or
// an unreachable or refusing server as host.ErrUnavailable, anything else
// (a protocol error, a reset) as itself: io_error.
//
// The net/http client's *url.Error is unwrapped: its message holds the
// whole URL, whose query may carry a secret, and errors reach logs and
// spans.
func failure(ctx context.Context, err error) error {
	if ue, ok := err.(*url.Error); ok {
		err = ue.Err
	}
	var dns *net.DNSError
	var netErr net.Error
	switch {
	case errors.Is(err, host.ErrDenied), errors.Is(err, host.ErrTooLarge):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("%v: %w", err, host.ErrTimeout)
	case errors.As(err, &dns),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH):
		return fmt.Errorf("%v: %w", err, host.ErrUnavailable)
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("%v: %w", err, host.ErrTimeout)
	default:
		return err
	}
}
