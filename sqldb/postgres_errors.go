package sqldb

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gojinn/gojinn/host"
)

// pgError maps a PostgreSQL error to the ABI's by its SQLSTATE: class 23
// (integrity constraints) is conflict; 25006 (read-only transaction) and
// 42501 (insufficient privilege) denied; SQL errors (syntax, unknown
// names, bad values, wrong parameter count...) invalid; 57014 (canceled)
// timeout; connection and resource failures unavailable. An error that is
// not the server's (the network) is unavailable.
func pgError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return errors.Join(host.ErrUnavailable, err)
	}
	class := pe.Code[:min(2, len(pe.Code))]
	switch {
	case class == "23":
		return sqlError(host.ErrConflict, pe.Message)
	case pe.Code == "25006" || pe.Code == "42501":
		return sqlError(host.ErrDenied, pe.Message)
	case pe.Code == "57014":
		return errors.Join(host.ErrTimeout, err)
	case pe.Code == "08P01": // protocol violation: the bind's parameter count
		return sqlError(host.ErrInvalid, pe.Message)
	}
	switch class {
	case "0A", "21", "22", "25", "26", "2B", "2F", "34", "3F", "42", "44", "54", "P0":
		return sqlError(host.ErrInvalid, pe.Message)
	case "08", "28", "3D", "40", "53", "55", "57", "58":
		return errors.Join(host.ErrUnavailable, err)
	}
	return err
}
