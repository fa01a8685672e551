package sqldb

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/gojinn/gojinn/host"
)

// rowsWriter builds a query's result object, {"columns": [...], "rows":
// [[...]]}, as the rows arrive, and refuses it (host.ErrTooLarge) as soon
// as it has more than maxRows rows or more than maxBytes bytes: a result
// is never truncated, and never held whole past its cap.
type rowsWriter struct {
	buf      []byte
	rows     int
	maxRows  int
	maxBytes int
	first    bool // the next value is the first of its row
}

func newRowsWriter(maxRows, maxBytes int) *rowsWriter {
	return &rowsWriter{maxRows: maxRows, maxBytes: maxBytes}
}

// columns starts the object with the column names.
func (w *rowsWriter) columns(names []string) {
	w.buf = append(w.buf, `{"columns":[`...)
	for i, n := range names {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendString(w.buf, n)
	}
	w.buf = append(w.buf, `],"rows":[`...)
}

// row starts a row: ErrTooLarge past maxRows.
func (w *rowsWriter) row() error {
	if w.rows == w.maxRows {
		return fmt.Errorf("more than max_rows (%d) rows: %w", w.maxRows, host.ErrTooLarge)
	}
	if w.rows > 0 {
		w.buf = append(w.buf, ',')
	}
	w.rows++
	w.buf = append(w.buf, '[')
	w.first = true
	return nil
}

// endRow ends a row: ErrTooLarge past maxBytes.
func (w *rowsWriter) endRow() error {
	w.buf = append(w.buf, ']')
	return w.check(len("]}"))
}

// value appends one value: nil, bool, int64, float64, string (text) or
// []byte (a blob).
func (w *rowsWriter) value(v any) error {
	if !w.first {
		w.buf = append(w.buf, ',')
	}
	w.first = false
	w.buf = appendValue(w.buf, v)
	return w.check(len("]]}"))
}

// check refuses a result that is over maxBytes, counting the end still
// to come.
func (w *rowsWriter) check(end int) error {
	if len(w.buf)+end > w.maxBytes {
		return fmt.Errorf("result over max_result (%d bytes): %w", w.maxBytes, host.ErrTooLarge)
	}
	return nil
}

// bytes ends the object and returns it.
func (w *rowsWriter) bytes() ([]byte, error) {
	w.buf = append(w.buf, "]}"...)
	return w.buf, w.check(0)
}

// execResult is sql_exec's result object.
func execResult(affected, lastID int64) []byte {
	b := append([]byte(`{"rows_affected":`), strconv.FormatInt(affected, 10)...)
	b = append(b, `,"last_insert_id":`...)
	b = strconv.AppendInt(b, lastID, 10)
	return append(b, '}')
}

// appendValue appends v as a value of the ABI. A float is written with a
// fraction or an exponent (2.0, not 2), so that it reads back as a float;
// NaN and the infinities, which JSON lacks, are the strings "NaN",
// "Infinity" and "-Infinity" (PostgreSQL's spelling, which strconv and
// JavaScript's Number() parse).
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return appendFloat(b, v)
	case string:
		return appendString(b, v)
	case []byte:
		b = append(b, `{"blob":"`...)
		b = base64.StdEncoding.AppendEncode(b, v)
		return append(b, `"}`...)
	}
	panic(fmt.Sprintf("sqldb: no JSON for %T", v)) // the engines pass only the types above
}

// appendFloat writes f as encoding/json and JavaScript do, then adds
// ".0" to an integral value.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	start := len(b)
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7, as JavaScript writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
		return b
	}
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".0"...)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping as JSON.stringify
// does (no HTML escaping); each byte of invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c >= 0x20:
				b = append(b, c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
