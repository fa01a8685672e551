package objstore

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
)

// fail maps a failed request of op to the ABI's errors: a stop (ctx
// done: the run's, or the store's timeout) is ErrTimeout; NoSuchKey is
// ErrNotFound; an endpoint that cannot be reached, a 5xx or SlowDown is
// ErrUnavailable; any other S3 error (AccessDenied, NoSuchBucket,
// InvalidAccessKeyId, SignatureDoesNotMatch...) is the guest's io_error.
// All but the first two are logged, once, with the S3 error code and
// the store's name.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return errors.Join(host.ErrTimeout, ctx.Err())
	}
	var resp minio.ErrorResponse
	var netErr net.Error
	kind := errors.New("object store error")
	switch {
	case errors.As(err, &resp) && resp.Code == minio.NoSuchKey:
		return errors.Join(host.ErrNotFound, err)
	case errors.As(err, &resp) && (resp.StatusCode >= http.StatusInternalServerError || resp.Code == "SlowDown"):
		kind = host.ErrUnavailable
	case errors.As(err, &resp):
	case errors.As(err, &netErr):
		kind = host.ErrUnavailable
	}
	s.logger.Warn("object store call failed",
		zap.String("store", s.name),
		zap.String("op", op),
		zap.String("code", resp.Code), // "" when the endpoint gave no answer
		zap.Int("status", resp.StatusCode),
		zap.String("error", s.redact(err.Error())))
	return errors.Join(kind, err)
}

// redact is at most 512 bytes of msg without the secret key, should an
// endpoint or a library echo it.
func (s *Store) redact(msg string) string {
	if s.secret != "" {
		msg = strings.ReplaceAll(msg, s.secret, "REDACTED")
	}
	return msg[:min(len(msg), 512)]
}
