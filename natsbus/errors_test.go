package natsbus

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/gojinn/gojinn/host"
)

// TestMapErr: every NATS failure the stores can meet reaches the guest as
// the status docs/kv.md names, including those a test cannot easily cause
// (a full disk, a store over the server's storage).
func TestMapErr(t *testing.T) {
	api := func(code jetstream.ErrorCode, status int, desc string) error {
		return fmt.Errorf("publish: %w", &jetstream.APIError{ErrorCode: code, Code: status, Description: desc})
	}
	for _, tc := range []struct {
		err  error
		want host.Status
	}{
		{jetstream.ErrKeyNotFound, host.StatusNotFound},
		{jetstream.ErrKeyDeleted, host.StatusNotFound},
		{nats.ErrMaxPayload, host.StatusTooLarge},
		{api(codeMessageTooLarge, 400, "message size exceeds maximum allowed"), host.StatusTooLarge},
		{api(codeStoreFailed, 503, "maximum bytes exceeded"), host.StatusTooLarge},
		{api(codeStoreFailed, 503, "write /data/jetstream/x.blk: no space left on device"), host.StatusUnavailable},
		{api(codeStorageExceeded, 500, "insufficient storage resources available"), host.StatusUnavailable},
		{api(codeInsufficientResources, 503, "insufficient resources"), host.StatusUnavailable},
		{nats.ErrConnectionClosed, host.StatusUnavailable},
		{nats.ErrNoResponders, host.StatusUnavailable},
		{nats.ErrReconnectBufExceeded, host.StatusUnavailable},
		{jetstream.ErrJetStreamNotEnabled, host.StatusUnavailable},
		{context.Canceled, host.StatusTimeout},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), host.StatusTimeout},
		{host.ErrExists, host.StatusExists},
		{api(10999, 500, "something new"), host.StatusIOError},
		{errors.New("anything else"), host.StatusIOError},
	} {
		if got := host.StatusOf(mapErr(tc.err)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}
