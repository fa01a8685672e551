package gojinn

import "fmt"

// maxJobID is the host's longest job id: enqueue's id buffer holds it
// (docs/host-abi.md).
const maxJobID = 64

// Enqueue adds a job with body to the queue name, which the handler must
// be granted (`enqueue <name>` in its Caddyfile block), and returns the
// job's id: the queue's function runs the job later, as
// `POST /queue/<name>` with body (docs/events.md). The error wraps
// ErrDenied for a queue not granted, ErrTooLarge for a job over the
// queue's max_job_size, ErrUnavailable when the queue is full or cannot
// be reached (or outside Gojinn).
func Enqueue(name string, body []byte) (jobID string, err error) {
	return enqueue(hostABI{}, name, body)
}

func enqueue(a abi, name string, body []byte) (string, error) {
	var id [maxJobID]byte
	size, st := a.enqueue(name, body, id[:])
	if st == statusOK && size > maxJobID {
		st = statusIOError // an ok result cannot be larger than its buffer
	}
	if err := st.err(); err != nil {
		return "", fmt.Errorf("gojinn: enqueue to %s: %w", name, err)
	}
	return string(id[:size]), nil
}
