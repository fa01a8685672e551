package sqldb

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ncruces/go-sqlite3"

	"github.com/gojinn/gojinn/host"
)

// errAttach is why ATTACH, DETACH and VACUUM are refused (VACUUM
// attaches its target, a temporary file or VACUUM INTO's).
const errAttach = "ATTACH, DETACH, VACUUM and VACUUM INTO are not allowed"

// error maps a SQLite error to the ABI's: constraints are conflict,
// read-only connections and the authorizer denied, SQL errors invalid,
// a lock held past the busy timeout unavailable, an interrupt timeout;
// the database's message goes with the first three.
func (c *sqliteConn) error(err error) error {
	if err == nil {
		return nil
	}
	var code sqlite3.ErrorCode
	if !errors.As(err, &code) {
		return err
	}
	msg := err.Error()
	var e *sqlite3.Error
	if errors.As(err, &e) {
		msg = strings.TrimPrefix(msg, e.ExtendedCode().Error()+": ")
	}
	msg = strings.TrimPrefix(msg, "sqlite3: ")
	if c.denied != "" { // the authorizer refused, whatever code SQLite gives it
		return sqlError(host.ErrDenied, c.denied)
	}
	switch code {
	case sqlite3.CONSTRAINT:
		return sqlError(host.ErrConflict, msg)
	case sqlite3.AUTH, sqlite3.READONLY:
		return sqlError(host.ErrDenied, msg)
	case sqlite3.ERROR:
		if strings.HasPrefix(msg, "too many attached databases") {
			return sqlError(host.ErrDenied, errAttach)
		}
		return sqlError(host.ErrInvalid, msg)
	case sqlite3.RANGE, sqlite3.MISMATCH:
		return sqlError(host.ErrInvalid, msg)
	case sqlite3.TOOBIG:
		return errors.Join(host.ErrTooLarge, err)
	case sqlite3.BUSY, sqlite3.LOCKED:
		return errors.Join(host.ErrUnavailable, err)
	case sqlite3.INTERRUPT:
		return errors.Join(host.ErrTimeout, err)
	}
	return fmt.Errorf("sqlite: %w", err)
}
