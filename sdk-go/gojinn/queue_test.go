package gojinn

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Enqueue passes the queue and body through, offers the host a buffer for
// any job id (64 bytes: the host refuses a smaller one before enqueueing)
// and returns the id the host wrote.
func TestEnqueue(t *testing.T) {
	f := newFakeABI()
	f.jobID = strings.Repeat("i", maxJobID)
	id, err := enqueue(f, "orders", []byte(`{"order":42}`))
	if err != nil || id != f.jobID {
		t.Fatalf("enqueue: %q, %v; want %q", id, err, f.jobID)
	}
	f.jobID = "a50b66ec77ae8e7bdab5f143"
	if id, err := enqueue(f, "mail", nil); err != nil || id != f.jobID {
		t.Fatalf("enqueue: %q, %v; want %q", id, err, f.jobID)
	}
	if want := []string{`orders {"order":42}`, "mail "}; !slices.Equal(f.jobs, want) {
		t.Errorf("jobs %q, want %q", f.jobs, want)
	}
}

// A failed enqueue is the status's error, naming the queue, and no id.
func TestEnqueueErrors(t *testing.T) {
	for _, tc := range []struct {
		st   status
		want error
	}{
		{statusDenied, ErrDenied},
		{statusTooLarge, ErrTooLarge},
		{statusUnavailable, ErrUnavailable},
		{statusNotFound, ErrNotFound},
		{statusTimeout, ErrTimeout},
		{statusBufferTooSmall, ErrIO}, // the SDK's buffer always fits: the host is wrong
		{42, ErrIO},                   // a status this SDK does not know
	} {
		f := newFakeABI()
		f.queueStatus = tc.st
		id, err := enqueue(f, "billing", []byte("x"))
		if !errors.Is(err, tc.want) || id != "" || !strings.Contains(err.Error(), "enqueue to billing") {
			t.Errorf("status %d: %q, %v; want %v naming the queue", tc.st, id, err, tc.want)
		}
	}
}

// An ok answer with an id longer than the buffer is the host misbehaving:
// ErrIO, never a slice past the buffer.
func TestEnqueueOversizedID(t *testing.T) {
	if _, err := enqueue(oversizedID{newFakeABI()}, "orders", nil); !errors.Is(err, ErrIO) {
		t.Errorf("err %v, want ErrIO", err)
	}
}

type oversizedID struct{ *fakeABI }

func (oversizedID) enqueue(string, []byte, []byte) (uint32, status) { return maxJobID + 1, statusOK }
