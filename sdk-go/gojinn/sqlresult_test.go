package gojinn

import (
	"reflect"
	"testing"
)

// sqlResultBodies are result objects in the host's shape, which the hand
// reader must read, then others it may leave to encoding/json.
var sqlResultBodies = struct{ host, other []string }{
	host: []string{
		`{"columns":["n"],"rows":[[42]]}`,
		`{"columns":["n"],"rows":[]}`,
		`{"columns":[],"rows":[]}`,
		`{"columns":[],"rows":[[],[]]}`,
		`{"columns":["a","b","c","d","e","f"],"rows":[[null,true,false,-0,1.5e-7,9223372036854775808],[1,"x",{"blob":"AP8="},{"blob":""},"",-9223372036854775808]]}`,
		`{"columns":["a \"q\" \u00e9\n","caf\u00e9","é 😀"],"rows":[["\"quoted\"\\ \u0041","tab\t?","NaN"]]}`,
		`{"columns":["a","a"],"rows":[["2026-12-03T17:00:00Z","caf` + "\xe9" + `"]]}`,
		`{"columns":["caf` + "\xe9" + `"],"rows":[[1E+2],[0.5]]}`,
	},
	other: []string{
		``, `{}`, `[]`, `null`, `{"columns":null,"rows":null}`,
		`{"columns": ["n"], "rows": [[1]]}`,
		`{"columns":["n"],"rows":[[1]]} `,
		`{"columns":["n"],"rows":[[1]]}x`,
		`{"rows":[[1]],"columns":["n"]}`,
		`{"columns":["n"],"rows":[[1]],"more":1}`,
		`{"Columns":["n"],"rows":[[1]]}`,
		`{"columns":["n"],"rows":[[1,2]]}`,
		`{"columns":["n","m"],"rows":[[1]]}`,
		`{"columns":["n"],"rows":[[[1]]]}`,
		`{"columns":["n"],"rows":[[01]]}`,
		`{"columns":["n"],"rows":[[1.]]}`,
		`{"columns":["n"],"rows":[[.5]]}`,
		`{"columns":["n"],"rows":[[+1]]}`,
		`{"columns":["n"],"rows":[[1e]]}`,
		`{"columns":["n"],"rows":[[-]]}`,
		`{"columns":["n"],"rows":[[-Inf]]}`,
		`{"columns":["n"],"rows":[[0x10]]}`,
		`{"columns":["n"],"rows":[[1e400]]}`,
		`{"columns":["n"],"rows":[[nul]]}`,
		`{"columns":["n"],"rows":[["\x"]]}`,
		`{"columns":["\x"],"rows":[]}`,
		`{"columns":["n"],"rows":[["a` + "\n" + `"]]}`,
		`{"columns":["n"],"rows":[[{"blob":"!!"}]]}`,
		`{"columns":["n"],"rows":[[{"blob":"A\u0041=="}]]}`,
		`{"columns":["n"],"rows":[[{"blob":"AA=="}}]]}`,
		`{"columns":["n"],"rows":[[{"blob":"}]]}`,
		`{"columns":["n"],"rows":[[{"blob":1}]]}`,
		`{"columns":["n"],"rows":[[{"text":"a"}]]}`,
		`{"columns":["n"],"rows":[[1]`,
		`{"columns":["n"],"rows":[[1],]}`,
		`{"columns":["n",],"rows":[]}`,
	},
}

// The host's result objects are read by hand, to what encoding/json
// reads; anything else is read by encoding/json, so the result or the
// error is always encoding/json's.
func TestDecodeQueryResult(t *testing.T) {
	for _, body := range sqlResultBodies.host {
		if _, ok := readQueryResult([]byte(body)); !ok {
			t.Errorf("%s: not read by hand", body)
		}
		sameAsEncodingJSON(t, []byte(body))
	}
	for _, body := range sqlResultBodies.other {
		sameAsEncodingJSON(t, []byte(body))
	}
}

func FuzzDecodeQueryResult(f *testing.F) {
	for _, body := range append(sqlResultBodies.host, sqlResultBodies.other...) {
		f.Add([]byte(body))
	}
	f.Fuzz(sameAsEncodingJSON)
}

func sameAsEncodingJSON(t *testing.T, body []byte) {
	got, err := decodeQueryResult(body)
	want, wantErr := unmarshalQueryResult(body)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() || !reflect.DeepEqual(got, want) {
		t.Errorf("%q: got %#v, %v; encoding/json reads %#v, %v", body, got, err, want, wantErr)
	}
}

// The host's exec result is read by hand, anything else by encoding/json.
func TestDecodeExecResult(t *testing.T) {
	for _, body := range []string{`{"rows_affected":3,"last_insert_id":42}`, `{"rows_affected":0,"last_insert_id":-9223372036854775808}`} {
		if _, ok := readExecResult([]byte(body)); !ok {
			t.Errorf("%s: not read by hand", body)
		}
		sameExecAsEncodingJSON(t, []byte(body))
	}
	for _, body := range []string{
		``, `{}`, `{"rows_affected":1}`, `{"rows_affected":1.0,"last_insert_id":2}`, `{"rows_affected":1e2,"last_insert_id":2}`,
		`{"rows_affected":"1","last_insert_id":2}`, `{"rows_affected":01,"last_insert_id":2}`, `{"rows_affected":1,"last_insert_id":9223372036854775808}`,
		`{"last_insert_id":2,"rows_affected":1}`, `{"rows_affected":1,"last_insert_id":2} `, `{"rows_affected":1,"last_insert_id":2}x`,
		`{"rows_affected":-0,"last_insert_id":2}`, `{"rows_affected":-,"last_insert_id":2}`,
	} {
		sameExecAsEncodingJSON(t, []byte(body))
	}
}

func FuzzDecodeExecResult(f *testing.F) {
	f.Add([]byte(`{"rows_affected":3,"last_insert_id":42}`))
	f.Add([]byte(`{"rows_affected":1.0,"last_insert_id":2}`))
	f.Fuzz(sameExecAsEncodingJSON)
}

func sameExecAsEncodingJSON(t *testing.T, body []byte) {
	got, err := decodeExecResult(body)
	want, wantErr := unmarshalExecResult(body)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() || got != want {
		t.Errorf("%q: got %#v, %v; encoding/json reads %#v, %v", body, got, err, want, wantErr)
	}
}
