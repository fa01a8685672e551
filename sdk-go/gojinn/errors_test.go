package gojinn

import (
	"errors"
	"testing"
)

// Every status of docs/host-abi.md maps to its sentinel error, each error's
// text is the status's name there, and an unknown status is io_error.
func TestStatusErrors(t *testing.T) {
	cases := []struct {
		st   status
		want error
		name string
	}{
		{0, nil, ""},
		{1, ErrNotFound, "not_found"},
		{2, ErrDenied, "denied"},
		{3, ErrTooLarge, "too_large"},
		{4, ErrIO, "io_error"}, // buffer_too_small outside a read: the host is wrong
		{5, ErrInvalid, "invalid"},
		{6, ErrUnavailable, "unavailable"},
		{7, ErrTimeout, "timeout"},
		{8, ErrIO, "io_error"},
		{9, ErrExists, "exists"},
		{10, ErrConflict, "conflict"},
		{11, ErrLimit, "limit"},
		{12, ErrIO, "io_error"},
		{1 << 31, ErrIO, "io_error"},
	}
	for _, tc := range cases {
		err := tc.st.err()
		if err != tc.want { //nolint:errorlint // the sentinel itself
			t.Errorf("status %d: got %v, want %v", tc.st, err, tc.want)
		}
		if err != nil && err.Error() != tc.name {
			t.Errorf("status %d: text %q, want %q", tc.st, err.Error(), tc.name)
		}
	}
	// The table covers every status the SDK declares.
	if len(statusErrors) != 12 || statusLimit != 11 {
		t.Fatalf("%d statuses declared; the test covers 12", len(statusErrors))
	}
	if errors.Is(ErrNotFound, ErrIO) {
		t.Fatal("sentinels must be distinct")
	}
}
