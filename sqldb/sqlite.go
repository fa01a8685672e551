package sqldb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/gojinn/gojinn/host"
)

// sqliteDB is a SQLite file behind one writer connection and a pool of
// read-only ones (opened with SQLITE_OPEN_READONLY, so that SQLite itself
// refuses their writes). The file is in WAL mode: readers do not wait for
// the writer. The writer stays open for the life of the pool, which keeps
// the WAL's -shm and -wal files that read-only connections need.
type sqliteDB struct {
	path    string
	busy    time.Duration
	maxLen  int              // SQLITE_LIMIT_LENGTH: the largest value
	writer  chan *sqliteConn // holds the one writer
	readers chan *sqliteConn // nil entries: not opened yet
}

// sqliteConn is one connection, its prepared statements and why its
// authorizer last refused.
type sqliteConn struct {
	c      *sqlite3.Conn
	denied string
	// stmts are statements already prepared, by their text: preparing
	// is most of a point query's cost. They hold nothing of a call once
	// reset, and SQLite prepares them again (through the authorizer)
	// when the schema changes.
	stmts map[string]*sqlite3.Stmt
}

// maxStmts caps a connection's prepared statements; past it one is
// dropped.
const maxStmts = 64

func openSQLite(cfg Config) (*sqliteDB, error) {
	if cfg.Path == "" {
		return nil, errors.New("no SQLite file given")
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o700); err != nil {
		return nil, err
	}
	readers := cfg.Pool
	if readers == 0 {
		readers = DefaultSQLiteReaders
	}
	db := &sqliteDB{
		path:    cfg.Path,
		busy:    min(sqliteBusyTimeoutCeil, cfg.Timeout/2),
		maxLen:  max(cfg.MaxResult, host.MaxSQLRequest),
		writer:  make(chan *sqliteConn, 1),
		readers: make(chan *sqliteConn, readers),
	}
	w, err := db.open(false)
	if err != nil {
		return nil, err
	}
	db.writer <- w
	for range readers {
		db.readers <- nil
	}
	return db, nil
}

// open opens a connection: the writer puts the file in WAL mode; every
// connection enforces foreign keys, trusts no schema-borne SQL, can
// attach no database (which also stops VACUUM and VACUUM INTO: they
// attach their target), makes no value larger than a request or a
// result could hold (zeroblob(1e9) would take a GB of memory that the
// connection keeps) and has the authorizer.
func (db *sqliteDB) open(readOnly bool) (*sqliteConn, error) {
	flags := sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE
	if readOnly {
		flags = sqlite3.OPEN_READONLY
	}
	c, err := sqlite3.OpenFlags(db.path, flags)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", db.path, err)
	}
	setup := "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF"
	if !readOnly {
		setup = "PRAGMA journal_mode=WAL; " + setup
	}
	if err := c.Exec(setup); err != nil {
		c.Close()
		return nil, fmt.Errorf("setting up %s: %w", db.path, err)
	}
	if err := c.BusyTimeout(db.busy); err != nil {
		c.Close()
		return nil, err
	}
	c.Limit(sqlite3.LIMIT_ATTACHED, 0)
	c.Limit(sqlite3.LIMIT_LENGTH, db.maxLen)
	conn := &sqliteConn{c: c, stmts: map[string]*sqlite3.Stmt{}}
	if err := c.SetAuthorizer(conn.authorize); err != nil {
		c.Close()
		return nil, err
	}
	return conn, nil
}

// acquire takes a connection of pool, opening it if needed.
func (db *sqliteDB) acquire(ctx context.Context, pool chan *sqliteConn, readOnly bool) (*sqliteConn, error) {
	select {
	case c := <-pool:
		if c != nil {
			return c, nil
		}
		c, err := db.open(readOnly)
		if err != nil {
			pool <- nil
			return nil, errors.Join(host.ErrUnavailable, err)
		}
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release gives c back to pool; a connection left inside a transaction
// (which the authorizer should make impossible) is closed instead.
func (db *sqliteDB) release(pool chan *sqliteConn, c *sqliteConn) {
	c.c.SetInterrupt(context.Background())
	if !c.c.GetAutocommit() {
		_ = c.close()
		c = nil
	}
	pool <- c
}

func (db *sqliteDB) canRead() error { return nil }

// close closes every connection; no call is in flight.
func (db *sqliteDB) close() error {
	var errs []error
	for _, pool := range []chan *sqliteConn{db.writer, db.readers} {
		for range len(pool) {
			if c := <-pool; c != nil {
				errs = append(errs, c.close())
			}
		}
	}
	return errors.Join(errs...)
}

// run prepares stmt on a connection and calls fn with it, bound. A
// statement runs on a reader when the grant is read-only or the
// statement only reads; else on the writer.
func (db *sqliteDB) run(ctx context.Context, readOnly bool, stmt string, params []any, fn func(*sqliteConn, *sqlite3.Stmt) error) error {
	pool := db.readers
	c, err := db.acquire(ctx, pool, true)
	if err != nil {
		return err
	}
	c.c.SetInterrupt(ctx)
	s, err := c.prepare(stmt)
	if err == nil && !readOnly && !s.ReadOnly() {
		c.done(s)
		db.release(pool, c)
		pool = db.writer
		if c, err = db.acquire(ctx, pool, false); err != nil {
			return err
		}
		c.c.SetInterrupt(ctx)
		s, err = c.prepare(stmt)
	}
	defer db.release(pool, c)
	if err != nil {
		return err
	}
	defer c.done(s)
	if err := bind(s, params); err != nil {
		return err
	}
	// last_insert_rowid() reads nothing of an earlier call.
	c.c.SetLastInsertRowID(0)
	return fn(c, s)
}

// prepare returns the statement of stmt, prepared before or now. It is
// exactly one statement: a tail holding another is invalid (whitespace
// and comments are not statements).
func (c *sqliteConn) prepare(stmt string) (*sqlite3.Stmt, error) {
	c.denied = ""
	if s := c.stmts[stmt]; s != nil {
		return s, nil
	}
	s, tail, err := c.c.PrepareFlags(stmt, sqlite3.PREPARE_PERSISTENT)
	if err != nil {
		return nil, c.error(err)
	}
	if s == nil {
		return nil, sqlError(host.ErrInvalid, "no statement")
	}
	if strings.TrimSpace(tail) != "" {
		next, _, err := c.c.Prepare(tail)
		if next != nil {
			next.Close()
		}
		if next != nil || err != nil {
			s.Close()
			return nil, sqlError(host.ErrInvalid, "one statement per call: the text holds a second one")
		}
	}
	if len(c.stmts) == maxStmts {
		for text, old := range c.stmts {
			old.Close()
			delete(c.stmts, text)
			break
		}
	}
	c.stmts[stmt] = s
	return s, nil
}

// done readies s for its next call: reset, its params unbound.
func (c *sqliteConn) done(s *sqlite3.Stmt) {
	_ = s.Reset()
	_ = s.ClearBindings()
}

// close closes the connection and its statements.
func (c *sqliteConn) close() error {
	for _, s := range c.stmts {
		s.Close()
	}
	return c.c.Close()
}

// bind binds params to s, as many as it has placeholders.
func bind(s *sqlite3.Stmt, params []any) error {
	if n := s.BindCount(); n != len(params) {
		return errParams(len(params), n)
	}
	for i, p := range params {
		var err error
		switch v := p.(type) {
		case nil:
			err = s.BindNull(i + 1)
		case bool:
			err = s.BindBool(i+1, v)
		case int64:
			err = s.BindInt64(i+1, v)
		case float64:
			err = s.BindFloat(i+1, v)
		case string:
			err = s.BindText(i+1, v)
		case []byte:
			err = s.BindBlob(i+1, v)
		default:
			err = fmt.Errorf("sqldb: cannot bind %T", v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (db *sqliteDB) query(ctx context.Context, readOnly bool, stmt string, params []any, w *rowsWriter) error {
	return db.run(ctx, readOnly, stmt, params, func(c *sqliteConn, s *sqlite3.Stmt) error {
		// The columns are read after the first step: a statement prepared
		// before a schema change is prepared again by it (SELECT *).
		more := s.Step()
		n := s.ColumnCount()
		names := make([]string, n)
		for i := range names {
			names[i] = s.ColumnName(i)
		}
		w.columns(names)
		for ; more; more = s.Step() {
			if err := w.row(); err != nil {
				return err
			}
			for i := range n {
				var v any
				switch s.ColumnType(i) {
				case sqlite3.INTEGER:
					v = s.ColumnInt64(i)
				case sqlite3.FLOAT:
					v = s.ColumnFloat(i)
				case sqlite3.TEXT:
					v = s.ColumnText(i)
				case sqlite3.BLOB:
					v = s.ColumnRawBlob(i) // encoded before the next step
				}
				if err := w.value(v); err != nil {
					return err
				}
			}
			if err := w.endRow(); err != nil {
				return err
			}
		}
		return c.error(s.Err())
	})
}

func (db *sqliteDB) exec(ctx context.Context, readOnly bool, stmt string, params []any) (affected, lastID int64, err error) {
	err = db.run(ctx, readOnly, stmt, params, func(c *sqliteConn, s *sqlite3.Stmt) error {
		before := c.c.TotalChanges()
		for s.Step() {
		}
		if err := s.Err(); err != nil {
			return c.error(err)
		}
		// changes() keeps the count of the connection's last write, maybe
		// an earlier call's: it is this statement's only if it wrote.
		if c.c.TotalChanges() != before {
			affected = c.c.Changes()
		}
		lastID = c.c.LastInsertRowID()
		return nil
	})
	return affected, lastID, err
}
