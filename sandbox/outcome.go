package sandbox

import "errors"

// Outcome names how a run ended. The values are the `outcome` labels of
// the gojinn_requests_total metric and of docs/contract.md.
type Outcome string

// The outcomes of a run.
const (
	OutcomeOK            Outcome = "ok"             // a valid response
	OutcomeContractError Outcome = "contract_error" // stdout was not exactly one valid response
	OutcomeExitError     Outcome = "exit_error"     // the guest exited with a non-zero code
	OutcomeTrap          Outcome = "trap"           // unreachable, out of bounds, stack overflow...
	OutcomeTimeout       Outcome = "timeout"        // ran past its deadline
	OutcomeOutputLimit   Outcome = "output_limit"   // wrote more than the output cap to stdout
	OutcomeFuelExhausted Outcome = "fuel_exhausted" // used more than its fuel limit
	OutcomeOverload      Outcome = "overload"       // waited too long for a concurrency slot
	OutcomeBodyLimit     Outcome = "body_limit"     // request body over its cap (decided by the caller)
	OutcomeCanceled      Outcome = "canceled"       // the caller's context was canceled
)

// Status is the HTTP status a client gets for a failed run with this
// outcome (docs/contract.md); 0 for OutcomeOK, whose status is the guest's.
func (o Outcome) Status() int {
	switch o {
	case OutcomeOK:
		return 0
	case OutcomeTimeout:
		return 504
	case OutcomeOverload:
		return 503
	case OutcomeBodyLimit:
		return 413
	case OutcomeCanceled:
		return 499 // nginx's "client closed request", as Caddy's reverse_proxy uses
	default:
		return 502
	}
}

// Error is a failed run: its outcome and the reason in plain words.
type Error struct {
	Outcome Outcome
	Reason  string
	Err     error // the underlying error, if any
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Outcome) + ": " + e.Reason + ": " + e.Err.Error()
	}
	return string(e.Outcome) + ": " + e.Reason
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// OutcomeOf returns the outcome of err: OutcomeOK for nil, the Error's
// outcome, or OutcomeTrap for anything else.
func OutcomeOf(err error) Outcome {
	if err == nil {
		return OutcomeOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Outcome
	}
	return OutcomeTrap
}

func fail(o Outcome, reason string, err error) *Error {
	return &Error{Outcome: o, Reason: reason, Err: err}
}

// stop causes: why an instance's context was canceled.
var (
	errTimeout     = errors.New("deadline exceeded")
	errOutputLimit = errors.New("output limit exceeded")
	errClosed      = errors.New("sandbox closed")
)
