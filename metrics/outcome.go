package metrics

// Outcome labels of gojinn_requests_total: what became of one request. They
// match the "Outcomes" table of docs/contract.md.
const (
	// OutcomeOK: the guest wrote a valid response and exited 0.
	OutcomeOK = "ok"
	// OutcomeContractError: stdout was not exactly one valid response object (502).
	OutcomeContractError = "contract_error"
	// OutcomeExitError: the guest exited with a non-zero code (502).
	OutcomeExitError = "exit_error"
	// OutcomeTrap: the guest trapped (unreachable, out-of-bounds access, stack overflow, panic) (502).
	OutcomeTrap = "trap"
	// OutcomeTimeout: the guest ran past its timeout and was stopped (504).
	OutcomeTimeout = "timeout"
	// OutcomeOutputLimit: the guest wrote more than max_output_size to stdout (502).
	OutcomeOutputLimit = "output_limit"
	// OutcomeFuelExhausted: the guest used more than its fuel_limit and was stopped (502).
	OutcomeFuelExhausted = "fuel_exhausted"
	// OutcomeOverload: too many requests in flight for longer than queue_timeout (503).
	OutcomeOverload = "overload"
	// OutcomeBodyLimit: the request body was over max_body_size; no guest ran (413).
	OutcomeBodyLimit = "body_limit"
	// OutcomeCanceled: the client went away; the guest was stopped and nothing written.
	OutcomeCanceled = "canceled"
)

// Outcomes lists every outcome label, in the order of the contract's table.
var Outcomes = []string{
	OutcomeOK,
	OutcomeContractError,
	OutcomeExitError,
	OutcomeTrap,
	OutcomeTimeout,
	OutcomeOutputLimit,
	OutcomeFuelExhausted,
	OutcomeOverload,
	OutcomeBodyLimit,
	OutcomeCanceled,
}

// numOutcomes is len(Outcomes), as a constant for array sizes.
const numOutcomes = 10

// outcomeIndex returns the position of o in Outcomes, or -1 for a label that
// is not one of them. A switch on a string compiles to comparisons and does
// not allocate.
func outcomeIndex(o string) int {
	switch o {
	case OutcomeOK:
		return 0
	case OutcomeContractError:
		return 1
	case OutcomeExitError:
		return 2
	case OutcomeTrap:
		return 3
	case OutcomeTimeout:
		return 4
	case OutcomeOutputLimit:
		return 5
	case OutcomeFuelExhausted:
		return 6
	case OutcomeOverload:
		return 7
	case OutcomeBodyLimit:
		return 8
	case OutcomeCanceled:
		return 9
	}
	return -1
}
