package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/gojinn/gojinn/host"
)

// JetStream API error codes (nats-server's errors.json) this package maps.
const (
	codeInsufficientResources = 10023 // JetStream is out of resources
	codeStorageExceeded       = 10047 // a bucket's MaxBytes does not fit the server's storage
	codeMessageTooLarge       = 10054 // over the stream's or server's message size
	codeStoreFailed           = 10077 // storing failed: "maximum bytes exceeded", or a write error
)

// unavailableErrs are the client's errors for a NATS that cannot answer.
var unavailableErrs = []error{
	nats.ErrConnectionClosed, nats.ErrConnectionDraining, nats.ErrConnectionReconnecting,
	nats.ErrDisconnected, nats.ErrNoServers, nats.ErrReconnectBufExceeded, nats.ErrNoResponders,
	nats.ErrTimeout, jetstream.ErrNoStreamResponse, jetstream.ErrJetStreamNotEnabled,
	jetstream.ErrJetStreamNotEnabledForAccount, jetstream.ErrStreamNotFound,
}

// hostErrs are already what the host wants.
var hostErrs = []error{
	host.ErrNotFound, host.ErrTooLarge, host.ErrInvalid, host.ErrUnavailable, host.ErrExists, host.ErrConflict,
	context.Canceled, context.DeadlineExceeded,
}

// mapErr turns a NATS error into one of host's (wrapping the original for
// the log); a context's error stays itself (host.StatusOf: timeout).
func mapErr(err error) error {
	for _, h := range hostErrs {
		if errors.Is(err, h) {
			return err
		}
	}
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return host.ErrNotFound
	case errors.Is(err, nats.ErrMaxPayload):
		return fmt.Errorf("%w: %v", host.ErrTooLarge, err)
	}
	for _, u := range unavailableErrs {
		if errors.Is(err, u) {
			return fmt.Errorf("%w: %v", host.ErrUnavailable, err)
		}
	}
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch {
		case api.ErrorCode == codeMessageTooLarge,
			api.ErrorCode == codeStoreFailed && strings.Contains(api.Description, "maximum bytes"):
			return fmt.Errorf("%w: %v", host.ErrTooLarge, err)
		case api.ErrorCode == codeStoreFailed, api.ErrorCode == codeStorageExceeded,
			api.ErrorCode == codeInsufficientResources, api.Code == 503:
			return fmt.Errorf("%w: %v", host.ErrUnavailable, err)
		}
	}
	return fmt.Errorf("natsbus: %w", err)
}
