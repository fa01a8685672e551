package host_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/gojinn/gojinn/host"
)

// TestDecodeSQLRequest: each value of the ABI decodes to its Go type
// (an integer literal that fits an i64 to int64, any other number to
// float64), and a malformed request is invalid.
func TestDecodeSQLRequest(t *testing.T) {
	req, err := host.DecodeSQLRequest([]byte(`{"db": "main", "sql": "SELECT ?", "x": 1, "params":
		[null, true, false, 42, -9223372036854775808, 9223372036854775808, 1.5, 2e3, 1E2, "t", {"blob": "AAH/"}, {"blob": ""}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{nil, true, false, int64(42), int64(-9223372036854775808), 9223372036854775808.0, 1.5, 2000.0, 100.0, "t", []byte{0, 1, 0xff}, []byte{}}
	if req.DB != "main" || req.SQL != "SELECT ?" || !reflect.DeepEqual(req.Params, want) {
		t.Fatalf("got %+v, want params %#v", req, want)
	}
	if req, err := host.DecodeSQLRequest([]byte(`{"db": "d", "sql": "s"}`)); err != nil || len(req.Params) != 0 {
		t.Fatalf("no params: %+v, %v", req, err)
	}
	for _, bad := range []string{
		``, `[]`, `{"db": "main"}`, `{"sql": "SELECT 1"}`, `{"db": "", "sql": "x"}`, `{"db": 1, "sql": "x"}`,
		`{"db": "d", "sql": "x", "params": {}}`, `{"db": "d", "sql": "x", "params": [[1]]}`,
		`{"db": "d", "sql": "x", "params": [{}]}`, `{"db": "d", "sql": "x", "params": [{"blob": "!"}]}`,
		`{"db": "d", "sql": "x", "params": [{"blob": "AA==", "type": "x"}]}`, `{"db": "d", "sql": "x", "params": [{"blob": 1}]}`,
		`{"db": "d", "sql": "x", "params": [1e999]}`, "{\"db\": \"d\", \"sql\": \"\xff\"}",
	} {
		if _, err := host.DecodeSQLRequest([]byte(bad)); !errors.Is(err, host.ErrInvalid) {
			t.Errorf("%q: %v, want invalid", bad, err)
		}
	}
}
