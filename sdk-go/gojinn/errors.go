package gojinn

import "errors"

// The failures of host calls (docs/host-abi.md, "Status codes"). Errors
// returned by this package wrap one of them, with the operation: test
// with errors.Is(err, gojinn.ErrNotFound). Their text is the status's
// name in the ABI, the `status` label of Gojinn's host-call metrics.
var (
	// ErrNotFound: no such key (Get, Update).
	ErrNotFound = errors.New("not_found")
	// ErrDenied: the store, a write to a read-only store, the URL, the
	// address or the database is not granted to this handler, or the
	// database refused a write under a read grant.
	ErrDenied = errors.New("denied")
	// ErrTooLarge: a key, value, store, body or response over its limit.
	ErrTooLarge = errors.New("too_large")
	// ErrInvalid: a bad argument (invalid UTF-8, a bad key or store name,
	// a TTL out of range, a value Increment cannot add to), or an SQL
	// error (syntax, unknown table or column).
	ErrInvalid = errors.New("invalid")
	// ErrUnavailable: the backend cannot be reached (NATS down, DNS
	// failure, connection refused), or the program is not running under
	// Gojinn.
	ErrUnavailable = errors.New("unavailable")
	// ErrTimeout: the call's own timeout, or the run was stopped.
	ErrTimeout = errors.New("timeout")
	// ErrIO: the backend failed in another way (HTTP protocol error,
	// storage error), or the host answered something this SDK cannot read.
	ErrIO = errors.New("io_error")
	// ErrExists: Create found the key.
	ErrExists = errors.New("exists")
	// ErrConflict: Update found another revision, or a statement violated
	// an SQL constraint (unique, foreign key, not null, check).
	ErrConflict = errors.New("conflict")
	// ErrLimit: a per-run count is used up (fetch_max_calls).
	ErrLimit = errors.New("limit")
)

// status is what a host function returns.
type status uint32

// The ABI's status codes, version 1.
const (
	statusOK             status = 0
	statusNotFound       status = 1
	statusDenied         status = 2
	statusTooLarge       status = 3
	statusBufferTooSmall status = 4
	statusInvalid        status = 5
	statusUnavailable    status = 6
	statusTimeout        status = 7
	statusIOError        status = 8
	statusExists         status = 9
	statusConflict       status = 10
	statusLimit          status = 11
)

// statusErrors is indexed by status. buffer_too_small never reaches a
// caller (readSized retries); from a call that has no buffer it is the
// host misbehaving, an ErrIO.
var statusErrors = [...]error{
	statusOK:             nil,
	statusNotFound:       ErrNotFound,
	statusDenied:         ErrDenied,
	statusTooLarge:       ErrTooLarge,
	statusBufferTooSmall: ErrIO,
	statusInvalid:        ErrInvalid,
	statusUnavailable:    ErrUnavailable,
	statusTimeout:        ErrTimeout,
	statusIOError:        ErrIO,
	statusExists:         ErrExists,
	statusConflict:       ErrConflict,
	statusLimit:          ErrLimit,
}

// err is the status's sentinel error, nil for ok. A status this SDK does
// not know (a newer host) is ErrIO, as the ABI says.
func (s status) err() error {
	if int(s) < len(statusErrors) {
		return statusErrors[s]
	}
	return ErrIO
}
