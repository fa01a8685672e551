package sqldriver

import (
	"context"
	"database/sql/driver"
)

// stmt is a prepared statement: its text, sent with each execution.
type stmt struct {
	conn *conn
	text string
}

// Close does nothing: nothing was prepared on the host.
func (s *stmt) Close() error { return nil }

// NumInput is -1: the database counts the placeholders (a wrong number of
// arguments is its ErrInvalid).
func (s *stmt) NumInput() int { return -1 }

// ExecContext runs the statement's text with the arguments.
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.conn.ExecContext(ctx, s.text, args)
}

// QueryContext runs the statement's text with the arguments.
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.QueryContext(ctx, s.text, args)
}

// Exec is for database/sql before Go 1.8; it calls ExecContext.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

// Query is for database/sql before Go 1.8; it calls QueryContext.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, v := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}
