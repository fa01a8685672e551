package gojinn

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"
)

// Every parameter type is written as the ABI's JSON value: integers as
// integer literals, floats always with a fraction or an exponent (so the
// host binds 3.0 as a float), bytes as a blob, times as RFC 3339 text.
func TestAppendSQLValue(t *testing.T) {
	at := time.Date(2026, 12, 3, 17, 0, 0, 123456789, time.FixedZone("", 2*3600))
	cases := []struct {
		v    any
		want string
	}{
		{nil, `null`},
		{true, `true`},
		{false, `false`},
		{42, `42`},
		{int8(-8), `-8`},
		{int16(-16), `-16`},
		{int32(-32), `-32`},
		{int64(math.MinInt64), `-9223372036854775808`},
		{uint(7), `7`},
		{uint8(8), `8`},
		{uint16(16), `16`},
		{uint32(32), `32`},
		{uint64(math.MaxInt64), `9223372036854775807`},
		{3.0, `3.0`},
		{-0.5, `-0.5`},
		{1e21, `1e+21`},
		{100000.0, `100000.0`},
		{float32(0.1), `0.1`},
		{"", `""`},
		{`a "quoted" é <tag>`, `"a \"quoted\" é \u003ctag\u003e"`},
		{[]byte{0, 0xff, 'a'}, `{"blob":"AP9h"}`},
		{[]byte{}, `{"blob":""}`},
		{at, `"2026-12-03T17:00:00.123456789+02:00"`},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), `"2026-01-02T03:04:05Z"`},
	}
	for _, tc := range cases {
		got, err := appendSQLValue([]byte("x"), tc.v)
		if err != nil || string(got) != "x"+tc.want {
			t.Errorf("%T %v: got %s, %v; want %s", tc.v, tc.v, got, err, tc.want)
		}
		if !json.Valid(got[1:]) {
			t.Errorf("%T %v: %s is not JSON", tc.v, tc.v, got[1:])
		}
	}
}

// A value the ABI cannot carry is ErrInvalid, never a changed value.
func TestAppendSQLValueInvalid(t *testing.T) {
	for _, v := range []any{
		uint64(math.MaxInt64) + 1, uint(math.MaxUint), math.NaN(), math.Inf(1), float32(math.Inf(-1)),
		"caf\xe9",
		struct{}{},
		[]string{"a"},
		map[string]any{},
		new(int),
	} {
		if got, err := appendSQLValue(nil, v); !errors.Is(err, ErrInvalid) || got != nil {
			t.Errorf("%T %v: got %s, %v; want ErrInvalid", v, v, got, err)
		}
	}
}

// Results decode to the Go types the ABI names: an integer literal is an
// int64, any other number a float64 (also 3.0 and an integer too large for
// int64), a blob bytes.
func TestDecodeSQLValue(t *testing.T) {
	cases := []struct {
		json string
		want any
	}{
		{`null`, nil},
		{`true`, true},
		{`"text"`, "text"},
		{`""`, ""},
		{`"a \"quoted\" \u00e9\n"`, "a \"quoted\" é\n"},
		{`"é 😀"`, "é 😀"},
		{`42`, int64(42)},
		{`-9223372036854775808`, int64(math.MinInt64)},
		{`9223372036854775808`, 9223372036854775808.0},
		{`3.0`, 3.0},
		{`2.5`, 2.5},
		{`1e3`, 1000.0},
		{`-1E-2`, -0.01},
		{`{"blob":"AP9h"}`, []byte{0, 0xff, 'a'}},
		{`{"blob":""}`, []byte{}},
	}
	for _, tc := range cases {
		got, err := decodeSQLValue(json.RawMessage(tc.json))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %#v, %v; want %#v", tc.json, got, err, tc.want)
		}
	}
}

// Anything else from the host is ErrIO.
func TestDecodeSQLValueMalformed(t *testing.T) {
	for _, s := range []string{``, `"`, `"\x"`, `nul`, `truex`, `-`, `[1]`, `{}`, `{"blob":"!!"}`, `{"blob":1}`, `{"blob":"}`, `{"blob":"A"}`, `{"blob":"","x":1}`, `{"text":"a"}`, `1e400`} {
		if got, err := decodeSQLValue(json.RawMessage(s)); !errors.Is(err, ErrIO) {
			t.Errorf("%s: got %#v, %v; want ErrIO", s, got, err)
		}
	}
}

// Strings are written as json.Marshal writes them, byte for byte.
func TestAppendJSONString(t *testing.T) {
	for _, s := range jsonStrings {
		sameAsMarshal(t, s)
	}
}

var jsonStrings = []string{
	"", "main", "SELECT name FROM items WHERE id = ?", `a "q" \ b`, "<a href='x'>&amp;</a>",
	"\x00\x01\x07\b\t\n\v\f\r\x1f\x7f", "é 😀 \u2028\u2029 \ufffd", "caf\xe9 \xff\xfe x\xe2\x82", "\xed\xa0\x80",
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s)
	}
	f.Fuzz(sameAsMarshal)
}

func sameAsMarshal(t *testing.T, s string) {
	want, _ := json.Marshal(s)
	if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
		t.Errorf("%q: got %s, json.Marshal writes %s", s, got[1:], want)
	}
}
