package sqldriver

import (
	"database/sql/driver"
	"io"
	"time"
)

// rows is a query's whole result, which the host returned at once.
type rows struct {
	columns []string
	values  [][]any
	next    int
}

// Columns returns the column names.
func (r *rows) Columns() []string { return r.columns }

// Close drops the rows not read.
func (r *rows) Close() error {
	r.values = nil
	return nil
}

// Next copies the next row into dest (io.EOF after the last), with RFC 3339
// text as a time.Time.
func (r *rows) Next(dest []driver.Value) error {
	if r.next >= len(r.values) {
		return io.EOF
	}
	for i, v := range r.values[r.next] {
		if s, ok := v.(string); ok {
			if t, ok := timestamp(s); ok {
				v = t
			}
		}
		dest[i] = v
	}
	r.next++
	return nil
}

// timestamp is s as a time if s is exactly an RFC 3339 timestamp as a
// time.Time parameter is written: database/sql scans a time.Time into a
// time.Time, and into a string as this same text, so nothing is lost.
func timestamp(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[10] != 'T' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Format(time.RFC3339Nano) != s {
		return time.Time{}, false
	}
	return t, true
}
