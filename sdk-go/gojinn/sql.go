package gojinn

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// Database is a SQL database granted to this handler (`sql <name>` or
// `sql <name> read` in its Caddyfile block, docs/sql.md). Each call runs
// one statement on a pooled connection and commits on its own: there is
// no transaction across calls. Most programs use it through database/sql
// with the driver of package github.com/gojinn/gojinn/sdk-go/sqldriver.
//
// Parameters are positional, with the database's own placeholders (`?`
// for SQLite, `$1` for PostgreSQL): nil, bool, any integer type (unsigned
// up to math.MaxInt64), float32, float64, string (UTF-8), []byte and
// time.Time (sent as RFC 3339 text with nanoseconds); anything else is
// ErrInvalid. Results hold nil, int64, float64, bool, string and []byte.
//
// Every error wraps one of the package's sentinel errors: ErrDenied
// without a grant for the database, or for a write under a read grant;
// ErrInvalid for an SQL error (syntax, unknown table, wrong number of
// parameters) or a second statement in the text; ErrConflict for a
// violated constraint; ErrTooLarge for a result over the database's
// max_rows or max_result; ErrTimeout, ErrUnavailable, ErrIO. When the
// database itself gave the reason, the error is also a *SQLError holding
// its message, which the error's text shows.
type Database struct {
	name string
	abi  abi
}

// SQL opens the database named name (the gojinn app's `database <name>`).
// Nothing is checked until the first call.
func SQL(name string) *Database { return &Database{name: name, abi: hostABI{}} }

// QueryResult is the whole result of Query: the column names and every
// row, each with one value per column.
type QueryResult struct {
	Columns []string
	Rows    [][]any
}

// ExecResult is the result of Exec.
type ExecResult struct {
	// RowsAffected is the number of rows the statement changed.
	RowsAffected int64
	// LastInsertID is the rowid of the last row inserted (SQLite); 0 on
	// PostgreSQL, where `RETURNING id` with Query gives it.
	LastInsertID int64
}

// SQLError is a failure the database reported, with its message
// (`UNIQUE constraint failed: notes.title`). errors.Is sees its sentinel:
// errors.Is(err, gojinn.ErrConflict).
type SQLError struct {
	// Err is the failure's sentinel error: ErrInvalid, ErrConflict or
	// ErrDenied.
	Err error
	// Message is the database's own message.
	Message string
}

// Error is the sentinel's text and the database's message.
func (e *SQLError) Error() string { return e.Err.Error() + ": " + e.Message }

// Unwrap returns the sentinel error.
func (e *SQLError) Unwrap() error { return e.Err }

// Query runs a statement that returns rows (SELECT, or a write with
// RETURNING) and returns them all: the host never truncates a result, a
// larger one is ErrTooLarge. ctx ending before the call is its error; the
// call itself is bounded by the database's timeout and the run's deadline.
func (d *Database) Query(ctx context.Context, text string, params ...any) (*QueryResult, error) {
	body, err := d.call(ctx, "query", d.abi.sqlQuery, text, params)
	if err != nil {
		return nil, err
	}
	res, err := decodeQueryResult(body)
	if err != nil {
		return nil, d.fail("query", err)
	}
	return res, nil
}

// Exec runs a statement that returns no rows (INSERT, UPDATE, DELETE,
// CREATE TABLE...) and returns its counts, as Query for ctx and bounds.
func (d *Database) Exec(ctx context.Context, text string, params ...any) (ExecResult, error) {
	body, err := d.call(ctx, "exec", d.abi.sqlExec, text, params)
	if err != nil {
		return ExecResult{}, err
	}
	res, err := decodeExecResult(body)
	if err != nil {
		return ExecResult{}, d.fail("exec", err)
	}
	return res, nil
}

// call sends the request through sql_query or sql_exec and returns what
// the handle holds: the result on ok; on a failure the database reported,
// a *SQLError with its message.
func (d *Database) call(ctx context.Context, op string, sqlCall func([]byte) (uint32, uint32, status), text string, params []any) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, d.fail(op, err)
	}
	if !utf8.ValidString(text) {
		return nil, d.fail(op, fmt.Errorf("statement text that is not UTF-8: %w", ErrInvalid))
	}
	// The request object, {"db": ..., "sql": ..., "params": [...]}, written
	// by hand: encoding/json's reflection is slow in a fresh wasm instance.
	req := appendJSONString(append(make([]byte, 0, 64+len(text)), `{"db":`...), d.name)
	req = appendJSONString(append(req, `,"sql":`...), text)
	if len(params) > 0 {
		req = append(req, `,"params":[`...)
		for i, p := range params {
			if i > 0 {
				req = append(req, ',')
			}
			var err error
			if req, err = appendSQLValue(req, p); err != nil {
				return nil, d.fail(op, fmt.Errorf("parameter %d: %w", i+1, err))
			}
		}
		req = append(req, ']')
	}
	req = append(req, '}')
	handle, size, st := sqlCall(req)
	if handle == 0 {
		if st == statusOK {
			st = statusIOError // an ok call always has a handle
		}
		return nil, d.fail(op, st.err())
	}
	defer d.abi.fetchClose(handle)
	body, readSt := readSized(make([]byte, size), func(buf []byte) (uint32, status) { return d.abi.fetchBody(handle, buf) })
	switch {
	case st == statusOK && readSt == statusOK:
		return body, nil
	case st == statusOK:
		return nil, d.fail(op, readSt.err())
	case readSt == statusOK && len(body) > 0:
		return nil, d.fail(op, &SQLError{Err: st.err(), Message: string(body)})
	default:
		return nil, d.fail(op, st.err())
	}
}

// fail wraps err (nil stays nil) with the operation and the database.
func (d *Database) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("gojinn: sql %s %s: %w", op, d.name, err)
}
