package sqldriver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

// errTransactions is what Begin returns: each host call commits on its
// own (docs/host-abi.md), so a transaction cannot be kept across calls.
var errTransactions = fmt.Errorf("gojinn: sql: no transactions: each statement commits on its own: %w", errors.ErrUnsupported)

// conn is a database/sql connection: every statement is one host call.
type conn struct{ db database }

// Prepare keeps the statement's text: the host prepares nothing ahead.
func (c *conn) Prepare(query string) (driver.Stmt, error) { return &stmt{conn: c, text: query}, nil }

// Close does nothing: the host holds the database's connections.
func (c *conn) Close() error { return nil }

// Begin is refused: there are no transactions across host calls.
func (c *conn) Begin() (driver.Tx, error) { return nil, errTransactions }

// BeginTx is refused, as Begin.
func (c *conn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	return nil, errTransactions
}

// QueryContext runs the statement with sql_query and keeps its rows.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	params, err := positional(args)
	if err != nil {
		return nil, err
	}
	res, err := c.db.Query(ctx, query, params...)
	if err != nil {
		return nil, err
	}
	return &rows{columns: res.Columns, values: res.Rows}, nil
}

// ExecContext runs the statement with sql_exec.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	params, err := positional(args)
	if err != nil {
		return nil, err
	}
	res, err := c.db.Exec(ctx, query, params...)
	if err != nil {
		return nil, err
	}
	return result{lastInsertID: res.LastInsertID, rowsAffected: res.RowsAffected}, nil
}

// CheckNamedValue lets the values database/sql passes on unchanged
// (driver.IsValue) through, and makes an int the int64 its default
// conversion makes of one, without the reflection that conversion costs
// a guest; anything else (other integer types, pointers, driver.Valuer)
// is left to that conversion (driver.ErrSkip).
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case nil, int64, float64, bool, string, []byte, time.Time:
		return nil
	case int:
		nv.Value = int64(v)
		return nil
	}
	return driver.ErrSkip
}

// positional is the arguments' values in order; a named one (sql.Named)
// is an error, as the ABI's parameters are positional.
func positional(args []driver.NamedValue) ([]any, error) {
	params := make([]any, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, fmt.Errorf("gojinn: sql: named parameter %q: use the database's positional placeholders (? or $1)", a.Name)
		}
		params[i] = a.Value
	}
	return params, nil
}

// result is an Exec's counts.
type result struct{ lastInsertID, rowsAffected int64 }

// LastInsertId is the rowid of the last row inserted (SQLite; 0 on PostgreSQL).
func (r result) LastInsertId() (int64, error) { return r.lastInsertID, nil }

// RowsAffected is the number of rows the statement changed.
func (r result) RowsAffected() (int64, error) { return r.rowsAffected, nil }
