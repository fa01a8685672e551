package host

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxSQLRequest caps a sql_query or sql_exec request, in bytes: over it
// the call is too_large before anything is decoded.
const MaxSQLRequest = 1 << 20

// SQL runs one handler's statements on one database under one grant (the
// gojinn app's `database` blocks, package sqldb, implement it): a `read`
// grant's SQL is a connection the database itself keeps from writing.
// Each call runs exactly one statement, with params bound positionally,
// and commits on its own. Params hold only nil, bool, int64, float64,
// string and []byte.
//
// Query returns the result object of docs/host-abi.md,
// {"columns": [...], "rows": [[...]]}; Exec returns
// {"rows_affected": n, "last_insert_id": n}. Errors are the Err* of this
// package, wrapped or not; a failure the database itself reported is an
// *SQLError, whose message the guest gets. ctx is the run's: done when the
// run is stopped.
type SQL interface {
	Query(ctx context.Context, stmt string, params []any) ([]byte, error)
	Exec(ctx context.Context, stmt string, params []any) ([]byte, error)
}

// SQLError is a statement the database refused: Kind is ErrInvalid
// (syntax, unknown table, wrong parameters), ErrConflict (a constraint)
// or ErrDenied (a write on a read-only connection, the authorizer), and
// Message the database's own words, which the guest reads under a handle.
type SQLError struct {
	Kind    error
	Message string
}

func (e *SQLError) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrConflict) and StatusOf work.
func (e *SQLError) Unwrap() error { return e.Kind }

// SQLRequest is a guest's statement, as decoded from the ABI.
type SQLRequest struct {
	// DB names the database: a `sql` grant of the handler.
	DB string
	// SQL is the statement's text, placeholders in the database's own
	// form (? for SQLite, $1 for PostgreSQL).
	SQL string
	// Params are the values bound to the placeholders, in order: nil,
	// bool, int64, float64, string or []byte.
	Params []any
}

// sqlRequest is the request object of the ABI.
type sqlRequest struct {
	DB     string            `json:"db"`
	SQL    string            `json:"sql"`
	Params []json.RawMessage `json:"params"`
}

// DecodeSQLRequest decodes a sql_query or sql_exec request object
// (docs/host-abi.md): db and sql are required; a param is null, a
// boolean, a number (an integer literal that fits an i64 is an int64,
// any other number a float64), a string, or {"blob": "<base64>"}.
// Members it does not know are ignored. Its error wraps ErrInvalid.
func DecodeSQLRequest(b []byte) (*SQLRequest, error) {
	if !utf8.Valid(b) {
		return nil, ErrInvalid
	}
	var in sqlRequest
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, errors.Join(ErrInvalid, err)
	}
	if in.DB == "" || in.SQL == "" {
		return nil, errors.Join(ErrInvalid, errors.New("db and sql are required"))
	}
	req := &SQLRequest{DB: in.DB, SQL: in.SQL, Params: make([]any, len(in.Params))}
	for i, raw := range in.Params {
		v, err := decodeSQLValue(raw)
		if err != nil {
			return nil, errors.Join(ErrInvalid, fmt.Errorf("params[%d]: %w", i, err))
		}
		req.Params[i] = v
	}
	return req, nil
}

// decodeSQLValue decodes one param.
func decodeSQLValue(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("empty value")
	}
	switch raw[0] {
	case 'n':
		return nil, nil // json.Unmarshal checked the literal
	case 't', 'f':
		return raw[0] == 't', nil
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '{':
		var blob struct {
			Blob *string `json:"blob"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&blob); err != nil || blob.Blob == nil {
			return nil, errors.New(`an object value is {"blob": "<base64>"}`)
		}
		return base64.StdEncoding.DecodeString(*blob.Blob)
	case '[':
		return nil, errors.New("an array is not a value")
	}
	// A number, as json.Unmarshal checked it.
	s := string(raw)
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("%s is not a float64", s)
	}
	return f, nil
}

// sqlQuery is sql_query(req_ptr, req_len, out_ptr).
func sqlQuery(ctx context.Context, r *Run, g *guest) Status {
	return sqlCall(ctx, r, g, "sql_query", SQL.Query)
}

// sqlExec is sql_exec(req_ptr, req_len, out_ptr).
func sqlExec(ctx context.Context, r *Run, g *guest) Status {
	return sqlCall(ctx, r, g, "sql_exec", SQL.Exec)
}

// sqlCall checks, in this order (contract/README.md): the ranges
// (invalid, nothing written), the request (too_large over MaxSQLRequest,
// invalid), the database's grant (denied); then runs the statement. It
// writes two u32 at out_ptr: on ok the result's handle and size; on a
// failure the database reported (*SQLError) a handle holding its
// message; otherwise 0 and 0.
func sqlCall(ctx context.Context, r *Run, g *guest, function string,
	run func(db SQL, ctx context.Context, stmt string, params []any) ([]byte, error),
) Status {
	reqB := g.bytes(0)
	out := g.out(2, 8)
	if !g.ok {
		return StatusInvalid
	}
	st, held := sqlStatus(ctx, r, reqB, function, run)
	r.mu.Lock()
	defer r.mu.Unlock()
	var handle uint32
	if held != nil {
		r.responses = append(r.responses, &response{body: held})
		handle = uint32(len(r.responses))
	}
	g.mem.WriteUint32Le(out, handle)
	g.mem.WriteUint32Le(out+4, uint32(len(held)))
	return st
}

// sqlStatus runs the checks and the statement: its status, and what the
// guest reads under a handle (the result, or the database's message).
func sqlStatus(ctx context.Context, r *Run, reqB []byte, function string,
	run func(db SQL, ctx context.Context, stmt string, params []any) ([]byte, error),
) (Status, []byte) {
	if len(reqB) > MaxSQLRequest {
		return StatusTooLarge, nil
	}
	req, err := DecodeSQLRequest(reqB)
	if err != nil {
		return StatusInvalid, nil
	}
	var db SQL
	if r.Grants != nil {
		db = r.Grants.SQL[req.DB]
	}
	if db == nil {
		return r.deny(function, fmt.Sprintf("database %q is not granted", req.DB)), nil
	}
	res, err := run(db, ctx, req.SQL, req.Params)
	if err == nil {
		return StatusOK, res
	}
	var dbErr *SQLError
	if errors.As(err, &dbErr) {
		st := StatusOf(dbErr.Kind)
		if st == StatusDenied && r.Denied != nil {
			r.Denied(function, fmt.Sprintf("database %q: %s", req.DB, dbErr.Message))
		}
		return st, []byte(dbErr.Message)
	}
	return StatusOf(err), nil
}
