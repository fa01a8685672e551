package gojinn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// decodeQueryResult reads sql_query's result object. The host writes it
// in one exact shape (sqldb's rowsWriter: no spaces, the keys in order,
// strings escaped only where JSON requires), which readQueryResult reads
// by hand: encoding/json's reflection costs a Go guest more than the
// query itself. Anything else goes through encoding/json, so the result,
// or the error, is always what encoding/json makes of the object.
func decodeQueryResult(body []byte) (*QueryResult, error) {
	if res, ok := readQueryResult(body); ok {
		return res, nil
	}
	return unmarshalQueryResult(body)
}

// unmarshalQueryResult reads a result object with encoding/json.
func unmarshalQueryResult(body []byte) (*QueryResult, error) {
	var wire struct {
		Columns []string            `json:"columns"`
		Rows    [][]json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("malformed result: %v: %w", err, ErrIO)
	}
	rows := make([][]any, len(wire.Rows))
	for i, raw := range wire.Rows {
		if len(raw) != len(wire.Columns) {
			return nil, fmt.Errorf("row %d has %d values for %d columns: %w", i, len(raw), len(wire.Columns), ErrIO)
		}
		rows[i] = make([]any, len(raw))
		for j, v := range raw {
			var err error
			if rows[i][j], err = decodeSQLValue(v); err != nil {
				return nil, err
			}
		}
	}
	return &QueryResult{Columns: wire.Columns, Rows: rows}, nil
}

// readQueryResult reads body if it is exactly in the host's shape, with
// every value one decodeSQLValue reads; ok is false for anything else.
func readQueryResult(body []byte) (res *QueryResult, ok bool) {
	r := resultReader{b: body}
	if !r.skip(`{"columns":[`) {
		return nil, false
	}
	columns := make([]string, 0, 8)
	for !r.skip("]") {
		if len(columns) > 0 && !r.skip(",") {
			return nil, false
		}
		raw, ok := r.str()
		if !ok {
			return nil, false
		}
		name, ok := jsonText(raw)
		if !ok {
			return nil, false
		}
		columns = append(columns, name)
	}
	if !r.skip(`,"rows":[`) {
		return nil, false
	}
	// One backing array for every row's values, each row capped to its
	// own part of it.
	var values []any
	n := 0
	for !r.skip("]") {
		if n > 0 && !r.skip(",") || !r.skip("[") {
			return nil, false
		}
		for j := range columns {
			if j > 0 && !r.skip(",") {
				return nil, false
			}
			raw, ok := r.value()
			if !ok {
				return nil, false
			}
			v, err := decodeSQLValue(raw)
			if err != nil {
				return nil, false
			}
			values = append(values, v)
		}
		if !r.skip("]") {
			return nil, false
		}
		n++
	}
	if !r.skip("}") || r.i != len(r.b) {
		return nil, false
	}
	rows := make([][]any, n)
	w := len(columns)
	for i := range rows {
		rows[i] = values[i*w : (i+1)*w : (i+1)*w]
		if rows[i] == nil {
			rows[i] = []any{} // no columns: an empty row, as encoding/json makes it
		}
	}
	return &QueryResult{Columns: columns, Rows: rows}, true
}

// decodeExecResult reads sql_exec's result object, by hand in the host's
// shape, else with encoding/json, as decodeQueryResult.
func decodeExecResult(body []byte) (ExecResult, error) {
	if res, ok := readExecResult(body); ok {
		return res, nil
	}
	return unmarshalExecResult(body)
}

// readExecResult reads body if it is exactly {"rows_affected":n,"last_insert_id":n}.
func readExecResult(body []byte) (res ExecResult, ok bool) {
	r := resultReader{b: body}
	if !r.skip(`{"rows_affected":`) {
		return res, false
	}
	if res.RowsAffected, ok = r.integer(); !ok || !r.skip(`,"last_insert_id":`) {
		return res, false
	}
	if res.LastInsertID, ok = r.integer(); !ok || !r.skip("}") {
		return res, false
	}
	return res, r.i == len(r.b)
}

// unmarshalExecResult reads an exec result object with encoding/json.
func unmarshalExecResult(body []byte) (ExecResult, error) {
	var wire struct {
		RowsAffected int64 `json:"rows_affected"`
		LastInsertID int64 `json:"last_insert_id"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return ExecResult{}, fmt.Errorf("malformed result: %v: %w", err, ErrIO)
	}
	return ExecResult(wire), nil
}

// resultReader walks a result object; every method leaves i unchanged
// when it answers false.
type resultReader struct {
	b []byte
	i int
}

// skip consumes s if the input continues with it.
func (r *resultReader) skip(s string) bool {
	if len(r.b)-r.i < len(s) || string(r.b[r.i:r.i+len(s)]) != s {
		return false
	}
	r.i += len(s)
	return true
}

// str consumes a JSON string (quotes included) with no control character
// in it and returns it raw; its escapes are not checked.
func (r *resultReader) str() ([]byte, bool) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false
	}
	for j := r.i + 1; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			raw := r.b[r.i : j+1]
			r.i = j + 1
			return raw, true
		case c == '\\':
			j++ // the escaped character is not the string's end
		case c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// value consumes one value of a row: a literal, a number in JSON's
// grammar, a string, or a blob object with nothing escaped in it.
func (r *resultReader) value() ([]byte, bool) {
	if r.i >= len(r.b) {
		return nil, false
	}
	start := r.i
	switch c := r.b[r.i]; {
	case c == '"':
		return r.str()
	case c == '{':
		if !r.skip(`{"blob":`) {
			return nil, false
		}
		if raw, ok := r.str(); !ok || bytes.IndexByte(raw, '\\') >= 0 || !r.skip("}") {
			r.i = start
			return nil, false
		}
	case c == 'n':
		if !r.skip("null") {
			return nil, false
		}
	case c == 't':
		if !r.skip("true") {
			return nil, false
		}
	case c == 'f':
		if !r.skip("false") {
			return nil, false
		}
	default:
		if !r.number() {
			return nil, false
		}
	}
	return r.b[start:r.i], true
}

// number consumes a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (r *resultReader) number() bool {
	j := r.i
	if j < len(r.b) && r.b[j] == '-' {
		j++
	}
	switch {
	case j < len(r.b) && r.b[j] == '0':
		j++
	case j < len(r.b) && r.b[j] >= '1' && r.b[j] <= '9':
		j = digits(r.b, j)
	default:
		return false
	}
	if j < len(r.b) && r.b[j] == '.' {
		if k := digits(r.b, j+1); k > j+1 {
			j = k
		} else {
			return false
		}
	}
	if j < len(r.b) && (r.b[j] == 'e' || r.b[j] == 'E') {
		k := j + 1
		if k < len(r.b) && (r.b[k] == '+' || r.b[k] == '-') {
			k++
		}
		if e := digits(r.b, k); e > k {
			j = e
		} else {
			return false
		}
	}
	r.i = j
	return true
}

// integer consumes a JSON number that is an integer literal within
// int64, as encoding/json reads one into an int64.
func (r *resultReader) integer() (int64, bool) {
	start := r.i
	if !r.number() {
		return 0, false
	}
	n, err := strconv.ParseInt(string(r.b[start:r.i]), 10, 64)
	if err != nil {
		r.i = start
		return 0, false
	}
	return n, true
}

// digits is the index after the run of decimal digits at b[i:].
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// jsonText is the text of a raw JSON string as encoding/json reads it:
// the bytes themselves when nothing is escaped and they are valid UTF-8,
// else through encoding/json.
func jsonText(raw []byte) (string, bool) {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}
